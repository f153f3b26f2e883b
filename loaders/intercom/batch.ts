/**
 * JSON lines in, staging rows out: parse, validate, map and serialise a batch of lines. Pure and
 * synchronous, so it runs the same in a parse worker (workers.ts) or on the main thread.
 */
import {jsonLineRecords} from "./read.ts";
import {partLine, ticketLine, type StagedRows} from "./store.ts";

export interface LineBatch {
  path: string;
  lines: number[];
  texts: string[];
}

export interface RejectedRecord {
  location: string;
  seq: number;
  code: string;
  detail: string;
  raw: string;
}

export interface StagedBatch extends StagedRows {
  read: number;
  loaded: number;
  rejects: RejectedRecord[];
}

export function stageBatch(batch: LineBatch): StagedBatch {
  const tickets: string[] = [];
  const parts: string[] = [];
  const rejects: RejectedRecord[] = [];
  let standalone = false;
  let read = 0;
  let loaded = 0;
  for (let i = 0; i < batch.lines.length; i++) {
    for (const record of jsonLineRecords(batch.path, batch.lines[i], batch.texts[i])) {
      read++;
      if (record.error || !record.mapped) {
        const error = record.error ?? {code: "invalid_type", detail: "not a conversation"};
        rejects.push({location: record.location, seq: record.seq, code: error.code, detail: error.detail, raw: record.raw()});
        continue;
      }
      loaded++;
      const {ticket, parts: rows} = record.mapped;
      if (ticket) tickets.push(ticketLine(record.seq, ticket));
      else standalone = true;
      for (const part of rows) parts.push(partLine(record.seq, ticket === undefined, part));
    }
  }
  return {tickets: tickets.join(""), parts: parts.join(""), standalone, records: loaded, read, loaded, rejects};
}
