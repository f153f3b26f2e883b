/**
 * Components of the program-health page (src/health.md): number formats that name their clock,
 * KPI cards with week-over-week change, the week in the URL, and plain tables (every row in the
 * DOM, so the page prints whole). Plain DOM; charts are drawn in the page with Plot.
 */
import type {HealthReport} from "../../analysis/health/report.js";
import {el} from "./status.js";

export type {HealthReport};

/** The investigation page for a conversation (issue 8: the identifier lives in the URL). */
export function investigateHref(ticketId: string): string {
  return `./investigate?q=${encodeURIComponent(ticketId)}`;
}

export function ticketLink(ticketId: string): HTMLAnchorElement {
  return el("a", {href: investigateHref(ticketId), class: "ticket"}, ticketId);
}

/** 0.6667 -> "66.7%" */
export function formatRate(value: number | null | undefined): string {
  return value == null ? "–" : `${(value * 100).toFixed(1)}%`;
}

/** Minutes as a readable duration: "25 min", "3 h 12 min", "2 d 4 h". */
export function formatMinutes(value: number | null | undefined): string {
  if (value == null) return "–";
  const total = Math.round(value);
  if (total < 60) return `${total} min`;
  const [d, h, m] = [Math.floor(total / 1440), Math.floor((total % 1440) / 60), total % 60];
  return d > 0 ? `${d} d${h ? ` ${h} h` : ""}` : `${h} h${m ? ` ${m} min` : ""}`;
}

/** Hours as "34 h" or "10.9 d". */
export function formatHours(value: number | null | undefined): string {
  if (value == null) return "–";
  return value < 48 ? `${Math.round(value)} h` : `${(value / 24).toFixed(1)} d`;
}

export type Kind = "count" | "minutes" | "rate";
/** Which direction is good news: fewer minutes, higher rates; "none" for volumes. */
export type Better = "up" | "down" | "none";

export function formatValue(value: number | null | undefined, kind: Kind): string {
  if (kind === "rate") return formatRate(value);
  if (kind === "minutes") return formatMinutes(value);
  return value == null ? "–" : value.toLocaleString("en-US");
}

/**
 * "▲ 10 min vs 2026-W45" (or "▲ 10 min" without `against`), green when the change is good news,
 * red when bad, plain for volumes.
 */
export function delta(current: number | null, previous: number | null, kind: Kind, better: Better, against?: string): HTMLSpanElement {
  const suffix = against ? ` vs ${against}` : "";
  if (current == null || previous == null) return el("span", {class: "delta"}, against ? `no comparison with ${against}` : "–");
  const change = current - previous;
  const size = kind === "rate" ? `${Math.abs(change * 100).toFixed(1)} pts` : formatValue(Math.abs(change), kind);
  const tone = change === 0 || better === "none" ? "" : (change > 0) === (better === "up") ? "good" : "bad";
  const arrow = change > 0 ? "▲" : "▼";
  return el("span", {class: `delta ${tone}`.trim()}, change === 0 ? `unchanged${suffix}` : `${arrow} ${size}${suffix}`);
}

/**
 * A KPI card: the title, the value in large type (raw value in data-value, for tests and anyone
 * reading the page programmatically), the change against the previous week, and a note.
 */
export function kpi(options: {
  id: string;
  title: string;
  value: number | null;
  previous: number | null;
  previousWeek: string;
  kind: Kind;
  better: Better;
  note?: string | Node;
}): HTMLDivElement {
  const {id, title, value, previous, previousWeek, kind, better, note} = options;
  return el(
    "div",
    {class: "card"},
    el("h2", {}, title),
    el("span", {class: "big", id: `kpi-${id}`, "data-value": value == null ? "" : String(value)}, formatValue(value, kind)),
    el("span", {class: "small"}, delta(value, previous, kind, better, previousWeek)),
    note ? el("span", {class: "small muted"}, note) : null
  );
}

/** The week in the page URL (?week=2026-W46), if it is one of `weeks`; else the newest week. */
export function weekFromUrl(weeks: string[], search = location.search): string | null {
  const wanted = new URLSearchParams(search).get("week");
  return wanted && weeks.includes(wanted) ? wanted : (weeks[0] ?? null);
}

