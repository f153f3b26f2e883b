/**
 * `workbench ingest api-logs`: CLOB gateway REST access logs and WebSocket session logs (NDJSON,
 * optionally gzip) into `api_requests` and `ws_events`.
 *
 * Division of labour, for speed: JS only splits files into lines (bytes, never decoded) and appends
 * them to a temp table; DuckDB decodes, validates and transforms all lines of a batch at once, in
 * parallel (transform.ts). A batch holds about 256 MiB of text: part of one large file, or several
 * small files whole. Each batch commits in one transaction with its rejects and, per file, either
 * the file's completion (ingest_files) or a line cursor (sync_state) when the file continues in the
 * next batch, so a crash resumes after the last committed batch and no file is ever half-loaded
 * without a cursor saying so. Natural keys (request_id; session_id + seq) make re-runs and
 * overlapping inputs insert nothing twice.
 */
import type {DuckDBConnection} from "@duckdb/node-api";
import {statSync} from "node:fs";
import {expandInputs} from "../input/files.ts";
import type {Progress} from "../progress.ts";
import {redactValue} from "../redact.ts";
import type {Warehouse} from "../warehouse/connection.ts";
import {IngestRun, zeroCounts, type Counts, type IngestSummary} from "../warehouse/ingest-run.ts";
import {readLineChunks} from "./byte-lines.ts";
import {addCounts, clearCursor, readCursor, writeCursor} from "./cursor.ts";
import {writeRejects, type PendingReject} from "./rejects.ts";
import {COUNTS_QUERY, DEEP_REDACTION_QUERY, DUPLICATE_KEYS_QUERY, PARSED_TABLE, REJECTS_QUERY, SLOTS, STAGING_DB, type Slot} from "./transform.ts";

export const SOURCE = "api-logs";

export interface ApiLogOptions {
  files: string[];
  /** Text per committed batch (default 256 MiB). */
  batchBytes?: number;
  /** Lines per committed batch (default 2,000,000). */
  batchLines?: number;
}

/** Wall-clock and process CPU milliseconds (all threads, DuckDB's included) per phase, for the benchmark. */
export const phaseTimings: Record<string, {wallMs: number; cpuMs: number}> = {};

async function timed<T>(phase: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  try {
    return await work();
  } finally {
    const used = process.cpuUsage(cpu);
    const entry = (phaseTimings[phase] ??= {wallMs: 0, cpuMs: 0});
    entry.wallMs += performance.now() - start;
    entry.cpuMs += (used.user + used.system) / 1000;
  }
}

const LOG_NAME = /\.(ndjson|jsonl|json|log|txt)(\.gz)?$|\.gz$/i;
const MAX_SEGMENTS = 1000;

