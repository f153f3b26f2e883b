/**
 * Turns one input file into records, whatever shape Intercom data was saved in:
 * - JSON lines: one conversation (or Airbyte record, or search page) per line -> `<file>:<line>`;
 * - a JSON document: an array of conversations, a `conversation.list` page, or one conversation
 *   -> `<file>:item <n>`;
 * - the CSV export -> `<file>:<line>` (the line the row starts on);
 * each optionally gzip-compressed, UTF-8 with or without BOM, or UTF-16 with BOM, LF or CRLF.
 */
import {statSync} from "node:fs";
import {InputError} from "../errors.ts";
import {readChunks, readLines, readText, unreadable as describeUnreadable} from "../input/lines.ts";
import {csvLayout, csvLine, mapCsvRow, readCsvRecords} from "./csv.ts";
import {isObject, mapRecord} from "./map.ts";
import {RecordError, type Mapped, type TicketSource} from "./types.ts";

export interface InputRecord {
  location: string;
  /** Orders records within a file (ties between duplicates keep the lowest): JSON lines use line * 65536 + item. */
  seq: number;
  /** The record as read, for the quarantine (computed only when it is rejected). */
  raw: () => string;
  mapped?: Mapped;
  error?: RecordError;
}

const SOURCE: TicketSource = "intercom-file";
/** Largest file parsed as one JSON document (V8 strings stop near 512 MiB). */
const MAX_DOCUMENT_BYTES = 400 * 1024 * 1024;
const HEAD_CHARS = 64 * 1024;
/** The quarantine keeps 64 KiB of a record; a broken whole-file document is cut before redaction. */
const MAX_RAW_CHARS = 128 * 1024;

export type Format = "jsonl" | "document" | "csv" | "binary" | "empty";

/** seq of item `index` (0-based) on JSON line `line`. */
export const lineSeq = (line: number, index: number) => line * 65536 + Math.min(index, 65535);

export async function* readRecords(path: string, known?: Format): AsyncGenerator<InputRecord> {
  let format: Format;
  try {
    format = known ?? (await detectFormat(path));
  } catch (error) {
    yield unreadable(path, error);
    return;
  }
  try {
    if (format === "empty") return;
    if (format === "binary") {
      yield {location: path, seq: 0, raw: () => "", error: new RecordError("unreadable_file", "binary content, not JSON or CSV text")};
    } else if (format === "csv") yield* csvRecords(path);
    else if (format === "document") yield* documentRecords(path);
    else yield* jsonLines(path);
  } catch (error) {
    // The file stopped decoding part-way (truncated gzip, I/O error): what came before stays loaded.
    yield unreadable(path, error);
  }
}

export function unreadable(path: string, error: unknown): InputRecord {
  const {location, line, reason} = describeUnreadable(path, error);
  return {location, seq: lineSeq(line ?? 0, 65535), raw: () => "", error: new RecordError("unreadable_file", reason.replace("unreadable_file: ", ""))};
}

