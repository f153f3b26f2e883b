/**
 * Incremental sync from the Intercom REST API (version 2.11):
 *   POST {base}/conversations/search  {query: updated_at > mark, sort: updated_at ascending,
 *                                      pagination: {per_page, starting_after}}
 *   GET  {base}/conversations/{id}    for each changed conversation (its parts)
 * State in `sync_state` (source "intercom"), per base URL:
 *   `high_water_mark <base>`: unix seconds; advanced only when a whole search finished;
 *   `search_cursor <base>`:   the in-flight search (mark it started from, next cursor, page number,
 *                             newest updated_at so far), written in the same transaction as each
 *                             page's rows, so a killed process resumes after the last committed page.
 * Intercom's `>` means "greater or equal", so conversations updated in the mark's second come back;
 * a search item whose updated_at is not newer than the stored API row is counted as loaded without
 * fetching it again. 429s wait until X-RateLimit-Reset; 5xx, network errors and requests that
 * outlive the request timeout retry with exponential backoff, a bounded number of times. A cursor
 * the API refuses (expired or invalid `starting_after`: a 4xx on a page after the first) restarts
 * the search from the mark, at most MAX_SEARCH_RESTARTS times a run; the run message says so.
 */
import {UsageError, WorkbenchError} from "../errors.ts";
import type {Progress} from "../progress.ts";
import {redactText} from "../redact.ts";
import type {IngestRun} from "../warehouse/ingest-run.ts";
import {zeroCounts} from "../warehouse/ingest-run.ts";
import {isObject, mapConversation} from "./map.ts";
import type {TicketStore} from "./store.ts";
import {parseTimestamp} from "./time.ts";
import {RecordError, type Mapped} from "./types.ts";

export const INTERCOM_VERSION = "2.11";
export const MAX_PER_PAGE = 150;
/** Attempts per request for 5xx and network errors (the first try included). */
export const MAX_ATTEMPTS = 6;
/** 429 waits per request before giving up. */
export const MAX_RATE_LIMIT_WAITS = 20;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;
const MAX_RESET_WAIT_MS = 5 * 60_000;
/** Default per-request timeout (headers and body); a timed-out request is retried like a 5xx. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Searches restarted from the mark after a refused cursor, per run. */
export const MAX_SEARCH_RESTARTS = 3;
const GET_CONCURRENCY = 4;
/** The next search starts this far before this one started, in case Intercom's clock is behind ours. */
const OVERLAP_SECONDS = 300;
const STATE_SOURCE = "intercom";

export interface ApiOptions {
  api: string;
  token?: string;
  perPage?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds before a request (until its whole body is in) is aborted and retried; default 30 s. */
  requestTimeoutMs?: number;
}

/** The API answered with an error we cannot work around (after the retries we allow). */
export class IntercomApiError extends WorkbenchError {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string
  ) {
    super(message);
  }
}

interface Response {
  status: number;
  text: string;
}

export const backoffMs = (attempt: number) => Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));

/** `{"type":"error.list","errors":[{"code":...,"message":...}]}` -> "code: message". */
function errorSummary(text: string): {code?: string; summary: string} {
  try {
    const body = JSON.parse(text) as {errors?: {code?: string; message?: string}[]};
    const first = body.errors?.[0];
    if (first?.code) return {code: first.code, summary: first.message ? `${first.code}: ${first.message}` : first.code};
  } catch {
    // not JSON
  }
  const plain = text.replace(/\s+/g, " ").trim().slice(0, 200);
  return {summary: plain || "(empty body)"};
}

export class IntercomClient {
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timeoutMs: number;

