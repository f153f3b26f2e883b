/**
 * `workbench ingest api-logs`: CLOB gateway REST access logs and WebSocket session logs (NDJSON,
 * optionally gzip) into `api_requests` and `ws_events`.
 *
 * Division of labour, for speed: JS only splits files into lines (bytes, never decoded) and appends
 * them to a staging table in an in-memory database; DuckDB decodes, validates and transforms all
 * lines of a batch at once, in parallel (transform.ts), and the result is appended to the warehouse
 * tables (see loadBatches for the pipelining). A batch holds about 256 MiB of text: part of one large file, or several
 * small files whole. Each batch commits in one transaction with its rejects and, per file, either
 * the file's completion (ingest_files) or a line cursor (sync_state) when the file continues in the
 * next batch, so a crash resumes after the last committed batch and no file is ever half-loaded
 * without a cursor saying so. Natural keys (request_id; session_id + seq) make re-runs and
 * overlapping inputs insert nothing twice.
 */
import type {DuckDBConnection} from "@duckdb/node-api";
import {expandInputs} from "../input/files.ts";
import {unreadable, type Unreadable} from "../input/lines.ts";
import type {Progress} from "../progress.ts";
import {redactValue} from "../redact.ts";
import type {Warehouse} from "../warehouse/connection.ts";
import {IngestRun, zeroCounts, type Counts, type IngestSummary} from "../warehouse/ingest-run.ts";
import {readLineChunks} from "./byte-lines.ts";
import {addCounts, clearCursor, readCursor, writeCursor} from "./cursor.ts";
import {writeRejects, type PendingReject} from "./rejects.ts";
import {SLOTS, STAGING_DB, type Slot} from "./transform.ts";

export const SOURCE = "api-logs";

export interface ApiLogOptions {
  files: string[];
  /**
   * Text per committed batch (default 128 MiB). Two batches are in flight at once (one parsed while
   * the other is inserted): on the large demo 256 MiB peaked at 4.25 GB RSS, 128 MiB at 2.95 GB for
   * about 14% more CPU (docs/performance.md).
   */
  batchBytes?: number;
  /** Lines per committed batch (default 1,000,000). */
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
  /** The file stopped decoding after this segment's lines (truncated gzip): quarantined as one record. */
  unreadable?: Unreadable;
}

interface Batch {
  lines: Buffer[];
  bytes: number;
  segments: Segment[];
}

