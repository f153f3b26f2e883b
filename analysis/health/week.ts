/**
 * ISO weeks in UTC ("2026-W46" = Monday 2026-11-09 00:00Z up to Monday 2026-11-16 00:00Z), the
 * cohort key of the health metrics. Same labels as DuckDB's `strftime(ts AT TIME ZONE 'UTC', '%G-W%V')`.
 */
import {UsageError} from "../../loaders/errors.ts";

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

export interface IsoWeek {
  /** "2026-W46" */
  label: string;
  /** Monday 00:00 UTC (inclusive) */
  start: Date;
  /** the next Monday 00:00 UTC (exclusive) */
  end: Date;
}

/** Monday 00:00 UTC of ISO week 1 of `year` (the week holding 4 January). */
function week1Monday(year: number): number {
  const jan4 = Date.UTC(year, 0, 4);
  const isoDay = (new Date(jan4).getUTCDay() + 6) % 7; // Monday = 0
  return jan4 - isoDay * DAY_MS;
}

function weeksInYear(year: number): number {
  return Math.round((week1Monday(year + 1) - week1Monday(year)) / WEEK_MS);
}

export function parseWeek(label: string): IsoWeek {
  const match = /^(\d{4})-W(\d{2})$/.exec(label);
  const year = match ? Number(match[1]) : NaN;
  const week = match ? Number(match[2]) : NaN;
  if (!match || week < 1 || week > weeksInYear(year)) {
    throw new UsageError(`--week must be an ISO week like 2026-W46, got "${label}"`);
  }
  const start = week1Monday(year) + (week - 1) * WEEK_MS;
  return {label, start: new Date(start), end: new Date(start + WEEK_MS)};
}

/** The ISO week (UTC) an instant falls in. */
export function weekOf(instant: Date): IsoWeek {
  const day = Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth(), instant.getUTCDate());
  const monday = day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
  const thursday = new Date(monday + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.round((monday - week1Monday(year)) / WEEK_MS) + 1;
  return {label: `${year}-W${String(week).padStart(2, "0")}`, start: new Date(monday), end: new Date(monday + WEEK_MS)};
}

/** `week` shifted by `offset` weeks (negative = earlier). */
export function shiftWeek(week: IsoWeek, offset: number): IsoWeek {
  return weekOf(new Date(week.start.getTime() + offset * WEEK_MS));
}

/** The `count` weeks ending with `last`, oldest first. */
export function weeksEnding(last: IsoWeek, count: number): IsoWeek[] {
  return Array.from({length: count}, (_, i) => shiftWeek(last, i - count + 1));
}
