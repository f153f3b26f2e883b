/**
 * `workbench ingest fix`: FIX message logs (one message per line, SOH or `|` separated, optional
 * logger timestamp prefix; plain or gzip) into `fix_messages`.
 *
 * Lines are parsed in JS (parse.ts: framing checks, decoding, redaction of 554/96), appended to a
 * temp table and merged with one INSERT per batch; the natural key (session, direction, seq_num,
 * sending_time) makes re-runs insert nothing twice. Each batch commits with its rejects and a line
 * cursor; the file is recorded as done once its last batch is in.
 */
import {DuckDBTimestampTZValue, type DuckDBAppender} from "@duckdb/node-api";
import {addCounts, clearCursor, readCursor, writeCursor} from "../api-logs/cursor.ts";
import {writeRejects, type PendingReject} from "../api-logs/rejects.ts";
import {expandInputs} from "../input/files.ts";
import {readLines, unreadable, type Line} from "../input/lines.ts";
import type {Progress} from "../progress.ts";
import {redactText} from "../redact.ts";
import type {Warehouse} from "../warehouse/connection.ts";
import {IngestRun, zeroCounts, type Counts, type IngestSummary} from "../warehouse/ingest-run.ts";
import {parseFixLine, SOH, type FixMessage} from "./parse.ts";

export const SOURCE = "fix";
const STAGE = "_fix_stage";
const LOG_NAME = /\.(log|fix|txt|messages)(\.gz)?$|\.gz$/i;

type Column = readonly [name: string, type: string, append: (appender: DuckDBAppender, message: FixMessage) => void];

const varchar =
  (get: (message: FixMessage) => string | null) =>
  (appender: DuckDBAppender, message: FixMessage) => {
    const value = get(message);
    if (value === null) appender.appendNull();
    else appender.appendVarchar(value);
  };
const double =
  (get: (message: FixMessage) => number | null) =>
  (appender: DuckDBAppender, message: FixMessage) => {
    const value = get(message);
    if (value === null) appender.appendNull();
    else appender.appendDouble(value);
  };
const integer =
  (get: (message: FixMessage) => number | null) =>
  (appender: DuckDBAppender, message: FixMessage) => {
    const value = get(message);
    if (value === null || value > 2147483647 || value < -2147483648) appender.appendNull();
    else appender.appendInteger(value);
  };
const bigint =
  (get: (message: FixMessage) => number | null) =>
  (appender: DuckDBAppender, message: FixMessage) => {
    const value = get(message);
    if (value === null) appender.appendNull();
    else appender.appendBigInt(BigInt(value));
  };
const boolean =
  (get: (message: FixMessage) => boolean | null) =>
  (appender: DuckDBAppender, message: FixMessage) => {
    const value = get(message);
    if (value === null) appender.appendNull();
    else appender.appendBoolean(value);
  };
const timestamp =
  (get: (message: FixMessage) => bigint | null) =>
  (appender: DuckDBAppender, message: FixMessage) => {
    const value = get(message);
    if (value === null) appender.appendNull();
    else appender.appendTimestampTZ(new DuckDBTimestampTZValue(value));
  };

/** fix_messages columns, in staging order (source_file and source_line are added by the merge). */
const COLUMNS: readonly Column[] = [
  ["session_id", "VARCHAR", varchar((m) => m.session_id)],
  ["direction", "VARCHAR", varchar((m) => m.direction)],
  ["seq_num", "BIGINT", bigint((m) => m.seq_num)],
  ["sending_time", "TIMESTAMPTZ", timestamp((m) => m.sending_time_us)],
  ["logged_at", "TIMESTAMPTZ", timestamp((m) => m.logged_at_us)],
  ["msg_type", "VARCHAR", varchar((m) => m.msg_type)],
  ["msg_type_name", "VARCHAR", varchar((m) => m.msg_type_name)],
  ["poss_dup", "BOOLEAN", boolean((m) => m.poss_dup)],
  ["sender_comp_id", "VARCHAR", varchar((m) => m.sender_comp_id)],
  ["target_comp_id", "VARCHAR", varchar((m) => m.target_comp_id)],
  ["username", "VARCHAR", varchar((m) => m.username)],
  ["reset_seq_num", "BOOLEAN", boolean((m) => m.reset_seq_num)],
  ["heart_bt_int", "INTEGER", integer((m) => m.heart_bt_int)],
  ["test_req_id", "VARCHAR", varchar((m) => m.test_req_id)],
  ["cl_ord_id", "VARCHAR", varchar((m) => m.cl_ord_id)],
  ["orig_cl_ord_id", "VARCHAR", varchar((m) => m.orig_cl_ord_id)],
  ["order_id", "VARCHAR", varchar((m) => m.order_id)],
  ["exec_id", "VARCHAR", varchar((m) => m.exec_id)],
  ["symbol", "VARCHAR", varchar((m) => m.symbol)],
  ["side", "VARCHAR", varchar((m) => m.side)],
  ["order_qty", "DOUBLE", double((m) => m.order_qty)],
  ["ord_type", "VARCHAR", varchar((m) => m.ord_type)],
  ["price", "DOUBLE", double((m) => m.price)],
  ["time_in_force", "VARCHAR", varchar((m) => m.time_in_force)],
  ["ord_status", "VARCHAR", varchar((m) => m.ord_status)],
  ["exec_type", "VARCHAR", varchar((m) => m.exec_type)],
  ["cum_qty", "DOUBLE", double((m) => m.cum_qty)],
  ["leaves_qty", "DOUBLE", double((m) => m.leaves_qty)],
  ["last_px", "DOUBLE", double((m) => m.last_px)],
  ["last_qty", "DOUBLE", double((m) => m.last_qty)],
  ["ord_rej_reason", "VARCHAR", varchar((m) => m.ord_rej_reason)],
  ["cxl_rej_reason", "VARCHAR", varchar((m) => m.cxl_rej_reason)],
  ["text", "VARCHAR", varchar((m) => (m.text === null ? null : redactText(m.text)))],
  ["ref_seq_num", "BIGINT", bigint((m) => m.ref_seq_num)],
  ["ref_msg_type", "VARCHAR", varchar((m) => m.ref_msg_type)],
  ["session_reject_reason", "VARCHAR", varchar((m) => m.session_reject_reason)],
  ["business_reject_reason", "VARCHAR", varchar((m) => m.business_reject_reason)],
  ["begin_seq_no", "BIGINT", bigint((m) => m.begin_seq_no)],
  ["end_seq_no", "BIGINT", bigint((m) => m.end_seq_no)],
  ["new_seq_no", "BIGINT", bigint((m) => m.new_seq_no)],
  ["gap_fill", "BOOLEAN", boolean((m) => m.gap_fill)],
  ["raw", "VARCHAR", varchar((m) => redactText(m.raw))]
];
const NAMES = COLUMNS.map(([name]) => name);

