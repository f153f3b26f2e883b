/**
 * The tiered SLA policy as code (config/sla-policy.json): per tier and priority, a first-response
 * and a resolution target in minutes of a named clock (24/7, or office hours with a time zone and
 * holidays). Loading validates everything and names what is wrong; `applyEdits` makes the what-if
 * variants ("VIP.first_response_minutes=15").
 */
import {readFileSync} from "node:fs";
import {resolve} from "node:path";
import {WorkbenchError} from "../../loaders/errors.ts";
import {ClockError, makeClock, type Clock, type ClockSpec} from "./clock.ts";

export const DEFAULT_POLICY_FILE = "config/sla-policy.json";

export interface TargetSpec {
  /** VIP | advanced | standard, or "*" */
  tier: string;
  /** priority | not_priority, or "*" (default) */
  priority?: string;
  /** minutes of the clock to the first admin reply; null = no target */
  first_response_minutes: number | null;
  /** minutes of the clock to the first close; null = no target */
  resolution_minutes: number | null;
  /** a key of `clocks` */
  clock: string;
}

export interface SlaPolicy {
  name: string;
  description?: string;
  /** Take snoozed periods out of the resolution clock (the first-response clock always runs). */
  pause_resolution_while_snoozed: boolean;
  clocks: Record<string, ClockSpec>;
  /** First match wins, in order: put specific rows (tier + priority) before wildcards. */
  targets: TargetSpec[];
  /** Named edits the health page shows next to the policy ("what would this target cost?"). */
  what_if?: {name: string; edits: string[]}[];
}

export type TargetKind = "first_response" | "resolution";
export const TARGET_KINDS: TargetKind[] = ["first_response", "resolution"];

/** A target row resolved against the policy's clocks. */
export interface ResolvedTarget {
  /** "VIP/*": the row that matched */
  rule: string;
  minutes: Record<TargetKind, number | null>;
  clockName: string;
  clock: Clock;
}

export class PolicyError extends WorkbenchError {}

function fail(source: string, message: string): never {
  throw new PolicyError(`SLA policy ${source}: ${message}`);
}

function isMinutes(value: unknown): value is number | null {
  return value === null || (typeof value === "number" && Number.isFinite(value) && value >= 0);
}

/** Checks a parsed policy and builds its clocks; errors name the field. */
export function validatePolicy(raw: unknown, source: string): CompiledPolicy {
  if (!raw || typeof raw !== "object") fail(source, "must be a JSON object");
  const policy = raw as SlaPolicy;
  if (typeof policy.name !== "string" || !policy.name) fail(source, '"name" must be a non-empty string');
  if (typeof policy.pause_resolution_while_snoozed !== "boolean") fail(source, '"pause_resolution_while_snoozed" must be true or false');
  if (!policy.clocks || typeof policy.clocks !== "object") fail(source, '"clocks" must map names to clocks');
  const clocks = new Map<string, Clock>();
  for (const [name, spec] of Object.entries(policy.clocks)) {
    try {
      clocks.set(name, makeClock(spec));
    } catch (error) {
      if (error instanceof ClockError) fail(source, `clock "${name}": ${error.message}`);
      throw error;
    }
  }
  if (!Array.isArray(policy.targets) || policy.targets.length === 0) fail(source, '"targets" must be a non-empty list');
  policy.targets.forEach((target, i) => {
    const where = `targets[${i}]`;
    if (typeof target.tier !== "string" || !target.tier) fail(source, `${where}.tier must be a tier name or "*"`);
    if (target.priority !== undefined && typeof target.priority !== "string") fail(source, `${where}.priority must be a string`);
    for (const kind of TARGET_KINDS) {
      if (!isMinutes(target[`${kind}_minutes`])) fail(source, `${where}.${kind}_minutes must be minutes (a number >= 0) or null`);
    }
    if (!clocks.has(target.clock)) fail(source, `${where}.clock "${target.clock}" is not one of the clocks (${[...clocks.keys()].join(", ")})`);
  });
  for (const preset of policy.what_if ?? []) {
    if (typeof preset.name !== "string" || !Array.isArray(preset.edits)) fail(source, 'each "what_if" entry needs a "name" and a list of "edits"');
  }
  return new CompiledPolicy(policy, clocks, source);
}

