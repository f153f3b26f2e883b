/**
 * Derived tables: query results too costly to recompute in every view that needs them (today the
 * identity graph's connected components), stored and refreshed whenever the warehouse changed:
 * on every writable open and at the end of every ingest run. "Changed" is read from ingest_runs
 * (every ingest, finished, failed or killed, has a run row) and the row counts of the tables the
 * identity graph reads (rows written by hand, as test fixtures do, count too: call
 * refreshDerived after writing them).
 */
import type {Warehouse} from "./connection.ts";

const STATE_SOURCE = "warehouse";
const STATE_KEY = "identity_snapshot";

/** The tables `identity_edges` and `identity_nodes` read. */
const IDENTITY_SOURCES = ["tickets", "api_requests", "ws_events", "fix_messages"];

/** What the stored identities were computed from: the runs so far and the source tables' sizes. */
async function warehouseVersion(warehouse: Warehouse): Promise<string> {
  const row = await warehouse.one<{version: string}>(
    `SELECT concat_ws('/', (SELECT coalesce(max(run_id), 0) FROM ingest_runs), (SELECT count(*) FROM ingest_runs),
       (SELECT coalesce(max(coalesce(finished_at, started_at))::VARCHAR, '') FROM ingest_runs),
       ${IDENTITY_SOURCES.map((table) => `(SELECT count(*) FROM ${table})`).join(", ")}) AS version`
  );
  return row?.version ?? "";
}

/** Recomputes identity_snapshot when the warehouse changed since it was stored; returns whether it did. */
export async function refreshDerived(warehouse: Warehouse): Promise<boolean> {
  const version = await warehouseVersion(warehouse);
  const stored = await warehouse.one<{value: string}>("SELECT value FROM sync_state WHERE source = $1 AND key = $2", [STATE_SOURCE, STATE_KEY]);
  if (stored?.value === version) return false;
  await warehouse.transaction(async () => {
    await warehouse.run("DELETE FROM identity_snapshot");
    await warehouse.run("INSERT INTO identity_snapshot SELECT person_id, kind, value FROM identities_computed");
    await warehouse.run(
      `INSERT INTO sync_state (source, key, value, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (source, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [STATE_SOURCE, STATE_KEY, version]
    );
  });
  return true;
}