export interface FixOptions {
  files: string[];
  /** Lines per committed batch (default 200,000). */
  batchLines?: number;
}

export async function ingestFix(warehouse: Warehouse, options: FixOptions, progress: Progress): Promise<IngestSummary> {
  const files = expandInputs(options.files, (path) => LOG_NAME.test(path));
  const run = await IngestRun.start(warehouse, SOURCE, options.files.join(" "));
  let lines = 0;
  try {
    for (const file of files) {
      if (await run.alreadyIngested(file)) {
        progress.note(`${file}: unchanged since it was ingested, skipped`);
        continue;
      }
      const counts = await ingestFile(warehouse, run, file, options.batchLines ?? 200_000, (done) =>
        progress.update(lines + done, undefined, "messages")
      );
      lines += counts.read;
      progress.note(`${file}: read ${counts.read} = loaded ${counts.loaded} + rejected ${counts.rejected} (new rows ${counts.inserted})`);
    }
    return await run.finish();
  } catch (error) {
    await run.fail(error);
    throw error;
  } finally {
    await warehouse.run(`DROP TABLE IF EXISTS ${STAGE}`).catch(() => undefined);
  }
}

interface Batch {
  messages: {line: number; message: FixMessage}[];
  rejects: PendingReject[];
  read: number;
  lastLine: number;
}

async function ingestFile(
  warehouse: Warehouse,
  run: IngestRun,
  file: string,
  batchLines: number,
  onProgress: (read: number) => void
): Promise<Counts> {
  const cursor = await readCursor(warehouse, SOURCE, file);
  const counts = cursor ? {...cursor.counts} : zeroCounts();
  const startLine = (cursor?.line ?? 0) + 1;
  let batch: Batch = {messages: [], rejects: [], read: 0, lastLine: 0};
  let hasCursor = cursor !== undefined;
  /** Commits the pending batch; the file's last batch also records the file as done. */
  const commit = async (final: boolean) => {
    const current = batch;
    batch = {messages: [], rejects: [], read: 0, lastLine: 0};
    await warehouse.transaction(async () => {
      const inserted = await store(warehouse, file, current.messages);
      await writeRejects(run, current.rejects);
      addCounts(counts, {read: current.read, loaded: current.messages.length, rejected: current.rejects.length, inserted: 0});
      run.add({read: 0, loaded: 0, rejected: 0, inserted});
      if (final) {
        await run.fileDone(file, counts);
        if (hasCursor) await clearCursor(warehouse, SOURCE, file);
      } else {
        await writeCursor(warehouse, SOURCE, file, current.lastLine, counts);
        hasCursor = true;
      }
    });
    onProgress(counts.read);
  };
  const lines = readLines(file);
  for (;;) {
    let next: IteratorResult<Line>;
    try {
      next = await lines.next();
    } catch (error) {
      // Keep the lines read so far; the rest of the file is one quarantined record (as Intercom does).
      const {location, reason} = unreadable(file, error);
      batch.read++;
      batch.rejects.push({location, reason, raw: ""});
      break;
    }
    if (next.done) break;
    const {line, text} = next.value;
    if (line < startLine) continue;
    batch.lastLine = line;
    const result = parseFixLine(text);
    if ("blank" in result) continue;
    batch.read++;
    // the quarantine shows SOH as | so the fields can be read; the reason holds the SOH-form numbers
    if ("reason" in result) batch.rejects.push({location: `${file}:${line}`, reason: result.reason, raw: text.replaceAll(SOH, "|")});
    else batch.messages.push({line, message: result.message});
    if (batch.read >= batchLines) await commit(false);
  }
  await commit(true);
  return counts;
}

/** Appends the batch to the staging table and merges it; returns the rows that were new. */
async function store(warehouse: Warehouse, file: string, messages: Batch["messages"]): Promise<number> {
  if (messages.length === 0) return 0;
  await warehouse.run(
    `CREATE OR REPLACE TEMP TABLE ${STAGE} (${COLUMNS.map(([name, type]) => `${name} ${type}`).join(", ")}, source_line BIGINT)`
  );
  const appender = await warehouse.connection.createAppender(STAGE);
  try {
    for (const {line, message} of messages) {
      for (const [, , append] of COLUMNS) append(appender, message);
      appender.appendBigInt(BigInt(line));
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  const result = await warehouse.connection.run(
    `INSERT INTO fix_messages (${NAMES.join(", ")}, source_file, source_line)
     SELECT ${NAMES.join(", ")}, $1, source_line FROM ${STAGE}
     ON CONFLICT DO NOTHING`,
    [file]
  );
  return result.rowsChanged;
}
