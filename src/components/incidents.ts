/**
 * Components of the incident pages (src/incidents/index.md and [id].md): links, the severity
 * badge, the timeline of incidents over the traffic window, the per-minute window chart with the
 * incident shaded, and the tables. Figures come from data/incidents.json (analysis/incidents/).
 * Plot is passed in by the page (Framework's global), as on the other pages.
 */
import type * as PlotModule from "@observablehq/plot";
import type {ChannelMinute, IncidentDetail, LinkedTicket, RouteMinute} from "../../analysis/incidents/incidents.js";
import {formatCount, formatDateTime} from "./format.js";
import {table, type Column} from "./health.js";
import {el} from "./status.js";

type Plot = typeof PlotModule;

export type {IncidentDetail, LinkedTicket};

export const SEVERITIES = ["SEV1", "SEV2", "SEV3"];

/** An incident's page, from the incidents index (a sibling path). */
export function incidentHref(id: string): string {
  return `./${encodeURIComponent(id)}`;
}

/** The investigation page for a ticket, from a page under /incidents/. */
export function ticketHref(ticketId: string): string {
  return `../investigate?q=${encodeURIComponent(ticketId)}`;
}

const SEVERITY_COLORS = ["#d62728", "#ff7f0e", "#bcbd22"];

export function severityBadge(severity: string): HTMLSpanElement {
  const color = SEVERITY_COLORS[SEVERITIES.indexOf(severity)] ?? "gray";
  const style = `background: ${color}; color: white; border-radius: 4px; padding: 0 0.4em; font-weight: 600;`;
  return el("span", {class: "severity", "data-severity": severity, style}, severity);
}

/** "6 Oct 2026, 14:40:08 – 14:43:24 UTC" (seconds: the window is exact). */
export function formatWindow(start: string, end: string): string {
  const seconds = (iso: string) => iso.slice(11, 19);
  const sameDay = start.slice(0, 10) === end.slice(0, 10);
  const day = formatDateTime(start).replace(/, \d\d:\d\d UTC$/, "");
  return sameDay ? `${day}, ${seconds(start)} – ${seconds(end)} UTC` : `${formatDateTime(start)} – ${formatDateTime(end)}`;
}

