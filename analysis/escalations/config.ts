/** Reading the JSON configuration files of the escalation modules (config/outreach.json, config/feedback.json). */
import {readFileSync} from "node:fs";
import {resolve} from "node:path";
import {WorkbenchError} from "../../loaders/errors.ts";

export class ConfigError extends WorkbenchError {}

/** The parsed JSON object in `file`, or a ConfigError naming the file and what is wrong. */
export function readConfig(file: string): Record<string, unknown> {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, "utf-8");
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`, {cause: error});
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}`, {cause: error});
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ConfigError(`${file} must hold a JSON object`);
  return value as Record<string, unknown>;
}

/** A non-negative finite number at `path` of `file`, else a ConfigError. */
export function positiveNumber(file: string, path: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new ConfigError(`${file}: ${path} must be a number >= 0 (got ${JSON.stringify(value)})`);
  return value;
}
