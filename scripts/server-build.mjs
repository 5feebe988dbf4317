#!/usr/bin/env node
// Builds llama.cpp's `llama-server` from the llama.cpp source that node-llama-cpp ships inside its npm package
// (node_modules/node-llama-cpp/llama/gitRelease.bundle, the same commit as the in-process backend's binaries), so
// the server tests and `frh run --model openai:…` can be checked against a real server without any download.
//
// Fast path: configure the whole tree (shared libraries), but compile only what the prebuilt shared libraries in
// @node-llama-cpp/linux-x64 do not already contain (the server, mtmd, cpp-httplib, small vendored code), then link
// those objects against the prebuilt libllama/libggml/libllama-common, which are built from the same commit.
// Fallback: a full static CPU-only build of the `llama-server` target.
//
// Cache: ~/.cache/frh/llama-server/<commit>/llama-server (FRH_LLAMA_SERVER names a binary to use instead; the
// cache root moves with FRH_CACHE_DIR). Reused when present. Prints the binary's path as the last stdout line.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir, cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = join(root, "node_modules", "node-llama-cpp", "llama", "gitRelease.bundle");
const prebuilt = join(root, "node_modules", "@node-llama-cpp", "linux-x64", "bins", "linux-x64");
const args = new Set(process.argv.slice(2));
const log = (m) => process.stderr.write(`server-build: ${m}\n`);

function fail(message, hint) {
  process.stderr.write(`error: ${message}\n${hint ? `  hint: ${hint}\n` : ""}`);
  process.exit(1);
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: opts.capture ? ["ignore", "pipe", "pipe"] : ["ignore", 2, "inherit"], encoding: "utf8", ...opts });
  if (r.error) return { ok: false, out: "", err: String(r.error) };
  return { ok: r.status === 0, out: r.stdout ?? "", err: r.stderr ?? "" };
}

const has = (tool) => run("sh", ["-c", `command -v ${tool}`], { capture: true }).ok;

/** A binary works when it starts and prints its version (this also proves every shared library resolves). */
function works(bin) {
  const r = run(bin, ["--version"], { capture: true, timeout: 30_000 });
  return r.ok || /version:/.test(r.out + r.err);
}

if (process.env.FRH_LLAMA_SERVER) {
  const bin = resolve(process.env.FRH_LLAMA_SERVER);
  if (!existsSync(bin) || !works(bin)) fail(`FRH_LLAMA_SERVER=${bin} is not a working llama-server`, "unset FRH_LLAMA_SERVER to build one from node-llama-cpp's bundled source");
  console.log(bin);
  process.exit(0);
}
if (!existsSync(bundle)) fail(`no llama.cpp source bundle at ${bundle}`, "run `npm ci` first (node-llama-cpp ships the bundle)");
if (!has("git")) fail("git is needed to read the source bundle", "apt-get install -y git");
const heads = run("git", ["bundle", "list-heads", bundle], { capture: true });
const commit = heads.out.trim().split(/\s+/)[0];
if (!/^[0-9a-f]{40}$/.test(commit ?? "")) fail(`cannot read the commit of ${bundle}: ${heads.err.trim()}`, "reinstall node-llama-cpp (`npm ci`)");

const cacheRoot = process.env.FRH_CACHE_DIR ? resolve(process.env.FRH_CACHE_DIR) : join(homedir(), ".cache", "frh");
const outDir = join(cacheRoot, "llama-server", commit);
const bin = join(outDir, "llama-server");
if (!args.has("--force") && existsSync(bin) && works(bin)) {
  log(`reusing ${bin}`);
  console.log(bin);
  process.exit(0);
}

const missing = ["cmake", "ninja", "g++"].filter((t) => !has(t));
if (missing.length) fail(`missing build tools: ${missing.join(", ")}`, "apt-get install -y cmake ninja-build g++");

const jobs = String(Math.max(1, Number(process.env.FRH_BUILD_JOBS) || cpus().length));
const work = mkdtempSync(join(tmpdir(), "frh-llama-server-"));
const src = join(work, "src");
const started = Date.now();
log(`llama.cpp ${commit.slice(0, 7)} → ${outDir} (building in ${work}, -j ${jobs})`);
if (!run("git", ["-c", "advice.detachedHead=false", "clone", "-q", bundle, src]).ok) fail("git clone of the source bundle failed", "check free space in the temp directory");
run("git", ["-C", src, "-c", "advice.detachedHead=false", "checkout", "-q", commit]);

