// Debian's Chromium for the report's browser tests (no browser downloads here): where it is, how it is started,
// and the skip rule (outside CI a missing browser skips with a reason, in CI it fails).
import { existsSync } from "node:fs";

export const executablePath = process.env.FRH_CHROMIUM ?? "/usr/bin/chromium";
export const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export function browserSkip(): string | false {
  if (existsSync(executablePath)) return false;
  if (process.env.CI === "true") throw new Error(`missing ${executablePath}: CI must have Chromium (apt-get install chromium, or set FRH_CHROMIUM)`);
  return `needs Chromium at ${executablePath} (apt-get install chromium, or set FRH_CHROMIUM)`;
}
