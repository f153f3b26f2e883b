/**
 * Components of the escalation pages (src/escalations.md, src/outreach.md, src/feedback.md): filter
 * state in the URL (?period=…&tier=…&category=…, so a view can be shared or bookmarked), the
 * filters themselves, and number formats. Tables come from ./health.js (every row in the DOM).
 */
import {el} from "./status.js";

/** The value of `name` in the page URL if it is one of `allowed`, else `fallback`. */
export function paramFromUrl(name: string, allowed: readonly string[], fallback: string, search = location.search): string {
  const wanted = new URLSearchParams(search).get(name);
  return wanted !== null && allowed.includes(wanted) ? wanted : fallback;
}

/** Writes the filters to the URL without reloading; a filter at its default ("all") is left out. */
export function setParamsInUrl(params: Record<string, string>, defaults: Record<string, string> = {}): void {
  const url = new URL(location.href);
  for (const [name, value] of Object.entries(params)) {
    if (value === defaults[name]) url.searchParams.delete(name);
    else url.searchParams.set(name, value);
  }
  if (url.href !== location.href) history.replaceState(history.state, "", url);
}

export const ALL = "all";
export const TIERS = ["VIP", "advanced", "standard"];

/** The distinct values of `key` in `rows`, sorted, with "all" first. */
export function choices<Row>(rows: Row[], key: (row: Row) => string): string[] {
  return [ALL, ...[...new Set(rows.map(key))].sort()];
}

/** Keeps the rows matching a filter value ("all" keeps everything). */
export function matching<Row>(rows: Row[], key: (row: Row) => string, value: string): Row[] {
  return value === ALL ? rows : rows.filter((row) => key(row) === value);
}

/** "12,345" */
export function formatCount(value: number | null | undefined): string {
  return value == null ? "–" : value.toLocaleString("en-US");
}

/** Minutes from first error to first ticket, readable: "42 min", "5.1 h", "3.2 d". */
export function formatLag(minutes: number | null | undefined): string {
  if (minutes == null) return "–";
  if (minutes < 90) return `${Math.round(minutes)} min`;
  return minutes < 48 * 60 ? `${(minutes / 60).toFixed(1)} h` : `${(minutes / 1440).toFixed(1)} d`;
}

/** A signature in monospace, placeholders ({hash}, {price}) highlighted. */
export function signatureCell(signature: string): HTMLElement {
  const code = el("code", {class: "signature"});
  for (const part of signature.split(/(\{[a-z]+\})/)) {
    code.append(/^\{[a-z]+\}$/.test(part) ? el("span", {class: "placeholder"}, part) : document.createTextNode(part));
  }
  return code;
}

/** A headline figure with an id and its raw value in data-value (for tests and anyone reading the page programmatically). */
export function figure(id: string, title: string, value: number | null, text: string, note?: string): HTMLDivElement {
  return el(
    "div",
    {class: "card"},
    el("h2", {}, title),
    el("span", {class: "big", id, "data-value": value == null ? "" : String(value)}, text),
    note ? el("div", {class: "small muted"}, note) : null
  );
}
