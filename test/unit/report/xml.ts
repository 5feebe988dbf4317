// A tiny well-formedness check for generated SVG: balanced tags, quoted attributes, escaped text, known
// element names. Not a parser for arbitrary XML: enough to prove no unescaped text became markup.

const TAG = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
const ENTITY = /^&(?:amp|lt|gt|quot|#39|#\d+|#x[0-9a-fA-F]+);/;

export const SVG_ELEMENTS = new Set(["svg", "title", "desc", "g", "rect", "line", "polyline", "polygon", "path", "circle", "text", "tspan"]);

/** Returns a list of problems (empty when well-formed). */
export function xmlProblems(src: string, allowed: Set<string> = SVG_ELEMENTS): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let i = 0;
  while (i < src.length) {
    const lt = src.indexOf("<", i);
    const text = src.slice(i, lt < 0 ? src.length : lt);
    if (text.includes(">")) problems.push(`raw '>' in text near ${JSON.stringify(text.slice(0, 40))}`);
    for (let a = text.indexOf("&"); a >= 0; a = text.indexOf("&", a + 1)) {
      if (!ENTITY.test(text.slice(a))) problems.push(`bare '&' near ${JSON.stringify(text.slice(a, a + 20))}`);
    }
    if (lt < 0) break;
    TAG.lastIndex = lt;
    const m = TAG.exec(src);
    if (!m) {
      problems.push(`malformed tag at ${lt}: ${JSON.stringify(src.slice(lt, lt + 40))}`);
      i = lt + 1;
      continue;
    }
    const [, close, name, attrs, selfClose] = m;
    if (!allowed.has(name)) problems.push(`unexpected element <${name}>`);
    for (const a of attrs.matchAll(/"([^"]*)"/g)) {
      if (/[<>]/.test(a[1]) || /&(?!(?:amp|lt|gt|quot|#39|#\d+);)/.test(a[1])) problems.push(`unescaped attribute value ${JSON.stringify(a[1])}`);
    }
    if (close) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? "nothing"}>`);
    } else if (!selfClose) stack.push(name);
    i = TAG.lastIndex;
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(", ")}`);
  return problems;
}

/** The inline <svg> elements of an HTML page (they never nest). */
export const svgsOf = (html: string): string[] => html.match(/<svg[\s>][\s\S]*?<\/svg>/g) ?? [];