/** Files to read: explicit files as given, directories and globs filtered to log-like names. */
export function apiLogFiles(inputs: string[]): string[] {
  const files = new Set<string>();
  for (const input of inputs) {
    let explicitFile = false;
    try {
      explicitFile = !/[*?[]/.test(input) && statSync(input).isFile();
    } catch {
      // expandInputs reports missing inputs
    }
    for (const file of expandInputs([input], (path) => explicitFile || LOG_NAME.test(path))) files.add(file);
  }
  return [...files].sort();
}

/** A file to read, decided before reading starts (the reader runs while the connection is busy). */
interface PlannedFile {
  path: string;
  startLine: number;
  /** Counts of batches an earlier, interrupted run committed. */
  counts: Counts;
  /** A cursor row exists in sync_state for this file. */
  hasCursor: boolean;
}

/** The part of one file inside a batch: lines[start .. start + count) are lines firstLine... */
interface Segment {
  file: PlannedFile;
  start: number;
  count: number;
  firstLine: number;
  /** The segment ends at the end of the file. */
  final: boolean;
}

interface Batch {
  lines: Buffer[];
  bytes: number;
  segments: Segment[];
}

export async function ingestApiLogs(warehouse: Warehouse, options: ApiLogOptions, progress: Progress): Promise<IngestSummary> {
  const files = apiLogFiles(options.files);
  const run = await IngestRun.start(warehouse, SOURCE, options.files.join(" "));
  try {
    const plan: PlannedFile[] = [];
    for (const path of files) {
      if (await run.alreadyIngested(path)) {
        progress.note(`${path}: unchanged since it was ingested, skipped`);
        continue;
      }
      const cursor = await readCursor(warehouse, SOURCE, path);
      if (cursor) progress.note(`${path}: resuming after line ${cursor.line}, committed by an earlier run`);
      plan.push({path, startLine: (cursor?.line ?? 0) + 1, counts: cursor ? {...cursor.counts} : zeroCounts(), hasCursor: cursor !== undefined});
    }
    await loadBatches(warehouse, run, plan, options, progress);
    return await run.finish();
  } catch (error) {
    await run.fail(error);
    throw error;
  }
}

/**
 * The pipeline, with two staging slots used in turn:
 *   1. parse batch k on the warehouse connection (all DuckDB threads) while the main thread reads
 *      batch k+1 from disk;
 *   2. insert batch k with ONE DuckDB thread while the main thread appends batch k+1 into the other
 *      slot through a second connection.
 * Single-threaded inserts are deliberate: a parallel INSERT ... SELECT leaves partly filled row
 * groups that the checkpoint then compacts (vacuums), recompressing every batch after the first;
 * one thread appends full row groups that are written once (measured: 2.6 vs 4.7-7 CPU-seconds
 * per million lines for insert + checkpoint), and it frees the second core for the staging.
 */
async function loadBatches(warehouse: Warehouse, run: IngestRun, plan: PlannedFile[], options: ApiLogOptions, progress: Progress): Promise<void> {
  const stager = await warehouse.connect();
  const setting = await warehouse.one<{threads: bigint}>("SELECT current_setting('threads') AS threads");
  const threads = Number(setting?.threads ?? 1);
  try {
    await warehouse.run(`ATTACH IF NOT EXISTS ':memory:' AS ${STAGING_DB}`);
    const batches = readBatches(plan, options.batchBytes ?? 256 << 20, options.batchLines ?? 2_000_000);
    let read = 0;
    let slot = 0;
    let current = await timed("read (waiting for the file)", () => batches.next());
    if (!current.done) await timed("stage (appender)", () => stage(stager, SLOTS[slot], current.value as Batch));
    while (!current.done) {
      const batch = current.value;
      const reading = batches.next();
      reading.catch(() => undefined); // awaited below
      const duplicates = await transformBatch(warehouse, SLOTS[slot]);
      const following = await timed("read (waiting for the file)", () => reading);
      await warehouse.run("SET threads = 1");
      const committing = timed("transaction", () => inTransaction(warehouse, () => commitBatch(warehouse, run, batch, SLOTS[slot], duplicates)));
      committing.catch(() => undefined); // awaited below
      if (!following.done) await timed("stage (appender)", () => stage(stager, SLOTS[1 - slot], following.value as Batch));
      const inserted = await timed("insert (waiting after staging)", () => committing);
      await warehouse.run(`SET threads = ${threads}`);
      run.add({read: 0, loaded: 0, rejected: 0, inserted});
      read += batch.lines.length;
      progress.update(read, undefined, "lines");
      for (const segment of batch.segments) {
        if (!segment.final) continue;
        const {read: r, loaded, rejected} = segment.file.counts;
        progress.note(`${segment.file.path}: read ${r} = loaded ${loaded} + rejected ${rejected}`);
      }
      current = following;
      slot = 1 - slot;
    }
  } finally {
    stager.closeSync();
    await warehouse.run(`SET threads = ${threads}`).catch(() => undefined);
    await warehouse.run(`DROP TABLE IF EXISTS ${PARSED_TABLE}; DETACH DATABASE IF EXISTS ${STAGING_DB}`).catch(() => undefined);
  }
}

/** Warehouse.transaction, with the COMMIT timed on its own (it writes the batch's data). */
async function inTransaction<T>(warehouse: Warehouse, work: () => Promise<T>): Promise<T> {
  await warehouse.run("BEGIN TRANSACTION");
  try {
    const result = await work();
    await timed("commit", () => warehouse.run("COMMIT"));
    return result;
  } catch (error) {
    await warehouse.run("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/** Groups the planned files' lines into batches of about `batchBytes`; small files share a batch. */
async function* readBatches(plan: PlannedFile[], batchBytes: number, batchLines: number): AsyncGenerator<Batch> {
  let batch: Batch = {lines: [], bytes: 0, segments: []};
  const full = () => batch.bytes >= batchBytes || batch.lines.length >= batchLines || batch.segments.length >= MAX_SEGMENTS;
  for (const file of plan) {
    let segment: Segment = {file, start: batch.lines.length, count: 0, firstLine: file.startLine, final: false};
    batch.segments.push(segment);
    for await (const chunk of readLineChunks(file.path, file.startLine)) {
      for (let i = 0; i < chunk.lines.length; i++) {
        if (segment.count === 0) segment.firstLine = chunk.firstLine + i;
        batch.lines.push(chunk.lines[i]);
        batch.bytes += chunk.lines[i].length;
        segment.count++;
        if (full()) {
          yield batch;
          batch = {lines: [], bytes: 0, segments: []};
          segment = {file, start: 0, count: 0, firstLine: chunk.firstLine + i + 1, final: false};
          batch.segments.push(segment);
        }
      }
    }
    segment.final = true;
    if (full()) {
      yield batch;
      batch = {lines: [], bytes: 0, segments: []};
    }
  }
  if (batch.segments.length > 0) yield batch;
}

/** Appends the batch's lines, as bytes, to the slot's fresh staging table (rowid i is batch.lines[i]), on the stager connection. */
async function stage(stager: DuckDBConnection, slot: Slot, batch: Batch): Promise<void> {
  await stager.run(`CREATE OR REPLACE TABLE ${slot.stage.name} (raw BLOB, seg INTEGER)`);
  const appender = await stager.createAppender(slot.stage.table, "main", slot.stage.catalog);
  try {
    for (let s = 0; s < batch.segments.length; s++) {
      const {start, count} = batch.segments[s];
      for (let i = start; i < start + count; i++) {
        appender.appendBlob(batch.lines[i]);
        appender.appendInteger(s);
        appender.endRow();
      }
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  await stager.run(`CREATE OR REPLACE TABLE ${slot.segments.name} (seg INTEGER, file_path VARCHAR, start_row BIGINT, first_line BIGINT)`);
  const segments = await stager.createAppender(slot.segments.table, "main", slot.segments.catalog);
  try {
    batch.segments.forEach((segment, s) => {
      segments.appendInteger(s);
      segments.appendVarchar(segment.file.path);
      segments.appendBigInt(BigInt(segment.start));
      segments.appendBigInt(BigInt(segment.firstLine));
      segments.endRow();
    });
    segments.flushSync();
  } finally {
    segments.closeSync();
  }
  const check = (await stager.runAndReadAll(`SELECT count(*), max(rowid) FROM ${slot.stage.name}`)).getRows()[0];
  if (Number(check[0]) !== batch.lines.length || Number(check[1] ?? -1) !== batch.lines.length - 1) {
    throw new Error(`api-logs: staging lost line order (${check[0]} rows, last rowid ${check[1]}, expected ${batch.lines.length})`);
  }
}

/** Decodes, validates and transforms the staged batch into the temp table _api_parsed (no transaction needed). */
async function transformBatch(warehouse: Warehouse, slot: Slot): Promise<{rest: boolean; ws: boolean}> {
  await timed("parse + validate (SQL)", () => warehouse.run(slot.parse));
  await timed("deep redaction", () => redactDeepBodies(warehouse));
  const duplicates = await timed("duplicate check", () => warehouse.one<{rest: boolean; ws: boolean}>(DUPLICATE_KEYS_QUERY));
  return {rest: duplicates?.rest === true, ws: duplicates?.ws === true};
}

/** Stores one transformed batch with its rejects and file progress; returns the number of new rows. Runs inside the batch's transaction. */
async function commitBatch(
  warehouse: Warehouse,
  run: IngestRun,
  batch: Batch,
  slot: Slot,
  duplicates: {rest: boolean; ws: boolean}
): Promise<number> {
  const requests = await timed("insert api_requests", () =>
    warehouse.connection.run(slot.insertRequests[duplicates.rest ? 1 : 0])
  );
  const ws = await timed("insert ws_events", () => warehouse.connection.run(slot.insertWsEvents[duplicates.ws ? 1 : 0]));

  await timed("bookkeeping (counts, rejects, cursors)", () => bookkeeping(warehouse, run, batch));
  return requests.rowsChanged + ws.rowsChanged;
}

async function bookkeeping(warehouse: Warehouse, run: IngestRun, batch: Batch): Promise<void> {
  const perSegment = new Map<number, Counts>();
  for (const row of await warehouse.all<{seg: number; read: bigint; loaded: bigint; rejected: bigint}>(COUNTS_QUERY)) {
    perSegment.set(row.seg, {read: Number(row.read), loaded: Number(row.loaded), rejected: Number(row.rejected), inserted: 0});
  }
  const rejectRows = await warehouse.all<{row: bigint; seg: number; line: bigint; reason: string}>(REJECTS_QUERY);
  if (rejectRows.length > 0) {
    const rejects: PendingReject[] = rejectRows.map(({row, seg, line, reason}) => {
      const raw = batch.lines[Number(row)].toString("utf-8");
      return {location: `${batch.segments[seg].file.path}:${line}`, reason: reason === "invalid_json" ? describeInvalidJson(raw) : reason, raw};
    });
    await timed("rejects", () => writeRejects(run, rejects));
  }
  for (let s = 0; s < batch.segments.length; s++) {
    const segment = batch.segments[s];
    addCounts(segment.file.counts, perSegment.get(s) ?? zeroCounts());
    if (segment.final) {
      await run.fileDone(segment.file.path, {...segment.file.counts, inserted: 0});
      if (segment.file.hasCursor) await clearCursor(warehouse, SOURCE, segment.file.path);
    } else {
      await writeCursor(warehouse, SOURCE, segment.file.path, segment.firstLine + segment.count - 1, segment.file.counts);
      segment.file.hasCursor = true;
    }
  }
}

/** `invalid_json: <what JSON.parse says>`, e.g. "Unexpected end of JSON input". */
export function describeInvalidJson(raw: string): string {
  try {
    JSON.parse(raw);
    return "invalid_json: DuckDB could not parse the line";
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return `invalid_json: ${message.replace(/\s+/g, " ").slice(0, 200)}`;
  }
}

/** The rare kept request body whose secret field holds an object or array: redact it structurally. */
async function redactDeepBodies(warehouse: Warehouse): Promise<void> {
  const rows = await warehouse.all<{row: bigint; request_body: string}>(DEEP_REDACTION_QUERY);
  for (const {row, request_body} of rows) {
    let redacted: string;
    try {
      redacted = JSON.stringify(redactValue(JSON.parse(request_body)));
    } catch {
      redacted = JSON.stringify("[REDACTED: request body could not be re-parsed for redaction]");
    }
    await warehouse.run(`UPDATE ${PARSED_TABLE} SET request_body = $2 WHERE "row" = $1`, [row, redacted]);
  }
}
