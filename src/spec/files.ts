// Reading YAML/JSON data files with errors that point at file:field.
import { readFileSync, existsSync, statSync } from "node:fs";
import YAML from "yaml";
import type { z } from "zod";
import { DataError } from "../errors.ts";

const TO_UTF8 = "save it as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8 in.csv > out.csv`, or \"CSV UTF-8\" in a spreadsheet's Save As)";

/**
 * Reads a UTF-8 text file. UTF-16 (a byte-order mark, or NUL bytes as UTF-16 text has) is refused with how to
 * convert it; bytes that are not valid UTF-8 are read as U+FFFD and told to `warn` (how many lines, the first).
 */
export function readText(path: string, what: string, warn?: (message: string) => void): string {
  if (!existsSync(path)) throw new DataError(path, `${what} not found`, "check the path (relative paths in a study file are relative to that file)");
  if (statSync(path).isDirectory()) throw new DataError(path, `${what} is a directory, expected a file`, "give the path of a file");
  const buf = readFileSync(path);
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    throw new DataError(path, `${what} is UTF-16 encoded (byte-order mark ${buf[0] === 0xff ? "FF FE" : "FE FF"}); frh reads UTF-8`, TO_UTF8);
  }
  if (buf.subarray(0, 4096).includes(0)) throw new DataError(path, `${what} holds NUL bytes: it is UTF-16 or binary, not UTF-8 text`, TO_UTF8);
  try {
    // ignoreBOM keeps a UTF-8 BOM in the text, as readFileSync did: file hashes and parsers see the same text
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    const lines = buf.toString("latin1").split("\n");
    const bad: number[] = [];
    let offset = 0;
    for (const [i, l] of lines.entries()) {
      try { new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(offset, offset + l.length)); } catch { bad.push(i + 1); }
      offset += l.length + 1;
    }
    warn?.(`${path}: ${bad.length} line${bad.length === 1 ? "" : "s"} hold${bad.length === 1 ? "s" : ""} bytes that are not valid UTF-8 (first: line ${bad[0]}); they were read as U+FFFD (\ufffd); to keep them, save the file as UTF-8 (e.g. \`iconv -f LATIN1 -t UTF-8 in.csv > out.csv\`)`);
    return buf.toString("utf8");
  }
}

export function parseYaml(text: string, where: string): unknown {
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    throw new DataError(pos ? `${where}:${pos.line}:${pos.col}` : where, `malformed YAML: ${e.message.split("\n")[0]}`, "fix the YAML syntax at that line");
  }
  return doc.toJS();
}

/** Validates `data` and reports the first problem as `file: field.path: message`. */
export function validate<S extends z.ZodType>(schema: S, data: unknown, where: string): z.infer<S> {
  const res = schema.safeParse(data);
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  const field = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
  let message = issue.message;
  if (issue.code === "unrecognized_keys") message = `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
  const extra = res.error.issues.length > 1 ? ` (and ${res.error.issues.length - 1} more problem${res.error.issues.length > 2 ? "s" : ""})` : "";
  const hint = issue.code === "unrecognized_keys" ? "remove it or fix its spelling (docs/study-file.md lists every key)"
    : `fix ${field ? `'${field}'` : "the file"} (docs/study-file.md says what each field takes)`;
  throw new DataError(field ? `${where}: ${field}` : where, message + extra, hint);
}

export function loadYamlFile<S extends z.ZodType>(schema: S, path: string, what: string): z.infer<S> {
  return validate(schema, parseYaml(readText(path, what), path), path);
}
