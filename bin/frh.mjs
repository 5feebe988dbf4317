#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so `npx frh` works right after `npm ci` with no build step.
import { register } from "tsx/esm/api";
register();
// `frh export | head` closes the pipe early: that is not an error.
process.stdout.on("error", (e) => { if (e.code === "EPIPE") process.exit(0); throw e; });
// Under npx, stop when npx is killed instead of writing on as an orphan (src/cli/launcher.ts).
const { stopWithLauncher } = await import("../src/cli/launcher.ts");
stopWithLauncher();
const { main } = await import("../src/cli/main.ts");
const code = await main(process.argv);
process.exitCode = code;
// An error ends the process once its message is out: a request still open in the background (a network lookup
// to a hub that never answers) must not keep a failed command alive.
if (code !== 0) process.stderr.write("", () => process.exit(code));
