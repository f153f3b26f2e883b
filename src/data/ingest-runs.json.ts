/**
 * data/ingest-runs.json: the most recent ingest runs of every source and the quarantine per day,
 * for the "Ingest runs & quarantine" page. Reason codes only, never the quarantined records.
 */
import type {IngestHistory} from "./lib/page-data.ts";
import {extract, iso, writeJson} from "./lib/warehouse-extract.ts";

/** Runs shown on the page (newest first). */
const RUN_LIMIT = 200;

await extract(async (warehouse) => {
  const runs = await warehouse.all<{
    run_id: bigint;
    source: string;
    input: string;
    status: string;
    started_at: bigint;
    finished_at: bigint | null;
    read: bigint;
    loaded: bigint;
    rejected: bigint;
    inserted: bigint;
    skipped_files: number;
    message: string | null;
  }>(
    `SELECT run_id, source, input, status, epoch_ms(started_at) AS started_at, epoch_ms(finished_at) AS finished_at,
            read, loaded, rejected, inserted, skipped_files, message
     FROM ingest_runs ORDER BY run_id DESC LIMIT ${RUN_LIMIT}`
  );
  const rejects = await warehouse.all<{day: bigint; source: string; reason: string; rejects: bigint}>(
    `SELECT epoch_ms(date_trunc('day', rejected_at)) AS day, source,
            reason_code AS reason, count(*) AS rejects
     FROM reject_reasons GROUP BY ALL ORDER BY day, source, reason`
  );
  const history: IngestHistory = {
    generated_at: new Date().toISOString(),
    runs: runs.map((run) => ({
      run_id: Number(run.run_id),
      source: run.source,
      input: run.input,
      status: run.status,
      started_at: iso(run.started_at) ?? "",
      finished_at: iso(run.finished_at),
      duration_s: run.finished_at == null ? null : (Number(run.finished_at) - Number(run.started_at)) / 1000,
      read: Number(run.read),
      loaded: Number(run.loaded),
      rejected: Number(run.rejected),
      inserted: Number(run.inserted),
      skipped_files: Number(run.skipped_files),
      message: run.message
    })),
    rejects_by_day: rejects.map((r) => ({day: iso(r.day) ?? "", source: r.source, reason: r.reason, rejects: Number(r.rejects)}))
  };
  writeJson(history);
});
