/**
 * The product-feedback report for leadership over a period [from, to): what hurts users and how
 * much (pain points ranked by tickets x user weight, against the previous period of equal length),
 * which error messages generate the most tickets per thousand occurrences, what self-serve tools
 * would deflect, the top incidents and what drives low CSAT. Built from the escalation views
 * (loaders/warehouse/views/070_escalations.sql), health_tickets (masked remarks), the `incidents`
 * view and config/feedback.json. `workbench report feedback` prints it; the feedback page shows it.
 * Pseudonymous person ids only; no emails, wallets, API keys or unmasked remarks.
 */
import {UsageError} from "../../loaders/errors.ts";
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import type {FeedbackConfig} from "./config.ts";

export interface Period {
  /** inclusive, YYYY-MM-DD (UTC midnight) */
  from: string;
  /** exclusive, YYYY-MM-DD */
  to: string;
}

/** A category or an error signature with its tickets and their weight, now and in the previous period. */
export interface PainPoint {
  key: string;
  category: string;
  tickets: number;
  users: number;
  weighted: number;
  previous_tickets: number;
  previous_weighted: number;
  /** weighted - previous_weighted */
  change: number;
  /** change / previous_weighted; null when there was nothing before */
  change_ratio: number | null;
}

export interface ErrorMessagingCandidate {
  signature: string;
  category: string;
  occurrences: number;
  users: number;
  tickets: number;
  tickets_per_1000: number;
}

export interface DeflectionEstimate {
  category: string;
  tool: string;
  share: number;
  assumption: string;
  tickets: number;
  estimated_tickets_saved: number;
}

export interface IncidentSummary {
  id: string;
  kind: string | null;
  start: string;
  end: string;
  routes: string[];
  failed_requests: number | null;
  affected_users: number | null;
  affected_vip_users: number | null;
  tickets: number | null;
  severity: string | null;
}

export interface CsatDriver {
  category: string;
  rated: number;
  low_scores: number;
  /** low_scores / rated */
  low_share: number;
  /** of the low scores, how many missed Intercom's SLA */
  sla_missed: number;
}

export interface LowScoreRemark {
  ticket_id: string;
  rating: number;
  tier: string;
  category: string;
  /** emails and hex addresses masked (health_tickets.csat_remark) */
  remark: string;
}

export interface FeedbackReport {
  period: Period;
  previous_period: Period;
  weights: {source: string; tier_weights: Record<string, number>; volume_factors: {min_orders: number; factor: number}[]};
  totals: {tickets: number; previous_tickets: number; weighted: number; previous_weighted: number; users: number};
  pain_points: {categories: PainPoint[]; signatures: PainPoint[]};
  error_messaging: {min_occurrences: number; candidates: ErrorMessagingCandidate[]};
  deflection: {estimates: DeflectionEstimate[]; total_tickets_saved: number};
  /** null when the warehouse has no `incidents` view (incident detection not run) */
  incidents: IncidentSummary[] | null;
  /** themes: the masked low-score remarks grouped by text, most frequent first */
  csat: {rated: number; low_scores: number; drivers: CsatDriver[]; themes: {remark: string; count: number; categories: string[]}[]; remarks: LowScoreRemark[]};
}

const isDay = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Validates `--from` / `--to` and gives the previous period of the same length. */
export function parsePeriod(from: string | undefined, to: string | undefined): {period: Period; previous: Period} {
  if (!from || !to) throw new UsageError("--from and --to are required (YYYY-MM-DD, UTC; --to is exclusive)");
  for (const [name, value] of [["--from", from], ["--to", to]]) if (!isDay(value)) throw new UsageError(`${name} must be a date YYYY-MM-DD (got "${value}")`);
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (end <= start) throw new UsageError(`--to (${to}) must be after --from (${from})`);
  return {period: {from, to}, previous: {from: day(start - (end - start)), to: from}};
}

interface TicketRow {
  ticket_id: string;
  created_at: number;
  tier: string;
  category: string;
  person_id: string | null;
  signatures: string[];
}

/**
 * Everything the report needs for a range of days, read once (the identity views are expensive):
 * the page assembles many periods from one load.
 */
export interface FeedbackData {
  tickets: TicketRow[];
  /** orders placed per person and UTC day (epoch ms of midnight) */
  orders: {person_id: string; day: number; orders: number}[];
  /** error-signature occurrences per signature, person and UTC day */
  occurrences: {signature: string; category: string; person_id: string | null; day: number; occurrences: number}[];
  rated: {ticket_id: string; created_at: number; tier: string; category: string; rating: number; remark: string | null; sla_status: string}[];
  /** null when the warehouse has no `incidents` view */
  incidents: IncidentSummary[] | null;
}

