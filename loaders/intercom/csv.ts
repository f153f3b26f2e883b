/**
 * The Intercom CSV conversation export: one header row, one conversation per row. Headers are
 * matched case-insensitively ignoring spaces and punctuation ("Conversation ID", "conversation_id"
 * and "conversationId" are the same column); the accepted names are listed in README.md. Columns
 * the loader does not know are kept in `custom_attributes` under their header (so "Tier" and
 * "Wallet" columns work like the API's custom attributes).
 */
import {redactText, redactValue} from "../redact.ts";
import {htmlToText} from "./html.ts";
import {attribute, email, tier, wallet} from "./map.ts";
import {describe, requiredTimestamp, timestampField} from "./time.ts";
import {RecordError, type Mapped, type PartRow, type TicketRow} from "./types.ts";

export interface CsvRecord {
  /** Line where the record starts (a quoted field may span lines). */
  line: number;
  fields: string[];
  /** Set when the record is malformed (an unterminated quote at the end of the file). */
  error?: string;
}

/** Streams CSV records (RFC 4180: quotes, doubled quotes, newlines inside quotes, CRLF) with line numbers. */
export async function* readCsvRecords(chunks: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  // 0: start of a field, 1: in an unquoted field, 2: in a quoted field, 3: a quote inside a quoted field
  let state = 0;
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let start = 1;
  let pendingCR = false;
  const endRecord = (): CsvRecord | undefined => {
    const blank = fields.length === 0 && field === "" && state !== 3;
    fields.push(field);
    const record = blank ? undefined : {line: start, fields};
    fields = [];
    field = "";
    state = 0;
    line++;
    start = line;
    return record;
  };
  for await (const chunk of chunks) {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      const c = chunk.charCodeAt(i);
      if (pendingCR) {
        pendingCR = false;
        if (c === 10) {
          i++;
          continue;
        }
      }
      if (state === 2) {
        const quote = chunk.indexOf('"', i);
        const end = quote === -1 ? n : quote;
        const piece = chunk.slice(i, end);
        for (let k = piece.indexOf("\n"); k !== -1; k = piece.indexOf("\n", k + 1)) line++;
        field += piece;
        if (quote !== -1) state = 3;
        i = end + (quote === -1 ? 0 : 1);
        continue;
      }
      if (state === 3) {
        if (c === 34) {
          field += '"';
          state = 2;
          i++;
          continue;
        }
        state = 1; // the closing quote; c is handled as in an unquoted field
      }
      if (c === 44) {
        fields.push(field);
        field = "";
        state = 0;
        i++;
      } else if (c === 10 || c === 13) {
        const record = endRecord();
        if (record) yield record;
        pendingCR = c === 13;
        i++;
      } else if (c === 34 && state === 0) {
        state = 2;
        i++;
      } else {
        let end = i + 1;
        while (end < n) {
          const d = chunk.charCodeAt(end);
          if (d === 44 || d === 10 || d === 13) break;
          end++;
        }
        field += chunk.slice(i, end);
        state = 1;
        i = end;
      }
    }
  }
  if (state === 2) {
    fields.push(field);
    yield {line: start, fields, error: "unterminated quoted field"};
  } else {
    const record = endRecord();
    if (record) yield record;
  }
}

/** Canonical column -> accepted header spellings (normalised: lower-case letters and digits only). */
export const CSV_COLUMNS: Record<string, string[]> = {
  id: ["conversationid", "id", "conversation"],
  created_at: ["createdat", "conversationcreatedat", "conversationstartedat", "startedat", "created"],
  updated_at: ["updatedat", "conversationupdatedat", "lastupdatedat", "conversationlastupdatedat", "lastupdated", "updated"],
  state: ["state", "conversationstate", "status"],
  priority: ["priority", "conversationpriority"],
  assignee: ["assignee", "assigneeid", "adminassigneeid", "teammateassigned", "assignedteammate", "teammate"],
  team: ["team", "teamid", "teamassigneeid", "teamassigned", "assignedteam"],
  tags: ["tags", "conversationtags", "tag"],
  rating: ["rating", "conversationrating", "csatrating", "csat", "ratingscore"],
  rating_remark: ["ratingremark", "conversationratingremark", "csatremark", "remark"],
  user_email: ["useremail", "email", "contactemail", "customeremail", "useremailaddress"],
  contact_id: ["userid", "contactid", "customerid", "intercomuserid"],
  title: ["title", "subject", "conversationtitle"],
  first_message: ["firstmessage", "conversationfirstmessage", "initialmessage", "message", "body"],
  first_admin_reply_at: [
    "firstadminreplyat",
    "firstresponseat",
    "conversationfirstresponseat",
    "firstrepliedat",
    "conversationfirstrepliedat",
    "firstteammatereplyat"
  ],
  first_closed_at: ["firstclosedat", "firstcloseat", "conversationfirstclosedat"],
  last_closed_at: ["lastclosedat", "lastcloseat", "closedat", "conversationclosedat", "conversationlastclosedat"],
  reopens: ["reopens", "countreopens", "numberofreopens", "timesreopened", "reopencount"],
  sla_name: ["slaname", "sla"],
  sla_status: ["slastatus"],
  channel: ["channel", "sourcetype"]
};

const ALIAS = new Map<string, string>();
for (const [column, names] of Object.entries(CSV_COLUMNS)) for (const name of names) ALIAS.set(name, column);

export const normaliseHeader = (header: string): string => header.toLowerCase().replace(/[^a-z0-9]/g, "");

