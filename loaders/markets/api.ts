/**
 * Gamma API client: `GET {base}/markets?limit=&offset=&order=updatedAt&ascending=false`, which
 * answers a bare JSON array of markets. Over the limit (HTTP 429) it waits as long as the answer
 * says (`Retry-After` seconds, or `X-RateLimit-Reset` unix seconds) and asks again; 5xx and
 * network errors retry with exponential backoff, a bounded number of times.
 */
import {WorkbenchError} from "../errors.ts";
import type {Progress} from "../progress.ts";

export const DEFAULT_PAGE_SIZE = 100;
const MAX_ATTEMPTS = 5;
const MAX_RATE_LIMIT_WAITS = 20;
const BACKOFF_BASE_MS = 500;
const MAX_WAIT_MS = 5 * 60_000;
const REQUEST_TIMEOUT_MS = 60_000;

export class GammaApiError extends WorkbenchError {
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

export interface GammaClientOptions {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Clock for X-RateLimit-Reset (default Date.now). */
  now?: () => number;
}

export interface GammaPage {
  url: string;
  items: unknown[];
}

export class GammaClient {
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(readonly base: string, private readonly progress: Progress, options: GammaClientOptions = {}) {
    this.base = base.replace(/\/+$/, "");
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms)));
    this.now = options.now ?? Date.now;
  }

  /** One page of markets, newest `updatedAt` first. */
  async marketsPage(offset: number, limit: number): Promise<GammaPage> {
    const url = `${this.base}/markets?limit=${limit}&offset=${offset}&order=updatedAt&ascending=false`;
    const text = await this.get(url);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new GammaApiError(`Gamma GET ${url}: the answer is not JSON: ${text.slice(0, 120)}`);
    }
    if (!Array.isArray(body)) throw new GammaApiError(`Gamma GET ${url}: expected a JSON array of markets`);
    return {url, items: body};
  }

  private async get(url: string): Promise<string> {
    let attempt = 0;
    let rateLimited = 0;
    for (;;) {
      attempt++;
      let response: Response;
      try {
        response = await this.fetch(url, {headers: {Accept: "application/json"}, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)});
      } catch (error) {
        const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
        if (attempt >= MAX_ATTEMPTS) throw new GammaApiError(`Gamma GET ${url}: network error after ${attempt} attempts: ${reason}`);
        await this.wait(url, `network error (${reason})`, BACKOFF_BASE_MS * 2 ** (attempt - 1));
        continue;
      }
      const text = await response.text().catch(() => "");
      if (response.status === 429) {
        attempt--; // rate limiting has its own budget
        if (++rateLimited > MAX_RATE_LIMIT_WAITS) throw new GammaApiError(`Gamma GET ${url}: still rate limited (429) after ${MAX_RATE_LIMIT_WAITS} waits`, 429);
        await this.wait(url, "429 Too Many Requests", this.rateLimitWait(response.headers, rateLimited));
        continue;
      }
      if (response.status >= 500) {
        if (attempt >= MAX_ATTEMPTS) throw new GammaApiError(`Gamma GET ${url}: HTTP ${response.status} after ${attempt} attempts`, response.status);
        await this.wait(url, `HTTP ${response.status}`, BACKOFF_BASE_MS * 2 ** (attempt - 1));
        continue;
      }
      if (!response.ok) throw new GammaApiError(`Gamma GET ${url}: HTTP ${response.status}: ${text.slice(0, 200)}`, response.status);
      return text;
    }
  }

  /** Milliseconds the 429 asks for; exponential backoff when it names no time. */
  rateLimitWait(headers: Headers, waits: number): number {
    const retryAfter = Number(headers.get("retry-after"));
    if (headers.get("retry-after") !== null && Number.isFinite(retryAfter)) return Math.min(MAX_WAIT_MS, Math.max(0, retryAfter * 1000));
    const reset = Number(headers.get("x-ratelimit-reset"));
    if (headers.get("x-ratelimit-reset") !== null && Number.isFinite(reset)) return Math.min(MAX_WAIT_MS, Math.max(0, reset * 1000 - this.now()));
    return Math.min(MAX_WAIT_MS, BACKOFF_BASE_MS * 2 ** (waits - 1));
  }

  private async wait(url: string, why: string, ms: number): Promise<void> {
    this.progress.note(`Gamma GET ${url}: ${why}; retrying in ${(ms / 1000).toFixed(1)} s`);
    await this.sleep(ms);
  }
}
