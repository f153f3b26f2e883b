/**
 * One Gamma API market object -> the rows of `markets`, `market_tokens` and `gamma_events`.
 * Gamma sends `outcomes`, `outcomePrices`, `clobTokenIds` and `umaResolutionStatuses` as
 * JSON-encoded strings (`"[\"Yes\", \"No\"]"`); arrays are accepted too. A market that cannot be
 * tied to its condition and outcome tokens is a MarketRecordError (quarantined, never half-loaded).
 */

export class MarketRecordError extends Error {
  /** `reason` is `code: details` (rejects.reason). */
  constructor(readonly reason: string) {
    super(reason);
    this.name = "MarketRecordError";
  }
}

export interface MarketRow {
  id: string;
  conditionId: string;
  questionId: string | null;
  slug: string | null;
  question: string;
  description: string | null;
  resolutionSource: string | null;
  category: string | null;
  eventId: string | null;
  outcomes: string[];
  outcomePrices: number[] | null;
  clobTokenIds: string[];
  startDate: string | null;
  endDate: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  closedTime: string | null;
  active: boolean | null;
  closed: boolean | null;
  archived: boolean | null;
  acceptingOrders: boolean | null;
  tickSize: number | null;
  minSize: number | null;
  negRisk: boolean | null;
  umaResolutionStatus: string | null;
  umaResolutionStatuses: string[] | null;
  volume: number | null;
  version: string | null;
}

export interface EventRow {
  id: string;
  slug: string | null;
  title: string | null;
  description: string | null;
  startDate: string | null;
  endDate: string | null;
  negRisk: boolean | null;
  closed: boolean | null;
}

export interface ParsedMarket {
  market: MarketRow;
  events: EventRow[];
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const TOKEN_ID = /^[0-9]{1,78}$/;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

function text(value: unknown): string | null {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return null;
}

function bool(record: Json, field: string): boolean | null {
  const value = record[field];
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value;
  throw new MarketRecordError(`wrong_type: ${field} is ${JSON.stringify(value)}, not a boolean`);
}

/** Gamma sends numbers as numbers or decimal strings ("0.01", "123456.78"). */
function number(record: Json, field: string): number | null {
  const value = record[field];
  if (value === null || value === undefined || value === "") return null;
  const parsed = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
  if (!Number.isFinite(parsed)) throw new MarketRecordError(`wrong_type: ${field} is ${JSON.stringify(value)}, not a number`);
  return parsed;
}

/** An ISO-8601 time as Gamma sends it ("2026-10-01T12:00:00Z", "2026-10-01"), normalised to UTC ISO. */
function time(record: Json, field: string): string | null {
  const value = record[field];
  if (value === null || value === undefined || value === "") return null;
  // closedTime comes as "2026-10-01 12:00:00+00": make it ISO-8601 first.
  const iso = typeof value === "string" ? value.replace(/^(\d{4}-\d\d-\d\d) (\d)/, "$1T$2").replace(/([+-]\d\d)$/, "$1:00") : "";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new MarketRecordError(`wrong_type: ${field} is ${JSON.stringify(value)}, not a date`);
  return new Date(ms).toISOString();
}

/** A list field: a JSON-encoded string (Gamma's way) or an array. */
function list(record: Json, field: string): unknown[] | null {
  const value = record[field];
  if (value === null || value === undefined || value === "") return null;
  if (Array.isArray(value)) return value;
  if (typeof value !== "string") throw new MarketRecordError(`wrong_type: ${field} is neither a JSON-encoded list nor a list`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new MarketRecordError(`invalid_json: ${field} is not a JSON-encoded list: ${value.slice(0, 80)}`);
  }
  if (!Array.isArray(parsed)) throw new MarketRecordError(`wrong_type: ${field} does not encode a list`);
  return parsed;
}

function required(record: Json, field: string): string {
  const value = text(record[field]);
  if (value === null) throw new MarketRecordError(`missing_field: ${field}`);
  return value;
}

function parseEvent(raw: unknown): EventRow | null {
  if (!isObject(raw)) return null;
  const id = text(raw.id);
  if (id === null) return null;
  return {
    id,
    slug: text(raw.slug),
    title: text(raw.title),
    description: text(raw.description),
    startDate: time(raw, "startDate"),
    endDate: time(raw, "endDate"),
    negRisk: bool(raw, "negRisk"),
    closed: bool(raw, "closed")
  };
}

export function parseGammaMarket(raw: unknown): ParsedMarket {
  if (!isObject(raw)) throw new MarketRecordError("wrong_type: a market must be a JSON object");
  const id = required(raw, "id");
  const conditionId = required(raw, "conditionId");
  if (!HEX32.test(conditionId)) throw new MarketRecordError(`wrong_type: conditionId ${conditionId} is not 32 bytes of hex`);
  const questionId = text(raw.questionID);
  if (questionId !== null && !HEX32.test(questionId)) throw new MarketRecordError(`wrong_type: questionID ${questionId} is not 32 bytes of hex`);
  const question = required(raw, "question");
  const outcomes = (list(raw, "outcomes") ?? []).map(String);
  const tokens = (list(raw, "clobTokenIds") ?? []).map(String);
  if (outcomes.length === 0) throw new MarketRecordError("missing_field: outcomes");
  if (tokens.length !== outcomes.length)
    throw new MarketRecordError(`wrong_type: ${tokens.length} clobTokenIds for ${outcomes.length} outcomes`);
  const badToken = tokens.find((token) => !TOKEN_ID.test(token));
  if (badToken !== undefined) throw new MarketRecordError(`wrong_type: clobTokenIds holds ${JSON.stringify(badToken)}, not a decimal token id`);
  const prices = list(raw, "outcomePrices")?.map(Number) ?? null;
  if (prices && (prices.length !== outcomes.length || prices.some((price) => !Number.isFinite(price))))
    throw new MarketRecordError(`wrong_type: outcomePrices ${JSON.stringify(raw.outcomePrices)} does not price each outcome`);
  const events = (Array.isArray(raw.events) ? raw.events : []).map(parseEvent).filter((event): event is EventRow => event !== null);
  return {
    market: {
      id,
      conditionId: conditionId.toLowerCase(),
      questionId: questionId?.toLowerCase() ?? null,
      slug: text(raw.slug),
      question,
      description: text(raw.description),
      resolutionSource: text(raw.resolutionSource),
      category: text(raw.category),
      eventId: events[0]?.id ?? null,
      outcomes,
      outcomePrices: prices,
      clobTokenIds: tokens,
      startDate: time(raw, "startDate"),
      endDate: time(raw, "endDate"),
      createdAt: time(raw, "createdAt"),
      updatedAt: time(raw, "updatedAt"),
      closedTime: time(raw, "closedTime"),
      active: bool(raw, "active"),
      closed: bool(raw, "closed"),
      archived: bool(raw, "archived"),
      acceptingOrders: bool(raw, "acceptingOrders"),
      tickSize: number(raw, "orderPriceMinTickSize"),
      minSize: number(raw, "orderMinSize"),
      negRisk: bool(raw, "negRisk"),
      umaResolutionStatus: text(raw.umaResolutionStatus),
      umaResolutionStatuses: list(raw, "umaResolutionStatuses")?.map(String) ?? null,
      volume: number(raw, "volume"),
      version: text(raw.version)
    },
    events
  };
}