/** Puts the week in the URL without reloading, so the address can be shared or bookmarked. */
export function setWeekInUrl(week: string | null): void {
  if (!week) return;
  const url = new URL(location.href);
  if (url.searchParams.get("week") === week) return;
  url.searchParams.set("week", week);
  history.replaceState(history.state, "", url);
}

/** "2026-W46 · 9–15 Nov 2026" for the week picker. */
export function weekLabel(report: Pick<HealthReport, "week" | "week_start" | "week_end">): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const start = new Date(report.week_start);
  const end = new Date(Date.parse(report.week_end) - 86_400_000);
  const day = (d: Date) => `${d.getUTCDate()} ${months[d.getUTCMonth()]}`;
  const range = start.getUTCMonth() === end.getUTCMonth() ? `${start.getUTCDate()}–${day(end)}` : `${day(start)} – ${day(end)}`;
  return `${report.week} · ${range} ${end.getUTCFullYear()}`;
}

export interface Column<Row> {
  label: string;
  value: (row: Row) => string | number | Node | null | undefined;
  /** right-aligned numbers */
  numeric?: boolean;
}

/** A plain table with every row in the DOM (prints whole); `empty` when there are no rows. */
export function table<Row>(rows: Row[], columns: Column<Row>[], {id, empty = "None."}: {id?: string; empty?: string} = {}): HTMLElement {
  if (rows.length === 0) return el("p", {class: "muted empty", id}, empty);
  return el(
    "div",
    {class: "report-table"},
    el(
      "table",
      {id},
      el("thead", {}, el("tr", {}, columns.map((c) => el("th", {class: c.numeric ? "num" : undefined}, c.label)))),
      el(
        "tbody",
        {},
        rows.map((row) =>
          el(
            "tr",
            {},
            columns.map((c) => {
              const value = c.value(row);
              return el("td", {class: c.numeric ? "num" : undefined}, value == null ? "–" : value instanceof Node ? value : String(value));
            })
          )
        )
      )
    )
  );
}

/** The headline metric columns shared by the tier, category and trend tables. */
export function metricColumns<Row extends HealthReport["by_tier"][number] | HealthReport["trend"][number]>(): Column<Row>[] {
  return [
    {label: "Created", value: (r) => r.tickets_created, numeric: true},
    {label: "Closed", value: (r) => r.tickets_closed, numeric: true},
    {label: "FRT p50", value: (r) => formatMinutes(r.frt_p50_minutes), numeric: true},
    {label: "FRT p90", value: (r) => formatMinutes(r.frt_p90_minutes), numeric: true},
    {label: "TTC p50", value: (r) => formatMinutes(r.ttc_p50_minutes), numeric: true},
    {label: "TTC p90", value: (r) => formatMinutes(r.ttc_p90_minutes), numeric: true},
    {label: "SLA hit (Intercom)", value: (r) => formatRate(r.sla_hit_rate), numeric: true},
    {label: "CSAT", value: (r) => formatRate(r.csat_score), numeric: true},
    {label: "CSAT resp.", value: (r) => formatRate(r.csat_response_rate), numeric: true},
    {label: "Reopen", value: (r) => formatRate(r.reopen_rate), numeric: true},
    {label: "Escalated", value: (r) => r.tickets_escalated, numeric: true}
  ];
}

/** Log-scale bin edges for durations in minutes (up to 30 days), and the axis ticks. */
export const DURATION_BINS = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 720, 1440, 2880, 4320, 10080, 20160, 43200];
export const DURATION_TICKS = [1, 10, 60, 480, 1440, 10080];

/** "10 Nov, 08:30" (UTC): compact for tables whose header says UTC. */
export function formatShortDateTime(value: string | null | undefined): string {
  if (!value) return "–";
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const d = new Date(value);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCDate()} ${months[d.getUTCMonth()]}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** Whole-number axis ticks from 0 to `max` (about five of them). */
export function integerTicks(max: number): number[] {
  const step = Math.max(1, Math.ceil(max / 5));
  return Array.from({length: Math.floor(max / step) + 1}, (_, i) => i * step);
}

export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
