/**
 * Parse workers for large JSON-lines files: parsing, validating, converting HTML and serialising
 * rows is most of an ingest's CPU, and it parallelises by batch. Results come back in the order
 * the batches were sent, so the outcome is identical to parsing on the main thread.
 * WORKBENCH_PARSE_WORKERS=N sets the pool size (0 parses on the main thread).
 */
import {availableParallelism} from "node:os";
import {Worker} from "node:worker_threads";
import {stageBatch, type LineBatch, type StagedBatch} from "./batch.ts";

export const parsing = {
  /** Workers to start; default: one per spare core, at most 4. */
  workers: defaultWorkers(),
  /** Files smaller than this are parsed on the main thread (starting workers costs more). */
  minBytes: 16 * 1024 * 1024
};

function defaultWorkers(): number {
  const configured = process.env.WORKBENCH_PARSE_WORKERS;
  if (configured !== undefined && /^\d+$/.test(configured)) return Number(configured);
  return Math.max(0, Math.min(4, availableParallelism() - 1));
}

interface Pending {
  resolve: (result: StagedBatch) => void;
  reject: (error: Error) => void;
}

/** Stages batches on worker threads, or on the main thread when there are none. */
export class ParsePool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private failure?: Error;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL("./worker.mjs", import.meta.url));
      worker.on("message", (message: {id: number; result?: StagedBatch; error?: string}) => {
        const waiting = this.pending.get(message.id);
        if (!waiting) return;
        this.pending.delete(message.id);
        if (message.result) waiting.resolve(message.result);
        else waiting.reject(new Error(`parse worker: ${message.error}`));
      });
      worker.on("error", (error) => this.fail(error));
      worker.on("exit", (code) => {
        if (code !== 0) this.fail(new Error(`parse worker exited with code ${code}`));
      });
      this.workers.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Stages one batch. Never rejects for a worker problem: a batch whose worker failed (or could not
   * start) is staged on the main thread instead, which gives the same rows.
   */
  run(batch: LineBatch): Promise<StagedBatch> {
    const inline = () => {
      try {
        return Promise.resolve(stageBatch(batch));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    };
    if (this.failure || this.workers.length === 0) return inline();
    const id = this.next++;
    const sent = new Promise<StagedBatch>((resolve, reject) => {
      this.pending.set(id, {resolve, reject});
      this.workers[id % this.workers.length].postMessage({id, batch});
    });
    return sent.catch((error: Error) => {
      this.onFallback?.(error);
      this.onFallback = undefined;
      return inline();
    });
  }

  /** Called once when batches fall back to the main thread. */
  onFallback?: (error: Error) => void;

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
