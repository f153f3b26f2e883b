/** The shape of a CLI command and the shared option parsing. */
import {parseArgs, type ParseArgsConfig} from "node:util";
import {UsageError} from "../loaders/errors.ts";

export interface CommandContext {
  /** Warehouse file (--db). */
  db: string;
  /** Seconds to wait for another process's write lock (--wait). */
  waitSeconds: number;
  /** Arguments after the command name. */
  args: string[];
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(context: CommandContext): Promise<void>;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs with errors turned into UsageErrors that carry the command's usage text. */
export function parseOptions<T extends Options>(args: string[], options: T, usage: string, allowPositionals = false) {
  try {
    return parseArgs({args, options, allowPositionals, strict: true});
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\nusage: ${usage}`);
  }
}

export function parseInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new UsageError(`--${name} must be an integer, got "${value}"`);
  return parsed;
}
