/**
 * Incidents as the views detect and measure them (loaders/warehouse/views/060_incidents.sql): the
 * list for a period, and one incident's detail (linked tickets, affected people by tier, the
 * per-minute series around its window). The CLI report and the incident pages both read these,
 * with the statement and draft update from ./statement.ts, so their figures cannot differ.
 */
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import {WorkbenchError} from "../../loaders/errors.ts";
import {customerUpdate, impactStatement} from "./statement.ts";

export type IncidentKind = "matching_engine_restart" | "order_outage" | "api_outage" | "latency_degradation" | "ws_silent_feed";
export type Severity = "SEV1" | "SEV2" | "SEV3";

/** One row of the `incidents` view; times are ISO 8601 UTC with milliseconds. */
export interface Incident {
  id: string;
  kind: IncidentKind;
  start: string;
  end: string;
  duration_minutes: number;
  /** `METHOD /route` for REST, `WS /ws/market` and `WS /ws/user` for the WebSocket channels */
  routes: string[];
  failed_requests: number;
  failed_orders: number;
  affected_users: number;
  active_users: number;
  /** affected / active, 0..1 (null when nobody was active) */
  affected_share: number | null;
  affected_vip_users: number;
  affected_api_users: number;
  failed_order_notional_usdc: number;
  tickets: number;
  severity: Severity;
  status_425: number;
  status_5xx: number;
  status_503: number;
  latency_minutes: number;
  silent_sessions: number;
}

/** An incident with the texts support sends and files. */
export interface IncidentSummary extends Incident {
  impact_statement: string;
  customer_update: CustomerUpdate;
}

export interface CustomerUpdate {
  title: string;
  status: string;
  body: string;
}

/** One row of `incident_tickets`, without the ticket's title (free text may name people). */
export interface LinkedTicket {
  ticket_id: string;
  created_at: string;
  minutes_after_start: number;
  person_id: string | null;
  tier: string | null;
  category: string | null;
  state: string;
  by_affected_user: boolean;
  category_match: boolean;
}

export interface TierCount {
  tier: string;
  users: number;
}

/** One REST route's minute (incident_route_minutes) or one WebSocket channel's (incident_ws_minutes). */
export interface RouteMinute {
  route: string;
  minute: string;
  requests: number;
  failed: number;
  failure_rate: number;
  error_rate: number;
  latency_p50_ms: number;
  latency_p95_ms: number;
}

export interface ChannelMinute {
  route: string;
  minute: string;
  sessions: number;
  message_lines: number;
  pongs: number;
}

export interface IncidentDetail extends IncidentSummary {
  linked_tickets: LinkedTicket[];
  affected_by_tier: TierCount[];
  /** The chart's range: the window with CONTEXT_MINUTES either side. */
  chart_from: string;
  chart_to: string;
  route_minutes: RouteMinute[];
  channel_minutes: ChannelMinute[];
}

export interface Period {
  /** inclusive, ISO 8601 */
  from?: string;
  /** exclusive, ISO 8601 */
  to?: string;
}

/** Minutes shown either side of an incident's window in its chart. */
export const CONTEXT_MINUTES = 30;

export class IncidentNotFoundError extends WorkbenchError {
  constructor(readonly id: string) {
    super(`no incident ${id} in the warehouse (ids are INC-YYYYMMDD-HHMM of the start minute, UTC; list them with \`workbench report incidents\`)`);
  }
}

const ISO = (column: string) => `strftime(${column}, '%Y-%m-%dT%H:%M:%S.%gZ')`;

const INCIDENT_COLUMNS = `
  id, kind, ${ISO("start")} AS start, ${ISO('"end"')} AS "end", duration_minutes::DOUBLE AS duration_minutes, routes,
  failed_requests::INTEGER AS failed_requests, failed_orders::INTEGER AS failed_orders,
  affected_users::INTEGER AS affected_users, active_users::INTEGER AS active_users, affected_share::DOUBLE AS affected_share,
  affected_vip_users::INTEGER AS affected_vip_users, affected_api_users::INTEGER AS affected_api_users,
  failed_order_notional_usdc::DOUBLE AS failed_order_notional_usdc, tickets::INTEGER AS tickets, severity,
  status_425::INTEGER AS status_425, status_5xx::INTEGER AS status_5xx, status_503::INTEGER AS status_503,
  latency_minutes::INTEGER AS latency_minutes, silent_sessions::INTEGER AS silent_sessions`;

