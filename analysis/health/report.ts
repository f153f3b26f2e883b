/**
 * The weekly program-health report: one object, built from the health views
 * (loaders/warehouse/views/050_health.sql) and the SLA policy, that `workbench report health`
 * prints and the health page renders. Both call `buildHealthReport`, so their numbers cannot differ.
 */
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import type {CompiledPolicy} from "./policy.ts";
import {evaluateSla, tally, type Outcome, type SlaResult, type Tally, type TargetResult} from "./sla.ts";
import {parseWeek, shiftWeek, weeksEnding, type IsoWeek} from "./week.ts";

/** The metrics the issue names, in report order. */
export const HEADLINE_METRICS = [
  "tickets_created",
  "tickets_closed",
  "frt_p50_minutes",
  "frt_p90_minutes",
  "ttc_p50_minutes",
  "ttc_p90_minutes",
  "sla_hit_rate",
  "csat_score",
  "csat_response_rate",
  "reopen_rate"
] as const;
export type HeadlineMetric = (typeof HEADLINE_METRICS)[number];

/** One row of `health_weekly` (without week / dimension / segment). */
export interface Metrics {
  tickets_created: number;
  tickets_closed: number;
  tickets_replied: number;
  /** calendar minutes (24/7 clock), creation to first admin reply */
  frt_p50_minutes: number | null;
  frt_p90_minutes: number | null;
  /** calendar minutes (24/7 clock), creation to first close */
  ttc_p50_minutes: number | null;
  ttc_p90_minutes: number | null;
  sla_hit: number;
  sla_missed: number;
  sla_active: number;
  sla_cancelled: number;
  sla_none: number;
  sla_hit_rate: number | null;
  csat_rated: number;
  csat_positive: number;
  csat_score: number | null;
  csat_response_rate: number | null;
  tickets_reopened: number;
  reopen_rate: number | null;
  tickets_escalated: number;
}

const COUNTS = [
  "tickets_created", "tickets_closed", "tickets_replied", "sla_hit", "sla_missed", "sla_active", "sla_cancelled",
  "sla_none", "csat_rated", "csat_positive", "tickets_reopened", "tickets_escalated"
] as const;
const MEASURES = [
  "frt_p50_minutes", "frt_p90_minutes", "ttc_p50_minutes", "ttc_p90_minutes", "sla_hit_rate", "csat_score",
  "csat_response_rate", "reopen_rate"
] as const;

/** A week with no conversations: zero counts, no rates. */
export function emptyMetrics(): Metrics {
  return {
    ...(Object.fromEntries(COUNTS.map((k) => [k, 0])) as Record<(typeof COUNTS)[number], number>),
    ...(Object.fromEntries(MEASURES.map((k) => [k, null])) as Record<(typeof MEASURES)[number], null>)
  };
}

export const CLOCKS = {
  durations: "calendar minutes (24/7 clock) from created_at",
  sla_hit_rate: "Intercom's sla_status (Intercom's clock for the applied SLA)",
  sla_policy: "each target's own clock as configured in the SLA policy"
};

export const TIER_ORDER = ["VIP", "advanced", "standard"];

export interface SlaMiss {
  ticket_id: string;
  tier: string;
  priority: string | null;
  category: string;
  agent: string | null;
  rule: string | null;
  clock: string | null;
  intercom_sla_status: string;
  missed: TargetResult[];
}

export interface SlaDisagreement {
  ticket_id: string;
  tier: string;
  category: string;
  intercom: string;
  workbench: Outcome | "no_target";
  rule: string | null;
  clock: string | null;
  targets: TargetResult[];
}

export interface SlaPolicySection {
  policy: string;
  policy_name: string;
  /** open conversations are judged at this instant */
  as_of: string | null;
  overall: Tally;
  by_tier: ({tier: string} & Tally)[];
  by_target: ({target: string; clock_minutes_p50: number | null} & Tally)[];
  /** the same tally for each week of the trend */
  trend: ({week: string} & Tally)[];
  /** workbench vs Intercom, over conversations both have decided (hit or missed) */
  agreement: {both_decided: number; agree: number; disagree: number; intercom_undecided: number; workbench_undecided: number};
  disagreements: SlaDisagreement[];
  misses: SlaMiss[];
}

