/**
 * data/warehouse-status.json: what the warehouse holds, per source, for the home page.
 * Counts, time ranges and the latest ingest run; rejects grouped by reason code (the part of
 * `reason` before the first colon, never the raw record).
 */
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import type {SourceStatus, TableStatus, WarehouseStatus} from "./lib/page-data.ts";
import {extract, iso, writeJson} from "./lib/warehouse-extract.ts";

/** The sources the workbench knows, in reading order, with the tables they fill. */
const SOURCES: {source: string; label: string; tables: {table: string; time: string; label: string}[]}[] = [
  {
    source: "intercom",
    label: "Support tickets (Intercom)",
    tables: [
      {table: "tickets", time: "created_at", label: "tickets"},
      {table: "ticket_parts", time: "created_at", label: "conversation parts"}
    ]
  },
  {
    source: "api-logs",
    label: "API traffic (REST + WebSocket)",
    tables: [
      {table: "api_requests", time: "ts", label: "REST requests"},
      {table: "ws_events", time: "ts", label: "WebSocket events"}
    ]
  },
  {source: "fix", label: "FIX sessions", tables: [{table: "fix_messages", time: "sending_time", label: "FIX messages"}]},
  {
    source: "chain",
    label: "On-chain record (Polygon)",
    tables: [
      {table: "chain_transfers", time: "block_time", label: "collateral transfers"},
      {table: "chain_fills", time: "block_time", label: "exchange fills"},
      {table: "chain_redemptions", time: "block_time", label: "redemptions"}
    ]
  }
];

async function tableStatus(warehouse: Warehouse, spec: {table: string; time: string; label: string}): Promise<TableStatus> {
  const row = await warehouse.one<{rows: bigint; from: unknown; to: unknown}>(
    `SELECT count(*) AS rows, epoch_ms(min("${spec.time}")) AS "from", epoch_ms(max("${spec.time}")) AS "to" FROM "${spec.table}"`
  );
  return {table: spec.table, label: spec.label, rows: Number(row?.rows ?? 0), from: iso(row?.from), to: iso(row?.to)};
}

await extract(async (warehouse) => {
  const existing = new Set(
    (await warehouse.all<{name: string}>("SELECT table_name AS name FROM duckdb_tables() WHERE schema_name = 'main'")).map((t) => t.name)
  );
  const runs = await warehouse.all<{
    source: string;
    run_id: bigint;
    status: string;
    started_at: bigint;
    finished_at: bigint | null;
    read: bigint;
    loaded: bigint;
    rejected: bigint;
    inserted: bigint;
    skipped_files: number;
    runs: bigint;
  }>(
    `SELECT source, run_id, status, epoch_ms(started_at) AS started_at, epoch_ms(finished_at) AS finished_at,
            read, loaded, rejected, inserted, skipped_files, count(*) OVER (PARTITION BY source) AS runs
     FROM ingest_runs
     QUALIFY row_number() OVER (PARTITION BY source ORDER BY run_id DESC) = 1`
  );
  const rejects = await warehouse.all<{source: string; reason: string; rejects: bigint; last_rejected_at: bigint}>(
    `SELECT source, reason_code AS reason, count(*) AS rejects,
            epoch_ms(max(rejected_at)) AS last_rejected_at
     FROM reject_reasons GROUP BY ALL ORDER BY rejects DESC, source, reason`
  );

  const known = new Set(SOURCES.map((s) => s.source));
  const extra = [...new Set([...runs.map((r) => r.source), ...rejects.map((r) => r.source)])].filter((s) => !known.has(s)).sort();
  const sources: SourceStatus[] = [];
  for (const spec of [...SOURCES, ...extra.map((source) => ({source, label: source, tables: []}))]) {
    const run = runs.find((r) => r.source === spec.source);
    const tables: TableStatus[] = [];
    // a table a newer schema adds (or an older one lacks) is simply not listed
    for (const table of spec.tables) if (existing.has(table.table)) tables.push(await tableStatus(warehouse, table));
    sources.push({
      source: spec.source,
      label: spec.label,
      runs: Number(run?.runs ?? 0),
      latest_run: run
        ? {
            run_id: Number(run.run_id),
            status: run.status,
            started_at: iso(run.started_at) ?? "",
            finished_at: iso(run.finished_at),
            read: Number(run.read),
            loaded: Number(run.loaded),
            rejected: Number(run.rejected),
            inserted: Number(run.inserted),
            skipped_files: Number(run.skipped_files)
          }
        : null,
      tables,
      rejects: rejects.filter((r) => r.source === spec.source).reduce((sum, r) => sum + Number(r.rejects), 0)
    });
  }

  const status: WarehouseStatus = {
    generated_at: new Date().toISOString(),
    warehouse: warehouse.path.split(/[\\/]/).pop() ?? warehouse.path,
    sources,
    rejects: rejects.map((r) => ({
      source: r.source,
      reason: r.reason || "unknown",
      rejects: Number(r.rejects),
      last_rejected_at: iso(r.last_rejected_at) ?? ""
    }))
  };
  writeJson(status);
});