  constructor(
    readonly base: string,
    private readonly token: string,
    options: Pick<ApiOptions, "fetch" | "sleep" | "requestTimeoutMs">,
    private readonly progress: Progress
  ) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms)));
    const timeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.timeoutMs = Number.isFinite(timeout) && timeout > 0 ? timeout : REQUEST_TIMEOUT_MS;
  }

  /** One API call with the retry policy; returns any non-retryable answer (2xx and 4xx but 401/429). */
  async request(method: "GET" | "POST", path: string, body?: unknown): Promise<Response> {
    const what = `${method} ${path}`;
    let attempt = 0;
    let rateLimited = 0;
    for (;;) {
      attempt++;
      let response: globalThis.Response;
      let text: string;
      const signal = AbortSignal.timeout(this.timeoutMs);
      try {
        response = await this.fetch(`${this.base}${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: "application/json",
            "Intercom-Version": INTERCOM_VERSION,
            ...(body === undefined ? {} : {"Content-Type": "application/json"})
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal
        });
        // The body is read under the same timeout: an answer that stalls part-way is retried too.
        text = await response.text();
      } catch (error) {
        const reason = signal.aborted
          ? `no complete answer within ${(this.timeoutMs / 1000).toFixed(1)} s (timed out)`
          : error instanceof Error
            ? error.cause instanceof Error
              ? error.cause.message
              : error.message
            : String(error);
        if (attempt >= MAX_ATTEMPTS) {
          throw new IntercomApiError(`Intercom ${what}: network error after ${attempt} attempts: ${redactText(reason)}`);
        }
        await this.retry(what, `network error (${redactText(reason)})`, backoffMs(attempt));
        continue;
      }
      const status = response.status;
      if (status === 429) {
        attempt--; // rate limiting has its own budget
        rateLimited++;
        if (rateLimited > MAX_RATE_LIMIT_WAITS) {
          throw new IntercomApiError(`Intercom ${what}: still rate limited (429) after ${MAX_RATE_LIMIT_WAITS} waits`, 429, "rate_limit_exceeded");
        }
        await this.retry(what, `429 ${errorSummary(text).summary}`, this.rateLimitWait(response.headers, rateLimited));
        continue;
      }
      if (status >= 500 || status === 408) {
        if (attempt >= MAX_ATTEMPTS) {
          throw new IntercomApiError(`Intercom ${what}: HTTP ${status} after ${attempt} attempts: ${errorSummary(text).summary}`, status);
        }
        await this.retry(what, `HTTP ${status}`, backoffMs(attempt));
        continue;
      }
      if (status === 401) {
        const {code, summary} = errorSummary(text);
        throw new IntercomApiError(
          `Intercom rejected the access token on ${what} (401 ${summary}); check INTERCOM_TOKEN`,
          401,
          code
        );
      }
      return {status, text};
    }
  }

  /** Milliseconds until X-RateLimit-Reset (unix seconds), else Retry-After, else backoff. */
  private rateLimitWait(headers: Headers, waits: number): number {
    const reset = Number(headers.get("x-ratelimit-reset"));
    if (headers.has("x-ratelimit-reset") && Number.isFinite(reset) && reset > 0) {
      return Math.min(MAX_RESET_WAIT_MS, Math.max(0, reset * 1000 - Date.now()) + 100);
    }
    const retryAfter = Number(headers.get("retry-after"));
    if (headers.has("retry-after") && Number.isFinite(retryAfter)) return Math.min(MAX_RESET_WAIT_MS, retryAfter * 1000);
    return backoffMs(waits);
  }

  private async retry(what: string, why: string, waitMs: number): Promise<void> {
    this.progress.note(`${what}: ${why}; retrying in ${(waitMs / 1000).toFixed(1)} s`);
    await this.sleep(waitMs);
  }
}

interface SearchCursor {
  /** The mark this search started from (its query). */
  since: number;
  /** pages.next.starting_after of the last committed page; null before the first page. */
  startingAfter: string | null;
  /** Pages committed so far. */
  page: number;
  /** Newest updated_at (unix s) seen so far. */
  maxUpdatedAt: number;
  /** When the search began (unix s, our clock). */
  startedAt: number;
}

async function getState(run: IngestRun, key: string): Promise<string | undefined> {
  const row = await run.warehouse.one<{value: string | null}>("SELECT value FROM sync_state WHERE source = $1 AND key = $2", [
    STATE_SOURCE,
    key
  ]);
  return row?.value ?? undefined;
}

async function setState(run: IngestRun, key: string, value: string | null): Promise<void> {
  if (value === null) {
    await run.warehouse.run("DELETE FROM sync_state WHERE source = $1 AND key = $2", [STATE_SOURCE, key]);
    return;
  }
  await run.warehouse.run("INSERT OR REPLACE INTO sync_state (source, key, value, updated_at) VALUES ($1, $2, $3, now())", [
    STATE_SOURCE,
    key,
    value
  ]);
}

export const markKey = (base: string) => `high_water_mark ${base}`;
export const cursorKey = (base: string) => `search_cursor ${base}`;

export function normaliseBase(api: string): string {
  let url: URL;
  try {
    url = new URL(api);
  } catch {
    throw new UsageError(`--api must be a URL such as https://api.intercom.io, got "${api}"`);
  }
  url.username = url.password = "";
  return url.toString().replace(/\/+$/, "");
}

interface Outcome {
  location: string;
  raw: string;
  mapped?: Mapped;
  error?: RecordError;
  /** Already stored at this version: counted as loaded, nothing to write. */
  unchanged?: boolean;
  updatedAt?: number;
}

/** Runs `fn` over items with at most `limit` in flight; stops starting new ones after a failure. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker));
  return results;
}

/** Syncs; returns notes for the run's message (e.g. a search restarted because its cursor expired). */
export async function syncApi(run: IngestRun, store: TicketStore, options: ApiOptions, progress: Progress): Promise<string[]> {
  const notes: string[] = [];
  const base = normaliseBase(options.api);
  if (!options.token) throw new UsageError("ingest intercom --api needs an access token: set INTERCOM_TOKEN");
  const perPage = Math.max(1, Math.min(MAX_PER_PAGE, Math.trunc(options.perPage ?? MAX_PER_PAGE)));
  const client = new IntercomClient(base, options.token, options, progress);
  const mark = Number((await getState(run, markKey(base))) ?? 0) || 0;
  const fresh = (): SearchCursor => ({since: mark, startingAfter: null, page: 0, maxUpdatedAt: mark, startedAt: Math.floor(Date.now() / 1000)});
  let cursor = fresh();
  const saved = await getState(run, cursorKey(base));
  if (saved) {
    try {
      const parsed = JSON.parse(saved) as SearchCursor;
      if (parsed.since === mark && typeof parsed.page === "number") {
        cursor = parsed;
        progress.note(`resuming the interrupted search after page ${cursor.page}`);
      }
    } catch {
      // an unreadable cursor: start the search again from the mark
    }
  }
  let done = 0;
  let restarts = 0;
  for (;;) {
    const pageNo = cursor.page + 1;
    const body = {
      query: {field: "updated_at", operator: ">", value: cursor.since},
      sort: {field: "updated_at", order: "ascending"},
      pagination: cursor.startingAfter ? {per_page: perPage, starting_after: cursor.startingAfter} : {per_page: perPage}
    };
    const response = await client.request("POST", "/conversations/search", body);
    if (response.status !== 200) {
      const {code, summary} = errorSummary(response.text);
      if (cursor.startingAfter && response.status >= 400 && response.status < 500 && restarts < MAX_SEARCH_RESTARTS) {
        // The cursor expired (or is no longer valid): search again from the mark. Pages already
        // committed stay; their conversations come back unchanged and are not fetched again.
        restarts++;
        const note = `search cursor for page ${pageNo} refused (HTTP ${response.status} ${summary}); restarted the search from the high-water mark ${new Date(mark * 1000).toISOString()}`;
        progress.note(note);
        notes.push(note);
        // Keep the original start time: the new mark must not pass what the first pages may have missed.
        cursor = {...fresh(), startedAt: Math.min(cursor.startedAt, Math.floor(Date.now() / 1000))};
        continue;
      }
      throw new IntercomApiError(`Intercom POST /conversations/search page ${pageNo}: HTTP ${response.status} ${summary}`, response.status, code);
    }
    let page: unknown;
    try {
      page = JSON.parse(response.text);
    } catch {
      throw new IntercomApiError(`Intercom POST /conversations/search page ${pageNo}: the response is not JSON`);
    }
    if (!isObject(page) || !Array.isArray(page.conversations)) {
      throw new IntercomApiError(`Intercom POST /conversations/search page ${pageNo}: no conversations list in the response`);
    }
    const items = page.conversations as unknown[];
    const pages = isObject(page.pages) ? page.pages : {};
    const nextCursor = isObject(pages.next) && typeof pages.next.starting_after === "string" && pages.next.starting_after ? pages.next.starting_after : null;
    const total = typeof page.total_count === "number" ? page.total_count : undefined;

    const ids = items.flatMap((item) => (isObject(item) && (typeof item.id === "string" || typeof item.id === "number") ? [String(item.id)] : []));
    const stored = await store.stored(ids);
    const outcomes = await mapLimit(items, GET_CONCURRENCY, async (item, index): Promise<Outcome> => {
      const location = `search page ${pageNo} item ${index + 1}`;
      const raw = JSON.stringify(item) ?? "";
      if (!isObject(item)) return {location, raw, error: new RecordError("invalid_type", "search item is not a conversation object")};
      if (item.id === undefined || item.id === null || item.id === "") return {location, raw, error: new RecordError("missing_field", "id")};
      if (typeof item.id !== "string" && typeof item.id !== "number") {
        return {location, raw, error: new RecordError("invalid_type", "id must be a string or number")};
      }
      const id = String(item.id);
      const listed = parseTimestamp(item.updated_at);
      const prior = stored.get(id);
      if (prior && prior.source === "intercom-api" && listed !== undefined && prior.updatedAt >= listed) {
        return {location, raw, unchanged: true, updatedAt: listed};
      }
      const path = `/conversations/${encodeURIComponent(id)}`;
      const where = `GET ${path}`;
      const answer = await client.request("GET", path);
      if (answer.status === 404) {
        return {location: where, raw, error: new RecordError("not_found", `${errorSummary(answer.text).summary} (listed by search page ${pageNo} item ${index + 1})`)};
      }
      if (answer.status !== 200) {
        const {code, summary} = errorSummary(answer.text);
        throw new IntercomApiError(`Intercom ${where}: HTTP ${answer.status} ${summary}`, answer.status, code);
      }
      let conversation: unknown;
      try {
        conversation = JSON.parse(answer.text);
      } catch (error) {
        return {location: where, raw: answer.text, error: new RecordError("invalid_json", (error as Error).message)};
      }
      try {
        const mapped = mapConversation(conversation, "intercom-api");
        return {location: where, raw: answer.text, mapped, updatedAt: mapped.ticket?.updated_at};
      } catch (error) {
        if (error instanceof RecordError) return {location: where, raw: answer.text, error};
        throw error;
      }
    });

    const counts = zeroCounts();
    let maxUpdatedAt = cursor.maxUpdatedAt;
    outcomes.forEach((outcome, index) => {
      counts.read++;
      if (outcome.error) {
        counts.rejected++;
        return;
      }
      counts.loaded++;
      if (outcome.updatedAt !== undefined) maxUpdatedAt = Math.max(maxUpdatedAt, Math.floor(outcome.updatedAt / 1000));
      if (outcome.mapped) store.add(index, outcome.mapped.ticket, outcome.mapped.parts);
    });
    const next: SearchCursor = {...cursor, startingAfter: nextCursor, page: pageNo, maxUpdatedAt};
    await run.warehouse.transaction(async () => {
      for (const outcome of outcomes) {
        if (outcome.error) await run.reject(outcome.location, `${outcome.error.code}: ${outcome.error.detail}`, outcome.raw);
      }
      counts.inserted = await store.merge(run.runId);
      if (nextCursor) await setState(run, cursorKey(base), JSON.stringify(next));
      else {
        // The whole search is in: advance the mark, but not past when it started (minus an overlap).
        const newMark = Math.max(mark, Math.min(maxUpdatedAt, next.startedAt - OVERLAP_SECONDS));
        await setState(run, markKey(base), String(newMark));
        await setState(run, cursorKey(base), null);
      }
    });
    run.add(counts);
    done += items.length;
    progress.update(done, total, "conversations");
    if (!nextCursor) {
      progress.note(`search complete: ${pageNo} page(s), high-water mark ${new Date(Math.max(mark, Math.min(maxUpdatedAt, next.startedAt - OVERLAP_SECONDS)) * 1000).toISOString()}`);
      return notes;
    }
    if (items.length === 0) throw new IntercomApiError(`Intercom POST /conversations/search page ${pageNo}: an empty page that claims a next page`);
    cursor = next;
  }
}
