// Option parsers shared by the commands.
import { InvalidArgumentError } from "commander";

export function intOption(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} takes a whole number ≥ ${min}, got '${value}'.`);
    return n;
  };
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--shard i/n`: 1 ≤ i ≤ n. */
export function shardOption(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new InvalidArgumentError(`--shard takes i/n with 1 ≤ i ≤ n (e.g. 2/4), got '${value}'.`);
  return { index, count };
}