const common = ["-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release", "-DLLAMA_BUILD_UI=OFF", "-DLLAMA_USE_PREBUILT_UI=OFF", "-DLLAMA_OPENSSL=OFF",
  "-DLLAMA_CURL=OFF", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF", "-DGGML_NATIVE=OFF"];

/** Libraries node-llama-cpp prebuilt from the same commit (the fast path links against these). */
function prebuiltLibs() {
  if (!existsSync(prebuilt)) return null;
  const names = readdirSync(prebuilt);
  const pick = (re) => names.find((n) => re.test(n));
  const libs = [pick(/^libllama-common\.so$/), pick(/^libllama(\.v[\d.]+)?\.so$/), pick(/^libggml(\.v[\d.]+)?\.so$/), pick(/^libggml-base\.so$/)];
  if (libs.some((l) => !l)) return null;
  return { libs, all: names.filter((n) => n.endsWith(".so")) };
}

// Object directories the prebuilt libraries already cover: these are never compiled on the fast path.
const coveredDirs = [/^ggml\//, /^src\/CMakeFiles\/llama\.dir\//, /^common\/CMakeFiles\/llama-common(-base)?\.dir\//];

function fastPath(pre) {
  const build = join(work, "build-shared");
  if (!run("cmake", ["-S", src, "-B", build, ...common, "-DBUILD_SHARED_LIBS=ON"], { capture: true }).ok) return "configure failed";
  const cmds = run("ninja", ["-C", build, "-t", "commands", "llama-server"], { capture: true, maxBuffer: 1 << 28 });
  if (!cmds.ok) return "ninja -t commands failed";
  const objs = [...cmds.out.matchAll(/ -o (\S+\.o)\b/g)].map((m) => m[1]).filter((o) => !coveredDirs.some((re) => re.test(o)));
  // llama-ui-embed is a host tool whose object is not part of the server binary.
  const linked = objs.filter((o) => !o.includes("llama-ui-embed.dir"));
  log(`fast path: compiling ${objs.length} objects (the rest is in the prebuilt libraries)`);
  if (!run("nice", ["ninja", "-C", build, "-j", jobs, ...objs]).ok) return "compile failed";
  mkdirSync(outDir, { recursive: true });
  const tmpBin = join(outDir, `llama-server.tmp-${process.pid}`);
  const link = ["-o", tmpBin, ...linked.map((o) => join(build, o)), ...pre.libs.map((l) => join(prebuilt, l)),
    "-Wl,-rpath,$ORIGIN", "-lpthread", "-ldl"];
  if (!run("g++", link).ok) return "link against the prebuilt libraries failed";
  for (const so of pre.all) copyFileSync(join(prebuilt, so), join(outDir, so));
  if (!works(tmpBin)) return "the linked binary does not start";
  renameSync(tmpBin, bin);
  return null;
}

function fullBuild() {
  const build = join(work, "build-static");
  if (!run("cmake", ["-S", src, "-B", build, ...common, "-DBUILD_SHARED_LIBS=OFF"]).ok) fail("cmake configure failed (full build)", "see the output above");
  if (!run("nice", ["cmake", "--build", build, "--target", "llama-server", "-j", jobs]).ok) fail("llama-server build failed", "see the compiler output above");
  mkdirSync(outDir, { recursive: true });
  copyFileSync(join(build, "bin", "llama-server"), bin);
  run("chmod", ["+x", bin]);
  if (!works(bin)) fail("the built llama-server does not start", "run it with --version to see why");
}

const pre = args.has("--full") ? null : prebuiltLibs();
let method = "full";
if (pre) {
  const why = fastPath(pre);
  if (why === null) method = "prebuilt-libs";
  else log(`fast path failed (${why}); falling back to a full build`);
}
if (method === "full") fullBuild();
const seconds = (Date.now() - started) / 1000;
const info = { commit, method, seconds, jobs: Number(jobs), builtAt: new Date().toISOString() };
writeFileSync(join(outDir, "build.json"), JSON.stringify(info, null, 2) + "\n");
rmSync(work, { recursive: true, force: true });
log(`built llama-server (${method}) in ${seconds.toFixed(0)} s`);
console.log(bin);
