/**
 * SLA clocks: how many minutes of a clock elapse between two instants, and when a clock reaches a
 * target. A clock is either calendar time ("24/7": every minute counts) or office hours: weekly
 * opening ranges in an IANA time zone, minus holidays (local dates), so 09:00-17:00 in
 * America/New_York stays 09:00-17:00 local across daylight-saving changes. Pauses (snoozed
 * periods) can be taken out of either clock. Pure functions over epoch milliseconds; no I/O.
 */

export interface Interval {
  /** epoch ms, inclusive */
  start: number;
  /** epoch ms, exclusive */
  end: number;
}

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export type ClockSpec =
  | {clock: "24/7"}
  | {
      clock: "office_hours";
      /** IANA time zone of the office, e.g. "America/New_York" */
      timezone: string;
      /** opening ranges per local weekday, "HH:MM-HH:MM" (end may be 24:00); missing day = closed */
      weekly: Partial<Record<Weekday, string[]>>;
      /** closed local dates: "YYYY-MM-DD" once, or "MM-DD" every year */
      holidays?: string[];
    };

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** How far ahead `deadline` looks before giving up (a clock with almost no opening hours). */
const MAX_SEARCH_DAYS = 3_660;

export class ClockError extends Error {}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric"
      });
    } catch {
      throw new ClockError(`unknown time zone "${timeZone}"`);
    }
    formatters.set(timeZone, format);
  }
  return format;
}

const QUARTER_HOUR_MS = 15 * 60_000;
const offsets = new Map<string, number>();

/**
 * The zone's UTC offset (ms) at `utcMs`. Offsets are whole quarter hours and change on quarter-hour
 * boundaries, so one lookup per zone and quarter hour is exact (and spares most Intl calls).
 */
