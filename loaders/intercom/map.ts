/**
 * One Intercom conversation (as `GET /conversations/{id}` or a search result returns it, or an
 * Airbyte `conversations` / `conversation_parts` record) -> a `tickets` row and `ticket_parts` rows.
 * Validation is strict about types (a wrong type rejects the record with its field named) and
 * lenient about absence (every field but id and created_at may be missing or null).
 */
import {redactText, redactValue} from "../redact.ts";
import {htmlToText} from "./html.ts";
import {describe, requiredTimestamp, timestampField} from "./time.ts";
import {RecordError, type Mapped, type PartRow, type TicketRow, type TicketSource} from "./types.ts";

type Obj = Record<string, unknown>;

const USER_AUTHORS = new Set(["user", "lead", "contact"]);
const ADDRESS = /0x[0-9a-fA-F]{40}(?![0-9a-fA-F])/;

export function isObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The Airbyte wrappers: `{stream, data}` and the protocol's `{type: "RECORD", record: {stream, data}}`. */
export function unwrapAirbyte(value: Obj): {stream: string; data: unknown} | undefined {
  const record = value.type === "RECORD" && isObject(value.record) ? value.record : value;
  if (typeof record.stream === "string" && "data" in record) return {stream: record.stream, data: record.data};
  return undefined;
}

/** Any single JSON record the files may hold: a conversation, or an Airbyte record of one or of a part. */
export function mapRecord(value: unknown, source: TicketSource): Mapped {
  if (isObject(value)) {
    const airbyte = unwrapAirbyte(value);
    if (airbyte) {
      if (airbyte.stream === "conversations") return mapConversation(airbyte.data, source);
      if (airbyte.stream === "conversation_parts") return {parts: [mapLoosePart(airbyte.data)]};
      throw new RecordError("unsupported_record", `Airbyte stream "${airbyte.stream}" holds no conversations`);
    }
  }
  return mapConversation(value, source);
}

export function mapConversation(value: unknown, source: TicketSource): Mapped {
  if (!isObject(value)) throw new RecordError("invalid_type", `expected a conversation object, got ${kind(value)}`);
  if (value.type !== undefined && value.type !== "conversation") {
    throw new RecordError("unsupported_record", `type ${describe(value.type)} is not a conversation`);
  }
  const ticketId = id(value.id, "id");
  const createdAt = requiredTimestamp(value.created_at, "created_at");
  const src = optionalObject(value.source, "source");
  const author = src ? optionalObject(src.author, "source.author") : null;
  const stats = optionalObject(value.statistics, "statistics");
  const rating = optionalObject(value.conversation_rating, "conversation_rating");
  const sla = optionalObject(value.sla_applied, "sla_applied");
  const custom = optionalObject(value.custom_attributes, "custom_attributes");
  const rawParts = listOf(value.conversation_parts, "conversation_parts", "conversation_parts");
  const parts = (rawParts ?? []).map((part, index) => mapPart(part, ticketId, `conversation_parts[${index}]`));
  const ordered = [...parts].sort((a, b) => a.created_at - b.created_at);

  const authorType = author ? lowerText(author.type, "source.author.type") : null;
  const sourceBody = src ? body(src.body, "source.body") : null;
  const sourcePart: PartRow | undefined = src
    ? {
        ticket_id: ticketId,
        part_id: "source",
        part_type: "source",
        created_at: createdAt,
        author_type: authorType,
        author_id: author ? text(author.id, "source.author.id") : null,
        author_name: author ? text(author.name, "source.author.name") : null,
        body: sourceBody,
        assigned_to: null
      }
    : undefined;

  const userOpened = authorType !== null && USER_AUTHORS.has(authorType);
  const firstUserComment = ordered.find(
    (part) => part.part_type === "comment" && part.author_type !== null && USER_AUTHORS.has(part.author_type) && part.body
  );
  const firstMessage = userOpened ? sourceBody : (firstUserComment?.body ?? sourceBody);

  const closes = ordered.filter((part) => isClose(part.part_type));
  const firstAdminReply = ordered.find(
    (part) => part.part_type === "comment" && part.author_type === "admin" && part.body && part.created_at >= createdAt
  );
  const statsTime = (field: string) => (stats ? timestampField(stats[field], `statistics.${field}`) : null);
  const statsInt = (field: string) => (stats ? integer(stats[field], `statistics.${field}`) : null);

  const assignee = optionalObject(value.assignee, "assignee");
  const adminAssignee =
    value.admin_assignee_id !== undefined
      ? assigneeId(value.admin_assignee_id, "admin_assignee_id")
      : assignee?.type === "admin"
        ? assigneeId(assignee.id, "assignee.id")
        : null;
  const teamAssignee =
    value.team_assignee_id !== undefined
      ? assigneeId(value.team_assignee_id, "team_assignee_id")
      : assignee?.type === "team"
        ? assigneeId(assignee.id, "assignee.id")
        : null;

  const updatedAt =
    timestampField(value.updated_at, "updated_at") ?? Math.max(createdAt, ...parts.map((part) => part.created_at));
  let state = lowerText(value.state, "state");
  if (state === null && typeof value.open === "boolean") state = value.open ? "open" : "closed";

  const csat = rating ? integer(rating.rating ?? rating.score, "conversation_rating.rating") : null;
  if (csat !== null && (csat < 1 || csat > 5)) throw new RecordError("invalid_value", `conversation_rating.rating ${csat} is not 1-5`);

  const ticket: TicketRow = {
    ticket_id: ticketId,
    source,
    created_at: createdAt,
    updated_at: updatedAt,
    state,
    priority: priority(value.priority),
    tier: tier(attribute(custom, "tier")),
    team: teamAssignee,
    assignee: adminAssignee,
    user_email: userEmail(author, authorType, value.contacts),
    user_wallet: wallet(attribute(custom, "wallet") ?? attribute(custom, "wallet address") ?? attribute(custom, "wallet_address")),
    contact_id: contactId(value.contacts, author, authorType),
    title: nonEmpty(plain(value.title, "title") ?? (src ? plain(src.subject, "source.subject") : null)),
    first_message: firstMessage,
    first_admin_reply_at: statsTime("first_admin_reply_at") ?? firstAdminReply?.created_at ?? null,
    first_closed_at: statsTime("first_close_at") ?? closes[0]?.created_at ?? null,
    last_closed_at: statsTime("last_close_at") ?? closes[closes.length - 1]?.created_at ?? null,
    reopens: statsInt("count_reopens") ?? (rawParts ? countReopens(ordered) : null),
    csat_rating: csat,
    csat_remark: rating ? nonEmpty(plain(rating.remark, "conversation_rating.remark")) : null,
    sla_name: sla ? text(sla.sla_name, "sla_applied.sla_name") : null,
    sla_status: sla ? lowerText(sla.sla_status, "sla_applied.sla_status") : null,
    tags: tags(value.tags),
    custom_attributes: custom ? redactValue(custom) : null,
    channel: src ? lowerText(src.type, "source.type") : null,
    delivered_as: src ? lowerText(src.delivered_as, "source.delivered_as") : null,
    waiting_since: timestampField(value.waiting_since, "waiting_since"),
    time_to_admin_reply: statsInt("time_to_admin_reply"),
    time_to_first_close: statsInt("time_to_first_close"),
    median_time_to_reply: statsInt("median_time_to_reply"),
    parts_count: statsInt("count_conversation_parts") ?? (rawParts ? rawParts.length : null)
  };
  const byId = new Map<string, PartRow>();
  if (sourcePart) byId.set(sourcePart.part_id, sourcePart);
  for (const part of parts) byId.set(part.part_id, part);
  return {ticket, parts: [...byId.values()]};
}

