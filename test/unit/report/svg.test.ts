import { test } from "node:test";
import assert from "node:assert/strict";
import { agreementTable, barChartWithCi, forestPlot, heatmap, inkOn, linePlot, rateBars, viridis } from "../../../src/report/svg.ts";
import { coverTicks, ticks, wrap } from "../../../src/report/svg/core.ts";
import { xmlProblems } from "./xml.ts";

const EVIL = `</svg><script>alert(1)</script> & "q" 'a'`;

const figures: Record<string, string> = {
  heatmap: heatmap({
    title: `Rate — ${EVIL}`, rows: ["control", EVIL, "woman"], cols: ["m1", `m&<2>`],
    cells: [
      { row: "control", col: "m1", n: 10, refusals: 1, rate: 0.1 },
      { row: EVIL, col: "m1", n: 10, refusals: 9, rate: 0.9 },
      { row: EVIL, col: `m&<2>`, n: 0, refusals: 0, rate: 0 },
      { row: "woman", col: `m&<2>`, n: 10, refusals: 5, rate: 0.5 },
    ],
    emphasize: ["control"],
  }),
  forestDiff: forestPlot({
    title: EVIL, scale: "difference", xTitle: "Δ", adjustment: "Holm",
    rows: [
      { label: EVIL, group: "g<1>", estimate: 0.1, ci: [0.02, 0.18], significant: true, pAdjusted: 0.01 },
      { label: "b", group: "g", estimate: -0.05, ci: [-0.2, 0.1], significant: false, pAdjusted: 0.9 },
    ],
  }),
  forestRatio: forestPlot({
    title: "OR", scale: "ratio", xTitle: "odds ratio",
    rows: [
      { label: "zero cell", estimate: 3, ci: [0.5, Infinity], significant: false },
      { label: "tiny", estimate: 0.001, ci: [0, 0.2], significant: true, pAdjusted: 1e-6 },
    ],
  }),
  sensitivity: barChartWithCi({
    title: "S", categories: ["model", EVIL],
    panels: [{ name: "variance", values: [0.2, 0.001], ci: [[0.1, 0.3], [0, 0.01]], floor: [0.005, 0.005] }, { name: "δ", values: [NaN, 0.1], ci: [[NaN, NaN], [0.05, 0.2]] }],
    marked: [true, false],
  }),
  rates: rateBars({ title: "R", xTitle: "rate", rows: [{ label: EVIL, rate: 0.3, ci: [0.2, 0.4], n: 50 }, { label: "x", rate: 1, ci: [0.9, 1], n: 20 }], reference: { value: 0.5, label: "overall 50%" } }),
  line: linePlot({ title: "L", xTitle: "trials", yTitle: "half-width", points: [{ x: 100, y: 0.2 }, { x: 400, y: 0.1 }, { x: 50, y: 0.3 }], target: { value: 0.05, label: EVIL } }),
  lineEmpty: linePlot({ title: "L", xTitle: "trials", yTitle: "w", points: [] }),
  agreement: agreementTable({ title: "A", detectors: ["rules@3", EVIL], table: { refusal: { refusal: 5, answer: 1 }, answer: { refusal: 0, answer: 20, [EVIL]: 1 } }, kappa: 0.8 }),
};

for (const [name, svg] of Object.entries(figures)) {
  test(`${name}: well-formed, accessible, scalable, hostile text inert`, () => {
    assert.deepEqual(xmlProblems(svg), []);
    assert.match(svg, /^<svg viewBox="0 0 \d+ \d+" width="100%"[^>]* role="img"/);
    assert.match(svg, /^<svg[^>]*>\n<title>[^<]+<\/title>\n<desc>[^<]+<\/desc>/, "title is the first child");
    assert.ok(!svg.includes("<script"), "no script element");
    assert.equal(svg.match(/<\/svg>/g)?.length, 1, "only the real closing tag");
    assert.ok(!/NaN|undefined|Infinity/.test(svg.replace(/<title>[\s\S]*?<\/title>|<desc>[\s\S]*?<\/desc>/g, "")), "no NaN/undefined in coordinates or labels");
    assert.ok(!/https?:\/\//.test(svg), "no URLs, not even a namespace");
  });
}

test("heatmap: each cell prints its rate and n; empty cells say so", () => {
  const svg = figures.heatmap;
  assert.match(svg, />90%<\/text>/);
  assert.match(svg, />n=10<\/text>/);
  assert.match(svg, />no data<\/text>/);
  assert.match(svg, /&lt;\/svg&gt;&lt;script&gt;/);
});

test("forest: significant rows are filled and starred, others hollow", () => {
  const svg = figures.forestDiff;
  assert.equal((svg.match(/<circle [^>]*fill="#fff"/g) ?? []).length, 2, "one hollow row marker + one hollow legend marker");
  assert.match(svg, />0\.010 \*<\/text>/);
  assert.match(svg, /stroke-dasharray="4 3"/, "a dashed zero line");
  // Infinite CI end on a log axis is drawn as an arrow at the edge, not as NaN.
  assert.match(figures.forestRatio, /<path d="M/);
});

test("sensitivity: the dummy floor is dashed and a bar indistinguishable from it is pale", () => {
  assert.match(figures.sensitivity, /stroke-dasharray="3 2"/);
  assert.match(figures.sensitivity, /fill-opacity="0.3"/);
});

test("ticks are round, cover the data when asked, and stay inside otherwise", () => {
  assert.deepEqual(ticks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(coverTicks(0, 0.273, 4), [0, 0.1, 0.2, 0.3]);
  assert.deepEqual(coverTicks(-0.095, 0.235, 6), [-0.1, 0, 0.1, 0.2, 0.3]);
  const t = coverTicks(0, 0.139, 5);
  assert.ok(t[0] <= 0 && t.at(-1)! >= 0.139);
});

test("wrap breaks long names at a dash before an underscore, at most two lines", () => {
  assert.deepEqual(wrap("gemma-2-2b-it-q4_k_m", 132), ["gemma-2-2b-it-", "q4_k_m"]);
  assert.deepEqual(wrap("short", 132), ["short"]);
  const w = wrap("a".repeat(80), 100);
  assert.equal(w.length, 2);
  assert.ok(w[1].endsWith("…"));
});

test("viridis runs dark to light and labels get the contrasting ink", () => {
  assert.equal(viridis(0), "#440154");
  assert.equal(viridis(1), "#fde725");
  assert.equal(viridis(NaN), "#440154");
  assert.equal(inkOn(viridis(0)), "#fff");
  assert.equal(inkOn(viridis(1)), "#000");
});

test("the well-formedness check itself catches injected markup", () => {
  assert.deepEqual(xmlProblems(`<svg><text x="1">a &amp; b</text></svg>`), []);
  assert.notDeepEqual(xmlProblems(`<svg><text>a</svg></text>`), []);
  assert.notDeepEqual(xmlProblems(`<svg><text>a & b</text></svg>`), []);
  assert.notDeepEqual(xmlProblems(`<svg><text>x<script>alert(1)</script></text></svg>`), []);
  assert.notDeepEqual(xmlProblems(`<svg><rect x=1/></svg>`), []);
  assert.notDeepEqual(xmlProblems(`<svg><g>`), []);
});