const ms = (value: unknown) => (value instanceof Date ? value.getTime() : Date.parse(String(value)));
const utc = (date: string) => `${date}T00:00:00Z`;

export async function loadFeedbackData(warehouse: Warehouse, range: Period): Promise<FeedbackData> {
  const params = {from: utc(range.from), to: utc(range.to)};
  const tickets = await warehouse.all(
    `WITH t AS (
       SELECT h.ticket_id, h.created_at, h.tier, h.category, min(tp.person_id) AS person_id
       FROM health_tickets h LEFT JOIN ticket_people tp USING (ticket_id)
       WHERE h.created_at >= $from::TIMESTAMPTZ AND h.created_at < $to::TIMESTAMPTZ
       GROUP BY ALL
     ), linked AS (
       SELECT ticket_id, list(DISTINCT signature ORDER BY signature) AS signatures FROM error_signature_tickets
       WHERE created_at >= $from::TIMESTAMPTZ AND created_at < $to::TIMESTAMPTZ GROUP BY ticket_id
     )
     SELECT t.*, epoch_ms(t.created_at) AS created_ms, coalesce(l.signatures, []) AS signatures
     FROM t LEFT JOIN linked l USING (ticket_id) ORDER BY t.ticket_id`,
    params
  );
  const orders = await warehouse.all(
    `SELECT rp.person_id, epoch_ms(date_trunc('day', r.ts AT TIME ZONE 'UTC')::DATE) AS day, sum(r.order_count) AS orders
     FROM api_requests r JOIN api_request_people rp USING (request_id)
     WHERE r.ts >= $from::TIMESTAMPTZ AND r.ts < $to::TIMESTAMPTZ AND r.method = 'POST' AND r.route IN ('/order', '/orders') AND rp.person_id IS NOT NULL
     GROUP BY ALL`,
    params
  );
  const occurrences = await warehouse.all(
    `SELECT signature, any_value(signature_category) AS category, person_id, epoch_ms(date_trunc('day', ts AT TIME ZONE 'UTC')::DATE) AS day, count(*) AS occurrences
     FROM error_signature_requests WHERE ts >= $from::TIMESTAMPTZ AND ts < $to::TIMESTAMPTZ
     GROUP BY signature, person_id, day`,
    params
  );
  const rated = await warehouse.all(
    `SELECT ticket_id, epoch_ms(created_at) AS created_ms, tier, category, csat_rating, csat_remark, sla_status FROM health_tickets
     WHERE csat_rating IS NOT NULL AND created_at >= $from::TIMESTAMPTZ AND created_at < $to::TIMESTAMPTZ
     ORDER BY csat_rating, created_at, ticket_id`,
    params
  );
  return {
    tickets: tickets.map((r) => ({
      ticket_id: String(r.ticket_id),
      created_at: Number(r.created_ms),
      tier: String(r.tier),
      category: String(r.category),
      person_id: r.person_id == null ? null : String(r.person_id),
      signatures: (r.signatures as string[]).map(String)
    })),
    orders: orders.map((r) => ({person_id: String(r.person_id), day: Number(r.day), orders: Number(r.orders)})),
    occurrences: occurrences.map((r) => ({
      signature: String(r.signature),
      category: String(r.category),
      person_id: r.person_id == null ? null : String(r.person_id),
      day: Number(r.day),
      occurrences: Number(r.occurrences)
    })),
    rated: rated.map((r) => ({
      ticket_id: String(r.ticket_id),
      created_at: Number(r.created_ms),
      tier: String(r.tier),
      category: String(r.category),
      rating: Number(r.csat_rating),
      remark: r.csat_remark == null ? null : String(r.csat_remark),
      sla_status: String(r.sla_status)
    })),
    incidents: await loadIncidents(warehouse)
  };
}

type PeriodTicket = TicketRow & {orders: number};

/** A period's tickets with the orders their writers placed in it. */
function periodTickets(data: FeedbackData, p: Period): PeriodTicket[] {
  const [start, end] = [ms(utc(p.from)), ms(utc(p.to))];
  const orders = new Map<string, number>();
  for (const o of data.orders) if (o.day >= start && o.day < end) orders.set(o.person_id, (orders.get(o.person_id) ?? 0) + o.orders);
  return data.tickets
    .filter((t) => t.created_at >= start && t.created_at < end)
    .map((t) => ({...t, orders: t.person_id ? (orders.get(t.person_id) ?? 0) : 0}));
}

