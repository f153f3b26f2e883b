/**
 * The words around an incident's figures: the internal impact statement (every figure, for the
 * incident record and the escalation channel) and the draft customer update, worded the way
 * exchanges post to their status page: what was affected, the exact UTC window and duration, what
 * failed, who was affected, what to do now. The update leaves out what is internal (tiers, API
 * users, support tickets); the statement carries them.
 */
import type {CustomerUpdate, Incident, IncidentKind} from "./incidents.ts";

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const pad = (n: number) => String(n).padStart(2, "0");
const count = (n: number) => n.toLocaleString("en-US");
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;
const percent = (share: number | null) => (share === null ? "–" : `${Math.round(share * 100)}%`);
const usd = (value: number) => `$${value.toLocaleString("en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2})}`;

/** 14:40:08 UTC */
function clock(iso: string): string {
  const d = new Date(iso);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/** 6 October 2026 */
function day(iso: string): string {
  const d = new Date(iso);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** "3 minutes 16 seconds", "1 hour 8 minutes" (rounded to the second). */
export function formatDuration(startIso: string, endIso: string): string {
  const seconds = Math.round((Date.parse(endIso) - Date.parse(startIso)) / 1000);
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
  const parts = h > 0 ? [[h, "hour"], [m, "minute"]] : m > 0 ? [[m, "minute"], [s, "second"]] : [[s, "second"]];
  return parts.filter(([n], i) => i === 0 || n !== 0).map(([n, unit]) => plural(n as number, unit as string)).join(" ");
}

/** "between 14:40:08 and 14:43:24 UTC on 6 October 2026 (3 minutes 16 seconds)" */
export function formatWindow(incident: Pick<Incident, "start" | "end">): string {
  const {start, end} = incident;
  const sameDay = day(start) === day(end);
  const span = sameDay
    ? `between ${clock(start).replace(" UTC", "")} and ${clock(end)} on ${day(start)}`
    : `between ${clock(start)} on ${day(start)} and ${clock(end)} on ${day(end)}`;
  return `${span} (${formatDuration(start, end)})`;
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const restRoutes = (incident: Incident) => incident.routes.filter((route) => !route.startsWith("WS "));
const list = (items: string[]) => (items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`);

/** What customers saw, per kind: [status-page title, the sentence saying what failed]. */
function whatHappened(incident: Incident): [string, string] {
  const routes = list(restRoutes(incident));
  const statuses = [incident.status_425 > 0 ? "HTTP 425" : "", incident.status_5xx - incident.status_503 > 0 ? "HTTP 500" : "", incident.status_503 > 0 ? "HTTP 503" : ""].filter(Boolean);
  const byKind: Record<IncidentKind, [string, string]> = {
    matching_engine_restart: [
      "Order placement and cancellation unavailable during a matching engine restart",
      `the matching engine restarted and requests to ${routes} were rejected with HTTP 425 ("the matching engine is restarting, please retry shortly")`
    ],
    order_outage: [
      "Order placement unavailable",
      `requests to ${routes} failed with ${list(statuses)}${incident.status_503 > 0 ? ` (including "Trading is currently disabled")` : ""}`
    ],
    api_outage: ["Degraded API availability", `requests to ${routes} failed with ${list(statuses)}`],
    latency_degradation: ["Slow API responses", `requests to ${routes} were answered far more slowly than usual`],
    ws_silent_feed: [
      "WebSocket feeds not delivering updates",
      "WebSocket connections stayed open and kept answering PING, but the market and user channels delivered no book, price or order updates; connections opened during this time received no initial book"
    ]
  };
  return byKind[incident.kind];
}

/** What to tell customers to check afterwards. */
function whatToDo(incident: Incident): string {
  if (incident.kind === "ws_silent_feed") {
    return "Feeds are delivering updates again. If you kept a local order book, resubscribe to rebuild it from a fresh book snapshot, and check your open orders and recent trades over REST (GET /data/orders, GET /data/trades).";
  }
  if (incident.failed_orders > 0) {
    return "Orders rejected during this window were not placed and are not on the book. Please check your open orders (GET /data/orders) and resubmit any orders you still want.";
  }
  return "Requests rejected during this window had no effect. Please retry any that you still need.";
}

/** "450 requests failed and 469 orders ($47,776.51 notional) were not placed" */
function failures(incident: Incident): string {
  const requests = `${plural(incident.failed_requests, "request")} failed`;
  if (incident.failed_orders === 0) return requests;
  const verb = incident.failed_orders === 1 ? "was" : "were";
  return `${requests} and ${plural(incident.failed_orders, "order")} (${usd(incident.failed_order_notional_usdc)} notional) ${verb} not placed`;
}

/** The draft status-page update, resolved, with the figures filled in. */
export function customerUpdate(incident: Incident): CustomerUpdate {
  const [title, what] = whatHappened(incident);
  const impact =
    incident.kind === "ws_silent_feed"
      ? `About ${percent(incident.affected_share)} of customers active at the time (${plural(incident.affected_users, "account")}) had an open WebSocket connection affected.${restRoutes(incident).length === 0 ? " Order placement over REST was not affected." : ""}`
      : `${failures(incident)}. About ${percent(incident.affected_share)} of customers active at the time (${plural(incident.affected_users, "account")}) were affected.`;
  return {
    title,
    status: "Resolved",
    body: [`${capitalise(formatWindow(incident))}, ${what}.`, impact, whatToDo(incident), "We apologise for the disruption."].join(" ")
  };
}

/** The internal impact statement: one paragraph with every figure, for the incident record. */
export function impactStatement(incident: Incident): string {
  const [, what] = whatHappened(incident);
  const sentences = [
    `${incident.id} (${incident.severity}, ${incident.kind.replaceAll("_", " ")}, ${incident.routes.join(", ")}): ${formatWindow(incident)}, ${what}.`,
    incident.failed_requests > 0 ? `${capitalise(failures(incident))}.` : "No request failed: the data did not arrive.",
    `${plural(incident.affected_users, "user")} affected, ${percent(incident.affected_share)} of the ${count(incident.active_users)} active during the window, including ${count(incident.affected_vip_users)} VIP and ${count(incident.affected_api_users)} API ${incident.affected_api_users === 1 ? "user" : "users"}.`,
    `${plural(incident.tickets, "support ticket")} linked.`
  ];
  return sentences.join(" ");
}
