import { Command, Argument } from "commander";
import { resolve } from "node:path";
import { loadStudy, DEFAULT_STUDY } from "../../spec/study.ts";

export function registerList(program: Command): void {
  program
    .command("list")
    .description("List the personas, tasks or paraphrases a study loads.")
    .addArgument(new Argument("<what>", "what to list").choices(["personas", "tasks", "paraphrases", "items"]))
    .option("--study <file>", "study file (default: the built-in study)", DEFAULT_STUDY)
    .option("--json", "print a JSON array")
    .action((what: string, o) => {
      const study = loadStudy(resolve(o.study));
      for (const w of study.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
      let rows: Record<string, unknown>[];
      if (what === "personas") rows = study.personas.map((p) => ({ id: p.id, group: p.group, text: p.text, control: p.isControl, attributes: p.attributes }));
      else if (what === "tasks") rows = study.tasks.map((t) => ({ id: t.task.id, description: t.task.description, labels: t.task.labels.map((l) => l.id), fields: t.task.fields, paraphrases: t.paraphrases.length, items: t.items.length }));
      else if (what === "paraphrases") rows = study.tasks.flatMap((t) => t.paraphrases.map((p) => ({ id: p.id, task: p.task, template: p.template })));
      else rows = study.tasks.flatMap((t) => t.items.map((i) => ({ id: i.id, task: i.task, gold: i.gold ?? null, ...i.fields })));
      if (o.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
        return;
      }
      const text = (r: Record<string, unknown>) => {
        if (what === "personas") return `${String(r.id).padEnd(22)} ${String(r.group).padEnd(11)} ${r.text || "(no persona)"}`;
        if (what === "tasks") return `${String(r.id).padEnd(16)} labels ${(r.labels as string[]).join("/")}; ${r.paraphrases} paraphrases, ${r.items} items`;
        if (what === "paraphrases") return `${String(r.id).padEnd(16)} ${String(r.template).replace(/\s+/g, " ").slice(0, 80)}`;
        return `${String(r.id).padEnd(16)} ${String(r.task).padEnd(14)} ${String(r.gold ?? "").padEnd(14)} ${Object.entries(r).filter(([k]) => !["id", "task", "gold"].includes(k)).map(([, v]) => String(v)).join(" | ").slice(0, 60)}`;
      };
      process.stdout.write(rows.map(text).join("\n") + "\n");
    });
}
