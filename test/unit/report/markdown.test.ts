import { test } from "node:test";
import assert from "node:assert/strict";
import { mdTable, renderMarkdown } from "../../../src/report/index.ts";
import { HOSTILE, reportFixture } from "../../fixtures/report/fixture.ts";

const input = reportFixture({ sequential: true });
const md = renderMarkdown(input);

/** Cells of a GFM table row: split on pipes not preceded by a backslash escape. */
function cells(row: string): string[] {
  const inner = row.trim().replace(/^\|/, "").replace(/\|$/, "");
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === "\\") { cur += inner[i] + (inner[i + 1] ?? ""); i++; continue; }
    if (inner[i] === "|") { out.push(cur); cur = ""; continue; }
    cur += inner[i];
  }
  out.push(cur);
  return out;
}

/** Tables: runs of lines starting with `|` outside fenced code. */
function tables(text: string): string[][] {
  const out: string[][] = [];
  let fence: string | null = null;
  let cur: string[] = [];
  for (const line of text.split("\n")) {
    const f = line.match(/^(`{3,})/);
    if (f && (fence === null || f[1] === fence)) { fence = fence === null ? f[1] : null; continue; }
    if (fence === null && line.startsWith("|")) cur.push(line);
    else if (cur.length) { out.push(cur); cur = []; }
  }
  if (cur.length) out.push(cur);
  return out;
}

test("every table has a separator row and the same number of cells in every row", () => {
  const ts = tables(md);
  assert.ok(ts.length >= 15, `found ${ts.length} tables`);
  for (const t of ts) {
    const width = cells(t[0]).length;
    assert.match(t[1], /^\|( -{3,}:? \|)+$/, `separator row: ${t[1]}`);
    t.forEach((row, i) => assert.equal(cells(row).length, width, `row ${i} of table starting ${t[0].slice(0, 60)}`));
  }
});

test("the cell splitter is honest: an unescaped pipe would add a cell", () => {
  assert.equal(cells("| a | b\\|c |").length, 2);
  assert.equal(cells("| a | b|c |").length, 3);
  const t = mdTable(["a", "b"], [["x|y", "1\n2"], ["only one"]], [1]);
  assert.deepEqual(t.split("\n").map((r) => cells(r).length), [2, 2, 2, 2]);
});

test("hostile names are escaped in tables; hostile responses sit inert in fences", () => {
  assert.ok(!md.replace(/^(`{3,})text\n[\s\S]*?\n\1$/gm, "").includes("<script"), "no raw <script> outside code fences");
  assert.match(md, /&lt;\/svg&gt;&lt;script&gt;window.\\_\\_pwned=1&lt;\/script&gt;/);
  assert.ok(md.includes(`\`\`\`text\n${HOSTILE.response}\n\`\`\``), "response verbatim inside a fence");
  // A response with a ``` run gets a longer fence.
  assert.match(md, /````text\nNot toxic\. ```the text```/);
});

test("same content as the HTML: heatmap per task, contrasts, sensitivity, rates, agreement, logistic, examples", () => {
  for (const h of ["### Task toxicity", "### Task sentiment", "### Task offensiveness", "## Persona versus control", "## Sensitivity indices", "### paraphrase", "## Detector agreement", "## Precision over trials", "## Logistic regression", "### refusal (2)", "### invalid (1)"]) {
    assert.ok(md.includes(h), h);
  }
  for (const m of input.models) assert.ok(md.includes(m.sha256));
  const heatRows = tables(md).find((t) => t[0].startsWith("| Persona | llama"))!;
  assert.equal(heatRows.length, 2 + 16, "16 personas");
  assert.match(heatRows[2], /^\| control \|/, "control first");
});
