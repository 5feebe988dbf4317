// Opens a rendered report in headless Chromium: no console errors, no request but the file itself, every
// figure laid out with a size, no label overlapping another or cut off, and the injected script inert.
// Needs /usr/bin/chromium (override: FRH_CHROMIUM); outside CI a missing browser skips, in CI it fails.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { renderHtml } from "../../../src/report/index.ts";
import { reportFixture } from "../../fixtures/report/fixture.ts";
import { ARGS, browserSkip, executablePath } from "../../helpers/browser.ts";


interface Box { x: number; y: number; width: number; height: number }
interface TextBox extends Box { text: string }

test("report opens in Chromium: no errors, no network, figures sized and legible, injected script inert", { skip: browserSkip(), timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "frh-report-"));
  const file = join(dir, "report.html");
  writeFileSync(file, renderHtml(reportFixture({ sequential: true })));
  const url = pathToFileURL(file).href;

  const browser = await chromium.launch({ executablePath, args: ARGS, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`); });
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(url, { waitUntil: "load" });

    assert.deepEqual(errors, [], "console errors or warnings (a CSP violation would show here)");
    assert.deepEqual(requests, [url], "the page fetched something besides itself");
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined, "injected script ran");
    assert.equal(await page.locator("script").count(), 0);
    assert.equal(await page.locator("img").count(), 0, "the injected <img> became an element");

    const svgs = page.locator("svg");
    const count = await svgs.count();
    assert.equal(count, 11);
    for (let i = 0; i < count; i++) {
      const box = await svgs.nth(i).boundingBox();
      assert.ok(box && box.width > 100 && box.height > 100, `svg ${i} has no size: ${JSON.stringify(box)}`);
    }

    // Legibility: within each figure no two labels overlap and none sticks out of the figure.
    const problems = await page.evaluate(() => {
      const out: string[] = [];
      document.querySelectorAll("svg").forEach((svg, i) => {
        const frame = svg.getBoundingClientRect();
        const boxes: TextBox[] = [...svg.querySelectorAll("text")].map((t) => {
          const r = t.getBoundingClientRect();
          return { x: r.x, y: r.y, width: r.width, height: r.height, text: t.lastChild?.textContent ?? "" };
        }).filter((b) => b.width > 0);
        for (const b of boxes) {
          if (b.x < frame.x - 0.5 || b.y < frame.y - 0.5 || b.x + b.width > frame.x + frame.width + 0.5 || b.y + b.height > frame.y + frame.height + 0.5) out.push(`svg ${i}: "${b.text}" is cut off`);
        }
        // Glyph boxes include line gaps; a 1.5 px overlap is tolerated, more means text on text.
        for (let a = 0; a < boxes.length; a++) for (let b = a + 1; b < boxes.length; b++) {
          const p = boxes[a], q = boxes[b];
          const w = Math.min(p.x + p.width, q.x + q.width) - Math.max(p.x, q.x);
          const h = Math.min(p.y + p.height, q.y + q.height) - Math.max(p.y, q.y);
          if (w > 1.5 && h > 1.5) out.push(`svg ${i}: "${p.text}" overlaps "${q.text}"`);
        }
      });
      return out;
    });
    assert.deepEqual(problems, []);

    const shotDir = process.env.FRH_SCREENSHOT_DIR ?? tmpdir();
    const shot = join(shotDir, "frh-report.png");
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 50_000, "screenshot written");
    console.log(`# screenshot: ${shot}`);

    // Print layout: navigation hidden, figures still laid out.
    await page.emulateMedia({ media: "print" });
    assert.equal(await page.locator("nav").isVisible(), false);
    const first = await svgs.first().boundingBox();
    assert.ok(first && first.width > 100);
  } finally {
    await browser.close();
  }
});