export interface HealthReport extends Metrics {
  report: "health";
  week: string;
  week_start: string;
  week_end: string;
  as_of: string | null;
  clocks: typeof CLOCKS;
  previous_week: {week: string} & Metrics;
  /** this week minus the previous week, per headline metric (null when either is null) */
  change: Record<HeadlineMetric, number | null>;
  by_tier: ({tier: string; previous_week: Metrics} & Metrics)[];
  by_category: ({category: string; previous_week: Metrics} & Metrics)[];
  /** the 8 weeks ending with this one, oldest first */
  trend: ({week: string} & Metrics)[];
  trend_by_tier: ({week: string; tier: string} & Metrics)[];
  trend_by_category: ({week: string; category: string} & Metrics)[];
  sla_policy: SlaPolicySection;
  csat_low_scores: {ticket_id: string; tier: string; category: string; rating: number; remark: string | null; agent: string | null}[];
  escalations: {
    total: number;
    open: number;
    by_category: {category: string; escalations: number; open: number; age_p50_hours: number | null}[];
    by_age: {age_bucket: string; escalations: number; open: number}[];
    items: {ticket_id: string; tier: string; category: string; state: string | null; resolved: boolean; age_hours: number; age_bucket: string}[];
  };
  agents: {assignee: string; agent_name: string | null; assigned: number; replied: number; closed: number; frt_p50_minutes: number | null; csat_rated: number; csat_score: number | null}[];
  /** conversations created per UTC weekday (1 = Monday) and hour */
  arrivals: {weekday: number; hour: number; tickets: number}[];
  /** conversations not closed (open or snoozed) at the end of each hour of the week, UTC */
  backlog: {at: string; open_conversations: number}[];
}

export const TREND_WEEKS = 8;
export const AGE_BUCKETS = ["< 1 day", "1-3 days", "3-7 days", "> 7 days"];

type WeeklyRow = {week: string; dimension: string; segment: string} & Metrics;

function bySegment(rows: WeeklyRow[], week: string, dimension: string): Map<string, Metrics> {
  return new Map(
    rows
      .filter((r) => r.week === week && r.dimension === dimension)
      .map(({week: _week, dimension: _dimension, segment, ...metrics}) => [segment, metrics])
  );
}

/** VIP, advanced, standard, then other tiers. */
export function tierRank(tier: string): number {
  const i = TIER_ORDER.indexOf(tier);
  return i === -1 ? TIER_ORDER.length : i;
}

/** ISO 8601 UTC without milliseconds. */
export function iso(date: Date | null | undefined): string | null {
  return date ? date.toISOString().replace(".000Z", "Z") : null;
}

/** What the SLA evaluation reports about a conversation, as the warehouse gives it. */
interface TicketFacts {
  ticket_id: string;
  week: string;
  tier: string;
  priority: string | null;
  category: string;
  assignee: string | null;
  sla_status: string;
}

/** A conversation with the workbench's SLA outcome under a policy. */
export interface EvaluatedTicket extends TicketFacts {
  sla: SlaResult;
}

/** A conversation with the timestamps the policy clocks run on. */
interface TicketRow extends TicketFacts {
  created_at: Date;
  first_admin_reply_at: Date | null;
  first_closed_at: Date | null;
  snoozes: {start: Date; end: Date | null}[] | null;
}

export async function asOf(warehouse: Warehouse): Promise<Date | null> {
  const row = await warehouse.one<{as_of: Date | null}>("SELECT as_of FROM health_as_of");
  return row?.as_of ?? null;
}

/** Loads the conversations created in `first`..`last` (ISO week labels) with their snoozes. */
export async function loadSlaInputs(warehouse: Warehouse, first: IsoWeek, last: IsoWeek): Promise<TicketRow[]> {
  return warehouse.all<TicketRow & Record<string, unknown>>(
    `SELECT h.ticket_id, h.week, h.tier, h.priority, h.category, h.assignee, h.sla_status,
            h.created_at, h.first_admin_reply_at, h.first_closed_at,
            list({'start': s.snoozed_at, 'end': s.unsnoozed_at} ORDER BY s.snoozed_at) FILTER (s.snoozed_at IS NOT NULL) AS snoozes
     FROM health_tickets h LEFT JOIN health_snoozes s USING (ticket_id)
     WHERE h.week BETWEEN $first AND $last
     GROUP BY ALL
     ORDER BY h.created_at, h.ticket_id`,
    {first: first.label, last: last.label}
  );
}

