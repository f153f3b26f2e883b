/**
 * A checksum of every data table, for "re-running changes nothing" and "a killed run resumes to the
 * same warehouse" tests. Bookkeeping (runs, files, cursors) and per-run columns are left out.
 */
import type {Warehouse} from "../../loaders/warehouse/connection.ts";

const BOOKKEEPING_TABLES = new Set(["ingest_runs", "ingest_files", "schema_migrations", "sync_state"]);
const PER_RUN_COLUMNS = ["run_id", "rejected_at"];

export async function tableChecksums(warehouse: Warehouse): Promise<Record<string, string>> {
  const tables = await warehouse.all<{table_name: string}>(
    "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name"
  );
  const sums: Record<string, string> = {};
  for (const {table_name} of tables) {
    if (BOOKKEEPING_TABLES.has(table_name)) continue;
    const row = await warehouse.one<{n: bigint; h: bigint | null}>(
      `SELECT count(*) AS n, bit_xor(hash(*COLUMNS(c -> c NOT IN (${PER_RUN_COLUMNS.map((c) => `'${c}'`).join(", ")})))) AS h
       FROM "${table_name}"`
    );
    sums[table_name] = `${row?.n ?? 0}:${row?.h ?? 0}`;
  }
  return sums;
}
