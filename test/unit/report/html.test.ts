import { test } from "node:test";
import assert from "node:assert/strict";
import { renderHtml } from "../../../src/report/index.ts";
import { HOSTILE, reportFixture } from "../../fixtures/report/fixture.ts";
import { esc } from "../../../src/report/escape.ts";
import { svgsOf, xmlProblems } from "./xml.ts";

const input = reportFixture({ sequential: true });
const html = renderHtml(input);

test("no scripts and no remote resources: no <script>, no src/href to a host, no URLs in attributes or CSS", () => {
  assert.ok(!/<script/i.test(html), "no script element anywhere");
  const tags = html.match(/<[a-zA-Z][^>]*>/g) ?? [];
  assert.deepEqual(tags.filter((t) => /\son\w+\s*=/i.test(t)), [], "no inline event handler attributes");
  for (const m of html.matchAll(/\s(src|href|xlink:href|action|poster|srcset)\s*=\s*"([^"]*)"/gi)) {
    assert.match(m[2], /^#[\w-]+$/, `${m[1]}="${m[2]}" must be an in-page fragment`);
  }
  assert.ok(!/url\s*\(/i.test(html), "no url() in CSS");
  assert.ok(!/@import|@font-face/i.test(html), "no imported CSS or web fonts");
  // The only http(s) text is the hostile response, escaped, inside a <pre>.
  const urls = [...html.matchAll(/https?:\/\/[^\s"<&]*/g)].map((m) => m[0]);
  assert.deepEqual(urls, ["https://example.invalid/x.png"]);
  assert.match(html, /<pre>[^<]*https:\/\/example\.invalid\/x\.png[^<]*<\/pre>/);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
});

test("hostile response, persona and model names arrive escaped", () => {
  assert.ok(html.includes(esc(HOSTILE.response)), "response escaped verbatim");
  assert.ok(!html.includes(HOSTILE.response));
  assert.ok(!html.includes(HOSTILE.persona), "persona never raw (tables, figures, examples)");
  assert.ok(!html.includes(HOSTILE.model), "model never raw");
  assert.ok(html.includes(`<code>${esc(HOSTILE.persona)}</code>`));
  assert.ok(!html.includes("<img"), "the injected <img> stayed text");
  assert.ok(html.includes(`<title>${esc(input.title)}</title>`));
});

test("every inline SVG is well-formed and there is one figure per section item", () => {
  const svgs = svgsOf(html);
  // 3 heatmaps + forest + sensitivity + rates (task, model, paraphrase, personaGroup) + agreement + sequential
  assert.equal(svgs.length, 3 + 1 + 1 + 4 + 1 + 1);
  for (const svg of svgs) assert.deepEqual(xmlProblems(svg), [], svg.slice(0, 120));
  assert.equal((html.match(/<svg[\s>]/g) ?? []).length, svgs.length);
});

test("header names the study, every model sha256, trials, detectors and versions", () => {
  for (const m of input.models) assert.ok(html.includes(m.sha256), m.id);
  assert.match(html, /7,680 done of 7,704 planned; 24 failed/);
  assert.match(html, /<code>rules@3<\/code> \(primary\), <code>firsttoken@1<\/code>/);
  assert.match(html, /frh 0\.1\.0/);
  assert.match(html, /<code>node-llama-cpp<\/code><\/td><td>3\.21\.1/);
  assert.match(html, /2024-06-11T09:30:00\.000Z/);
  assert.ok(html.includes(input.study.specSha256 as string));
});

test("sections appear in order; examples grouped refusal → partial → answer → invalid", () => {
  const ids = [...html.matchAll(/<section id="([\w-]+)"/g)].map((m) => m[1]);
  assert.deepEqual(ids, ["heatmaps", "contrasts", "sensitivity", "rates", "agreement", "sequential", "logistic", "examples", "methods"]);
  const heads = [...html.matchAll(/<h3>(\w+) <span class="count">\((\d+)\)/g)].map((m) => `${m[1]}:${m[2]}`);
  assert.deepEqual(heads, ["refusal:2", "partial:1", "answer:2", "invalid:1"]);
  assert.match(html, /\(empty response\)/);
});

test("optional parts are left out when absent, and output is deterministic", () => {
  const plain = reportFixture();
  const out = renderHtml({ ...plain, analysis: { ...plain.analysis, agreement: null } });
  assert.ok(!out.includes(`id="sequential"`));
  assert.ok(!out.includes(`id="agreement"`));
  assert.equal(renderHtml(plain), renderHtml(reportFixture()));
});

test("an analysis of p_refusal is labelled as a mean probability, not a rate", () => {
  const out = renderHtml({ ...input, analysis: { ...input.analysis, outcome: "p_refusal" } });
  assert.match(out, /Mean p\(refusal\) by persona and model/);
});

test("a long response is cut with its full length stated", () => {
  const long = "x".repeat(5000);
  const out = renderHtml({ ...input, examples: [{ outcome: "answer", model: "m", persona: "p", task: "t", prompt: "q", response: long }] });
  assert.match(out, /\[… cut: 5,000 characters in all\]/);
  assert.ok(!out.includes("x".repeat(2001)));
});
