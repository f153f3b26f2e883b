/**
 * Shared plumbing for the site's page data loaders (`src/data/*.ts`). Framework runs each loader
 * as `tsx src/data/<name>.<ext>.ts` from the project root at build time and serves its stdout as
 * `data/<name>.<ext>`. A loader opens the warehouse READ-ONLY, queries aggregates and writes JSON
 * or Arrow IPC:
 *
 *   await extract(async (warehouse) => {
 *     const rows = await warehouse.json("SELECT ...");
 *     writeJson({rows});
 *   });
 *
 * The warehouse is $WORKBENCH_DB or data/warehouse.duckdb. A missing warehouse fails the build
 * with a message saying how to create one: a site quietly built from nothing would look like
 * "no tickets", which is a different (and wrong) statement. An empty warehouse is fine: pages
 * show their empty states.
 *
 * Page data is for browsers that anyone with the built site can open: aggregate, and never emit
 * emails, wallet-to-person links, message bodies or API secrets from a loader.
 */
import {tableToIPC, vectorFromArray, Table, Float64, Int32, TimestampMillisecond, Utf8, type Vector} from "apache-arrow";
import {existsSync} from "node:fs";
import {basename, resolve} from "node:path";
import {DEFAULT_WAREHOUSE, Warehouse} from "../../../loaders/warehouse/connection.ts";
import {listViewNames} from "../../../loaders/warehouse/schema.ts";

/** Seconds to wait when an ingest holds the warehouse's write lock. */
const LOCK_WAIT_SECONDS = 30;

export class ExtractError extends Error {}

/** The warehouse file the loaders read. */
export function warehousePath(): string {
  return resolve(process.env.WORKBENCH_DB ?? DEFAULT_WAREHOUSE);
}

/**
 * A loader opens the warehouse read-only, so it cannot create the views; a warehouse last opened
 * for writing by an older workbench lacks the newer ones. Say so instead of failing on a SQL error.
 */
async function requireCurrentViews(warehouse: Warehouse): Promise<void> {
  const present = new Set((await warehouse.all<{view_name: string}>("SELECT view_name FROM duckdb_views() WHERE NOT internal")).map((row) => row.view_name));
  const missing = listViewNames().filter((name) => !present.has(name));
  if (missing.length > 0) {
    throw new ExtractError(
      `the warehouse lacks ${missing.length} view(s) this workbench defines (${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", ..." : ""}): ` +
        "it was last opened for writing by an older workbench. Refresh them with `npx workbench status`, then build again."
    );
  }
}

/**
 * Opens the warehouse read-only (sessions in UTC), runs `work`, closes it. Any failure ends the
 * loader with one readable line on stderr and exit code 1, which fails `npm run build`.
 */
export async function extract(work: (warehouse: Warehouse) => Promise<void>): Promise<void> {
  const loader = basename(process.argv[1] ?? "loader");
  try {
    const path = warehousePath();
    if (!existsSync(path)) {
      throw new ExtractError(
        `no warehouse at ${path}. Create one with \`npx workbench demo\` (demo data) or ` +
          "`npx workbench ingest ...` (real exports), or point $WORKBENCH_DB at an existing warehouse file."
      );
    }
    const warehouse = await Warehouse.open(path, {readOnly: true, waitSeconds: LOCK_WAIT_SECONDS});
    try {
      await requireCurrentViews(warehouse);
      await warehouse.run("SET TimeZone = 'UTC'");
      await work(warehouse);
    } finally {
      warehouse.close();
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${loader}: ${message}\n`);
    if (!(error instanceof ExtractError) && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`);
    }
    process.exit(1);
  }
}

/**
 * An ISO string from epoch milliseconds. Select timestamps as `epoch_ms(ts)`: no time-zone or
 * string-format guessing between DuckDB and JavaScript.
 */
export function iso(epochMs: unknown): string | null {
  return epochMs == null ? null : new Date(Number(epochMs)).toISOString();
}

export function writeJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? Number(v) : v)));
}

/** Arrow column types the loaders emit (all nullable). */
export type ArrowColumnType = "utf8" | "int32" | "float64" | "timestamp";

type ArrowValue = string | number | bigint | Date | null | undefined;

function column(type: ArrowColumnType, values: ArrowValue[]): Vector {
  switch (type) {
    case "utf8":
      return vectorFromArray(values.map((v) => (v == null ? null : String(v))), new Utf8());
    case "int32":
      return vectorFromArray(values.map((v) => (v == null ? null : Number(v))), new Int32());
    case "float64":
      return vectorFromArray(values.map((v) => (v == null ? null : Number(v))), new Float64());
    case "timestamp":
      // epoch milliseconds (UTC): pass `epoch_ms(ts)` from SQL, a Date, or an ISO string.
      // DuckDB-WASM reads the column as TIMESTAMP and Framework's client returns Dates.
      return vectorFromArray(
        values.map((v) => (v == null ? null : v instanceof Date ? v.getTime() : typeof v === "string" ? Date.parse(v) : Number(v))),
        new TimestampMillisecond()
      );
  }
}

/**
 * An Arrow table with an explicit schema (so an empty result still has typed columns), from rows
 * as returned by `Warehouse.all` / `Warehouse.json`.
 */
export function arrowTable<Row extends Record<string, unknown>>(
  rows: Row[],
  schema: {[K in keyof Row & string]: ArrowColumnType}
): Table {
  const columns: Record<string, Vector> = {};
  for (const [name, type] of Object.entries(schema) as [keyof Row & string, ArrowColumnType][]) {
    columns[name] = column(
      type,
      rows.map((row) => row[name] as ArrowValue)
    );
  }
  return new Table(columns);
}

/** Writes Arrow IPC in the stream format (what `sql:` front matter and `FileAttachment.arrow()` read). */
export function writeArrow(table: Table): void {
  process.stdout.write(tableToIPC(table, "stream"));
}
