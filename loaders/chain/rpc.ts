/**
 * JSON-RPC over viem's HTTP transport, with the loader's own failure handling:
 * - retries with exponential backoff (and Retry-After) on timeouts, HTTP 429 / 5xx, connection loss
 *   and rate-limit answers;
 * - eth_getLogs over adaptive block ranges: halve on "range too large / too many results", grow
 *   while answers stay small.
 * viem's own retries are off so every retry is counted and reported here.
 */
import {
  BaseError,
  createPublicClient,
  http,
  HttpRequestError,
  RpcRequestError,
  TimeoutError,
  type Hex,
  type PublicClient
} from "viem";
import {WorkbenchError} from "../errors.ts";
import type {Progress} from "../progress.ts";

/** A log exactly as eth_getLogs returns it (hex quantities). */
export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  blockTimestamp?: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean;
}

export interface RawBlock {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
}

/** One eth_getLogs filter without its block range. topics: null = any. */
export interface LogQuery {
  address: string;
  topics: (string | string[] | null)[];
}

export interface RpcOptions {
  /** Attempts after the first (default 8). */
  retries?: number;
  /** First backoff in ms, doubled per attempt up to maxBackoffMs (defaults 250 / 15,000). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Per-request timeout in ms (default 30,000). */
  timeoutMs?: number;
  progress?: Progress;
}

export class RpcUnavailableError extends WorkbenchError {}

export interface RpcStats {
  requests: number;
  retries: number;
  rangeSplits: number;
  getLogsCalls: number;
  getLogsMs: number;
}

type FailureKind = "range" | "retry" | "fatal";

const RANGE_MESSAGE =
  /block range|range too (large|wide|big)|too many (results|logs|blocks)|more than \d+ (results|logs)|response size|size limit|body exceeded|payload too large|result(s)? (set )?(is )?too large|query returned more than|exceed(s|ed)? (the )?(max|maximum|limit)|limit exceeded|query timeout|10000 results/i;
const RATE_MESSAGE = /rate limit|too many requests|capacity|throttl|try again|temporarily|busy/i;

/** Decides what a failed request deserves: a smaller range, another try, or giving up. */
export function classifyFailure(error: unknown): FailureKind {
  const texts: string[] = [];
  let status: number | undefined;
  let code: number | undefined;
  let timeout = false;
  let cause: unknown = error;
  for (let depth = 0; cause && depth < 8; depth++) {
    if (cause instanceof HttpRequestError) status ??= cause.status;
    if (cause instanceof RpcRequestError) code ??= cause.code;
    if (cause instanceof TimeoutError) timeout = true;
    if (cause instanceof BaseError) {
      texts.push(cause.details ?? "", cause.shortMessage);
      code ??= (cause as BaseError & {code?: number}).code;
    } else if (cause instanceof Error) texts.push(cause.message, (cause as Error & {code?: string}).code ?? "");
    cause = (cause as {cause?: unknown}).cause;
  }
  const text = texts.join(" | ");
  if (status === 413) return "range";
  if (RANGE_MESSAGE.test(text) && !RATE_MESSAGE.test(text)) return "range";
  if (timeout || status === 429 || status === 408 || (status !== undefined && status >= 500)) return "retry";
  if (RATE_MESSAGE.test(text) || code === -32005 || code === 429) return "retry";
  if (/ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|socket hang up|fetch failed|network|other side closed|UND_ERR/i.test(text)) return "retry";
  if (status === undefined && code === undefined) return "retry"; // transport failure without an answer
  return "fatal";
}