export function evaluateTickets(rows: TicketRow[], policy: CompiledPolicy, at: Date): EvaluatedTicket[] {
  return rows.map((row) => ({
    ticket_id: row.ticket_id,
    week: row.week,
    tier: row.tier,
    priority: row.priority,
    category: row.category,
    assignee: row.assignee,
    sla_status: row.sla_status,
    sla: evaluateSla({...row, snoozes: row.snoozes ?? []}, policy, at)
  }));
}

function groupTally<K extends string>(tickets: EvaluatedTicket[], key: (t: EvaluatedTicket) => string, name: K) {
  const groups = new Map<string, (Outcome | "no_target")[]>();
  for (const ticket of tickets) {
    const k = key(ticket);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(ticket.sla.outcome);
  }
  return [...groups].map(([k, outcomes]) => ({[name]: k, ...tally(outcomes)}) as {[P in K]: string} & Tally);
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  return Math.round(((sorted[Math.floor(mid)] + sorted[Math.ceil(mid)]) / 2) * 100) / 100;
}

function slaSection(
  tickets: EvaluatedTicket[],
  week: string,
  trendWeeks: IsoWeek[],
  policy: CompiledPolicy,
  at: Date | null,
  agents: Map<string, string | null>
): SlaPolicySection {
  const current = tickets.filter((t) => t.week === week);
  const decided = (s: string) => s === "hit" || s === "missed";
  const both = current.filter((t) => decided(t.sla_status) && decided(t.sla.outcome));
  const disagree = both.filter((t) => t.sla_status !== t.sla.outcome);
  const byTarget = ["first_response", "resolution"].map((target) => {
    const results = current.flatMap((t) => t.sla.targets.filter((r) => r.target === target));
    return {
      target,
      clock_minutes_p50: median(results.filter((r) => r.outcome !== "active").map((r) => r.elapsed_minutes)),
      ...tally(results.map((r) => r.outcome))
    };
  });
  return {
    policy: policy.source,
    policy_name: policy.spec.name,
    as_of: iso(at),
    overall: tally(current.map((t) => t.sla.outcome)),
    by_tier: groupTally(current, (t) => t.tier, "tier").sort((a, b) => tierRank(a.tier) - tierRank(b.tier) || a.tier.localeCompare(b.tier)),
    by_target: byTarget,
    trend: trendWeeks.map((w) => ({week: w.label, ...tally(tickets.filter((t) => t.week === w.label).map((t) => t.sla.outcome))})),
    agreement: {
      both_decided: both.length,
      agree: both.length - disagree.length,
      disagree: disagree.length,
      intercom_undecided: current.filter((t) => !decided(t.sla_status) && decided(t.sla.outcome)).length,
      workbench_undecided: current.filter((t) => decided(t.sla_status) && !decided(t.sla.outcome)).length
    },
    disagreements: disagree.map((t) => ({
      ticket_id: t.ticket_id,
      tier: t.tier,
      category: t.category,
      intercom: t.sla_status,
      workbench: t.sla.outcome,
      rule: t.sla.rule,
      clock: t.sla.clock,
      targets: t.sla.targets
    })),
    misses: current
      .filter((t) => t.sla.outcome === "missed")
      .map((t) => ({
        ticket_id: t.ticket_id,
        tier: t.tier,
        priority: t.priority,
        category: t.category,
        agent: t.assignee === null ? null : (agents.get(t.assignee) ?? t.assignee),
        rule: t.sla.rule,
        clock: t.sla.clock,
        intercom_sla_status: t.sla_status,
        missed: t.sla.targets.filter((r) => r.outcome === "missed")
      }))
  };
}

type AgentRow = {week: string} & HealthReport["agents"][number];
type LowScoreRow = {week: string; ticket_id: string; tier: string; category: string; rating: number; remark: string | null; assignee: string | null};
type EscalationRow = {week: string} & HealthReport["escalations"]["items"][number];
type EscalationCategoryRow = {week: string} & HealthReport["escalations"]["by_category"][number];
type EscalationAgeRow = {week: string} & HealthReport["escalations"]["by_age"][number];
type ArrivalRow = {week: string} & HealthReport["arrivals"][number];