/** A ticket's weight: its tier's weight times the volume factor of the orders its writer placed in the period. */
export function ticketWeight(config: FeedbackConfig, tier: string, orders: number): number {
  const tierWeight = config.tier_weights[tier] ?? config.tier_weights.unknown ?? 1;
  return tierWeight * config.volume_factors.find((v) => orders >= v.min_orders)!.factor;
}

interface Tally {
  category: string;
  tickets: number;
  weighted: number;
  users: Set<string>;
}

function tally(config: FeedbackConfig, tickets: PeriodTicket[], keys: (t: PeriodTicket) => {key: string; category: string}[]): Map<string, Tally> {
  const out = new Map<string, Tally>();
  for (const t of tickets) {
    for (const {key, category} of keys(t)) {
      const entry = out.get(key) ?? {category, tickets: 0, weighted: 0, users: new Set<string>()};
      entry.tickets += 1;
      entry.weighted += ticketWeight(config, t.tier, t.orders);
      if (t.person_id) entry.users.add(t.person_id);
      out.set(key, entry);
    }
  }
  return out;
}

function rank(current: Map<string, Tally>, previous: Map<string, Tally>): PainPoint[] {
  return [...current]
    .map(([key, c]) => {
      const p = previous.get(key);
      const previous_weighted = round(p?.weighted ?? 0);
      const weighted = round(c.weighted);
      return {
        key,
        category: c.category,
        tickets: c.tickets,
        users: c.users.size,
        weighted,
        previous_tickets: p?.tickets ?? 0,
        previous_weighted,
        change: round(weighted - previous_weighted),
        change_ratio: previous_weighted > 0 ? round((weighted - previous_weighted) / previous_weighted, 4) : null
      };
    })
    .sort((a, b) => b.weighted - a.weighted || b.tickets - a.tickets || a.key.localeCompare(b.key));
}

export async function hasRelation(warehouse: Warehouse, name: string): Promise<boolean> {
  const found = await warehouse.all(
    "SELECT 1 FROM duckdb_views() WHERE view_name = $name UNION ALL SELECT 1 FROM duckdb_tables() WHERE table_name = $name",
    {name}
  );
  return found.length > 0;
}

async function loadIncidents(warehouse: Warehouse): Promise<IncidentSummary[] | null> {
  if (!(await hasRelation(warehouse, "incidents"))) return null;
  const rows = await warehouse.json(
    `SELECT id, kind, epoch_ms(start) AS start, epoch_ms("end") AS "end", routes, failed_requests, affected_users, affected_vip_users, tickets, severity
     FROM incidents ORDER BY severity NULLS LAST, affected_users DESC NULLS LAST, start`
  );
  const count = (value: unknown) => (value == null ? null : Number(value));
  return rows.map((r) => ({
    id: String(r.id),
    kind: r.kind == null ? null : String(r.kind),
    start: new Date(Number(r.start)).toISOString(),
    end: new Date(Number(r.end)).toISOString(),
    routes: Array.isArray(r.routes) ? r.routes.map(String) : [],
    failed_requests: count(r.failed_requests),
    affected_users: count(r.affected_users),
    affected_vip_users: count(r.affected_vip_users),
    tickets: count(r.tickets),
    severity: r.severity == null ? null : String(r.severity)
  }));
}

/** The five most severe incidents overlapping the period. */
function topIncidents(data: FeedbackData, p: Period): IncidentSummary[] | null {
  if (data.incidents === null) return null;
  return data.incidents.filter((i) => i.start < new Date(utc(p.to)).toISOString() && i.end > new Date(utc(p.from)).toISOString()).slice(0, 5);
}

