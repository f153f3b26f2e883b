/**
 * Streams the lines of a text file with 1-based line numbers. Handles gzip (by magic bytes, not
 * the name), UTF-8 with or without BOM, UTF-16 LE/BE with BOM, and CRLF. A truncated gzip stream
 * surfaces as an InputError naming the file and the line where the data stopped; every loader
 * keeps the lines before it and quarantines the rest as one `unreadable_file` record (unreadable()).
 */
import {InputError} from "../errors.ts";
import {fileBytes} from "./bytes.ts";

export interface Line {
  line: number;
  text: string;
}

type Encoding = "utf-8" | "utf-16le" | "utf-16be";

function detectEncoding(first: Buffer): {encoding: Encoding; bom: number} {
  if (first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf) return {encoding: "utf-8", bom: 3};
  if (first[0] === 0xff && first[1] === 0xfe) return {encoding: "utf-16le", bom: 2};
  if (first[0] === 0xfe && first[1] === 0xff) return {encoding: "utf-16be", bom: 2};
  return {encoding: "utf-8", bom: 0};
}

/** The decoded text chunks of a file, in order. */
export async function* readChunks(path: string): AsyncGenerator<string> {
  let decoder: TextDecoder | undefined;
  for await (const chunk of fileBytes(path)) {
    let bytes = chunk;
    if (!decoder) {
      const {encoding, bom} = detectEncoding(bytes);
      decoder = new TextDecoder(encoding);
      bytes = bytes.subarray(bom);
    }
    yield decoder.decode(bytes, {stream: true});
  }
  if (decoder) {
    const tail = decoder.decode();
    if (tail) yield tail;
  }
}

export async function* readLines(path: string): AsyncGenerator<Line> {
  let line = 0;
  let pending = "";
  try {
    for await (const chunk of readChunks(path)) {
      const text = pending + chunk;
      let start = 0;
      for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
        line++;
        yield {line, text: text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end)};
        start = end + 1;
      }
      pending = text.slice(start);
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(path, line + 1, `cannot read past this line: ${reason}`, {cause: error});
  }
  if (pending.length > 0) yield {line: line + 1, text: pending.endsWith("\r") ? pending.slice(0, -1) : pending};
}

/** The whole file as text (for JSON documents). */
export async function readText(path: string): Promise<string> {
  let text = "";
  try {
    for await (const chunk of readChunks(path)) text += chunk;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(path, undefined, `cannot read: ${reason}`, {cause: error});
  }
  return text;
}

/** The quarantine entry for the part of a file that could not be read: where it stopped, and why. */
export interface Unreadable {
  /** `<file>:<line>` when the line is known, else the file. */
  location: string;
  line: number | undefined;
  /** `unreadable_file: <what the decoder said>`. */
  reason: string;
}

export function unreadable(path: string, error: unknown): Unreadable {
  const line = error instanceof InputError ? error.line : undefined;
  const location = line !== undefined ? `${path}:${line}` : path;
  const detail = error instanceof Error ? error.message.replace(`${location}: `, "").replace(`${path}: `, "") : String(error);
  return {location, line, reason: `unreadable_file: ${detail}`};
}