/** A part from Airbyte's `conversation_parts` stream, which names its conversation. */
export function mapLoosePart(value: unknown): PartRow {
  if (!isObject(value)) throw new RecordError("invalid_type", `expected a conversation part object, got ${kind(value)}`);
  return mapPart(value, id(value.conversation_id, "conversation_id"), "part");
}

function mapPart(value: unknown, ticketId: string, at: string): PartRow {
  if (!isObject(value)) throw new RecordError("invalid_type", `${at} must be an object, got ${kind(value)}`);
  const author = optionalObject(value.author, `${at}.author`);
  const partType = lowerText(value.part_type, `${at}.part_type`);
  if (partType === null) throw new RecordError("missing_field", `${at}.part_type`);
  return {
    ticket_id: ticketId,
    part_id: id(value.id, `${at}.id`),
    part_type: partType,
    created_at: requiredTimestamp(value.created_at, `${at}.created_at`),
    author_type: author ? lowerText(author.type, `${at}.author.type`) : null,
    author_id: author ? text(author.id, `${at}.author.id`) : null,
    author_name: author ? text(author.name, `${at}.author.name`) : null,
    body: body(value.body, `${at}.body`),
    assigned_to: reference(value.assigned_to, `${at}.assigned_to`)
  };
}

function isClose(partType: string): boolean {
  return partType === "close" || partType.endsWith("_and_close");
}

function isReopen(partType: string): boolean {
  return partType === "open" || partType.includes("reopen");
}

/** Reopens seen in the parts: an open-type part after a close. */
function countReopens(ordered: PartRow[]): number {
  let closed = false;
  let reopens = 0;
  for (const part of ordered) {
    if (isClose(part.part_type)) closed = true;
    else if (closed && isReopen(part.part_type)) {
      reopens++;
      closed = false;
    }
  }
  return reopens;
}

// ---- field readers: null/undefined mean absent; a present value of the wrong type rejects the record

