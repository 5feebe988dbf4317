// Small file systems inside a test's own temp directory: a tmpfs of a given size (full-disk tests) that can be
// remounted read-only. Needs root and mount(8) (a container without CAP_SYS_ADMIN refuses): callers skip with
// the reason returned. Every mount is undone by `cleanup`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TinyFs { dir: string; readOnly(): void; writable(): void; cleanup(): void }

const sh = (args: string[]) => spawnSync(args[0], args.slice(1), { encoding: "utf8" });

/** A fresh tmpfs of `size` (e.g. "4m"), or a skip reason. */
export function tinyFs(size: string): TinyFs | string {
  if (process.platform !== "linux") return `tmpfs mounts need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return "mounting a tmpfs needs root (run the suite as root, or in a container that allows mount)";
  const dir = mkdtempSync(join(tmpdir(), "frh-tinyfs-"));
  const m = sh(["mount", "-t", "tmpfs", "-o", `size=${size},mode=0755`, "tmpfs", dir]);
  if (m.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return `mount -t tmpfs refused here (${(m.stderr || m.error?.message || "").trim()}): no CAP_SYS_ADMIN?`;
  }
  const remount = (mode: string) => {
    const r = sh(["mount", "-o", `remount,${mode}`, dir]);
    if (r.status !== 0) throw new Error(`remount ${mode} failed: ${r.stderr}`);
  };
  return {
    dir,
    readOnly: () => remount("ro"),
    writable: () => remount("rw"),
    cleanup: () => {
      sh(["umount", "-l", dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
