// The report's reliability plot: one dot and one whisker per calibration bin, at the bin's coordinates, and a
// "calibration" section only when the analysis has a calibration table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderHtml, renderMarkdown } from "../../../src/report/index.ts";
import { reliabilityPlot } from "../../../src/report/svg.ts";
import { calibration } from "../../../src/stats/calibration.ts";
import { reportFixture } from "../../fixtures/report/fixture.ts";
import { svgsOf, xmlProblems } from "./xml.ts";

test("reliability plot: a dot per bin at (mean p, rate) on the unit square, whiskers at the CI, well-formed SVG", () => {
  const svg = reliabilityPlot({ title: "R", bins: [{ meanP: 0.25, rate: 0.5, ci: [0.25, 0.75], n: 10 }, { meanP: 0.75, rate: 1, ci: [0.6, 1], n: 40 }] });
  assert.deepEqual(xmlProblems(svg), []);
  const dots = [...svg.matchAll(/<circle[^>]*cx="([\d.]+)"[^>]*cy="([\d.]+)"[^>]*r="([\d.]+)"/g)].map((m) => m.slice(1).map(Number));
  assert.equal(dots.length, 2);
  // x = 84 + 300·meanP, y = 60 + 300·(1 − rate); the larger bin has the larger dot.
  assert.deepEqual(dots.map(([x, y]) => [Math.round(x), Math.round(y)]), [[159, 210], [309, 60]]);
  assert.ok(dots[1][2] > dots[0][2]);
});

test("the HTML report gets a calibration section when the analysis has one", () => {
  const input = reportFixture();
  assert.ok(!renderHtml(input).includes(`id="calibration"`));
  const cal = calibration([0.1, 0.2, 0.6, 0.9, 0.95], [0, 0, 1, 1, 1]);
  const html = renderHtml({ ...input, analysis: { ...input.analysis, calibration: cal } });
  assert.ok(html.includes(`id="calibration"`));
  assert.ok(svgsOf(html).every((s) => xmlProblems(s).length === 0));
});

test("the Markdown report gets the same calibration table: one row per non-empty bin, counts as computed", () => {
  const input = reportFixture();
  assert.ok(!renderMarkdown(input).includes("## First-token calibration"));
  const cal = calibration([0.1, 0.2, 0.6, 0.9, 0.95], [0, 0, 1, 1, 1]);
  const md = renderMarkdown({ ...input, analysis: { ...input.analysis, calibration: cal } });
  const at = md.indexOf("## First-token calibration");
  assert.ok(at >= 0);
  const rows = md.slice(at).split("\n").filter((l) => /^\| \\\[0\.\d, /.test(l));
  // p = 0.1, 0.2, 0.6 fall in three bins and 0.9, 0.95 share the last: four rows, n 1, 1, 1, 2
  assert.deepEqual(rows.map((r) => r.split("|")[2].trim()), ["1", "1", "1", "2"]);
  assert.match(rows[3], /^\| \\\[0\.9, 1\.0\\\] \| 2 \| 0\.925 \| 1\.000 \|/);
});
