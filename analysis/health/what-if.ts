/**
 * What-if: the last N weeks' SLA attainment recomputed under an edited policy, next to the
 * attainment under the policy in force, so the program owner sees what a target would cost
 * before setting it ("VIP first response 15 minutes": how many more misses per week?).
 */
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import type {CompiledPolicy} from "./policy.ts";
import {asOf, evaluateTickets, iso, loadSlaInputs, tierRank, type EvaluatedTicket} from "./report.ts";
import {tally, type Tally} from "./sla.ts";
import {parseWeek, weekOf, weeksEnding} from "./week.ts";

export interface Comparison {
  current: Tally;
  edited: Tally;
  /** edited minus current attainment (null when either is undecided) */
  attainment_change: number | null;
}

export interface WhatIfReport {
  report: "sla-what-if";
  policy: string;
  edited_policy: string;
  as_of: string | null;
  weeks: ({week: string} & Comparison)[];
  by_tier: ({tier: string} & Comparison)[];
  total: Comparison;
  /** conversations whose outcome differs between the two policies */
  changed_conversations: number;
  /** a sample of them (up to 50), newest first */
  changed: {ticket_id: string; week: string; tier: string; current: string; edited: string}[];
}

function compare(current: EvaluatedTicket[], edited: EvaluatedTicket[]): Comparison {
  const [a, b] = [tally(current.map((t) => t.sla.outcome)), tally(edited.map((t) => t.sla.outcome))];
  return {
    current: a,
    edited: b,
    attainment_change: a.attainment === null || b.attainment === null ? null : Math.round((b.attainment - a.attainment) * 10_000) / 10_000
  };
}

/** `weeks` weeks ending with `lastWeek` (default: the week of the data's as_of). */
export async function slaWhatIf(
  warehouse: Warehouse,
  policy: CompiledPolicy,
  edited: CompiledPolicy,
  options: {weeks: number; lastWeek?: string}
): Promise<WhatIfReport> {
  const at = await asOf(warehouse);
  const last = options.lastWeek ? parseWeek(options.lastWeek) : weekOf(at ?? new Date());
  const weeks = weeksEnding(last, options.weeks);
  const rows = at ? await loadSlaInputs(warehouse, weeks[0], last) : [];
  const now = at ? evaluateTickets(rows, policy, at) : [];
  const then = at ? evaluateTickets(rows, edited, at) : [];
  const slice = (filter: (t: EvaluatedTicket) => boolean) => compare(now.filter(filter), then.filter(filter));
  const tiers = [...new Set(now.map((t) => t.tier))].sort((a, b) => tierRank(a) - tierRank(b) || a.localeCompare(b));
  const changed = now
    .map((t, i) => ({ticket_id: t.ticket_id, week: t.week, tier: t.tier, current: t.sla.outcome, edited: then[i].sla.outcome}))
    .filter((t) => t.current !== t.edited);
  return {
    report: "sla-what-if",
    policy: policy.source,
    edited_policy: edited.source,
    as_of: iso(at),
    weeks: weeks.map((w) => ({week: w.label, ...slice((t) => t.week === w.label)})),
    by_tier: tiers.map((tier) => ({tier, ...slice((t) => t.tier === tier)})),
    total: slice(() => true),
    changed_conversations: changed.length,
    changed: changed.reverse().slice(0, 50)
  };
}
