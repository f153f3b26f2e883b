/**
 * `workbench ingest intercom`: support conversations into `tickets` and `ticket_parts`, from files
 * (JSON, JSON lines, search-result pages, Airbyte records, the CSV export; see README.md) and/or
 * incrementally from the Intercom REST API. Each file (or API page) is one transaction recorded
 * for resume; every record read is loaded or quarantined; categories are assigned at the end.
 */
import {statSync} from "node:fs";
import {UsageError} from "../errors.ts";
import {expandInputs} from "../input/files.ts";
import {readLines} from "../input/lines.ts";
import type {Progress} from "../progress.ts";
import {recategorize} from "../taxonomy.ts";
import type {Warehouse} from "../warehouse/connection.ts";
import {IngestRun, zeroCounts, type Counts, type IngestSummary} from "../warehouse/ingest-run.ts";
import {normaliseBase, syncApi} from "./api.ts";
import type {LineBatch, StagedBatch} from "./batch.ts";
import {detectFormat, readRecords, unreadable, type Format} from "./read.ts";
import {TicketStore} from "./store.ts";
import {parsing, ParsePool} from "./workers.ts";

export {IntercomApiError, INTERCOM_VERSION} from "./api.ts";
export {parsing} from "./workers.ts";

export const SOURCE = "intercom";

export interface IntercomOptions {
  files?: string[];
  /** API base URL, e.g. https://api.intercom.io */
  api?: string;
  token?: string;
  /** Search page size (max and default 150). */
  perPage?: number;
  /** test hooks */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Per-request timeout for the API (ms, default 30 s). */
  requestTimeoutMs?: number;
}

/** Files a directory or glob contributes (expandInputs always reads a file named explicitly). */
const INPUT_FILE = /\.(json|jsonl|ndjson|csv|txt)(\.gz)?$/i;

export async function ingestIntercom(warehouse: Warehouse, options: IntercomOptions, progress: Progress): Promise<IngestSummary> {
  const inputs = options.files ?? [];
  if (inputs.length === 0 && !options.api) throw new UsageError("ingest intercom needs --file PATH or --api URL");
  const files = inputs.length ? expandInputs(inputs, (path) => INPUT_FILE.test(path)) : [];
  const label = [...inputs, ...(options.api ? [normaliseBase(options.api)] : [])].join(" ");
  const run = await IngestRun.start(warehouse, SOURCE, label);
  let store: TicketStore | undefined;
  try {
    store = await TicketStore.create(warehouse);
    for (const file of files) await ingestFile(run, store, file, progress);
    const notes = options.api ? await syncApi(run, store, {...options, api: options.api}, progress) : [];
    const changed = await recategorize(warehouse, {runId: run.runId});
    if (changed) notes.push(`categorised ${changed} ticket(s)`);
    return await run.finish(notes.length ? notes.join("; ") : undefined);
  } catch (error) {
    await run.fail(error).catch(() => undefined);
    throw error;
  } finally {
    await store?.dispose().catch(() => undefined);
  }
}

/** Records staged before their rows are merged; the next chunk is parsed while DuckDB merges this one. */
const CHUNK_RECORDS = 20_000;
/** Characters of JSON lines per parse batch. */
const BATCH_CHARS = 1 << 20;

interface Reject {
  location: string;
  seq: number;
  reason: string;
  raw: string;
}

async function ingestFile(run: IngestRun, store: TicketStore, path: string, progress: Progress): Promise<void> {
  if (await run.alreadyIngested(path)) {
    progress.note(`unchanged since it was ingested, skipped: ${path}`);
    return;
  }
  const counts = zeroCounts();
  const rejects: Reject[] = [];
  let format: Format | undefined;
  try {
    format = await detectFormat(path);
  } catch {
    // readRecords turns the same failure into one unreadable_file reject
  }
  await run.warehouse.transaction(async () => {
    let merging: Promise<number> | undefined;
    const staged = async () => {
      if (store.pending < CHUNK_RECORDS) return;
      if (merging) counts.inserted += await merging;
      merging = store.merge(run.runId);
      merging.catch(() => undefined); // awaited before the next merge; a failure must not count as unhandled meanwhile
      progress.update(counts.read, undefined, "records");
    };
    try {
      if (format === "jsonl") await stageJsonLines(path, store, counts, rejects, staged, progress);
      else {
        for await (const record of readRecords(path, format)) {
          counts.read++;
          if (record.error || !record.mapped) {
            counts.rejected++;
            const error = record.error ?? {code: "invalid_type", detail: "not a conversation"};
            rejects.push({location: record.location, seq: record.seq, reason: `${error.code}: ${error.detail}`, raw: record.raw()});
          } else {
            counts.loaded++;
            store.add(record.seq, record.mapped.ticket, record.mapped.parts);
          }
          await staged();
        }
      }
    } finally {
      // never leave a merge running on the connection when the transaction ends
      if (merging) counts.inserted += await merging;
    }
    counts.inserted += await store.merge(run.runId);
    rejects.sort((a, b) => a.seq - b.seq);
    for (const reject of rejects) await run.reject(reject.location, reject.reason, reject.raw);
    await run.fileDone(path, counts);
  });
  progress.note(`${path}: read ${counts.read} = loaded ${counts.loaded} + rejected ${counts.rejected} (new tickets ${counts.inserted})`);
}

/** JSON lines in batches, parsed on worker threads for large files; results are applied in file order. */
async function stageJsonLines(
  path: string,
  store: TicketStore,
  counts: Counts,
  rejects: Reject[],
  staged: () => Promise<void>,
  progress: Progress
): Promise<void> {
  const pool = new ParsePool(statSync(path).size >= parsing.minBytes ? parsing.workers : 0);
  pool.onFallback = (error) => progress.note(`parse workers unavailable (${error.message}); parsing on the main thread`);
  const inflight: Promise<StagedBatch>[] = [];
  const send = (batch: LineBatch) => {
    const result = pool.run(batch);
    result.catch(() => undefined); // awaited in order below; a rejection must not count as unhandled meanwhile
    inflight.push(result);
  };
  const apply = async (result: StagedBatch) => {
    counts.read += result.read;
    counts.loaded += result.loaded;
    counts.rejected += result.rejects.length;
    for (const reject of result.rejects) rejects.push({location: reject.location, seq: reject.seq, reason: `${reject.code}: ${reject.detail}`, raw: reject.raw});
    store.addRows(result);
    await staged();
  };
  try {
    let batch: LineBatch = {path, lines: [], texts: []};
    let chars = 0;
    const lines = readLines(path);
    for (;;) {
      let next: IteratorResult<{line: number; text: string}>;
      try {
        next = await lines.next();
      } catch (error) {
        // The file stopped decoding part-way (truncated gzip): keep what came before, quarantine the rest as one record.
        const record = unreadable(path, error);
        counts.read++;
        counts.rejected++;
        rejects.push({location: record.location, seq: record.seq, reason: `${record.error!.code}: ${record.error!.detail}`, raw: ""});
        break;
      }
      if (next.done) break;
      const {line, text} = next.value;
      if (text.length === 0) continue;
      batch.lines.push(line);
      batch.texts.push(text);
      chars += text.length;
      if (chars < BATCH_CHARS) continue;
      send(batch);
      batch = {path, lines: [], texts: []};
      chars = 0;
      while (inflight.length > Math.max(1, pool.size * 2)) await apply(await inflight.shift()!);
    }
    if (batch.lines.length) send(batch);
    while (inflight.length) await apply(await inflight.shift()!);
  } finally {
    await Promise.allSettled(inflight);
    await pool.close();
  }
}