function kind(value: unknown): string {
  return Array.isArray(value) ? "an array" : value === null ? "null" : `a ${typeof value}`;
}

function id(value: unknown, field: string): string {
  if (value === undefined || value === null || value === "") throw new RecordError("missing_field", field);
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw new RecordError("invalid_type", `${field} must be a string or number, got ${describe(value)}`);
}

function text(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new RecordError("invalid_type", `${field} must be a string, got ${describe(value)}`);
}

function lowerText(value: unknown, field: string): string | null {
  const out = text(value, field);
  return out === null || out.trim() === "" ? null : out.trim().toLowerCase();
}

function nonEmpty(value: string | null): string | null {
  return value === null || value.trim() === "" ? null : value;
}

/** HTML to plain text with secrets redacted; empty bodies are null. */
function body(value: unknown, field: string): string | null {
  const html = text(value, field);
  if (html === null) return null;
  return nonEmpty(redactText(htmlToText(html)));
}

function plain(value: unknown, field: string): string | null {
  const raw = text(value, field);
  return raw === null ? null : redactText(htmlToText(raw));
}

function integer(value: unknown, field: string): number | null {
  if (value === undefined || value === null || value === "") return null;
  const n = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw new RecordError("invalid_type", `${field} must be an integer, got ${describe(value)}`);
  }
  return n;
}

function optionalObject(value: unknown, field: string): Obj | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw new RecordError("invalid_type", `${field} must be an object, got ${describe(value)}`);
  return value;
}

/** `{type: "x.list", <key>: [...]}` as Intercom nests lists, or a bare array; null when absent. */
function listOf(value: unknown, key: string, field: string): unknown[] | null {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value;
  if (isObject(value)) {
    const inner = value[key] ?? value.data;
    if (inner === undefined || inner === null) return [];
    if (Array.isArray(inner)) return inner;
  }
  throw new RecordError("invalid_type", `${field} must be a list, got ${describe(value)}`);
}

/** admin_assignee_id / team_assignee_id: 0 and "0" mean unassigned. */
function assigneeId(value: unknown, field: string): string | null {
  if (value === undefined || value === null || value === "" || value === 0 || value === "0") return null;
  if (typeof value === "string" || (typeof value === "number" && Number.isFinite(value))) return String(value);
  throw new RecordError("invalid_type", `${field} must be a string or number, got ${describe(value)}`);
}

function reference(value: unknown, field: string): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (isObject(value)) return value.id === undefined || value.id === null ? null : id(value.id, `${field}.id`);
  return id(value, field);
}

function priority(value: unknown): string | null {
  if (value === true) return "priority";
  if (value === false) return "not_priority";
  const out = lowerText(value, "priority");
  return out === null ? null : out.replace(/[\s-]+/g, "_");
}

/** A custom attribute by case-insensitive name. */
export function attribute(custom: Obj | null, name: string): unknown {
  if (!custom) return undefined;
  if (name in custom) return custom[name];
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(custom)) if (key.trim().toLowerCase() === wanted) return value;
  return undefined;
}

const TIERS: Record<string, string> = {vip: "VIP", advanced: "advanced", standard: "standard"};

export function tier(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const raw = String(value).trim();
  if (!raw) return null;
  return TIERS[raw.toLowerCase()] ?? raw;
}

/** The first 0x address in the value, lower-case; null when there is none. */
export function wallet(value: unknown): string | null {
  if (typeof value !== "string") return null;
  return ADDRESS.exec(value)?.[0].toLowerCase() ?? null;
}

export function email(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const out = value.trim().toLowerCase();
  return out.includes("@") ? out : null;
}

function contacts(value: unknown): Obj[] {
  const list = listOf(value, "contacts", "contacts") ?? [];
  return list.filter(isObject);
}

function userEmail(author: Obj | null, authorType: string | null, contactList: unknown): string | null {
  if (author && authorType !== null && USER_AUTHORS.has(authorType)) {
    const fromAuthor = email(author.email);
    if (fromAuthor) return fromAuthor;
  }
  for (const contact of contacts(contactList)) {
    const fromContact = email(contact.email);
    if (fromContact) return fromContact;
  }
  return null;
}

function contactId(contactList: unknown, author: Obj | null, authorType: string | null): string | null {
  const first = contacts(contactList)[0];
  if (first && first.id !== undefined && first.id !== null) return id(first.id, "contacts[0].id");
  if (author && authorType !== null && USER_AUTHORS.has(authorType)) return text(author.id, "source.author.id");
  return null;
}

function tags(value: unknown): string[] {
  const list = listOf(value, "tags", "tags") ?? [];
  const out: string[] = [];
  list.forEach((tag, index) => {
    const name = isObject(tag) ? text(tag.name, `tags[${index}].name`) : text(tag, `tags[${index}]`);
    if (name && name.trim() && !out.includes(name.trim())) out.push(name.trim());
  });
  return out;
}
