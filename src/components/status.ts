/**
 * Page components for the warehouse's state: the per-source table on the home page, status pills,
 * and the empty state shown before anything was ingested. Plain DOM, no dependencies.
 */
import type {RunSummary, SourceStatus, WarehouseStatus} from "../data/lib/page-data.js";
import {formatCount, formatDateTime, formatRange, plural} from "./format.js";

type Child = Node | string | number | null | undefined | false;
type Children = Child | Children[];

/** A tiny element builder: el("td", {class: "num"}, "12"). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | undefined> = {},
  ...children: Children[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(name, value);
  append(element, children);
  return element;
}

function append(parent: HTMLElement, children: Children[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(parent, child);
    else if (child != null && child !== false) parent.append(child instanceof Node ? child : String(child));
  }
}

/**
 * A key figure: the formatted number in large type, the raw value in `data-value` (for tests and
 * anyone scraping the page), red when `alert` is set.
 */
export function figure(value: number, {id, alert = false}: {id?: string; alert?: boolean} = {}): HTMLSpanElement {
  return el("span", {class: alert ? "big red" : "big", id, "data-value": String(value)}, formatCount(value));
}

/** An ingest run's status as a coloured pill: ok, failed, interrupted, running. */
export function statusPill(status: string): HTMLSpanElement {
  return el("span", {class: `pill ${status.replace(/[^\w-]/g, "")}`}, status);
}

/** True when no source has any ingest run or row yet. */
export function isEmptyWarehouse(status: WarehouseStatus): boolean {
  return status.sources.every((s) => s.runs === 0 && s.tables.every((t) => t.rows === 0));
}

/** How to fill an empty warehouse. */
export function emptyWarehouse(status: WarehouseStatus): HTMLDivElement {
  return el(
    "div",
    {class: "empty"},
    el("strong", {}, `The warehouse (${status.warehouse}) holds no data yet.`),
    el(
      "p",
      {},
      "Load the demo world with ",
      el("code", {}, "npx workbench demo"),
      ", or real exports with ",
      el("code", {}, "npx workbench ingest intercom --file …"),
      " (also ",
      el("code", {}, "api-logs"),
      " and ",
      el("code", {}, "fix"),
      "), then rebuild the pages with ",
      el("code", {}, "npm run build"),
      "."
    )
  );
}

function runCell(run: RunSummary | null): Node {
  if (!run) return el("span", {class: "muted"}, "never ingested");
  return el(
    "span",
    {},
    statusPill(run.status),
    " ",
    el("span", {class: "small"}, `run ${run.run_id} · ${formatDateTime(run.finished_at ?? run.started_at)}`),
    run.read === 0 && run.skipped_files > 0
      ? el("div", {class: "small muted"}, `${plural(run.skipped_files, "unchanged file")} skipped`)
      : null
  );
}

function holdsCell(source: SourceStatus): Node {
  if (source.tables.length === 0) return el("span", {class: "muted"}, "not loaded yet");
  return el(
    "span",
    {},
    source.tables.map((t, i) => [i > 0 ? el("br") : null, `${formatCount(t.rows)} ${t.label}`])
  );
}

function coverageCell(source: SourceStatus): Node {
  const dated = source.tables.filter((t) => t.from && t.to);
  if (dated.length === 0) return el("span", {class: "muted"}, "–");
  const from = dated.map((t) => t.from!).sort()[0];
  const to = dated.map((t) => t.to!).sort().at(-1)!;
  return el("span", {}, formatRange(from, to));
}

/**
 * One row per source: its latest ingest run (read = loaded + rejected), what it holds now and the
 * time span it covers.
 */
export function sourcesTable(status: WarehouseStatus): HTMLTableElement {
  const num = (value: number | undefined, className = "num") => el("td", {class: className}, value === undefined ? "–" : formatCount(value));
  return el(
    "table",
    {class: "status", id: "sources-table"},
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", {}, "Source"),
        el("th", {}, "Latest ingest"),
        el("th", {class: "num"}, "Read"),
        el("th", {class: "num"}, "Loaded"),
        el("th", {class: "num"}, "Rejected"),
        el("th", {}, "Holds now"),
        el("th", {}, "Covers (UTC)")
      )
    ),
    el(
      "tbody",
      {},
      status.sources.map((source) =>
        el(
          "tr",
          {"data-source": source.source},
          el("td", {}, el("strong", {}, source.label)),
          el("td", {}, runCell(source.latest_run)),
          num(source.latest_run?.read),
          num(source.latest_run?.loaded),
          num(source.latest_run?.rejected, source.latest_run?.rejected ? "num red" : "num"),
          el("td", {}, holdsCell(source)),
          el("td", {}, coverageCell(source))
        )
      )
    )
  );
}

/** Rows a table holds, by table name (0 when absent). */
export function rowsOf(status: WarehouseStatus, table: string): number {
  for (const source of status.sources) for (const t of source.tables) if (t.table === table) return t.rows;
  return 0;
}