/** Everything the reports of a range of weeks need, read from the health views in one pass. */
export interface HealthData {
  first: IsoWeek;
  last: IsoWeek;
  at: Date | null;
  weekly: WeeklyRow[];
  agents: AgentRow[];
  agentNames: Map<string, string | null>;
  tickets: EvaluatedTicket[];
  lowScores: LowScoreRow[];
  escalations: EscalationRow[];
  escalationsByCategory: EscalationCategoryRow[];
  escalationsByAge: EscalationAgeRow[];
  arrivals: ArrivalRow[];
  backlog: {at: Date; open_conversations: number}[];
}

/** Reads the health views for the weeks `first`..`last` (inclusive) and evaluates the SLA policy. */
export async function loadHealthData(warehouse: Warehouse, first: IsoWeek, last: IsoWeek, policy: CompiledPolicy): Promise<HealthData> {
  const range = {first: first.label, last: last.label};
  const at = await asOf(warehouse);
  const weekly = await warehouse.all<WeeklyRow & Record<string, unknown>>("SELECT * FROM health_weekly WHERE week BETWEEN $first AND $last", range);
  const agents = await warehouse.all<AgentRow & Record<string, unknown>>(
    `SELECT week, assignee, agent_name, assigned, replied, closed, frt_p50_minutes, csat_rated, csat_score
     FROM health_agents_weekly WHERE week BETWEEN $first AND $last ORDER BY week, assigned DESC, assignee`,
    range
  );
  const lowScores = await warehouse.all<LowScoreRow & Record<string, unknown>>(
    `SELECT week, ticket_id, tier, category, csat_rating AS rating, csat_remark AS remark, assignee
     FROM health_tickets WHERE week BETWEEN $first AND $last AND csat_rating <= 3 ORDER BY week, csat_rating, created_at, ticket_id`,
    range
  );
  const escalations = await warehouse.all<EscalationRow & Record<string, unknown>>(
    `SELECT week, ticket_id, tier, category, state, resolved, age_hours, age_bucket
     FROM health_escalations WHERE week BETWEEN $first AND $last ORDER BY week, resolved, age_hours DESC, ticket_id`,
    range
  );
  const escalationsByCategory = await warehouse.all<EscalationCategoryRow & Record<string, unknown>>(
    `SELECT week, category, count(*)::INTEGER AS escalations, count(*) FILTER (NOT resolved)::INTEGER AS open,
            round(quantile_cont(age_hours, 0.5), 2) AS age_p50_hours
     FROM health_escalations WHERE week BETWEEN $first AND $last GROUP BY week, category ORDER BY week, escalations DESC, category`,
    range
  );
  const escalationsByAge = await warehouse.all<EscalationAgeRow & Record<string, unknown>>(
    `SELECT week, age_bucket, count(*)::INTEGER AS escalations, count(*) FILTER (NOT resolved)::INTEGER AS open
     FROM health_escalations WHERE week BETWEEN $first AND $last GROUP BY week, age_bucket`,
    range
  );
  const arrivals = await warehouse.all<ArrivalRow & Record<string, unknown>>(
    `SELECT week, created_weekday AS weekday, created_hour AS hour, count(*)::INTEGER AS tickets
     FROM health_tickets WHERE week BETWEEN $first AND $last GROUP BY ALL ORDER BY week, weekday, hour`,
    range
  );
  const backlog = await warehouse.all<{at: Date; open_conversations: number}>(
    `WITH hours AS (
       SELECT unnest(generate_series($start::TIMESTAMPTZ + INTERVAL 1 HOUR, $end::TIMESTAMPTZ, INTERVAL 1 HOUR)) AS at
     )
     SELECT hours.at, coalesce(b.open_conversations, 0)::INTEGER AS open_conversations
     FROM hours ASOF LEFT JOIN health_backlog b ON hours.at > b.since
     ORDER BY hours.at`,
    {start: first.start.toISOString(), end: last.end.toISOString()}
  );
  return {
    first,
    last,
    at,
    weekly,
    agents,
    agentNames: new Map(agents.map((a) => [a.assignee, a.agent_name])),
    tickets: at ? evaluateTickets(await loadSlaInputs(warehouse, first, last), policy, at) : [],
    lowScores,
    escalations,
    escalationsByCategory,
    escalationsByAge,
    arrivals,
    backlog
  };
}

const inWeek = (week: string) => (row: {week: string}) => row.week === week;
function withoutWeek<T extends {week: string}>({week: _week, ...rest}: T): Omit<T, "week"> {
  return rest;
}