export interface CsvLayout {
  /** canonical column -> field index */
  columns: Map<string, number>;
  /** field index -> original header, for columns kept as custom attributes */
  extras: Map<number, string>;
  width: number;
}

/** Reads the header row; undefined when it names no conversation id column (then it is not an Intercom export). */
export function csvLayout(header: string[]): CsvLayout | undefined {
  const columns = new Map<string, number>();
  const extras = new Map<number, string>();
  header.forEach((name, index) => {
    const clean = name.replace(/^\uFEFF/, "").trim();
    const column = ALIAS.get(normaliseHeader(clean));
    if (column && !columns.has(column)) columns.set(column, index);
    else if (clean) extras.set(index, clean);
  });
  return columns.has("id") ? {columns, extras, width: header.length} : undefined;
}

/** Quotes fields back into one CSV line, for the quarantine's raw text. */
export function csvLine(fields: string[]): string {
  return fields.map((field) => (/[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field)).join(",");
}

export function mapCsvRow(layout: CsvLayout, record: CsvRecord): Mapped {
  if (record.error) throw new RecordError("invalid_csv", record.error);
  if (record.fields.length !== layout.width) {
    throw new RecordError("invalid_csv", `${record.fields.length} fields where the header has ${layout.width}`);
  }
  const get = (column: string): string | null => {
    const index = layout.columns.get(column);
    if (index === undefined) return null;
    const value = record.fields[index].trim();
    return value === "" ? null : value;
  };
  const custom: Record<string, unknown> = {};
  for (const [index, header] of layout.extras) {
    const value = record.fields[index].trim();
    if (value !== "") custom[header] = value;
  }
  const ticketId = get("id");
  if (ticketId === null) throw new RecordError("missing_field", "Conversation ID");
  const createdAt = requiredTimestamp(get("created_at"), "Created at");
  const time = (column: string, label: string) => timestampField(get(column), label);
  const firstAdminReply = time("first_admin_reply_at", "First admin reply at");
  const firstClosed = time("first_closed_at", "First closed at");
  const lastClosed = time("last_closed_at", "Last closed at");
  const updatedAt =
    time("updated_at", "Updated at") ??
    Math.max(createdAt, firstAdminReply ?? 0, firstClosed ?? 0, lastClosed ?? 0);
  const rating = integer(get("rating"), "Rating");
  if (rating !== null && (rating < 1 || rating > 5)) throw new RecordError("invalid_value", `Rating ${rating} is not 1-5`);
  const message = get("first_message");
  const firstMessage = message === null ? null : redactText(/<[a-z][^>]*>/i.test(message) ? htmlToText(message) : message) || null;
  const contactId = get("contact_id");
  const ticket: TicketRow = {
    ticket_id: ticketId,
    source: "intercom-csv",
    created_at: createdAt,
    updated_at: updatedAt,
    state: lower(get("state")),
    priority: priority(get("priority")),
    tier: tier(attribute(custom, "tier")),
    team: unassigned(get("team")),
    assignee: unassigned(get("assignee")),
    user_email: email(get("user_email")),
    user_wallet: wallet(attribute(custom, "wallet") ?? attribute(custom, "wallet address") ?? attribute(custom, "wallet_address")),
    contact_id: contactId,
    title: nullIfEmpty(redactText(get("title") ?? "")),
    first_message: firstMessage,
    first_admin_reply_at: firstAdminReply,
    first_closed_at: firstClosed,
    last_closed_at: lastClosed,
    reopens: integer(get("reopens"), "Reopens"),
    csat_rating: rating,
    csat_remark: nullIfEmpty(redactText(get("rating_remark") ?? "")),
    sla_name: get("sla_name"),
    sla_status: lower(get("sla_status")),
    tags: splitTags(get("tags")),
    custom_attributes: Object.keys(custom).length ? redactValue(custom) : null,
    channel: lower(get("channel")),
    delivered_as: null,
    waiting_since: null,
    time_to_admin_reply: null,
    time_to_first_close: null,
    median_time_to_reply: null,
    parts_count: null
  };
  const parts: PartRow[] = firstMessage
    ? [
        {
          ticket_id: ticketId,
          part_id: "source",
          part_type: "source",
          created_at: createdAt,
          author_type: "user",
          author_id: contactId,
          author_name: null,
          body: firstMessage,
          assigned_to: null
        }
      ]
    : [];
  return {ticket, parts};
}

function nullIfEmpty(value: string): string | null {
  return value.trim() === "" ? null : value;
}

function lower(value: string | null): string | null {
  return value === null ? null : value.toLowerCase();
}

function unassigned(value: string | null): string | null {
  return value === null || value === "0" || /^unassigned$/i.test(value) ? null : value;
}

function priority(value: string | null): string | null {
  if (value === null) return null;
  const clean = value.toLowerCase().replace(/[\s-]+/g, "_");
  if (["true", "yes", "1", "priority", "prioritized"].includes(clean)) return "priority";
  if (["false", "no", "0", "not_priority", "none"].includes(clean)) return "not_priority";
  return clean;
}

function integer(value: string | null, label: string): number | null {
  if (value === null) return null;
  if (!/^-?\d+$/.test(value)) throw new RecordError("invalid_type", `${label} must be an integer, got ${describe(value)}`);
  return Number(value);
}

function splitTags(value: string | null): string[] {
  if (value === null) return [];
  const out: string[] = [];
  for (const tag of value.split(/[,;]/)) {
    const clean = tag.trim();
    if (clean && !out.includes(clean)) out.push(clean);
  }
  return out;
}