/** "3.3 min", "1 h 8 min" */
export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${minutes.toFixed(1)} min`;
  return `${Math.floor(minutes / 60)} h ${Math.round(minutes % 60)} min`;
}

export const formatUsd = (value: number) => `$${value.toLocaleString("en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2})}`;
export const formatShare = (share: number | null) => (share == null ? "–" : `${(share * 100).toFixed(1)}%`);

const KIND_LABELS: Record<string, string> = {
  matching_engine_restart: "matching-engine restart",
  order_outage: "order outage",
  api_outage: "API outage",
  latency_degradation: "slow API",
  ws_silent_feed: "silent WebSocket feed"
};
export const kindLabel = (kind: string) => KIND_LABELS[kind] ?? kind.replaceAll("_", " ");

/** The incident list: one row per incident, its id linking to the incident page. */
export function incidentsTable(incidents: IncidentDetail[]): HTMLElement {
  const columns: Column<IncidentDetail>[] = [
    {label: "Incident", value: (i) => el("a", {href: incidentHref(i.id), class: "incident"}, i.id)},
    {label: "Severity", value: (i) => severityBadge(i.severity)},
    {label: "Kind", value: (i) => kindLabel(i.kind)},
    {label: "Window (UTC)", value: (i) => formatWindow(i.start, i.end)},
    {label: "Duration", value: (i) => formatMinutes(i.duration_minutes), numeric: true},
    {label: "Routes", value: (i) => i.routes.join(", ")},
    {label: "Failed requests", value: (i) => formatCount(i.failed_requests), numeric: true},
    {label: "Failed orders", value: (i) => formatCount(i.failed_orders), numeric: true},
    {label: "Notional", value: (i) => formatUsd(i.failed_order_notional_usdc), numeric: true},
    {label: "Affected users", value: (i) => `${formatCount(i.affected_users)} (${formatShare(i.affected_share)})`, numeric: true},
    {label: "VIP", value: (i) => formatCount(i.affected_vip_users), numeric: true},
    {label: "API", value: (i) => formatCount(i.affected_api_users), numeric: true},
    {label: "Tickets", value: (i) => formatCount(i.tickets), numeric: true}
  ];
  return table(incidents, columns, {id: "incidents", empty: "No incident matches: no route failed or went silent beyond the thresholds (docs/incidents.md)."});
}

/** The linked tickets, each linking to the investigation page; people as pseudonymous ids. */
export function ticketsTable(tickets: LinkedTicket[]): HTMLElement {
  const columns: Column<LinkedTicket>[] = [
    {label: "Ticket", value: (t) => el("a", {href: ticketHref(t.ticket_id), class: "ticket"}, t.ticket_id)},
    {label: "Created (UTC)", value: (t) => t.created_at.slice(0, 16).replace("T", " ")},
    {label: "After start", value: (t) => `${Math.round(t.minutes_after_start)} min`, numeric: true},
    {label: "Person", value: (t) => (t.person_id ? el("code", {}, t.person_id) : "–")},
    {label: "Tier", value: (t) => t.tier},
    {label: "Category", value: (t) => t.category},
    {label: "State", value: (t) => t.state},
    {label: "Linked because", value: (t) => [t.by_affected_user ? "affected user" : "", t.category_match ? "category" : ""].filter(Boolean).join(" + ")}
  ];
  return table(tickets, columns, {id: "tickets", empty: "No ticket linked: nobody affected wrote in within the horizon, and no ticket in the incident's category arrived."});
}

/** Every incident over the traffic window: a dot per incident at its start, sized by affected users; click for its page. */
export function timelineChart(Plot: Plot, incidents: IncidentDetail[], from: string | null, to: string | null, width: number): Element {
  const domain = from && to ? [new Date(from), new Date(to)] : undefined;
  return Plot.plot({
    width,
    height: 180,
    marginLeft: 150,
    x: {type: "utc", label: null, domain},
    y: {label: null, domain: [...new Set(incidents.map((i) => kindLabel(i.kind)))]},
    r: {range: [4, 16]},
    color: {domain: SEVERITIES, range: SEVERITY_COLORS, legend: true},
    marks: [
      Plot.ruleY(incidents, {y: (i: IncidentDetail) => kindLabel(i.kind), stroke: "var(--theme-foreground-faintest)"}),
      Plot.dot(incidents, {
        x: (i: IncidentDetail) => new Date(i.start),
        y: (i: IncidentDetail) => kindLabel(i.kind),
        r: "affected_users",
        fill: "severity",
        href: (i: IncidentDetail) => incidentHref(i.id),
        title: (i: IncidentDetail) => `${i.id} · ${i.severity}\n${formatWindow(i.start, i.end)}\n${i.affected_users} users affected, ${i.failed_requests} failed requests`
      })
    ]
  });
}

const shade = (Plot: Plot, incident: IncidentDetail) =>
  Plot.rectX([incident], {x1: (i: IncidentDetail) => new Date(i.start), x2: (i: IncidentDetail) => new Date(i.end), fill: "#d62728", fillOpacity: 0.12});

function small(Plot: Plot, incident: IncidentDetail, width: number, y: PlotModule.ScaleOptions, marks: PlotModule.Markish[]): Element {
  return Plot.plot({
    width,
    height: 200,
    marginLeft: 50,
    x: {type: "utc", label: null, domain: [new Date(incident.chart_from), new Date(incident.chart_to)]},
    y: {grid: true, ...y},
    color: {legend: true},
    marks: [shade(Plot, incident), ...marks]
  });
}

/** One row per route and minute of the chart's range; a minute without requests has no values, so its line breaks there. */
function everyMinute(incident: IncidentDetail): (RouteMinute & {date: Date})[] {
  const from = Math.ceil(Date.parse(incident.chart_from) / 60_000) * 60_000;
  const to = Date.parse(incident.chart_to);
  const byKey = new Map(incident.route_minutes.map((m) => [`${m.route} ${Date.parse(m.minute)}`, m]));
  return [...new Set(incident.route_minutes.map((m) => m.route))].flatMap((route) => {
    const rows: (RouteMinute & {date: Date})[] = [];
    for (let t = from; t <= to; t += 60_000) {
      const m = byKey.get(`${route} ${t}`);
      rows.push({route, minute: new Date(t).toISOString(), requests: 0, failed: 0, failure_rate: NaN, error_rate: NaN, latency_p50_ms: NaN, latency_p95_ms: NaN, ...m, date: new Date(t)});
    }
    return rows;
  });
}

/**
 * The incident's window charts, each a function of the card's width (for Framework's `resize`): a
 * REST incident's failure rate and median latency per route and minute, a WebSocket incident's
 * message lines and PONGs per channel and minute; the window shaded.
 */
export function windowCharts(Plot: Plot, incident: IncidentDetail): ((width: number) => Element)[] {
  if (incident.route_minutes.length > 0) {
    const rows = everyMinute(incident);
    const line = (y: string) => Plot.lineY(rows, {x: "date", y, stroke: "route", marker: "dot", tip: true});
    return [
      (width) => small(Plot, incident, width, {label: "failed (425/5xx) share of requests", domain: [0, 1], tickFormat: "%"}, [line("failure_rate"), Plot.ruleY([0])]),
      (width) => small(Plot, incident, width, {label: "median latency (ms, log)", type: "log"}, [line("latency_p50_ms")])
    ];
  }
  const rows = incident.channel_minutes.map((m: ChannelMinute) => ({...m, date: new Date(m.minute)}));
  const line = (y: string) => Plot.lineY(rows, {x: "date", y, stroke: "route", marker: "dot", tip: true});
  return [
    (width) => small(Plot, incident, width, {label: "message lines per minute"}, [line("message_lines"), Plot.ruleY([0])]),
    (width) => small(Plot, incident, width, {label: "PONGs per minute"}, [line("pongs"), Plot.ruleY([0])])
  ];
}
