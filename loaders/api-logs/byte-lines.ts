/**
 * Reads a log file as batches of UTF-8 byte lines, for loaders that hand the text to DuckDB
 * without decoding it in JS (the fast path: no UTF-8 -> UTF-16 -> UTF-8 round trip per line).
 * Same input rules as loaders/input/lines.ts: gzip detected by magic bytes, UTF-8 with or without
 * BOM, UTF-16 LE/BE with BOM (transcoded to UTF-8 here), CRLF or LF, 1-based line numbers.
 * Invalid UTF-8 is passed through untouched; the SQL side rejects those lines.
 */
import {InputError} from "../errors.ts";
import {fileBytes} from "../input/bytes.ts";

export interface LineBatch {
  /** Line number of lines[0]. Lines are consecutive: lines[i] is line firstLine + i. */
  firstLine: number;
  /** Each line without its terminator (LF or CRLF). Empty lines are included, as empty buffers. */
  lines: Buffer[];
  /** Bytes in `lines` (for progress and batch sizing). */
  bytes: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const READ_CHUNK = 4 << 20;

/** The file's bytes as UTF-8 chunks: decompressed, BOM removed, UTF-16 transcoded. */
async function* utf8Chunks(path: string): AsyncGenerator<Buffer> {
  let mode: "utf-8" | "utf-16le" | "utf-16be" | undefined;
  let decoder: TextDecoder | undefined;
  let head: Buffer | undefined;
  for await (const piece of fileBytes(path, READ_CHUNK)) {
    let chunk = piece;
    if (!mode) {
      // wait for 3 bytes so a BOM split across reads is still seen
      head = head ? Buffer.concat([head, chunk]) : chunk;
      if (head.length < 3) continue;
      chunk = head;
      head = undefined;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
        mode = "utf-8";
        chunk = chunk.subarray(3);
      } else if (chunk[0] === 0xff && chunk[1] === 0xfe) mode = "utf-16le";
      else if (chunk[0] === 0xfe && chunk[1] === 0xff) mode = "utf-16be";
      else mode = "utf-8";
      if (mode !== "utf-8") {
        decoder = new TextDecoder(mode); // skips the BOM itself
      }
    }
    if (decoder) yield Buffer.from(decoder.decode(chunk, {stream: true}), "utf-8");
    else yield chunk;
  }
  if (head && head.length > 0) yield head; // a file shorter than 3 bytes
  if (decoder) {
    const tail = decoder.decode();
    if (tail) yield Buffer.from(tail, "utf-8");
  }
}

/**
 * The file's lines in chunks (one per decoded read, about 4 MiB), each chunk's lines consecutive.
 * Lines before `startLine` are read but not returned (resume).
 */
export async function* readLineChunks(path: string, startLine = 1): AsyncGenerator<LineBatch> {
  let line = 0; // lines completed so far
  let pending: Buffer | undefined;
  let chunkLines: Buffer[] = [];
  let chunkBytes = 0;
  let firstLine = startLine;
  const push = (bytes: Buffer) => {
    line++;
    if (line < startLine) return;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
    if (chunkLines.length === 0) firstLine = line;
    chunkLines.push(end === bytes.length ? bytes : bytes.subarray(0, end));
    chunkBytes += end;
  };
  const take = (): LineBatch => {
    const out = {firstLine, lines: chunkLines, bytes: chunkBytes};
    chunkLines = [];
    chunkBytes = 0;
    return out;
  };
  try {
    for await (const chunk of utf8Chunks(path)) {
      let start = 0;
      let end = chunk.indexOf(NEWLINE, 0);
      if (pending && end !== -1) {
        push(Buffer.concat([pending, chunk.subarray(0, end)]));
        pending = undefined;
        start = end + 1;
        end = chunk.indexOf(NEWLINE, start);
      }
      for (; end !== -1; end = chunk.indexOf(NEWLINE, start)) {
        push(chunk.subarray(start, end));
        start = end + 1;
      }
      if (start < chunk.length) {
        // copy the tail: it must not keep the whole (possibly 4 MiB) chunk alive on its own
        const tail = chunk.subarray(start);
        pending = pending ? Buffer.concat([pending, tail]) : Buffer.from(tail);
      }
      if (chunkLines.length > 0) yield take();
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(path, line + 1, `cannot read past this line: ${reason}`, {cause: error});
  }
  if (pending && pending.length > 0) push(pending);
  if (chunkLines.length > 0) yield take();
}
