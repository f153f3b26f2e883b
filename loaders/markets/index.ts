/**
 * `workbench ingest markets (--file PATH... | --api BASE_URL)`: Gamma API markets (docs/markets.md)
 * into `markets`, `market_tokens` and `gamma_events`.
 *
 * Files: each is read whole and committed in one transaction (skipped when unchanged since it was
 * ingested); a malformed market is quarantined at `file:line (item N)`.
 * API: pages of `limit` markets, newest `updatedAt` first, each page committed with its rows.
 * Incremental: the sync stops at the first market not newer than the high-water mark of the last
 * successful sync (`sync_state` source "markets", key `updated_at <base>`), which advances only when
 * a sync finishes. A malformed market is quarantined at `GET <url> item N` (page and offset).
 */
import {resolve} from "node:path";
import {UsageError} from "../errors.ts";
import {expandInputs} from "../input/files.ts";
import {readText} from "../input/lines.ts";
import {silentProgress, type Progress} from "../progress.ts";
import type {Warehouse} from "../warehouse/connection.ts";
import {IngestRun, zeroCounts, type Counts, type IngestSummary} from "../warehouse/ingest-run.ts";
import {DEFAULT_PAGE_SIZE, GammaClient, type GammaClientOptions} from "./api.ts";
import {MarketRecordError, parseGammaMarket} from "./gamma.ts";
import {fileItems} from "./read.ts";
import {storeMarket, type MarketSource} from "./store.ts";

export const SOURCE = "markets";

export interface MarketsIngestOptions extends GammaClientOptions {
  files?: string[];
  api?: string;
  /** Markets per API page (default 100). */
  pageSize?: number;
}

export async function ingestMarkets(warehouse: Warehouse, options: MarketsIngestOptions, progress: Progress = silentProgress): Promise<IngestSummary> {
  if (!options.files?.length && !options.api) throw new UsageError("ingest markets needs --file PATH or --api BASE_URL");
  const files = options.files?.length ? expandInputs(options.files, (path) => /\.jsonl?$/.test(path)) : [];
  const run = await IngestRun.start(warehouse, SOURCE, [...(options.files ?? []), ...(options.api ? [options.api] : [])].join(" "));
  try {
    for (const file of files) await ingestFile(run, file, progress);
    let note: string | undefined;
    if (options.api) note = await syncApi(run, new GammaClient(options.api, progress, options), options.pageSize ?? DEFAULT_PAGE_SIZE, progress);
    return await run.finish(note);
  } catch (error) {
    await run.fail(error);
    throw error;
  }
}

/** Parses and stores one market; a malformed one goes to the quarantine. */
async function loadItem(run: IngestRun, text: string, location: string, source: MarketSource, counts: Counts): Promise<string | null> {
  counts.read++;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    await run.reject(location, `invalid_json: ${error instanceof Error ? error.message : String(error)}`, text);
    counts.rejected++;
    return null;
  }
  try {
    const parsed = parseGammaMarket(raw);
    if (await storeMarket(run.warehouse, parsed, source, run.runId)) counts.inserted++;
    counts.loaded++;
    return parsed.market.updatedAt;
  } catch (error) {
    if (!(error instanceof MarketRecordError)) throw error;
    await run.reject(location, error.reason, text);
    counts.rejected++;
    return null;
  }
}

async function ingestFile(run: IngestRun, file: string, progress: Progress): Promise<void> {
  const path = resolve(file);
  if (await run.alreadyIngested(path)) return;
  const items = fileItems(await readText(path));
  const counts = zeroCounts();
  await run.warehouse.transaction(async () => {
    for (const item of items) await loadItem(run, item.text, `${path}:${item.line} (item ${item.item})`, "gamma-file", counts);
    await run.fileDone(path, counts);
  });
  progress.note(`${path}: ${counts.loaded} markets loaded, ${counts.rejected} rejected`);
}

const markKey = (base: string) => `updated_at ${base}`;

/** Pages newest-first until a page reaches the last sync's mark or the end; returns a note for the run. */
async function syncApi(run: IngestRun, client: GammaClient, pageSize: number, progress: Progress): Promise<string> {
  const warehouse = run.warehouse;
  const mark = (await warehouse.one<{value: string}>("SELECT value FROM sync_state WHERE source = $1 AND key = $2", [SOURCE, markKey(client.base)]))?.value;
  const markMs = mark ? Date.parse(mark) : -Infinity;
  let newest = mark ?? null;
  let pages = 0;
  for (let offset = 0; ; offset += pageSize) {
    const page = await client.marketsPage(offset, pageSize);
    pages++;
    const counts = zeroCounts();
    let reachedMark = false;
    await warehouse.transaction(async () => {
      for (const [i, item] of page.items.entries()) {
        const updatedAt = await loadItem(run, JSON.stringify(item), `GET ${page.url} item ${i + 1} (offset ${offset + i})`, "gamma-api", counts);
        if (updatedAt && (newest === null || Date.parse(updatedAt) > Date.parse(newest))) newest = updatedAt;
        // Equal times are read again (a tie may straddle the last sync); the keys absorb them.
        if (updatedAt && Date.parse(updatedAt) < markMs) reachedMark = true;
      }
    });
    run.add(counts);
    progress.update(offset + page.items.length, undefined, "markets");
    if (reachedMark || page.items.length < pageSize) break;
  }
  if (newest !== null)
    await warehouse.run("INSERT OR REPLACE INTO sync_state (source, key, value, updated_at) VALUES ($1, $2, $3, now())", [SOURCE, markKey(client.base), newest]);
  return `${pages} pages from ${client.base}; updatedAt high-water mark ${newest ?? "none"}`;
}
