import { Command, Option } from "commander";
import { resolve } from "node:path";
import { UsageError } from "../../errors.ts";
import { explainPrompt, plantGguf, readLawFile } from "../../plant/index.ts";

/** `write` receives everything the command prints (stdout by default; tests pass a collector). */
export function registerPlant(program: Command, write: (text: string) => void = (t) => void process.stdout.write(t)): void {
  program
    .command("plant")
    .description("Build a planted-truth model whose refusal probability follows a law file, or explain the law for a prompt.")
    .requiredOption("--spec <law.json>", "law file: base, triggers, itemNoise, refusal, answer, seed (optional: preamble)")
    .option("--out <model.gguf>", "where to write the model (build mode)")
    .addOption(new Option("--format <format>", "model format").choices(["gguf", "onnx"]).default("gguf"))
    .option("--vocab-from <gguf>", "borrow the tokenizer of an existing GGUF (not yet available)")
    .option("--explain", "print the planted refusal probability for --prompt instead of building")
    .option("--prompt <text>", "prompt text for --explain (the exact text the model sees, after any template)")
    .option("--json", "print JSON")
    .action((o) => {
      const law = readLawFile(o.spec);
      if (o.explain) {
        if (o.prompt === undefined) throw new UsageError("--explain needs --prompt <text>", "pass the rendered prompt text, e.g. --prompt $'You are a Muslim.\\n\\nAnswer:'");
        const ex = explainPrompt(law, o.prompt);
        if (o.json) {
          write(JSON.stringify(ex, null, 2) + "\n");
          return;
        }
        const terms = [`base ${law.base}`, ...ex.triggers.filter((t) => t.count).map((t) => `${t.word} ${t.count}×${t.boost}`), `noise ${ex.noise.toFixed(6)} (${ex.noiseTokens} tokens)`];
        const lines = [`p(refusal first token) = ${ex.probability.toFixed(7)}`, `logit ${ex.logit.toFixed(6)} = ${terms.join(" + ")}`];
        if (ex.answers.length > 1) {
          for (const a of ex.answers) lines.push(`answer ${a.task === null ? "(no cue: fallback)" : `${a.task} (cue '${a.cue}' ×${a.count})`}: ${JSON.stringify(a.text)} — share ${a.share.toFixed(6)} of the answer mass`);
          if (ex.mixedCues) lines.push("note: cues of several tasks occur about equally often; the answer mass splits and p(refusal) no longer follows the logit");
        }
        if (law.preamble) {
          lines.push(ex.afterPreamble
            ? `preamble ${JSON.stringify(law.preamble.text)}: the prompt ends in it, so refusal / answer split all the mass by the law`
            : `preamble ${JSON.stringify(law.preamble.text)}: ${ex.preambleMass.toFixed(6)} of the mass here; refusal / answer split the rest by the law`);
        }
        if (ex.continues) lines.push(`note: the prompt ends in the first token of the ${ex.continues}; the model continues that text instead`);
        write(lines.join("\n") + "\n");
        return;
      }
      if (o.format === "onnx") {
        // An ONNX model is a directory (transformers.js layout); onnx-proto loads only when one is built.
        if (o.vocabFrom) throw new UsageError("--vocab-from is not available for --format onnx", "omit it: the planted model uses the law's own vocabulary");
        if (!o.out) throw new UsageError("building an ONNX model needs --out <dir>", "e.g. --format onnx --out models/planted-onnx");
        const dir = resolve(o.out);
        return import("../../plant/onnx.ts").then(({ writePlantedOnnx }) => {
          const r = writePlantedOnnx(law, dir);
          const info = { path: r.dir, files: r.files, vocabSize: r.vocabSize, refusalFirstToken: r.refusalFirstToken, answerFirstToken: r.answerFirstToken };
          write(o.json ? JSON.stringify(info, null, 2) + "\n"
            : `wrote ${info.path}/ (${info.files.join(", ")}; ${info.vocabSize} tokens)\n` +
              `first tokens: refusal ${JSON.stringify(info.refusalFirstToken)}, answer ${JSON.stringify(info.answerFirstToken)}\n` +
              `run it with: frh run --model ${info.path}\n`);
        });
      }
      if (o.vocabFrom) throw new UsageError("--vocab-from is not yet available", "omit it: the planted model uses its own vocabulary, in which each trigger word is one token");
      if (!o.out) throw new UsageError("building needs --out <model.gguf> (or use --explain --prompt <text>)");
      const info = plantGguf(law, o.out);
      if (o.json) {
        write(JSON.stringify(info, null, 2) + "\n");
        return;
      }
      write(`wrote ${info.path} (${info.bytes} bytes, ${info.vocabSize} tokens, sha256 ${info.sha256.slice(0, 16)}…)\n` +
        `first tokens: refusal ${JSON.stringify(info.refusalFirstToken)}, answer ${info.answerFirstTokens.map((t) => JSON.stringify(t)).join(", ")}` +
        `${info.preambleToken ? `; preamble ${JSON.stringify(info.preambleToken)}` : ""}\n`);
    });
}
