/**
 * Line cursors for resuming a large file part-way: after each committed batch the loader stores
 * the last committed line and the file's counts so far in `sync_state` (same transaction as the
 * batch). A re-run after a crash continues after that line, as long as the file is unchanged
 * (same size and mtime); a changed file is read again from the top, which natural keys make safe.
 */
import {statSync} from "node:fs";
import type {Warehouse} from "../warehouse/connection.ts";
import type {Counts} from "../warehouse/ingest-run.ts";

export interface Cursor {
  size: number;
  mtimeMs: number;
  /** Last line committed. */
  line: number;
  counts: Counts;
}

const key = (file: string) => `cursor:${file}`;

export async function readCursor(warehouse: Warehouse, source: string, file: string): Promise<Cursor | undefined> {
  const row = await warehouse.one<{value: string}>("SELECT value FROM sync_state WHERE source = $1 AND key = $2", [source, key(file)]);
  if (!row) return undefined;
  const cursor = JSON.parse(row.value) as Cursor;
  const {size, mtimeMs} = statSync(file);
  return cursor.size === size && cursor.mtimeMs === Math.trunc(mtimeMs) ? cursor : undefined;
}

/** Call inside the batch's transaction. */
export async function writeCursor(warehouse: Warehouse, source: string, file: string, line: number, counts: Counts): Promise<void> {
  const {size, mtimeMs} = statSync(file);
  const value: Cursor = {size, mtimeMs: Math.trunc(mtimeMs), line, counts};
  await warehouse.run("INSERT OR REPLACE INTO sync_state (source, key, value, updated_at) VALUES ($1, $2, $3, now())", [
    source,
    key(file),
    JSON.stringify(value)
  ]);
}

export async function clearCursor(warehouse: Warehouse, source: string, file: string): Promise<void> {
  await warehouse.run("DELETE FROM sync_state WHERE source = $1 AND key = $2", [source, key(file)]);
}

export function addCounts(into: Counts, add: Counts): void {
  into.read += add.read;
  into.loaded += add.loaded;
  into.rejected += add.rejected;
  into.inserted += add.inserted;
}