/** With the statement and the draft customer update filled in. */
export function summarise(incident: Incident): IncidentSummary {
  return {...incident, impact_statement: impactStatement(incident), customer_update: customerUpdate(incident)};
}

/** Incidents overlapping the period (all when it is open), oldest first. */
export async function listIncidents(warehouse: Warehouse, period: Period = {}): Promise<IncidentSummary[]> {
  const rows = await warehouse.json<Incident & Record<string, unknown>>(
    `SELECT ${INCIDENT_COLUMNS} FROM incidents
     WHERE ($from IS NULL OR "end" >= $from::TIMESTAMPTZ) AND ($to IS NULL OR start < $to::TIMESTAMPTZ)
     ORDER BY start`,
    {from: period.from ?? null, to: period.to ?? null}
  );
  return rows.map(summarise);
}

/** Everything the incident page shows about one incident. */
export async function incidentDetail(warehouse: Warehouse, incident: IncidentSummary): Promise<IncidentDetail> {
  const range = {
    id: incident.id,
    from: new Date(Date.parse(incident.start) - CONTEXT_MINUTES * 60_000).toISOString(),
    to: new Date(Date.parse(incident.end) + CONTEXT_MINUTES * 60_000).toISOString()
  };
  const linked_tickets = await warehouse.json<LinkedTicket & Record<string, unknown>>(
    `SELECT ticket_id, ${ISO("created_at")} AS created_at, minutes_after_start::DOUBLE AS minutes_after_start, person_id,
       tier, category, state, by_affected_user, category_match
     FROM incident_tickets WHERE incident_id = $id ORDER BY created_at, ticket_id`,
    {id: incident.id}
  );
  const affected_by_tier = await warehouse.json<TierCount & Record<string, unknown>>(
    `SELECT tier, count(*)::INTEGER AS users FROM incident_affected_users WHERE incident_id = $id
     GROUP BY tier ORDER BY CASE tier WHEN 'VIP' THEN 0 WHEN 'advanced' THEN 1 WHEN 'standard' THEN 2 ELSE 3 END`,
    {id: incident.id}
  );
  const route_minutes = await warehouse.json<RouteMinute & Record<string, unknown>>(
    `SELECT m.route, ${ISO("m.minute")} AS minute, m.requests::INTEGER AS requests, m.failed::INTEGER AS failed,
       m.failure_rate::DOUBLE AS failure_rate, m.error_rate::DOUBLE AS error_rate,
       m.latency_p50_ms::DOUBLE AS latency_p50_ms, m.latency_p95_ms::DOUBLE AS latency_p95_ms
     FROM incident_route_minutes m JOIN incident_routes r ON r.id = $id AND r.route = m.route
     WHERE m.minute BETWEEN $from::TIMESTAMPTZ AND $to::TIMESTAMPTZ ORDER BY m.route, m.minute`,
    range
  );
  const channel_minutes = await warehouse.json<ChannelMinute & Record<string, unknown>>(
    `SELECT m.route, ${ISO("m.minute")} AS minute, m.sessions::INTEGER AS sessions,
       m.message_lines::INTEGER AS message_lines, m.pongs::INTEGER AS pongs
     FROM incident_ws_minutes m JOIN incident_routes r ON r.id = $id AND r.route = m.route
     WHERE m.minute BETWEEN $from::TIMESTAMPTZ AND $to::TIMESTAMPTZ ORDER BY m.route, m.minute`,
    range
  );
  return {...incident, linked_tickets, affected_by_tier, chart_from: range.from, chart_to: range.to, route_minutes, channel_minutes};
}

/** One incident by id, with its detail. */
export async function loadIncident(warehouse: Warehouse, id: string): Promise<IncidentDetail> {
  const [row] = await warehouse.json<Incident & Record<string, unknown>>(`SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE id = $id`, {id});
  if (!row) throw new IncidentNotFoundError(id);
  return incidentDetail(warehouse, summarise(row));
}