function retryAfterMs(error: unknown): number | undefined {
  let cause: unknown = error;
  for (let depth = 0; cause && depth < 8; depth++) {
    if (cause instanceof HttpRequestError) {
      const value = cause.headers?.get("retry-after");
      if (value && Number.isFinite(Number(value))) return Number(value) * 1000;
    }
    cause = (cause as {cause?: unknown}).cause;
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export class ChainRpc {
  readonly client: PublicClient;
  private readonly batchClient: PublicClient;
  readonly stats: RpcStats = {requests: 0, retries: 0, rangeSplits: 0, getLogsCalls: 0, getLogsMs: 0};
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    readonly url: string,
    private readonly options: RpcOptions = {}
  ) {
    const timeout = options.timeoutMs ?? 30_000;
    this.client = createPublicClient({transport: http(url, {retryCount: 0, timeout}), cacheTime: 0});
    this.batchClient = createPublicClient({transport: http(url, {retryCount: 0, timeout, batch: {batchSize: 200}}), cacheTime: 0});
    this.retries = options.retries ?? 8;
    this.backoffMs = options.backoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 15_000;
  }

  /** Runs `call`, retrying transient failures; range errors are thrown to the caller at once. */
  async withRetry<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.stats.requests++;
        return await call();
      } catch (error) {
        const kind = classifyFailure(error);
        if (kind !== "retry") throw error;
        if (attempt >= this.retries)
          throw new RpcUnavailableError(
            `${what}: the RPC at ${redactUrl(this.url)} kept failing after ${attempt + 1} attempts: ${shortMessage(error)}`,
            {cause: error}
          );
        this.stats.retries++;
        const delay = Math.min(this.maxBackoffMs, retryAfterMs(error) ?? this.backoffMs * 2 ** attempt) * (0.75 + Math.random() * 0.5);
        if (attempt >= 2) this.options.progress?.note(`${what}: ${shortMessage(error)}; retry ${attempt + 1} in ${Math.round(delay)} ms`);
        await sleep(delay);
      }
    }
  }

  async request<T>(method: string, params: unknown[], batched = false): Promise<T> {
    const client = batched ? this.batchClient : this.client;
    return this.withRetry(method, () => client.request({method, params} as never) as Promise<T>);
  }

  async chainId(): Promise<number> {
    return Number(await this.request<Hex>("eth_chainId", []));
  }

  async blockNumber(): Promise<number> {
    return Number(await this.request<Hex>("eth_blockNumber", []));
  }

  async block(number: number): Promise<RawBlock | null> {
    return this.request<RawBlock | null>("eth_getBlockByNumber", [hex(number), false], true);
  }

  /** Headers of many blocks, batched. */
  async blocks(numbers: number[]): Promise<Map<number, RawBlock>> {
    const found = await Promise.all(numbers.map((number) => this.block(number)));
    const out = new Map<number, RawBlock>();
    for (const block of found) if (block) out.set(Number(block.number), block);
    return out;
  }

  async call(to: string, data: Hex, blockNumber: number): Promise<Hex> {
    return this.request<Hex>("eth_call", [{to, data}, hex(blockNumber)], true);
  }

  /** One eth_getLogs, retried on transient failures. */
  async getLogs(query: LogQuery, from: number, to: number): Promise<RawLog[]> {
    const started = performance.now();
    const logs = await this.withRetry("eth_getLogs", () =>
      this.client.request({
        method: "eth_getLogs",
        params: [{address: query.address as Hex, topics: query.topics as Hex[], fromBlock: hex(from), toBlock: hex(to)}]
      } as never) as Promise<RawLog[]>
    );
    this.stats.getLogsCalls++;
    this.stats.getLogsMs += performance.now() - started;
    return logs;
  }
}

export interface ChunkerOptions {
  /** First range size in blocks (default 10; it doubles while answers stay small). */
  initialSpan?: number;
  /** Largest range (default 100,000 blocks). */
  maxSpan?: number;
  /** Grow while an answer has fewer logs than this (default 5,000); shrink above 4x. */
  targetLogs?: number;
}

export interface Chunk {
  from: number;
  to: number;
  logs: RawLog[];
  /** Header of block `to`, read with the logs (its hash guards the range against reorgs). */
  end: RawBlock | null;
}

/** Adaptive block ranges for one contract's queries: one instance per contract stream. */
export class LogChunker {
  span: number;
  /** Largest span to grow to: maxSpan, lowered below every range the RPC refused. */
  private ceiling: number;
  private readonly targetLogs: number;

  constructor(
    private readonly rpc: ChainRpc,
    options: ChunkerOptions = {}
  ) {
    this.span = options.initialSpan ?? 10;
    this.ceiling = options.maxSpan ?? 100_000;
    this.targetLogs = options.targetLogs ?? 5_000;
  }

  /** Reads all `queries` over [from, <= last]; the range actually covered comes back in the chunk. */
  async fetch(queries: LogQuery[], from: number, last: number): Promise<Chunk> {
    for (;;) {
      const to = Math.min(last, from + this.span - 1);
      try {
        const [end, ...answers] = await Promise.all([this.rpc.block(to), ...queries.map((query) => this.rpc.getLogs(query, from, to))]);
        const logs = answers.length === 1 ? answers[0] : answers.flat();
        const count = logs.length;
        if (count < this.targetLogs && to - from + 1 >= this.span) this.span = Math.min(this.ceiling, this.span * 2);
        else if (count > this.targetLogs * 4 && this.span > 1) this.span = Math.max(1, Math.floor(this.span / 2));
        return {from, to, logs, end: end as RawBlock | null};
      } catch (error) {
        if (classifyFailure(error) !== "range") throw error;
        if (to === from) throw new WorkbenchError(`eth_getLogs refuses even a single block (${from}): ${shortMessage(error)}`, {cause: error});
        this.rpc.stats.rangeSplits++;
        // Never grow back to a range the RPC refused.
        this.ceiling = Math.max(1, Math.min(this.ceiling, to - from));
        this.span = Math.max(1, Math.floor((to - from + 1) / 2));
      }
    }
  }
}

export function hex(value: number | bigint): Hex {
  return `0x${value.toString(16)}`;
}

export function shortMessage(error: unknown): string {
  if (error instanceof BaseError) return error.shortMessage + (error.details ? ` (${error.details})` : "");
  return error instanceof Error ? error.message : String(error);
}

/** RPC URLs often carry an API key in the path or query: never print it. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const path = parsed.pathname.length > 1 ? "/…" : "";
    return `${parsed.protocol}//${parsed.host}${path}${parsed.search ? "?…" : ""}`;
  } catch {
    return "(rpc url)";
  }
}