export class CompiledPolicy {
  constructor(
    readonly spec: SlaPolicy,
    private readonly clocks: Map<string, Clock>,
    /** where the policy came from (a file path, or "<file> + edits") */
    readonly source: string
  ) {}

  /** The first target row matching the conversation's tier and priority, or null. */
  targetFor(tier: string | null, priority: string | null): ResolvedTarget | null {
    const row = this.spec.targets.find(
      (target) =>
        (target.tier === "*" || target.tier === tier) &&
        (target.priority === undefined || target.priority === "*" || target.priority === priority)
    );
    if (!row) return null;
    return {
      rule: `${row.tier}/${row.priority ?? "*"}`,
      minutes: {first_response: row.first_response_minutes, resolution: row.resolution_minutes},
      clockName: row.clock,
      clock: this.clocks.get(row.clock)!
    };
  }

  clockLabel(name: string): string {
    return this.clocks.get(name)?.label ?? name;
  }
}

export function loadPolicy(path = DEFAULT_POLICY_FILE): CompiledPolicy {
  let text: string;
  try {
    text = readFileSync(resolve(path), "utf-8");
  } catch (error) {
    throw new PolicyError(`cannot read SLA policy ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PolicyError(`SLA policy ${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return validatePolicy(raw, path);
}

const EDITABLE = ["first_response_minutes", "resolution_minutes", "clock"] as const;

/** "30", "30m", "2h", "1d" (24 h of the clock) or "none" -> minutes. */
function parseMinutes(value: string): number | null {
  if (value === "none" || value === "null") return null;
  const match = /^(\d+(?:\.\d+)?)\s*(m|min|h|d)?$/.exec(value.trim());
  if (!match) throw new PolicyError(`a target must be minutes like 30, 30m, 2h, 1d or none, got "${value}"`);
  return Number(match[1]) * ({h: 60, d: 1440}[match[2] ?? ""] ?? 1);
}

/**
 * The policy with edits applied. An edit is `<tier>[/<priority>].<field>=<value>` with field
 * first_response_minutes | resolution_minutes | clock (tier "*" = every row), or
 * `pause_resolution_while_snoozed=true|false`. Example: `VIP.first_response_minutes=15`,
 * `advanced/priority.clock=24/7`.
 */
export function applyEdits(policy: CompiledPolicy, edits: string[]): CompiledPolicy {
  if (edits.length === 0) return policy;
  const spec: SlaPolicy = structuredClone(policy.spec);
  for (const edit of edits) {
    const global = /^pause_resolution_while_snoozed=(true|false)$/.exec(edit.trim());
    if (global) {
      spec.pause_resolution_while_snoozed = global[1] === "true";
      continue;
    }
    const match = /^([^./=]+)(?:\/([^.=]+))?\.(\w+)=(.+)$/.exec(edit.trim());
    if (!match) throw new PolicyError(`edit must look like VIP.first_response_minutes=15 or advanced/priority.clock=24/7, got "${edit}"`);
    const [, tier, priority, field, value] = match;
    if (!(EDITABLE as readonly string[]).includes(field)) throw new PolicyError(`edit "${edit}": field must be one of ${EDITABLE.join(", ")}`);
    const rows = spec.targets.filter(
      (target) => (tier === "*" || target.tier === tier) && (priority === undefined || (target.priority ?? "*") === priority)
    );
    if (rows.length === 0) throw new PolicyError(`edit "${edit}": no target row for tier "${tier}"${priority ? ` and priority "${priority}"` : ""}`);
    for (const row of rows) {
      if (field === "clock") row.clock = value;
      else row[field as "first_response_minutes" | "resolution_minutes"] = parseMinutes(value);
    }
  }
  return validatePolicy(spec, `${policy.source} + ${edits.join(", ")}`);
}
