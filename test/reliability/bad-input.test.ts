// Bad input everywhere (issue 16 item 2, issue 18 item 5), table-driven through the real CLI: each case must end in
// ONE message in our words (`frh: error: …` with its `fix:`, or commander's usage error), exit 1 (error) or
// 2 (usage), no stack trace, no "unexpected error", no raw llama.cpp/onnxruntime log line, and a store it was
// pointed at byte-identical afterwards (sha256 of the .sqlite and any -wal/-shm before and after).
// Inputs that are odd but valid (a BOM, CRLF line ends) must simply work; invalid UTF-8 must work with a warning.
// Cases run two at a time (each spawn costs ~1 s here). FRH_PROBE=1 prints every case's output instead of asserting.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../helpers/shared.ts";
import { tinyFs } from "../helpers/tinyfs.ts";
import { writeTinyStudy } from "../helpers/study.ts";
import { cli, frh, ggufOfUnknownArchitecture, hashFiles, plantModel, KILL_LAW } from "./helpers.ts";
import { parseLaw } from "../../src/plant/index.ts";
import { writePlantedOnnx } from "../../src/plant/onnx.ts";

const dir = mkdtempSync(join(tmpdir(), "frh-bad-"));
const w = (name: string, data: string | Buffer) => { const p = join(dir, name); writeFileSync(p, data); return p; };

// --- fixtures -------------------------------------------------------------------------------------------------
const model = plantModel(join(dir, "planted.gguf"));
const good = readFileSync(model);
copyFileSync(model, join(dir, "planted-copy.gguf")); // the same model under another name: such cases run as a process
const { dir: studyDir, study } = writeTinyStudy({ sampling: "{ design: random, n: 6, seed: 4 }", items: 6 });
const storeDir = join(dir, "store");
mkdirSync(storeDir);
const store = join(storeDir, "s.sqlite");
const made = cli(["run", study, "--model", model, "--db", store, "--quiet"]);
if (made.status !== 0) throw new Error(`cannot build the fixture store: ${made.stderr}`);
const exportJsonl = w("export.jsonl", cli(["export", "--db", store]).stdout);

/** The planted GGUF with `patch` applied at `offset` (little-endian fields of the header). */
function patched(name: string, offset: number, patch: Buffer): string {
  const b = Buffer.from(good);
  patch.copy(b, offset);
  return w(name, b);
}
/** The planted GGUF with general.architecture renamed (same length): the header is sound, llama.cpp refuses it. */
const otherArch = (name: string): string => ggufOfUnknownArchitecture(model, join(dir, name));
const u64 = (v: bigint) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); return b; };
const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };

const onnxGood = join(dir, "onnx-good");
writePlantedOnnx(parseLaw(JSON.stringify(KILL_LAW), "law"), onnxGood);
function onnxVariant(name: string, change: (d: string) => void): string {
  const d = join(dir, name);
  mkdirSync(join(d, "onnx"), { recursive: true });
  for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"]) {
    try { copyFileSync(join(onnxGood, f), join(d, f)); } catch { /* a planted dir without this file */ }
  }
  change(d);
  return d;
}

/** A copy of the tiny study whose items file is `items` (bytes as given). */
function studyWithItems(name: string, items: string | Buffer): string {
  const p = join(studyDir, `items-${name}.csv`);
  writeFileSync(p, items);
  return studyVariant(name, readFileSync(study, "utf8").replace("items: { path: d/items.csv }", `items: { path: items-${name}.csv }`));
}
const header = "id,text,gold\n";
const row = (i: number, text = `Sentence ${i} about maps.`) => `it${i},"${text}",${i % 2 ? "offensive" : "not_offensive"}\n`;
const rows = (n: number) => Array.from({ length: n }, (_, i) => row(i)).join("");
const studyText = readFileSync(study, "utf8");
const studyVariant = (name: string, text: string) => { const p = join(studyDir, `study-${name}.yaml`); writeFileSync(p, text); return p; };

