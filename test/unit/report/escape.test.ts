import { test } from "node:test";
import assert from "node:assert/strict";
import { esc, mdCell, mdFence } from "../../../src/report/escape.ts";

test("esc replaces all five XML specials and nothing else", () => {
  assert.equal(esc(`<a href="x">Tom & Jerry's</a>`), "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
  assert.equal(esc("&amp;"), "&amp;amp;", "already-escaped text is escaped again: input is text, not markup");
  assert.equal(esc("plain ü — ok"), "plain ü — ok");
  assert.equal(esc(null), "");
  assert.equal(esc(0.5), "0.5");
});

test("mdCell keeps a cell a single cell: pipes, newlines, HTML and Markdown specials", () => {
  assert.equal(mdCell("a|b"), "a\\|b");
  assert.equal(mdCell("line1\nline2\r\nline3"), "line1 line2 line3");
  assert.equal(mdCell("<script>x</script>"), "&lt;script&gt;x&lt;/script&gt;");
  assert.equal(mdCell("q4_k_m *bold* `code` [link]"), "q4\\_k\\_m \\*bold\\* \\`code\\` \\[link\\]");
  assert.equal(mdCell("a\\|b"), "a\\\\\\|b", "a backslash cannot un-escape the pipe");
});

test("mdFence is longer than any backtick run inside, so the content cannot close it", () => {
  assert.equal(mdFence("plain"), "```text\nplain\n```");
  const f = mdFence("a ``` b ```` c");
  assert.ok(f.startsWith("`````text\n") && f.endsWith("\n`````"));
});