/** The report for `week` from data loaded for a range that holds it and the 7 weeks before it. */
export function assembleHealthReport(data: HealthData, week: IsoWeek, policy: CompiledPolicy): HealthReport {
  const previous = shiftWeek(week, -1);
  const trendWeeks = weeksEnding(week, TREND_WEEKS);
  if (trendWeeks[0].start < data.first.start || week.end > data.last.end) {
    throw new Error(`health data for ${data.first.label}..${data.last.label} cannot make the report of ${week.label}`);
  }
  const {weekly, agentNames} = data;
  const overall = (label: string) => bySegment(weekly, label, "all").get("all") ?? emptyMetrics();
  const segments = (dimension: string) => {
    const now = bySegment(weekly, week.label, dimension);
    const before = bySegment(weekly, previous.label, dimension);
    return [...now].map(([segment, metrics]) => ({segment, ...metrics, previous_week: before.get(segment) ?? emptyMetrics()}));
  };
  const current = overall(week.label);
  const prior = overall(previous.label);
  const change = Object.fromEntries(
    HEADLINE_METRICS.map((k) => {
      const [a, b] = [current[k], prior[k]];
      return [k, a === null || b === null ? null : Math.round((a - b) * 10_000) / 10_000];
    })
  ) as Record<HeadlineMetric, number | null>;
  const trendLabels = new Set(trendWeeks.map((w) => w.label));
  const escalations = data.escalations.filter(inWeek(week.label)).map(withoutWeek);
  const byAge = new Map(data.escalationsByAge.filter(inWeek(week.label)).map((row) => [row.age_bucket, withoutWeek(row)]));

  return {
    report: "health",
    week: week.label,
    week_start: iso(week.start)!,
    week_end: iso(week.end)!,
    as_of: iso(data.at),
    clocks: CLOCKS,
    ...current,
    previous_week: {week: previous.label, ...prior},
    change,
    by_tier: segments("tier")
      .map(({segment, ...rest}) => ({tier: segment, ...rest}))
      .sort((a, b) => tierRank(a.tier) - tierRank(b.tier) || a.tier.localeCompare(b.tier)),
    by_category: segments("category")
      .map(({segment, ...rest}) => ({category: segment, ...rest}))
      .sort((a, b) => b.tickets_created - a.tickets_created || a.category.localeCompare(b.category)),
    trend: trendWeeks.map((w) => ({week: w.label, ...overall(w.label)})),
    trend_by_tier: trendWeeks.flatMap((w) =>
      [...bySegment(weekly, w.label, "tier")]
        .sort(([a], [b]) => tierRank(a) - tierRank(b) || a.localeCompare(b))
        .map(([tier, metrics]) => ({week: w.label, tier, ...metrics}))
    ),
    trend_by_category: trendWeeks.flatMap((w) =>
      [...bySegment(weekly, w.label, "category")]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([category, metrics]) => ({week: w.label, category, ...metrics}))
    ),
    sla_policy: slaSection(data.tickets.filter((t) => trendLabels.has(t.week)), week.label, trendWeeks, policy, data.at, agentNames),
    csat_low_scores: data.lowScores
      .filter(inWeek(week.label))
      .map(({week: _week, assignee, ...rest}) => ({...rest, agent: assignee === null ? null : (agentNames.get(assignee) ?? assignee)})),
    escalations: {
      total: escalations.length,
      open: escalations.filter((e) => !e.resolved).length,
      by_category: data.escalationsByCategory.filter(inWeek(week.label)).map(withoutWeek),
      by_age: AGE_BUCKETS.map((bucket) => byAge.get(bucket) ?? {age_bucket: bucket, escalations: 0, open: 0}),
      items: escalations
    },
    agents: data.agents.filter(inWeek(week.label)).map(withoutWeek),
    arrivals: data.arrivals.filter(inWeek(week.label)).map(withoutWeek),
    backlog: data.backlog
      .filter((row) => row.at > week.start && row.at <= week.end)
      .map((row) => ({at: iso(row.at)!, open_conversations: row.open_conversations}))
  };
}

/** Builds the report for one ISO week ("2026-W46") from the warehouse and the SLA policy. */
export async function buildHealthReport(warehouse: Warehouse, weekLabel: string, policy: CompiledPolicy): Promise<HealthReport> {
  const week = parseWeek(weekLabel);
  const data = await loadHealthData(warehouse, shiftWeek(week, 1 - TREND_WEEKS), week, policy);
  return assembleHealthReport(data, week, policy);
}