// A read-only place: a 0555 directory, or — as root, who writes there anyway — a tmpfs remounted read-only.
let roDir = join(dir, "readonly");
mkdirSync(roDir);
chmodSync(roDir, 0o555);
let roSkip: string | undefined;
if (process.getuid?.() === 0) {
  const fs = tinyFs("1m");
  if (typeof fs === "string") roSkip = `root ignores directory permissions, and ${fs}`;
  else { fs.readOnly(); roDir = fs.dir; after(() => fs.cleanup()); }
}
const asRoot = roSkip !== undefined;

// --- cases ----------------------------------------------------------------------------------------------------
interface Case {
  name: string;
  args: string[];
  /** Expected exit code; 0 for odd-but-valid input that must just work. */
  code: 0 | 1 | 2;
  /** What the message must say (our words). */
  says: RegExp;
  /** Skip reason. */
  skip?: string;
  env?: Record<string, string>;
}
const R = (args: string[]) => ["run", study, ...args];
const S = "{store}"; // replaced by a fresh copy of the fixture store for each case
const runModel = (m: string) => ["run", study, "--model", m, "--db", S, "--quiet"];
const cases: Case[] = [
  // run: models
  { name: "GGUF missing", args: runModel(join(dir, "nope.gguf")), code: 1, says: /model file not found: .*nope\.gguf/ },
  { name: "GGUF empty file", args: runModel(w("empty.gguf", "")), code: 1, says: /empty\.gguf/ },
  { name: "GGUF text file", args: runModel(w("text.gguf", "hello, I am not a model\n".repeat(10))), code: 1, says: /not a GGUF file|GGUF/ },
  { name: "GGUF truncated to 100 bytes", args: runModel(w("t100.gguf", good.subarray(0, 100))), code: 1, says: /truncat|cut short|ends/ },
  { name: "GGUF truncated to half", args: runModel(w("thalf.gguf", good.subarray(0, good.length >> 1))), code: 1, says: /truncat|cut short/ },
  { name: "GGUF bad magic", args: runModel(patched("magic.gguf", 0, Buffer.from("GGUX"))), code: 1, says: /not a GGUF file|magic/ },
  { name: "GGUF version 99", args: runModel(patched("v99.gguf", 4, u32(99))), code: 1, says: /version/ },
  { name: "GGUF 2^63-1 tensors", args: runModel(patched("tensors.gguf", 8, u64(2n ** 63n - 1n))), code: 1, says: /tensor/ },
  { name: "GGUF 2^63-1 metadata entries", args: runModel(patched("kv.gguf", 16, u64(2n ** 63n - 1n))), code: 1, says: /metadata|entries/ },
  { name: "GGUF first key 1 TB long", args: runModel(patched("key.gguf", 24, u64(2n ** 40n))), code: 1, says: /key|string|length/ },
  { name: "GGUF key length 9 (size out of range before)", args: runModel(patched("key9.gguf", 24, u64(2n ** 32n + 9n))), code: 1, says: /key|string|length/ },
  { name: "GGUF tensor data zeroed header tail", args: runModel(patched("zeros.gguf", 24, Buffer.alloc(256))), code: 1, says: /GGUF|key|metadata/ },
  { name: "GGUF of an architecture llama.cpp does not know", args: runModel(otherArch("arch.gguf")), code: 1, says: /unknown model architecture: 'x+'/ },
  { name: "a directory named .gguf", args: runModel((mkdirSync(join(dir, "dir.gguf"), { recursive: true }), join(dir, "dir.gguf"))), code: 1, says: /dir\.gguf/ },
  { name: "ONNX dir empty", args: runModel((mkdirSync(join(dir, "onnx-empty"), { recursive: true }), join(dir, "onnx-empty"))), code: 1, says: /config\.json|missing/ },
  { name: "ONNX dir without model.onnx", args: runModel(onnxVariant("onnx-nomodel", (d) => writeFileSync(join(d, "onnx/model.onnx"), "") )), code: 1, says: /model\.onnx/ },
  { name: "ONNX dir without tokenizer.json", args: runModel(onnxVariant("onnx-notok", (d) => { writeFileSync(join(d, "tokenizer.json"), ""); })), code: 1, says: /tokenizer/ },
  { name: "ONNX config.json not JSON", args: runModel(onnxVariant("onnx-badcfg", (d) => writeFileSync(join(d, "config.json"), "{ not json"))), code: 1, says: /config\.json/ },
  { name: "ONNX model.onnx garbage", args: runModel(onnxVariant("onnx-garbage", (d) => writeFileSync(join(d, "onnx/model.onnx"), Buffer.alloc(4096, 7)))), code: 1, says: /model\.onnx|ONNX/ },
  { name: "ONNX tokenizer.json not JSON", args: runModel(onnxVariant("onnx-badtok", (d) => writeFileSync(join(d, "tokenizer.json"), "[1,2"))), code: 1, says: /tokenizer/ },
  { name: "hf: URI malformed", args: runModel("hf:"), code: 1, says: /hf:/ },
  // run: study files
  { name: "study missing", args: ["run", join(dir, "no-study.yaml"), "--model", model, "--db", S], code: 1, says: /study file not found/ },
  { name: "study malformed YAML", args: ["run", studyVariant("yaml", "id: [unclosed\n"), "--model", model, "--db", S], code: 1, says: /malformed YAML/ },
  { name: "study unknown key", args: ["run", studyVariant("key", studyText + "colour: blue\n"), "--model", model, "--db", S], code: 1, says: /unknown key 'colour'/ },
  { name: "study wrong type", args: ["run", studyVariant("type", studyText.replace("maxTokens: 8", "maxTokens: lots")), "--model", model, "--db", S], code: 1, says: /maxTokens/ },
  { name: "study of another id into the store", args: ["run", studyVariant("other", studyText.replace("id: tiny", "id: other")), "--model", model, "--db", S], code: 1, says: /study/ },
  { name: "items header only", args: ["run", studyWithItems("header", header), "--model", model, "--db", S], code: 1, says: /no item rows|no items/ },
  { name: "items empty file", args: ["run", studyWithItems("empty", ""), "--model", model, "--db", S], code: 1, says: /no item rows|no items|empty/ },
  { name: "items duplicate ids", args: ["run", studyWithItems("dup", header + row(1) + row(1)), "--model", model, "--db", S], code: 1, says: /duplicate item id 'it1'/ },
  { name: "items UTF-16 LE with BOM", args: ["run", studyWithItems("utf16", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(header + rows(3), "utf16le")])), "--model", model, "--db", S], code: 1, says: /UTF-16/ },
  { name: "items UTF-16 BE with BOM", args: ["run", studyWithItems("utf16be", Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(header + rows(3), "utf16le").swap16()])), "--model", model, "--db", S], code: 1, says: /UTF-16/ },
  { name: "items missing column", args: ["run", studyWithItems("nocol", "id,gold\nit1,offensive\n"), "--model", model, "--db", S], code: 1, says: /missing column 'text'/ },
  { name: "items ragged row", args: ["run", studyWithItems("ragged", header + "it1,a,b,c,d\n"), "--model", model, "--db", S], code: 1, says: /CSV/ },
  { name: "items unknown gold label", args: ["run", studyWithItems("gold", header + "it1,text,maybe\n"), "--model", model, "--db", S], code: 1, says: /gold 'maybe'/ },
  // odd but valid: must work (into a fresh store each)
  { name: "items with a UTF-8 BOM work", args: ["list", "items", "--study", studyWithItems("bom", "\ufeff" + header + rows(3))], code: 0, says: /it0/ },
  { name: "items with CRLF line ends work", args: ["list", "items", "--study", studyWithItems("crlf", (header + rows(3)).replace(/\n/g, "\r\n"))], code: 0, says: /it2/ },
  { name: "items with invalid UTF-8 work with a warning", args: ["list", "items", "--study", studyWithItems("latin1", Buffer.concat([Buffer.from(header + row(0)), Buffer.from('it1,"caf\xe9 cr\xe8me",offensive\n', "latin1"), Buffer.from(row(2))]))], code: 0, says: /warning: .*items-latin1\.csv.*not valid UTF-8.*line 3/ },
  // a 1 MB item cell: only that trial fails, naming the item; the run goes on (exit 0), into its own store
  { name: "items with a 1 MB cell: that trial fails alone", args: ["run", studyWithItems("big", header + row(0) + row(3, "long ".repeat(200_000))), "--model", join(dir, "planted-copy.gguf"), "--db", join(dir, "big.sqlite"), "--quiet"], code: 0, says: /trial failed: item 'it3' [^\n]*context holds[^\n]*only this trial failed[\s\S]*done: \d trials run, 0 already done, [1-6] failed, of 6 planned/ },
  // run: options
  { name: "--batch 0", args: R(["--batch", "0", "--db", S]), code: 2, says: /--batch takes a whole number ≥ 1, got '0'/ },
  { name: "--batch -3", args: R(["--batch", "-3", "--db", S]), code: 2, says: /--batch takes a whole number/ },
  { name: "--batch abc", args: R(["--batch", "abc", "--db", S]), code: 2, says: /--batch takes a whole number/ },
  { name: "--limit 1.5", args: R(["--limit", "1.5", "--db", S]), code: 2, says: /--limit takes a whole number/ },
  { name: "--seed -1", args: R(["--seed", "-1", "--db", S]), code: 2, says: /--seed takes a whole number/ },
  { name: "--threads 0", args: R(["--threads", "0", "--db", S]), code: 2, says: /--threads/ },
  { name: "--shard 3/2", args: R(["--shard", "3/2", "--db", S]), code: 2, says: /--shard takes i\/n/ },
  { name: "--gpu quantum", args: R(["--gpu", "quantum", "--db", S]), code: 2, says: /quantum/ },
  { name: "unknown option", args: R(["--colour", "--db", S]), code: 2, says: /unknown option '--colour'/ },
  { name: "--db is a directory", args: R(["--model", model, "--db", storeDir]), code: 1, says: /directory/ },
  { name: "--db in a read-only directory", args: R(["--model", model, "--db", join(roDir, "x.sqlite")]), code: 1, says: /readonly|read-only|cannot (create|write)/, skip: asRoot ? roSkip : undefined },
  // export
  { name: "export: store missing", args: ["export", "--db", join(dir, "none.sqlite")], code: 1, says: /none\.sqlite/ },
  { name: "export: not a store (text file)", args: ["export", "--db", w("text.sqlite", "hello")], code: 1, says: /text\.sqlite/ },
  { name: "export: --format xml", args: ["export", "--db", S, "--format", "xml"], code: 2, says: /xml/ },
  // a missing output directory is created (export, report and plant alike)
  { name: "export: --out into a missing directory works", args: ["export", "--db", S, "--out", join(dir, "no/such/dir/x.jsonl")], code: 0, says: /wrote 6 trials/ },
  { name: "export: --out into a read-only directory", args: ["export", "--db", S, "--out", join(roDir, "x.jsonl")], code: 1, says: /readonly|read-only|permission/i, skip: asRoot ? roSkip : undefined },
  { name: "export: --out is a directory", args: ["export", "--db", S, "--out", dir], code: 1, says: /directory/ },
  { name: "export: unknown --detector", args: ["export", "--db", S, "--detector", "rules@99"], code: 2, says: /rules@99/ },
  // analyze --from
  { name: "analyze: --from missing", args: ["analyze", "--from", join(dir, "none.jsonl")], code: 1, says: /none\.jsonl/ },
  { name: "analyze: --from empty", args: ["analyze", "--from", w("empty.jsonl", "")], code: 1, says: /empty|no rows|no records/ },
  { name: "analyze: --from malformed JSONL", args: ["analyze", "--from", w("bad.jsonl", readFileSync(exportJsonl, "utf8").split("\n")[0] + "\n{ not json\n")], code: 1, says: /bad\.jsonl:2/ },
  { name: "analyze: --from JSONL of wrong objects", args: ["analyze", "--from", w("wrong.jsonl", '{"a":1}\n{"a":2}\n')], code: 1, says: /wrong\.jsonl/ },
  { name: "analyze: --from CSV missing columns", args: ["analyze", "--from", w("cols.csv", "model,persona\nm,p\n")], code: 1, says: /cols\.csv/ },
  { name: "analyze: --from CSV header only", args: ["analyze", "--from", w("hdr.csv", "model,persona,task,paraphrase,item,refusal\n")], code: 1, says: /hdr\.csv/ },
  { name: "analyze: --from CSV refusal not 0/1", args: ["analyze", "--from", w("ref.csv", "model,persona,task,paraphrase,item,refusal\nm,control,t,p,i,maybe\nm,x,t,p,i,1\n")], code: 1, says: /ref\.csv/ },
  { name: "analyze: --from UTF-16 CSV", args: ["analyze", "--from", w("u16.csv", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("model,persona,task,paraphrase,item,refusal\nm,control,t,p,i,1\n", "utf16le")]))], code: 1, says: /UTF-16/ },
  { name: "analyze: --from a .txt", args: ["analyze", "--from", w("x.txt", "hello")], code: 1, says: /x\.txt/ },
  { name: "analyze: --bootstrap -1", args: ["analyze", "--db", S, "--bootstrap", "-1"], code: 2, says: /--bootstrap/ },
  { name: "analyze: --bootstrap many", args: ["analyze", "--db", S, "--bootstrap", "many"], code: 2, says: /--bootstrap/ },
  { name: "analyze: unknown --detector", args: ["analyze", "--db", S, "--detector", "nope@1"], code: 2, says: /nope@1/ },
  { name: "analyze: --outcome bogus", args: ["analyze", "--db", S, "--outcome", "bogus"], code: 2, says: /bogus/ },
  { name: "analyze: unknown --control", args: ["analyze", "--db", S, "--control", "nobody"], code: 1, says: /nobody/ },
  { name: "analyze: --detector-error malformed", args: ["analyze", "--db", S, "--detector-error", w("de.json", "{")], code: 1, says: /de\.json/ },
  { name: "analyze: no --db and no --from", args: ["analyze", "--db", join(dir, "nothing-here.sqlite")], code: 1, says: /nothing-here\.sqlite/ },
  // report
  { name: "report: --out into a missing directory works", args: ["report", "--db", S, "--out", join(dir, "nodir/sub/r.html")], code: 0, says: /nodir/ },
  { name: "report: --out is a directory", args: ["report", "--db", S, "--out", dir], code: 1, says: /is a directory|directory, not a file/ },
  { name: "report: --out under a file", args: ["report", "--db", S, "--out", join(exportJsonl, "r.html")], code: 1, says: /not a directory|is a file/ },
  { name: "report: --out into a read-only directory", args: ["report", "--db", S, "--out", join(roDir, "r.html")], code: 1, says: /readonly|read-only|permission/i, skip: asRoot ? roSkip : undefined },
  { name: "report: --format pdf", args: ["report", "--db", S, "--format", "pdf"], code: 2, says: /pdf/ },
  { name: "report: store is a truncated copy", args: ["report", "--db", w("trunc.sqlite", readFileSync(store).subarray(0, 1000)), "--out", join(dir, "r.html")], code: 1, says: /trunc\.sqlite/ },
  { name: "report: unknown --detector", args: ["report", "--db", S, "--detector", "rules@0", "--out", join(dir, "r2.html")], code: 2, says: /rules@0/ },
  // rescore
  { name: "rescore: unknown detector", args: ["rescore", "--db", S, "--detector", "vibes@1"], code: 2, says: /vibes@1/ },
  { name: "rescore: detector with an empty version", args: ["rescore", "--db", S, "--detector", "rules@"], code: 2, says: /'rules@' is not a detector name/ },
  { name: "rescore: detector version not a number", args: ["rescore", "--db", S, "--detector", "rules@two"], code: 2, says: /rules@two/ },
  { name: "rescore: store missing", args: ["rescore", "--db", join(dir, "gone.sqlite"), "--detector", "rules@3"], code: 1, says: /gone\.sqlite/ },
  // detect-eval
  { name: "detect-eval: file missing", args: ["detect-eval", "--data", join(dir, "none.csv")], code: 1, says: /none\.csv/ },
  { name: "detect-eval: missing columns", args: ["detect-eval", "--data", w("de-cols.csv", "a,b\n1,2\n")], code: 1, says: /completion|column/ },
  { name: "detect-eval: unknown label", args: ["detect-eval", "--data", w("de-lab.csv", "model,completion,final_label\nm,hello,9_unknown\n")], code: 1, says: /9_unknown|label/ },
  { name: "detect-eval: header only", args: ["detect-eval", "--data", w("de-hdr.csv", "model,completion,final_label\n")], code: 1, says: /de-hdr\.csv/ },
  { name: "detect-eval: unknown --detector", args: ["detect-eval", "--data", w("de-ok.csv", "model,completion,final_label\nm,Sure.,1_full_compliance\n"), "--detector", "rules@42"], code: 2, says: /detector 'rules' has no version 42/ },
  { name: "detect-eval: 1 MB cell", args: ["detect-eval", "--data", w("de-big.csv", `model,completion,final_label\nm,"${"Sure. ".repeat(180_000)}",1_full_compliance\nm,"I cannot help with that.",2_full_refusal\n`), "--json"], code: 0, says: /"n"/ },
  // plant
  { name: "plant: --spec missing", args: ["plant", "--spec", join(dir, "none.json"), "--out", join(dir, "p.gguf")], code: 1, says: /none\.json/ },
  { name: "plant: --spec malformed JSON", args: ["plant", "--spec", w("law-bad.json", "{ base: "), "--out", join(dir, "p.gguf")], code: 1, says: /law-bad\.json/ },
  { name: "plant: --spec unknown key", args: ["plant", "--spec", join(repoRoot, "test/fixtures/laws/bad-unknown-key.json"), "--out", join(dir, "p.gguf")], code: 1, says: /unknown field\(s\) 'temperature'/ },
  { name: "plant: --spec base not a number", args: ["plant", "--spec", w("law-nan.json", JSON.stringify({ ...KILL_LAW, base: "high" })), "--out", join(dir, "p.gguf")], code: 1, says: /base/ },
  { name: "plant: no --out", args: ["plant", "--spec", join(repoRoot, "test/fixtures/laws/example.json")], code: 2, says: /--out/ },
  { name: "plant: --out into a read-only directory", args: ["plant", "--spec", join(repoRoot, "test/fixtures/laws/example.json"), "--out", join(roDir, "sub/p.gguf")], code: 1, says: /readonly|read-only|permission/i, skip: asRoot ? roSkip : undefined },
  { name: "plant: --format tflite", args: ["plant", "--spec", join(repoRoot, "test/fixtures/laws/example.json"), "--format", "tflite", "--out", join(dir, "p")], code: 2, says: /tflite/ },
  // status / merge
  { name: "status: store missing", args: ["status", "--db", join(dir, "absent.sqlite")], code: 1, says: /absent\.sqlite/ },
  { name: "merge: input missing", args: ["merge", join(dir, "a.sqlite"), "--out", join(dir, "m.sqlite")], code: 1, says: /a\.sqlite/ },
];

