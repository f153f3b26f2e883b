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
  tier: string;
  category: string;
  person_id: string | null;
  orders: number;
  signatures: string[];
}

/** Every ticket created in the period with its writer, the orders they placed in it and the signatures linked to it. */
async function periodTickets(warehouse: Warehouse, p: Period): Promise<TicketRow[]> {
  const rows = await warehouse.all(
    `WITH t AS (
       SELECT h.ticket_id, h.tier, h.category, min(tp.person_id) AS person_id
       FROM health_tickets h LEFT JOIN ticket_people tp USING (ticket_id)
       WHERE h.created_at >= $from::TIMESTAMPTZ AND h.created_at < $to::TIMESTAMPTZ
       GROUP BY ALL
     ), orders AS (
       SELECT rp.person_id, sum(r.order_count) AS orders
       FROM api_requests r JOIN api_request_people rp USING (request_id)
       WHERE r.ts >= $from::TIMESTAMPTZ AND r.ts < $to::TIMESTAMPTZ AND r.method = 'POST' AND r.route IN ('/order', '/orders')
         AND rp.person_id IN (SELECT person_id FROM t)
       GROUP BY rp.person_id
     ), linked AS (
       SELECT ticket_id, list(DISTINCT signature ORDER BY signature) AS signatures FROM error_signature_tickets
       WHERE ticket_id IN (SELECT ticket_id FROM t) GROUP BY ticket_id
     )
     SELECT t.*, coalesce(o.orders, 0)::BIGINT AS orders, coalesce(l.signatures, []) AS signatures
     FROM t LEFT JOIN orders o USING (person_id) LEFT JOIN linked l USING (ticket_id)
     ORDER BY t.ticket_id`,
    {from: `${p.from}T00:00:00Z`, to: `${p.to}T00:00:00Z`}
  );
  return rows.map((r) => ({
    ticket_id: String(r.ticket_id),
    tier: String(r.tier),
    category: String(r.category),
    person_id: r.person_id == null ? null : String(r.person_id),
    orders: Number(r.orders),
    signatures: (r.signatures as string[]).map(String)
  }));
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

function tally(config: FeedbackConfig, tickets: TicketRow[], keys: (t: TicketRow) => {key: string; category: string}[]): Map<string, Tally> {
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

async function topIncidents(warehouse: Warehouse, p: Period): Promise<IncidentSummary[] | null> {
  if (!(await hasRelation(warehouse, "incidents"))) return null;
  const rows = await warehouse.json(
    `SELECT id, kind, start, "end", routes, failed_requests, affected_users, affected_vip_users, tickets, severity
     FROM incidents WHERE start < $to::TIMESTAMPTZ AND "end" > $from::TIMESTAMPTZ
     ORDER BY severity NULLS LAST, affected_users DESC NULLS LAST, start LIMIT 5`,
    {from: `${p.from}T00:00:00Z`, to: `${p.to}T00:00:00Z`}
  );
  const count = (value: unknown) => (value == null ? null : Number(value));
  return rows.map((r) => ({
    id: String(r.id),
    kind: r.kind == null ? null : String(r.kind),
    start: new Date(String(r.start)).toISOString(),
    end: new Date(String(r.end)).toISOString(),
    routes: Array.isArray(r.routes) ? r.routes.map(String) : String(r.routes ?? "").split(/,\s*/).filter(Boolean),
    failed_requests: count(r.failed_requests),
    affected_users: count(r.affected_users),
    affected_vip_users: count(r.affected_vip_users),
    tickets: count(r.tickets),
    severity: r.severity == null ? null : String(r.severity)
  }));
}

async function errorMessaging(warehouse: Warehouse, p: Period, tickets: TicketRow[], minOccurrences: number): Promise<ErrorMessagingCandidate[]> {
  const occurrences = await warehouse.all(
    `SELECT signature, any_value(signature_category) AS category, count(*) AS occurrences, count(DISTINCT person_id) AS users
     FROM error_signature_requests WHERE ts >= $from::TIMESTAMPTZ AND ts < $to::TIMESTAMPTZ
     GROUP BY signature HAVING count(*) >= $min`,
    {from: `${p.from}T00:00:00Z`, to: `${p.to}T00:00:00Z`, min: minOccurrences}
  );
  return occurrences
    .map((o) => {
      const linked = tickets.filter((t) => t.signatures.includes(String(o.signature))).length;
      return {
        signature: String(o.signature),
        category: String(o.category),
        occurrences: Number(o.occurrences),
        users: Number(o.users),
        tickets: linked,
        tickets_per_1000: round((1000 * linked) / Number(o.occurrences), 2)
      };
    })
    .sort((a, b) => b.tickets_per_1000 - a.tickets_per_1000 || b.tickets - a.tickets || a.signature.localeCompare(b.signature));
}

async function csat(warehouse: Warehouse, p: Period): Promise<FeedbackReport["csat"]> {
  const rated = await warehouse.all(
    `SELECT ticket_id, tier, category, csat_rating, csat_remark, sla_status FROM health_tickets
     WHERE csat_rating IS NOT NULL AND created_at >= $from::TIMESTAMPTZ AND created_at < $to::TIMESTAMPTZ
     ORDER BY csat_rating, created_at, ticket_id`,
    {from: `${p.from}T00:00:00Z`, to: `${p.to}T00:00:00Z`}
  );
  const low = rated.filter((r) => Number(r.csat_rating) <= 3);
  const categories = [...new Set(low.map((r) => String(r.category)))];
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
    .filter((r) => r.csat_remark != null && String(r.csat_remark).trim() !== "")
    .map((r) => ({ticket_id: String(r.ticket_id), rating: Number(r.csat_rating), tier: String(r.tier), category: String(r.category), remark: String(r.csat_remark)}));
  const themes = [...new Set(remarks.map((r) => r.remark))]
    .map((remark) => {
      const same = remarks.filter((r) => r.remark === remark);
      return {remark, count: same.length, categories: [...new Set(same.map((r) => r.category))].sort()};
    })
    .sort((a, b) => b.count - a.count || a.remark.localeCompare(b.remark));
  return {rated: rated.length, low_scores: low.length, drivers, themes, remarks};
}

export async function buildFeedbackReport(warehouse: Warehouse, period: Period, previous: Period, config: FeedbackConfig): Promise<FeedbackReport> {
  const current = await periodTickets(warehouse, period);
  const before = await periodTickets(warehouse, previous);
  const byCategory = (t: TicketRow) => [{key: t.category, category: t.category}];
  const bySignature = (t: TicketRow) => t.signatures.map((s) => ({key: s, category: t.category}));
  const weightOf = (rows: TicketRow[]) => round(rows.reduce((sum, t) => sum + ticketWeight(config, t.tier, t.orders), 0));
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
      candidates: await errorMessaging(warehouse, period, current, config.error_messaging_min_occurrences)
    },
    deflection: {estimates, total_tickets_saved: round(estimates.reduce((sum, e) => sum + e.estimated_tickets_saved, 0), 1)},
    incidents: await topIncidents(warehouse, period),
    csat: await csat(warehouse, period)
  };
}
