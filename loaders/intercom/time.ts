/**
 * Timestamps as Intercom and its exports write them, normalised to UTC epoch milliseconds:
 * unix seconds (the API), unix milliseconds (some exports and webhooks), numeric strings of
 * either, and ISO-8601 with `Z`, an offset (`+02:00`, `+0200`) or no zone (read as UTC, like the
 * CSV export's `2017-11-14 21:45:08`).
 */
import {RecordError} from "./types.ts";

/** Below this a number is unix seconds, at or above it milliseconds (1e11 s is the year 5138). */
const MILLIS_THRESHOLD = 1e11;
/** Plausible range for support data: 2000-01-01 .. 2100-01-01 (UTC). */
const MIN_MS = Date.UTC(2000, 0, 1);
const MAX_MS = Date.UTC(2100, 0, 1);

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$/;

/** Parses one timestamp; returns undefined when the text is not a timestamp at all. */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? fromEpoch(value) : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return fromEpoch(Number(text));
  const match = ISO.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "", zone = "Z"] = match;
  let offset = "Z";
  if (/^[+-]/.test(zone)) {
    const digits = zone.slice(1).replace(":", "");
    offset = `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || "00"}`;
  }
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac.slice(0, 4)}${offset}`);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2026-02-31 over to March; a real timestamp round-trips its calendar date.
  if (!validCalendarDate(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s))) return undefined;
  return ms;
}

function validCalendarDate(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 60) return false;
  return d >= 1 && d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

function fromEpoch(n: number): number {
  return Math.round(n >= MILLIS_THRESHOLD ? n : n * 1000);
}

/**
 * A timestamp field of a record: undefined/null/"" stay null (absent), anything else must be a
 * timestamp in the plausible range or the record is rejected with `invalid_type`/`invalid_value`.
 */
export function timestampField(value: unknown, field: string): number | null {
  if (value === undefined || value === null || value === "") return null;
  const ms = parseTimestamp(value);
  if (ms === undefined) {
    throw new RecordError(
      "invalid_type",
      `${field} must be unix seconds, unix milliseconds or ISO-8601, got ${describe(value)}`
    );
  }
  if (ms < MIN_MS || ms >= MAX_MS) {
    throw new RecordError("invalid_value", `${field} ${describe(value)} is ${new Date(ms).toISOString()}, outside 2000..2100`);
  }
  return ms;
}

export function requiredTimestamp(value: unknown, field: string): number {
  const ms = timestampField(value, field);
  if (ms === null) throw new RecordError("missing_field", field);
  return ms;
}

export function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