async function head(path: string): Promise<string> {
  let text = "";
  const chunks = readChunks(path);
  try {
    for await (const chunk of chunks) {
      text += chunk;
      if (text.length >= HEAD_CHARS) break;
    }
  } catch (error) {
    if (text === "") throw new InputError(path, undefined, `cannot read: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await chunks.return(undefined);
  }
  return text;
}

export async function detectFormat(path: string): Promise<Format> {
  const text = await head(path);
  const trimmed = text.trimStart();
  if (trimmed === "") return "empty";
  if (text.includes("\u0000")) return "binary";
  const first = trimmed[0];
  if (/\.csv(\.gz)?$/i.test(path)) return "csv";
  if (first === "[") return "document";
  if (first === "{") {
    const firstLine = trimmed.split("\n", 1)[0].trim();
    if (parses(firstLine)) return "jsonl";
    // A pretty-printed document starts with a lone "{" or an incomplete first line.
    if (statSync(path).size <= MAX_DOCUMENT_BYTES) {
      try {
        JSON.parse(await readText(path));
        return "document";
      } catch {
        // not one document either: read it line by line and quarantine what does not parse
      }
    }
    return "jsonl";
  }
  const headerLine = trimmed.split("\n", 1)[0];
  if (headerLine.includes(",") && csvLayout(headerLine.split(",").map((name) => name.replace(/^"|"$/g, "")))) return "csv";
  return "jsonl";
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function isPage(value: unknown): value is {conversations: unknown[]} {
  return (
    isObject(value) &&
    Array.isArray(value.conversations) &&
    (value.type === "conversation.list" || (value.id === undefined && value.type === undefined))
  );
}

function toRecord(location: string, seq: number, value: unknown, raw: () => string): InputRecord {
  try {
    return {location, seq, raw, mapped: mapRecord(value, SOURCE)};
  } catch (error) {
    if (error instanceof RecordError) return {location, seq, raw, error};
    throw error;
  }
}

/** The records inside one parsed JSON value: a page's conversations, an array's items, or the value itself. */
function expand(value: unknown, prefix: string, seq: (index: number) => number, raw?: () => string): InputRecord[] {
  const items = isPage(value) ? value.conversations : Array.isArray(value) ? value : undefined;
  if (items === undefined) return [toRecord(prefix, seq(0), value, raw ?? (() => JSON.stringify(value)))];
  const sep = prefix.endsWith(":") ? "" : " ";
  const out: InputRecord[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const location = `${prefix}${sep}item ${i + 1}`;
    if (isPage(item) || Array.isArray(item)) out.push(...expand(item, location, (j) => seq(out.length + j)));
    else out.push(toRecord(location, seq(out.length), item, () => JSON.stringify(item)));
  }
  return out;
}

/** The records of one JSON line (none for a blank line). */
export function jsonLineRecords(path: string, line: number, text: string): InputRecord[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  const location = `${path}:${line}`;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    return [{location, seq: lineSeq(line, 0), raw: () => text, error: new RecordError("invalid_json", (error as Error).message)}];
  }
  return expand(value, location, (index) => lineSeq(line, index), () => text);
}

async function* jsonLines(path: string): AsyncGenerator<InputRecord> {
  for await (const {line, text} of readLines(path)) yield* jsonLineRecords(path, line, text);
}

async function* documentRecords(path: string): AsyncGenerator<InputRecord> {
  const text = await readText(path);
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    yield {location: path, seq: 0, raw: () => text.slice(0, MAX_RAW_CHARS), error: new RecordError("invalid_json", (error as Error).message)};
    return;
  }
  if (isPage(value) || Array.isArray(value)) yield* expand(value, `${path}:`, (index) => index);
  else yield toRecord(`${path}:item 1`, 0, value, () => text);
}

/** readChunks, turning a decoding failure part-way (truncated gzip) into an InputError at the first line not fully read. */
async function* countedChunks(path: string): AsyncGenerator<string> {
  let newlines = 0;
  try {
    for await (const chunk of readChunks(path)) {
      for (let at = chunk.indexOf("\n"); at !== -1; at = chunk.indexOf("\n", at + 1)) newlines++;
      yield chunk;
    }
  } catch (error) {
    throw new InputError(path, newlines + 1, `cannot read past this line: ${error instanceof Error ? error.message : String(error)}`, {cause: error});
  }
}

async function* csvRecords(path: string): AsyncGenerator<InputRecord> {
  let layout: ReturnType<typeof csvLayout> | null = null;
  for await (const record of readCsvRecords(countedChunks(path))) {
    if (layout === null) {
      layout = csvLayout(record.fields);
      if (!layout) {
        yield {
          location: `${path}:${record.line}`,
          seq: record.line,
          raw: () => csvLine(record.fields),
          error: new RecordError("invalid_csv", "the header row names no Conversation ID column")
        };
        return;
      }
      continue;
    }
    const location = `${path}:${record.line}`;
    const raw = () => csvLine(record.fields);
    try {
      yield {location, seq: record.line, raw, mapped: mapCsvRow(layout, record)};
    } catch (error) {
      if (error instanceof RecordError) yield {location, seq: record.line, raw, error};
      else throw error;
    }
  }
}
