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
