/**
 * Quarantining many records at once. A handful go through IngestRun.reject one by one; a batch
 * with many bad lines (a wrong file, a corrupted stretch of a log) goes through an appender and
 * one set-based upsert with exactly IngestRun.reject's semantics: raw text through redactText,
 * capped at 64 KiB, (source, location) upserted.
 */
import {redactText} from "../redact.ts";
import type {IngestRun} from "../warehouse/ingest-run.ts";

export interface PendingReject {
  location: string;
  reason: string;
  raw: string | undefined;
}

/** Above this many rejects in one call, use the bulk path. */
export const BULK_REJECTS = 100;
const MAX_RAW_CHARS = 64 * 1024;
const TABLE = "_bulk_rejects";

/** Same cap as IngestRun (which keeps its helper private). */
export function capRaw(raw: string): string {
  if (raw.length <= MAX_RAW_CHARS) return raw;
  return `${raw.slice(0, MAX_RAW_CHARS)}…[truncated ${raw.length - MAX_RAW_CHARS} more characters]`;
}

/** Call inside the transaction that loads the rest of the batch. */
export async function writeRejects(run: IngestRun, rejects: readonly PendingReject[]): Promise<void> {
  if (rejects.length <= BULK_REJECTS) {
    for (const reject of rejects) await run.reject(reject.location, reject.reason, reject.raw);
    return;
  }
  const warehouse = run.warehouse;
  await warehouse.run(`CREATE OR REPLACE TEMP TABLE ${TABLE} (location VARCHAR, reason VARCHAR, raw VARCHAR)`);
  const appender = await warehouse.connection.createAppender(TABLE);
  try {
    const seen = new Set<string>();
    for (const {location, reason, raw} of rejects) {
      if (seen.has(location)) continue; // upsert semantics: one row per location
      seen.add(location);
      appender.appendVarchar(location);
      appender.appendVarchar(reason);
      if (raw === undefined) appender.appendNull();
      else appender.appendVarchar(capRaw(redactText(raw)));
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  await warehouse.run(
    `INSERT INTO rejects (source, location, reason, raw, run_id, rejected_at)
     SELECT $1, location, reason, raw, $2, now() FROM ${TABLE}
     ON CONFLICT (source, location) DO UPDATE SET reason = excluded.reason, raw = excluded.raw,
       run_id = excluded.run_id, rejected_at = excluded.rejected_at`,
    [run.source, run.runId]
  );
  await warehouse.run(`DROP TABLE ${TABLE}`);
}
