/**
 * One person's timeline, newest first: the `timeline_events` view (views/080_investigate.sql, the
 * same rows the investigate page shows) filtered to the person. The view lists failures, tickets,
 * orders, FIX session events and chain movements one by one and folds routine successful traffic
 * into hourly rows (`count`). Past `limit` entries the oldest are dropped and counted in `omitted`.
 */
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import type {Identity, TimelineEntry} from "./types.ts";

export const DEFAULT_TIMELINE_LIMIT = 500;
export const polygonscanTx = (hash: string) => `https://polygonscan.com/tx/${hash}`;

// $person is a constant, so DuckDB pushes the filter below the view's windows and joins.
const TIMELINE_SQL = `
SELECT strftime(ts, '%Y-%m-%dT%H:%M:%S.%g') || 'Z' AS ts, source, kind, summary, severity, error, ref_table, ref_key::VARCHAR AS ref_key,
       tx_hash, count, count(*) OVER () AS total
  FROM timeline_events WHERE person_id = $person
 ORDER BY timeline_events.ts DESC, source, kind, ref LIMIT $limit`;

/** A timeline_events row as the query returns it: the entry's fields, its reference still in columns. */
type TimelineRow = Omit<TimelineEntry, "ref" | "link"> & {
  ref_table: string;
  ref_key: string;
  tx_hash: string | null;
  total: number;
  [column: string]: unknown;
};

export async function timeline(
  warehouse: Warehouse,
  identity: Identity,
  limit = DEFAULT_TIMELINE_LIMIT
): Promise<{entries: TimelineEntry[]; omitted: number}> {
  const rows = await warehouse.json<TimelineRow>(TIMELINE_SQL, {person: identity.person_id, limit});
  const entries = rows.map((row): TimelineEntry => ({
    ts: row.ts,
    source: row.source,
    kind: row.kind,
    // the exact error string stays in the one-line summary (what the CLI prints) and has a field of its own
    summary: row.error ? `${row.summary}: ${row.error}` : row.summary,
    severity: row.severity,
    error: row.error,
    ref: {table: row.ref_table, key: JSON.parse(row.ref_key) as Record<string, string | number>},
    ...(row.tx_hash ? {link: polygonscanTx(row.tx_hash)} : {}),
    count: Number(row.count)
  }));
  const total = rows.length ? Number(rows[0].total) : 0;
  return {entries, omitted: total - rows.length};
}