function offsetAt(timeZone: string, utcMs: number): number {
  const bucket = Math.floor(utcMs / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
  const key = `${timeZone}|${bucket}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const parts: Record<string, number> = {};
    for (const part of formatter(timeZone).formatToParts(new Date(bucket))) {
      if (part.type !== "literal") parts[part.type] = Number(part.value);
    }
    offset = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - bucket;
    if (offsets.size > 100_000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

/** The wall-clock time in `timeZone` at `utcMs`, as if it were UTC (epoch ms). */
function wallClock(timeZone: string, utcMs: number): number {
  return utcMs + offsetAt(timeZone, utcMs);
}

/** The UTC instant of a local wall-clock time (`wall` as if UTC). In a DST gap, the later offset wins. */
function toUtc(timeZone: string, wall: number): number {
  let utc = wall - (wallClock(timeZone, wall) - wall);
  const offset = wallClock(timeZone, utc) - utc;
  if (wall - offset !== utc) utc = wall - offset;
  return utc;
}

function parseRange(range: string): [number, number] {
  const match = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(range.trim());
  if (!match) throw new ClockError(`opening range must look like "09:00-17:00", got "${range}"`);
  const [from, to] = [Number(match[1]) * 60 + Number(match[2]), Number(match[3]) * 60 + Number(match[4])];
  if (Number(match[2]) > 59 || Number(match[4]) > 59 || from >= to || to > 24 * 60) {
    throw new ClockError(`opening range "${range}" must run forwards within one day (00:00-24:00)`);
  }
  return [from, to];
}

export interface Clock {
  /** "24/7" or "office hours (America/New_York)": how durations under this clock are labelled */
  readonly label: string;
  /** Clock minutes between two instants, pauses excluded (0 when `to` <= `from`). */
  elapsedMinutes(from: number, to: number, pauses?: Interval[]): number;
  /** The instant the clock, started at `from`, reaches `minutes` (null if not within ten years). */
  deadline(from: number, minutes: number, pauses?: Interval[]): number | null;
}

/** `intervals` (sorted, disjoint) minus `pauses` (any order, may overlap). */
function subtract(intervals: Interval[], pauses: Interval[] = []): Interval[] {
  if (pauses.length === 0) return intervals;
  const sorted = [...pauses].sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const interval of intervals) {
    let cursor = interval.start;
    for (const pause of sorted) {
      if (pause.end <= cursor || pause.start >= interval.end) continue;
      if (pause.start > cursor) out.push({start: cursor, end: pause.start});
      cursor = Math.max(cursor, pause.end);
      if (cursor >= interval.end) break;
    }
    if (cursor < interval.end) out.push({start: cursor, end: interval.end});
  }
  return out;
}

class CalendarClock implements Clock {
  readonly label = "24/7";
  elapsedMinutes(from: number, to: number, pauses?: Interval[]): number {
    if (to <= from) return 0;
    return subtract([{start: from, end: to}], pauses).reduce((sum, i) => sum + (i.end - i.start), 0) / MINUTE_MS;
  }
  deadline(from: number, minutes: number, pauses?: Interval[]): number | null {
    return walk([{start: from, end: from + MAX_SEARCH_DAYS * DAY_MS}], minutes, pauses);
  }
}

/** Walks working intervals from their start until `minutes` of them have passed. */
function walk(intervals: Iterable<Interval>, minutes: number, pauses?: Interval[]): number | null {
  let left = minutes * MINUTE_MS;
  // a pause that never ends stops the clock for good: no need to look further
  const stop = Math.min(...(pauses ?? []).filter((p) => p.end === Infinity).map((p) => p.start));
  for (const working of intervals) {
    if (working.start >= stop) return null;
    for (const free of subtract([working], pauses)) {
      const length = free.end - free.start;
      if (left <= length) return free.start + left;
      left -= length;
    }
  }
  return null;
}

class OfficeClock implements Clock {
  readonly label: string;
  private readonly weekly: [number, number][][];
  private readonly holidays: Set<string>;
  private readonly days = new Map<number, Interval[]>();

  constructor(private readonly spec: Extract<ClockSpec, {clock: "office_hours"}>) {
    formatter(spec.timezone); // validates the zone
    this.label = `office hours (${spec.timezone})`;
    this.weekly = WEEKDAYS.map((day) => (spec.weekly[day] ?? []).map(parseRange).sort((a, b) => a[0] - b[0]));
    if (this.weekly.every((ranges) => ranges.length === 0)) throw new ClockError("office hours with no opening hours on any day");
    this.weekly.forEach((ranges, day) => {
      for (let i = 1; i < ranges.length; i++) {
        if (ranges[i][0] < ranges[i - 1][1]) throw new ClockError(`overlapping opening ranges on ${WEEKDAYS[day]}`);
      }
    });
    for (const holiday of spec.holidays ?? []) {
      if (!/^(\d{4}-)?\d{2}-\d{2}$/.test(holiday)) throw new ClockError(`holiday must be "YYYY-MM-DD" or "MM-DD", got "${holiday}"`);
    }
    this.holidays = new Set(spec.holidays ?? []);
  }

  /** Opening intervals (UTC) of the local date whose midnight-as-UTC is `day`. */
  private openOn(day: number): Interval[] {
    let intervals = this.days.get(day);
    if (!intervals) {
      const date = new Date(day).toISOString().slice(0, 10);
      const closed = this.holidays.has(date) || this.holidays.has(date.slice(5));
      intervals = closed
        ? []
        : this.weekly[new Date(day).getUTCDay()].map(([from, to]) => ({
            start: toUtc(this.spec.timezone, day + from * MINUTE_MS),
            end: toUtc(this.spec.timezone, day + to * MINUTE_MS)
          }));
      this.days.set(day, intervals);
    }
    return intervals;
  }

  /** Local date (midnight as UTC) of an instant. */
  private localDay(utc: number): number {
    const wall = wallClock(this.spec.timezone, utc);
    return wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);
  }

  /** Opening intervals from the local day before `from` onwards, clipped to start at `from`. */
  private *openFrom(from: number, lastDay = Infinity): Generator<Interval> {
    const first = this.localDay(from) - DAY_MS;
    for (let day = first; day <= lastDay && day < first + MAX_SEARCH_DAYS * DAY_MS; day += DAY_MS) {
      for (const interval of this.openOn(day)) {
        if (interval.end > from) yield {start: Math.max(interval.start, from), end: interval.end};
      }
    }
  }

  elapsedMinutes(from: number, to: number, pauses?: Interval[]): number {
    if (to <= from) return 0;
    const clipped: Interval[] = [];
    for (const interval of this.openFrom(from, this.localDay(to) + DAY_MS)) {
      if (interval.start < to) clipped.push({start: interval.start, end: Math.min(interval.end, to)});
    }
    return subtract(clipped, pauses).reduce((sum, i) => sum + (i.end - i.start), 0) / MINUTE_MS;
  }

  deadline(from: number, minutes: number, pauses?: Interval[]): number | null {
    return walk(this.openFrom(from), minutes, pauses);
  }
}

export function makeClock(spec: ClockSpec): Clock {
  if (spec.clock === "24/7") return new CalendarClock();
  if (spec.clock === "office_hours") return new OfficeClock(spec);
  throw new ClockError(`clock must be "24/7" or "office_hours", got "${(spec as {clock: unknown}).clock}"`);
}
