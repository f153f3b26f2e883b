/**
 * The workbench's own SLA outcome per conversation, from its timestamps under an SLA policy, so it
 * can be set next to Intercom's `sla_status` and recomputed for an edited policy (what-if).
 *
 * Per target (first response = first admin reply, resolution = first close):
 * - done (replied / closed): hit when the clock minutes from creation are <= the target, else missed;
 * - not done: missed once the clock has run past the target by `asOf`, else active.
 * A conversation is missed if any target is missed, active if any is still running, else hit;
 * "no_target" when no policy row matches its tier and priority.
 */
import type {Interval} from "./clock.ts";
import {TARGET_KINDS, type CompiledPolicy, type TargetKind} from "./policy.ts";

export type Outcome = "hit" | "missed" | "active";

export interface SlaInput {
  ticket_id: string;
  tier: string | null;
  priority: string | null;
  created_at: Date;
  first_admin_reply_at: Date | null;
  first_closed_at: Date | null;
  /** snoozed periods; `end` null = still snoozed */
  snoozes: {start: Date; end: Date | null}[];
}

export interface TargetResult {
  target: TargetKind;
  target_minutes: number;
  /** clock minutes from creation to the reply/close, or to asOf when not done yet */
  elapsed_minutes: number;
  outcome: Outcome;
  /** when the target falls due, ISO 8601 UTC (null if the clock stays paused) */
  due_at: string | null;
}

export interface SlaResult {
  ticket_id: string;
  outcome: Outcome | "no_target";
  /** the policy row that applied, e.g. "advanced/priority" */
  rule: string | null;
  clock: string | null;
  targets: TargetResult[];
}

export function evaluateSla(input: SlaInput, policy: CompiledPolicy, asOf: Date): SlaResult {
  const target = policy.targetFor(input.tier, input.priority);
  if (!target) return {ticket_id: input.ticket_id, outcome: "no_target", rule: null, clock: null, targets: []};
  const created = input.created_at.getTime();
  const horizon = asOf.getTime();
  const done: Record<TargetKind, Date | null> = {first_response: input.first_admin_reply_at, resolution: input.first_closed_at};
  const snoozes: Interval[] = input.snoozes.map((s) => ({start: s.start.getTime(), end: s.end ? s.end.getTime() : Infinity}));
  const targets: TargetResult[] = [];
  for (const kind of TARGET_KINDS) {
    const minutes = target.minutes[kind];
    if (minutes === null) continue;
    const pauses = kind === "resolution" && policy.spec.pause_resolution_while_snoozed ? snoozes : undefined;
    const end = done[kind]?.getTime() ?? null;
    const elapsed = target.clock.elapsedMinutes(created, end ?? Math.max(created, horizon), pauses);
    const outcome: Outcome = end !== null ? (elapsed <= minutes ? "hit" : "missed") : elapsed > minutes ? "missed" : "active";
    const due = target.clock.deadline(created, minutes, pauses);
    targets.push({
      target: kind,
      target_minutes: minutes,
      elapsed_minutes: Math.round(elapsed * 100) / 100,
      outcome,
      due_at: due === null ? null : new Date(Math.round(due / 1000) * 1000).toISOString().replace(".000Z", "Z")
    });
  }
  const outcomes = targets.map((t) => t.outcome);
  const outcome: Outcome = outcomes.includes("missed") ? "missed" : outcomes.includes("active") ? "active" : "hit";
  return {
    ticket_id: input.ticket_id,
    outcome: targets.length ? outcome : "no_target",
    rule: target.rule,
    clock: policy.clockLabel(target.clockName),
    targets
  };
}

export interface Tally {
  hit: number;
  missed: number;
  active: number;
  no_target: number;
  /** hit / (hit + missed), 4 decimals; null when nothing is decided yet */
  attainment: number | null;
}

export function rate(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000;
}

export function tally(outcomes: (Outcome | "no_target")[]): Tally {
  const count = (outcome: string) => outcomes.filter((o) => o === outcome).length;
  const [hit, missed] = [count("hit"), count("missed")];
  return {hit, missed, active: count("active"), no_target: count("no_target"), attainment: rate(hit, hit + missed)};
}
