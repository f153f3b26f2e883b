/**
 * A file's bytes, gunzipped when the file is gzip (detected by magic bytes, not the name). Shared by
 * the text reader (lines.ts) and the byte-line reader (api-logs/byte-lines.ts).
 *
 * A damaged gzip stream yields every byte that decompresses, then throws. That must not depend on
 * timing: piping into a gunzip stream and iterating it loses the output still buffered when the
 * error destroys the stream, and the last write is decompressed with Z_FINISH (whose output is
 * dropped on error) only when `end()` happened to arrive first. So one run kept 6 lines of a
 * truncated file and a resumed run 25 (the soak test caught it). Here each compressed chunk is
 * written and fully drained before the next one, and `end()` comes only after the last write:
 * a truncated stream then fails on an empty final flush, with nothing left undelivered.
 */
import {createReadStream} from "node:fs";
import {open} from "node:fs/promises";
import {createGunzip, type Gunzip} from "node:zlib";

async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(2);
    const {bytesRead} = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** The file's bytes in chunks of about `chunkBytes` (decompressed chunks may be larger). */
export async function* fileBytes(path: string, chunkBytes = 1 << 20): AsyncGenerator<Buffer> {
  const gzip = await isGzip(path); // first: a stream opened before it would fail unheard if this throws
  const raw = createReadStream(path, {highWaterMark: chunkBytes});
  if (!gzip) {
    yield* raw as AsyncIterable<Buffer>;
    return;
  }
  const gunzip = createGunzip({chunkSize: chunkBytes});
  const output: Buffer[] = [];
  let failure: Error | undefined;
  gunzip.on("data", (piece: Buffer) => output.push(piece));
  gunzip.on("error", (error: Error) => (failure ??= error));
  const drain = function* () {
    while (output.length > 0) yield output.shift() as Buffer;
  };
  try {
    for await (const compressed of raw as AsyncIterable<Buffer>) {
      await settled(gunzip, (done) => gunzip.write(compressed, done));
      yield* drain();
      if (failure) throw failure;
    }
    // the final flush reports a truncated stream after 'finish': wait for the readable side's 'end'
    await settled(gunzip, (done) => gunzip.once("end", done).end());
    yield* drain();
    if (failure) throw failure;
  } finally {
    raw.destroy();
    gunzip.destroy();
  }
}

/** Starts a write or the end, and waits until its output has been emitted or it failed. */
async function settled(gunzip: Gunzip, act: (done: () => void) => void): Promise<void> {
  await new Promise<void>((resolve) => {
    const finish = () => {
      gunzip.off("error", finish);
      resolve();
    };
    gunzip.once("error", finish);
    act(finish);
  });
  // 'data' can be emitted on a later tick than the write's callback
  await new Promise((resolve) => setImmediate(resolve));
}