// --- runner ---------------------------------------------------------------------------------------------------
interface Outcome { c: Case; code: number | null; out: string; err: string; storeSame: boolean }

const storeHash = JSON.stringify(hashFiles(storeDir, "s.sqlite"));
let copies = 0;
/** The case's arguments with {store} replaced by a fresh copy of the fixture store (in its own directory). */
function withStore(c: Case): { args: string[]; check: () => boolean } {
  const d = join(dir, `store-${copies++}`);
  mkdirSync(d);
  copyFileSync(store, join(d, "s.sqlite"));
  return { args: c.args.map((a) => (a === S ? join(d, "s.sqlite") : a)), check: () => JSON.stringify(hashFiles(d, "s.sqlite")) === storeHash };
}

/** Cases that load a model run as real processes (native log lines reach stderr only there). */
const loadsModel = (c: Case) => c.args.some((a, i) => c.args[i - 1] === "--model" && a !== model);

function spawnCase(c: Case): Promise<Outcome> {
  const { args, check } = withStore(c);
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [frh, ...args], { cwd: dir, env: { ...process.env, FRH_DEBUG: "", ...c.env } });
    let out = "", err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), 60_000);
    p.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ c, code: code ?? (signal ? -1 : null), out, err: signal ? `${err}\n[killed: ${signal}]` : err, storeSame: check() });
    });
  });
}