export async function ingestApiLogs(warehouse: Warehouse, options: ApiLogOptions, progress: Progress): Promise<IngestSummary> {
  const files = expandInputs(options.files, (path) => LOG_NAME.test(path));
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
 * The pipeline, three connections and two slots (staging + parsed tables) used in turn. For batch k:
 *   phase 1: insert batch k with ONE DuckDB thread (warehouse connection, transaction open) while
 *            the main thread reads batch k+1 and appends it to the other slot (stager connection);
 *   phase 2: commit batch k (single-threaded in DuckDB) while batch k+1 is parsed on the parser
 *            connection with all DuckDB threads.
 * Single-threaded inserts are deliberate: a parallel INSERT ... SELECT leaves partly filled row
 * groups that the checkpoint then compacts (vacuums), recompressing every batch after the first;
 * one thread appends full row groups that are written once (measured: 2.6 vs 4.7-7 CPU-seconds
 * per million lines for insert + checkpoint). `threads` is a global DuckDB setting, hence the phases.
 */
async function loadBatches(warehouse: Warehouse, run: IngestRun, plan: PlannedFile[], options: ApiLogOptions, progress: Progress): Promise<void> {
  const setting = await warehouse.one<{threads: bigint}>("SELECT current_setting('threads') AS threads");
  const threads = Number(setting?.threads ?? 1);
  const stager = await warehouse.connect();
  const parser = await warehouse.connect();
  let parsing: Promise<Duplicates> | undefined;
  try {
    await warehouse.run(`ATTACH IF NOT EXISTS ':memory:' AS ${STAGING_DB}`);
    const batches = readBatches(plan, options.batchBytes ?? 128 << 20, options.batchLines ?? 1_000_000);
    let read = 0;
    let slot = 0;
    let current = await timed("read (waiting for the file)", () => batches.next());
    if (current.done) return;
    await timed("stage (appender)", () => stage(stager, SLOTS[slot], current.value as Batch));
    parsing = parse(parser, SLOTS[slot]);
    while (!current.done) {
      const batch = current.value;
      const duplicates = await timed("parse (waiting)", () => parsing!);
      parsing = undefined;

      // phase 1: insert k on one thread | read and stage k+1
      await warehouse.run("SET threads = 1");
      await warehouse.run("BEGIN TRANSACTION");
      let open = true;
      try {
        const inserting = timed("insert + bookkeeping", () => insertBatch(warehouse, run, batch, SLOTS[slot], duplicates));
        inserting.catch(() => undefined); // awaited below
        const following = await timed("read (waiting for the file)", () => batches.next());
        if (!following.done) await timed("stage (appender)", () => stage(stager, SLOTS[1 - slot], following.value as Batch));
        const inserted = await timed("insert (waiting after staging)", () => inserting);

        // phase 2: commit k | parse k+1 on all threads
        await warehouse.run(`SET threads = ${threads}`);
        if (!following.done) {
          parsing = parse(parser, SLOTS[1 - slot]);
          parsing.catch(() => undefined); // awaited on the next turn
        }
        await timed("commit", () => warehouse.run("COMMIT"));
        open = false;
        run.add({read: 0, loaded: 0, rejected: 0, inserted});
        current = following;
      } finally {
        if (open) await warehouse.run("ROLLBACK").catch(() => undefined);
      }
      read += batch.lines.length;
      progress.update(read, undefined, "lines");
      for (const segment of batch.segments) {
        if (!segment.final) continue;
        const {read: r, loaded, rejected} = segment.file.counts;
        progress.note(`${segment.file.path}: read ${r} = loaded ${loaded} + rejected ${rejected}`);
      }
      slot = 1 - slot;
    }
  } finally {
    await parsing?.catch(() => undefined); // never leave the parser running on a closed connection
    stager.closeSync();
    parser.closeSync();
    await warehouse.run(`SET threads = ${threads}`).catch(() => undefined);
    await warehouse.run(`DETACH DATABASE IF EXISTS ${STAGING_DB}`).catch(() => undefined);
  }
}

type Duplicates = {rest: boolean; ws: boolean};

/** Groups the planned files' lines into batches of about `batchBytes`; small files share a batch. */
async function* readBatches(plan: PlannedFile[], batchBytes: number, batchLines: number): AsyncGenerator<Batch> {
  let batch: Batch = {lines: [], bytes: 0, segments: []};
  const full = () => batch.bytes >= batchBytes || batch.lines.length >= batchLines || batch.segments.length >= MAX_SEGMENTS;
  for (const file of plan) {
    let segment: Segment = {file, start: batch.lines.length, count: 0, firstLine: file.startLine, final: false};
    batch.segments.push(segment);
    try {
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
    } catch (error) {
      // Keep the lines read so far; the rest of the file is one quarantined record (as Intercom does).
      segment.unreadable = unreadable(file.path, error);
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

/**
 * On the parser connection: decodes, validates and transforms the slot's staged lines into its
 * parsed table, then frees the staging table. Returns whether the batch repeats a natural key.
 */
async function parse(parser: DuckDBConnection, slot: Slot): Promise<Duplicates> {
  await timed("parse + validate (SQL)", () => parser.run(slot.parse));
  await timed("deep redaction", () => redactDeepBodies(parser, slot));
  const row = (await timed("duplicate check", () => parser.runAndReadAll(slot.duplicateKeys))).getRowObjects()[0];
  await parser.run(`DROP TABLE ${slot.stage.name}`);
  return {rest: row?.rest === true, ws: row?.ws === true};
}

/** Inserts one parsed batch, its rejects and file progress; returns the new rows. Runs inside the batch's transaction. */
async function insertBatch(warehouse: Warehouse, run: IngestRun, batch: Batch, slot: Slot, duplicates: Duplicates): Promise<number> {
  const requests = await timed("insert api_requests", () => warehouse.connection.run(slot.insertRequests[duplicates.rest ? 1 : 0]));
  const ws = await timed("insert ws_events", () => warehouse.connection.run(slot.insertWsEvents[duplicates.ws ? 1 : 0]));
  await timed("bookkeeping (counts, rejects, cursors)", () => bookkeeping(warehouse, run, batch, slot));
  return requests.rowsChanged + ws.rowsChanged;
}

async function bookkeeping(warehouse: Warehouse, run: IngestRun, batch: Batch, slot: Slot): Promise<void> {
  const perSegment = new Map<number, Counts>();
  for (const row of await warehouse.all<{seg: number; read: bigint; loaded: bigint; rejected: bigint}>(slot.counts)) {
    perSegment.set(row.seg, {read: Number(row.read), loaded: Number(row.loaded), rejected: Number(row.rejected), inserted: 0});
  }
  const rejectRows = await warehouse.all<{row: bigint; seg: number; line: bigint; reason: string}>(slot.rejects);
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
    if (segment.unreadable) {
      await run.reject(segment.unreadable.location, segment.unreadable.reason, "");
      addCounts(segment.file.counts, {read: 1, loaded: 0, rejected: 1, inserted: 0});
    }
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
async function redactDeepBodies(parser: DuckDBConnection, slot: Slot): Promise<void> {
  const rows = (await parser.runAndReadAll(slot.deepRedaction)).getRowObjectsJS() as {row: bigint; request_body: string}[];
  for (const {row, request_body} of rows) {
    let redacted: string;
    try {
      redacted = JSON.stringify(redactValue(JSON.parse(request_body)));
    } catch {
      redacted = JSON.stringify("[REDACTED: request body could not be re-parsed for redaction]");
    }
    await parser.run(`UPDATE ${slot.parsed.name} SET request_body = $2 WHERE "row" = $1`, [row, redacted]);
  }
}
