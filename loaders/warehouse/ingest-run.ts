/**
 * Bookkeeping for one ingest: counts what was read, loaded and rejected, quarantines bad records
 * and records finished files so a re-run after a crash resumes where it stopped.
 * Invariant checked on finish: read = loaded + rejected.
 */
import {statSync} from "node:fs";
import {WorkbenchError} from "../errors.ts";
import {redactText} from "../redact.ts";
import type {Warehouse} from "./connection.ts";
import {refreshDerived} from "./derived.ts";

const MAX_RAW_CHARS = 64 * 1024;

export interface Counts {
  read: number;
  loaded: number;
  rejected: number;
  inserted: number;
}

export interface IngestSummary extends Counts {
  runId: number;
  source: string;
  input: string;
  status: "ok" | "failed";
  skippedFiles: number;
  files: number;
  message?: string;
}

export const zeroCounts = (): Counts => ({read: 0, loaded: 0, rejected: 0, inserted: 0});

export class CountMismatchError extends WorkbenchError {
  constructor(source: string, counts: Counts) {
    super(`${source}: read ${counts.read} != loaded ${counts.loaded} + rejected ${counts.rejected}; a record was lost`);
  }
}

export class IngestRun {
  readonly counts: Counts = zeroCounts();
  files = 0;
  skippedFiles = 0;

  private constructor(
    readonly warehouse: Warehouse,
    readonly runId: number,
    readonly source: string,
    readonly input: string
  ) {}

  static async start(warehouse: Warehouse, source: string, input: string): Promise<IngestRun> {
    // We hold the write lock, so any run still marked running died without finishing.
    await warehouse.run(
      "UPDATE ingest_runs SET status = 'interrupted', message = 'process ended before the run finished' WHERE status = 'running'"
    );
    const row = await warehouse.one<{run_id: bigint}>(
      "INSERT INTO ingest_runs (source, input, started_at, status) VALUES ($1, $2, now(), 'running') RETURNING run_id",
      [source, input]
    );
    return new IngestRun(warehouse, Number(row!.run_id), source, input);
  }

  /** Quarantines one record. Call inside the transaction that loads the rest of its file. */
  async reject(location: string, reason: string, raw: string | undefined): Promise<void> {
    await this.warehouse.run(
      `INSERT INTO rejects (source, location, reason, raw, run_id, rejected_at) VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (source, location) DO UPDATE SET reason = excluded.reason, raw = excluded.raw,
         run_id = excluded.run_id, rejected_at = excluded.rejected_at`,
      [this.source, location, reason, raw === undefined ? null : capRaw(redactText(raw)), this.runId]
    );
  }

  /** True when `path` was fully ingested before and has not changed since (size and mtime). */
  async alreadyIngested(path: string): Promise<boolean> {
    const {size, mtimeMs} = statSync(path);
    const row = await this.warehouse.one(
      "SELECT 1 FROM ingest_files WHERE source = $1 AND path = $2 AND size_bytes = $3 AND mtime_ms = $4",
      [this.source, path, size, Math.trunc(mtimeMs)]
    );
    if (row) this.skippedFiles++;
    return row !== undefined;
  }

  /** Records a file as done and adds its counts to the run. Call inside the file's transaction. */
  async fileDone(path: string, counts: Counts): Promise<void> {
    const {size, mtimeMs} = statSync(path);
    await this.warehouse.run(
      `INSERT OR REPLACE INTO ingest_files (source, path, size_bytes, mtime_ms, read, loaded, rejected, run_id, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())`,
      [this.source, path, size, Math.trunc(mtimeMs), counts.read, counts.loaded, counts.rejected, this.runId]
    );
    this.add(counts);
    this.files++;
  }

  add(counts: Counts): void {
    this.counts.read += counts.read;
    this.counts.loaded += counts.loaded;
    this.counts.rejected += counts.rejected;
    this.counts.inserted += counts.inserted;
  }

  async finish(message?: string): Promise<IngestSummary> {
    const {read, loaded, rejected, inserted} = this.counts;
    if (read !== loaded + rejected) {
      await this.fail(new CountMismatchError(this.source, this.counts));
      throw new CountMismatchError(this.source, this.counts);
    }
    await this.warehouse.run(
      `UPDATE ingest_runs SET status = 'ok', finished_at = now(), read = $2, loaded = $3, rejected = $4,
         inserted = $5, skipped_files = $6, message = $7 WHERE run_id = $1`,
      [this.runId, read, loaded, rejected, inserted, this.skippedFiles, message ?? null]
    );
    await refreshDerived(this.warehouse);
    return this.summary("ok", message);
  }

  async fail(error: unknown): Promise<IngestSummary> {
    const message = error instanceof Error ? error.message : String(error);
    const {read, loaded, rejected, inserted} = this.counts;
    await this.warehouse.run(
      `UPDATE ingest_runs SET status = 'failed', finished_at = now(), read = $2, loaded = $3, rejected = $4,
         inserted = $5, skipped_files = $6, message = $7 WHERE run_id = $1`,
      [this.runId, read, loaded, rejected, inserted, this.skippedFiles, message]
    );
    await refreshDerived(this.warehouse); // what the run committed before failing is in the warehouse
    return this.summary("failed", message);
  }

  private summary(status: "ok" | "failed", message?: string): IngestSummary {
    return {
      runId: this.runId,
      source: this.source,
      input: this.input,
      status,
      ...this.counts,
      files: this.files,
      skippedFiles: this.skippedFiles,
      message
    };
  }
}

function capRaw(raw: string): string {
  if (raw.length <= MAX_RAW_CHARS) return raw;
  return `${raw.slice(0, MAX_RAW_CHARS)}…[truncated ${raw.length - MAX_RAW_CHARS} more characters]`;
}