function batchCases(cs: Case[]): Outcome[] {
  const prepared = cs.map((c) => ({ c, ...withStore(c) }));
  const file = join(dir, `batch-${copies}.json`), out = `${file}.out`;
  writeFileSync(file, JSON.stringify({ cwd: dir, cases: prepared.map((p) => ({ args: p.args, env: { FRH_DEBUG: "", ...p.c.env } })) }));
  const r = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "cli-batch.ts"), file, out], { cwd: repoRoot, encoding: "utf8", timeout: 240_000 });
  if (r.status !== 0) throw new Error(`cli-batch failed: ${r.stderr}`);
  const res = JSON.parse(readFileSync(out, "utf8")) as { code: number; out: string; err: string }[];
  return prepared.map((p, i) => ({ c: p.c, code: res[i].code, out: res[i].out, err: res[i].err, storeSame: p.check() }));
}

/** What makes an outcome bad, in words (empty: handled well). */
function problems(o: Outcome): string[] {
  const bad: string[] = [];
  const { c, err } = o;
  if (o.code !== c.code) bad.push(`exit ${o.code}, expected ${c.code}`);
  if (!o.storeSame) bad.push("the store changed");
  if (/unexpected error|main\(\) threw/.test(err)) bad.push("'unexpected error'");
  if (/\n\s+at .+[:(]\d+/.test(err) || /node:internal/.test(err)) bad.push("a stack trace");
  if (/^(llama_|gguf_|ggml_|load_|print_info|\[node-llama-cpp\]|.*onnxruntime)/m.test(err)) bad.push("a native log line");
  const text = c.code === 0 ? `${err}\n${o.out}` : err;
  if (!c.says.test(text)) bad.push(`does not say ${c.says}`);
  if (c.code !== 0) {
    const lines = err.trim().split("\n").filter((l) => l.trim() && !/^\(run with --help/.test(l) && !/^\s+fix:/.test(l) && !/^warning:/.test(l));
    if (lines.length !== 1) bad.push(`${lines.length} message lines`);
    if (!/^(frh: error: |error: )/.test(err)) bad.push("does not start with 'frh: error:' or a usage error");
    if (c.code === 1 && !/\n\s+fix: /.test(err)) bad.push("no fix: hint");
  }
  return bad;
}

test(`bad input: ${cases.length} cases across run, export, analyze, report, rescore, detect-eval, plant — one message in our words, exit 1 or 2, store byte-identical`, { timeout: 300_000 }, async () => {
  const todo = cases.filter((c) => !c.skip);
  const spawned = todo.filter(loadsModel);
  const outcomes = batchCases(todo.filter((c) => !loadsModel(c)));
  for (let i = 0; i < spawned.length; i += 2) outcomes.push(...(await Promise.all(spawned.slice(i, i + 2).map(spawnCase))));
  const report = outcomes.map((o) => ({ name: o.c.name, bad: problems(o), o }));
  if (process.env.FRH_PROBE) {
    for (const r of report) console.log(`${r.bad.length ? "BAD " : "ok  "} ${r.name}: ${r.bad.join("; ")}\n      exit ${r.o.code} ${JSON.stringify(r.o.err.slice(0, 600))}`);
    return;
  }
  const failed = report.filter((r) => r.bad.length);
  assert.deepEqual(failed.map((r) => `${r.name}: ${r.bad.join("; ")}\n    stderr: ${r.o.err.slice(0, 400)}`), []);
  assert.ok(todo.length >= 40, `${todo.length} cases ran`);
  console.log(`bad input: ${todo.length} cases ran (${spawned.length} as their own process), ${cases.length - todo.length} skipped, all handled`);
});
