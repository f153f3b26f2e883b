/**
 * `workbench ingest intercom`: support conversations into `tickets` and `ticket_parts`, from files
 * (JSON, JSON lines, search-result pages, Airbyte records, the CSV export; see README.md) and/or
 * incrementally from the Intercom REST API. Each file (or API page) is one transaction recorded
 * for resume; every record read is loaded or quarantined; categories are assigned at the end.
 */
import {existsSync, statSync} from "node:fs";
import {resolve} from "node:path";
import {UsageError} from "../errors.ts";
import {expandInputs} from "../input/files.ts";
import type {Progress} from "../progress.ts";
import {recategorize} from "../taxonomy.ts";
import type {Warehouse} from "../warehouse/connection.ts";
import {IngestRun, zeroCounts, type IngestSummary} from "../warehouse/ingest-run.ts";
import {normaliseBase, syncApi} from "./api.ts";
import {readRecords, type InputRecord} from "./read.ts";
import {TicketStore} from "./store.ts";

export {IntercomApiError, INTERCOM_VERSION} from "./api.ts";

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
}

/** Files a directory or glob contributes (a file named explicitly is always read). */
const INPUT_FILE = /\.(json|jsonl|ndjson|csv|txt)(\.gz)?$/i;

export async function ingestIntercom(warehouse: Warehouse, options: IntercomOptions, progress: Progress): Promise<IngestSummary> {
  const inputs = options.files ?? [];
  if (inputs.length === 0 && !options.api) throw new UsageError("ingest intercom needs --file PATH or --api URL");
  const named = new Set(inputs.map((input) => resolve(input)).filter((path) => existsSync(path) && statSync(path).isFile()));
  const files = inputs.length ? expandInputs(inputs, (path) => named.has(path) || INPUT_FILE.test(path)) : [];
  const label = [...inputs, ...(options.api ? [normaliseBase(options.api)] : [])].join(" ");
  const run = await IngestRun.start(warehouse, SOURCE, label);
  const store = await TicketStore.create(warehouse);
  try {
    for (const file of files) await ingestFile(run, store, file, progress);
    if (options.api) await syncApi(run, store, {...options, api: options.api}, progress);
    const changed = await recategorize(warehouse, {runId: run.runId});
    return await run.finish(changed ? `categorised ${changed} ticket(s)` : undefined);
  } catch (error) {
    await run.fail(error).catch(() => undefined);
    throw error;
  } finally {
    await store.dispose().catch(() => undefined);
  }
}

async function ingestFile(run: IngestRun, store: TicketStore, path: string, progress: Progress): Promise<void> {
  if (await run.alreadyIngested(path)) {
    progress.note(`unchanged since it was ingested, skipped: ${path}`);
    return;
  }
  const counts = zeroCounts();
  const rejects: InputRecord[] = [];
  await store.begin();
  try {
    for await (const record of readRecords(path)) {
      counts.read++;
      if (record.error || !record.mapped) {
        counts.rejected++;
        rejects.push(record);
      } else {
        counts.loaded++;
        store.add(counts.read, record.mapped.ticket, record.mapped.parts);
      }
      if (counts.read % 10_000 === 0) progress.update(counts.read, undefined, "records");
    }
  } finally {
    store.close();
  }
  await run.warehouse.transaction(async () => {
    for (const record of rejects) {
      await run.reject(record.location, `${record.error!.code}: ${record.error!.detail}`, record.raw());
    }
    counts.inserted = await store.merge(run.runId);
    await run.fileDone(path, counts);
  });
  progress.note(`${path}: read ${counts.read} = loaded ${counts.loaded} + rejected ${counts.rejected} (new tickets ${counts.inserted})`);
}
