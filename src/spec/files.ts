// Reading YAML/JSON data files with errors that point at file:field.
import { readFileSync, existsSync, statSync } from "node:fs";
import YAML from "yaml";
import type { z } from "zod";
import { DataError } from "../errors.ts";

export function readText(path: string, what: string): string {
  if (!existsSync(path)) throw new DataError(path, `${what} not found`, "check the path (relative paths in a study file are relative to that file)");
  if (statSync(path).isDirectory()) throw new DataError(path, `${what} is a directory, expected a file`);
  return readFileSync(path, "utf8");
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
  throw new DataError(field ? `${where}: ${field}` : where, message + extra);
}

export function loadYamlFile<S extends z.ZodType>(schema: S, path: string, what: string): z.infer<S> {
  return validate(schema, parseYaml(readText(path, what), path), path);
}
