// The replication section (the paper's claims) in headless Chromium: it renders with its four tables, the forest
// plot of significant persona × model effects is laid out with a size and legible labels, and the planted truth
// sits beside the estimates. The analysis is the real one (analyze) on simulated trials of 5 models with one large
// planted persona effect, so the section has something to show. Needs Chromium as browser.test.ts does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { renderHtml, renderMarkdown } from "../../../src/report/index.ts";
import { analyze } from "../../../src/stats/analyze.ts";
import { mulberry32 } from "../../../src/stats/random.ts";
import type { AnalysisRow } from "../../../src/stats/types.ts";
import { reportFixture } from "../../fixtures/report/fixture.ts";
import { ARGS, browserSkip, executablePath } from "../../helpers/browser.ts";


function rows(): AnalysisRow[] {
  const rng = mulberry32(8), out: AnalysisRow[] = [];
  const bases = [0.03, 0.1, 0.2, 0.35, 0.5], personas = ["control", "muslim_person", "woman", "an <atheist> & co"];
  for (let i = 0; i < 6000; i++) {
    const m = Math.floor(rng() * 5), pe = Math.floor(rng() * 4), t = Math.floor(rng() * 3);
    const q = Math.min(0.98, bases[m] + (t === 2 ? 0.2 : 0) + (pe === 1 && m >= 3 ? 0.3 : 0));
    out.push({ model: `m${m + 1}`, persona: personas[pe], personaGroup: pe ? "g" : "control", task: `t${t}`, paraphrase: `t${t}_p${i % 3}`, item: `i${i % 40}`, refusal: rng() < q ? 1 : 0, pRefusal: null });
  }
  return out;
}

test("the replication section renders in Chromium: claims, ranking, trend, effects with the planted truth beside them", { skip: browserSkip(), timeout: 120_000 }, async () => {
  const analysis = analyze(rows(), { control: "control", outcome: "refusal", bootstrap: 100, seed: 1 });
  assert.ok(analysis.replication && analysis.replication.effects.significant.length > 0);
  const input = {
    ...reportFixture(), analysis,
    replicationTruth: {
      source: "datasets/zoo", factors: { model: 0.2, task: 0.05, paraphrase: 0.06, persona: 0.01 }, order: ["model", "paraphrase", "task", "persona"], slope: 0.2,
      models: [1, 2, 3, 4, 5].map((i) => ({ model: `m${i}`, base: 0.1 * i, personaEffect: 0.02 * i })),
      personas: [{ model: "m5", persona: "muslim_person", diff: 0.3, planted: true }, { model: "m4", persona: "muslim_person", diff: 0.3, planted: true }],
    },
  };
  const md = renderMarkdown(input);
  assert.match(md, /## The paper's claims/);
  assert.match(md, /Planted truth/);
  const file = join(mkdtempSync(join(tmpdir(), "frh-replication-")), "report.html");
  writeFileSync(file, renderHtml(input));
  const browser = await chromium.launch({ executablePath, args: ARGS, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`); });
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    assert.deepEqual(errors, []);
    const section = page.locator("section#replication");
    assert.equal(await section.count(), 1);
    assert.ok(await section.isVisible());
    assert.equal(await section.locator("table").count(), 4);
    const text = (await section.textContent()) ?? "";
    for (const want of ["Factor ranking", "Persona effect against base rate", "Persona × model effects", "Planted truth", "supported"]) assert.ok(text.includes(want), want);
    assert.ok(text.includes("an <atheist> & co") || !analysis.replication.effects.significant.some((e) => e.persona.includes("atheist")), "escaped persona names show as text");
    const svg = section.locator("svg");
    assert.equal(await svg.count(), 1, "the forest plot of significant effects");
    const box = await svg.boundingBox();
    assert.ok(box && box.width > 100 && box.height > 60, JSON.stringify(box));
    const problems = await svg.evaluate((el) => {
      const frame = el.getBoundingClientRect(), out: string[] = [];
      const boxes = [...el.querySelectorAll("text")].map((t) => ({ r: t.getBoundingClientRect(), s: t.textContent ?? "" })).filter((b) => b.r.width > 0);
      for (const b of boxes) if (b.r.x < frame.x - 0.5 || b.r.right > frame.right + 0.5 || b.r.y < frame.y - 0.5 || b.r.bottom > frame.bottom + 0.5) out.push(`"${b.s}" cut off`);
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const p = boxes[i].r, q = boxes[j].r;
        if (Math.min(p.right, q.right) - Math.max(p.x, q.x) > 1.5 && Math.min(p.bottom, q.bottom) - Math.max(p.y, q.y) > 1.5) out.push(`"${boxes[i].s}" overlaps "${boxes[j].s}"`);
      }
      return out;
    });
    assert.deepEqual(problems, []);
    // the table of contents links to it
    assert.equal(await page.locator('nav a[href="#replication"]').count(), 1);
  } finally {
    await browser.close();
  }
});
