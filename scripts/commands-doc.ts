// Writes docs/commands.md from the CLI's own option definitions (commander), so the reference cannot drift from
// `--help`: `node --import tsx scripts/commands-doc.ts > docs/commands.md`. test/unit/cli/commands-doc.test.ts
// checks the committed file both ways (every option documented, every documented option real).
import type { Command, Option } from "commander";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildProgram } from "../src/cli/main.ts";

const root = resolve(fileURLToPath(import.meta.url), "..", "..");
/** Defaults that are paths inside the checkout are shown relative to it (the file must not depend on where it was made). */
const shown = (v: unknown) => JSON.stringify(typeof v === "string" && v.startsWith(root) ? relative(root, v) : v);

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n+/g, " ");

function optionRow(o: Option): string {
  const extra = [
    o.defaultValue !== undefined && !(Array.isArray(o.defaultValue) && o.defaultValue.length === 0) && typeof o.defaultValue !== "boolean"
      ? `default: \`${shown(o.defaultValue)}\`` : "",
    o.argChoices ? `one of: ${o.argChoices.map((c) => `\`${c}\``).join(", ")}` : "",
  ].filter(Boolean).join("; ");
  return `| \`${cell(o.flags)}\` | ${cell(o.description)}${extra ? ` (${extra})` : ""} |`;
}

function section(c: Command, path: string[]): string[] {
  const name = [...path, c.name()].join(" ");
  const args = c.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(" ");
  const out = [`## \`${name}\``, "", `\`${name}${args ? " " + args : ""} [options]\``, "", cell(c.description()), ""];
  const opts = c.options.filter((o) => o.long !== "--help");
  if (opts.length) out.push("| option | meaning |", "|---|---|", ...opts.map(optionRow), "");
  else out.push("No options besides `--help`.", "");
  for (const sub of c.commands) out.push(...section(sub, [...path, c.name()]));
  return out;
}

const program = buildProgram();
const lines = [
  "# Command reference",
  "",
  "Generated from the CLI's own definitions (`node --import tsx scripts/commands-doc.ts > docs/commands.md`); every",
  "command also prints this with `--help`. Exit codes: 0 done, 1 error (one message: what, why, how to fix), 2 bad usage.",
  "Global options: `--version`, `--help`.",
  "",
];
for (const c of program.commands) lines.push(...section(c, ["frh"]));
process.stdout.write(lines.join("\n"));