function errorMessaging(data: FeedbackData, p: Period, tickets: PeriodTicket[], minOccurrences: number): ErrorMessagingCandidate[] {
  const [start, end] = [ms(utc(p.from)), ms(utc(p.to))];
  const bySignature = new Map<string, {category: string; occurrences: number; users: Set<string>}>();
  for (const o of data.occurrences) {
    if (o.day < start || o.day >= end) continue;
    const entry = bySignature.get(o.signature) ?? {category: o.category, occurrences: 0, users: new Set<string>()};
    entry.occurrences += o.occurrences;
    if (o.person_id) entry.users.add(o.person_id);
    bySignature.set(o.signature, entry);
  }
  return [...bySignature]
    .filter(([, o]) => o.occurrences >= minOccurrences)
    .map(([signature, o]) => {
      const linked = tickets.filter((t) => t.signatures.includes(signature)).length;
      return {signature, category: o.category, occurrences: o.occurrences, users: o.users.size, tickets: linked, tickets_per_1000: round((1000 * linked) / o.occurrences, 2)};
    })
    .sort((a, b) => b.tickets_per_1000 - a.tickets_per_1000 || b.tickets - a.tickets || a.signature.localeCompare(b.signature));
}

function csat(data: FeedbackData, p: Period): FeedbackReport["csat"] {
  const [start, end] = [ms(utc(p.from)), ms(utc(p.to))];
  const rated = data.rated.filter((r) => r.created_at >= start && r.created_at < end);
  const low = rated.filter((r) => r.rating <= 3);
  const categories = [...new Set(low.map((r) => r.category))];
  const drivers = categories
    .map((category) => {
      const all = rated.filter((r) => r.category === category);
      const lows = low.filter((r) => r.category === category);
      return {
        category,
        rated: all.length,
        low_scores: lows.length,
        low_share: round(lows.length / all.length, 4),
        sla_missed: lows.filter((r) => r.sla_status === "missed").length
      };
    })
    .sort((a, b) => b.low_scores - a.low_scores || b.low_share - a.low_share || a.category.localeCompare(b.category));
  const remarks = low
    .filter((r) => r.remark != null && r.remark.trim() !== "")
    .map((r) => ({ticket_id: r.ticket_id, rating: r.rating, tier: r.tier, category: r.category, remark: r.remark!}));
  const themes = [...new Set(remarks.map((r) => r.remark))]
    .map((remark) => {
      const same = remarks.filter((r) => r.remark === remark);
      return {remark, count: same.length, categories: [...new Set(same.map((r) => r.category))].sort()};
    })
    .sort((a, b) => b.count - a.count || a.remark.localeCompare(b.remark));
  return {rated: rated.length, low_scores: low.length, drivers, themes, remarks};
}

/** The report for one period from data loaded for (at least) [previous.from, period.to). */
export function assembleFeedbackReport(data: FeedbackData, period: Period, previous: Period, config: FeedbackConfig): FeedbackReport {
  const current = periodTickets(data, period);
  const before = periodTickets(data, previous);
  const byCategory = (t: PeriodTicket) => [{key: t.category, category: t.category}];
  const bySignature = (t: PeriodTicket) => t.signatures.map((s) => ({key: s, category: t.category}));
  const weightOf = (rows: PeriodTicket[]) => round(rows.reduce((sum, t) => sum + ticketWeight(config, t.tier, t.orders), 0));
  const categoryTickets = (category: string) => current.filter((t) => t.category === category).length;
  const estimates = config.deflection
    .map((d) => ({...d, tickets: categoryTickets(d.category), estimated_tickets_saved: round(categoryTickets(d.category) * d.share, 1)}))
    .sort((a, b) => b.estimated_tickets_saved - a.estimated_tickets_saved || a.category.localeCompare(b.category));
  return {
    period,
    previous_period: previous,
    weights: {source: config.source, tier_weights: config.tier_weights, volume_factors: config.volume_factors},
    totals: {
      tickets: current.length,
      previous_tickets: before.length,
      weighted: weightOf(current),
      previous_weighted: weightOf(before),
      users: new Set(current.map((t) => t.person_id).filter(Boolean)).size
    },
    pain_points: {
      categories: rank(tally(config, current, byCategory), tally(config, before, byCategory)),
      signatures: rank(tally(config, current, bySignature), tally(config, before, bySignature))
    },
    error_messaging: {
      min_occurrences: config.error_messaging_min_occurrences,
      candidates: errorMessaging(data, period, current, config.error_messaging_min_occurrences)
    },
    deflection: {estimates, total_tickets_saved: round(estimates.reduce((sum, e) => sum + e.estimated_tickets_saved, 0), 1)},
    incidents: topIncidents(data, period),
    csat: csat(data, period)
  };
}

export async function buildFeedbackReport(warehouse: Warehouse, period: Period, previous: Period, config: FeedbackConfig): Promise<FeedbackReport> {
  const data = await loadFeedbackData(warehouse, {from: previous.from, to: period.to});
  return assembleFeedbackReport(data, period, previous, config);
}
