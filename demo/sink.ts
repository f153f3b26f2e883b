// Line-oriented output files with bounded memory: lines are batched into ~256 KiB chunks and written
// with backpressure, optionally through gzip (node's zlib writes mtime 0, so output is reproducible).
import {createWriteStream, mkdirSync} from "node:fs";
import {dirname, join} from "node:path";
import {once} from "node:events";
import {createGzip} from "node:zlib";
import type {Writable} from "node:stream";

const CHUNK_CHARS = 256 * 1024;

export class LineSink {
  /** Lines written so far; after write(), this is the 1-based line number of that line. */
  lines = 0;
  private buffer: string[] = [];
  private buffered = 0;
  private readonly head: Writable;
  private readonly done: Promise<unknown>;

  constructor(readonly out: string, readonly path: string) {
    const full = join(out, path);
    mkdirSync(dirname(full), {recursive: true});
    const file = createWriteStream(full);
    if (path.endsWith(".gz")) {
      const gzip = createGzip({level: 1});
      gzip.pipe(file);
      this.head = gzip;
    } else {
      this.head = file;
    }
    this.done = once(file, "finish");
  }

  /** Appends one line (without its newline). Await the result to respect backpressure. */
  async write(line: string): Promise<void> {
    this.lines++;
    this.buffer.push(line);
    this.buffered += line.length;
    if (this.buffered >= CHUNK_CHARS) await this.drain();
  }

  private async drain(): Promise<void> {
    const chunk = this.buffer.join("\n") + "\n";
    this.buffer = [];
    this.buffered = 0;
    if (!this.head.write(chunk)) await once(this.head, "drain");
  }

  async close(): Promise<{path: string; records: number}> {
    if (this.buffer.length) await this.drain();
    this.head.end();
    await this.done;
    return {path: this.path, records: this.lines};
  }
}
