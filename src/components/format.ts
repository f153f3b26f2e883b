/**
 * Formatting shared by the pages: counts, UTC dates and ranges, plurals. Everything is shown in
 * UTC, the time zone of the warehouse and of the raw logs, so a timestamp on a page can be
 * pasted into a log search as is.
 */

const counts = new Intl.NumberFormat("en-US");
// Fixed English month abbreviations: the same "6 Sep 2026" in every browser and locale.
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const dayNoYear = {format: (d: Date) => `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`};
const day = {format: (d: Date) => `${dayNoYear.format(d)} ${d.getUTCFullYear()}`};
const pad = (n: number) => String(n).padStart(2, "0");
const time = {format: (d: Date) => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`};

type DateLike = Date | string | number | null | undefined;

function toDate(value: DateLike): Date | null {
  if (value == null || value === "") return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** 12,345 */
export function formatCount(value: number | bigint | null | undefined): string {
  return value == null ? "–" : counts.format(value);
}

/** "1 ticket", "2 tickets" (the plural form defaults to adding "s"). */
export function plural(value: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(value)} ${value === 1 ? singular : pluralForm}`;
}

/** 14 Sep 2026 */
export function formatDate(value: DateLike): string {
  const date = toDate(value);
  return date ? day.format(date) : "–";
}

/** 14 Sep 2026, 12:00 UTC */
export function formatDateTime(value: DateLike): string {
  const date = toDate(value);
  return date ? `${day.format(date)}, ${time.format(date)} UTC` : "–";
}

/** "3 Aug – 14 Sep 2026", "3 Aug 2025 – 14 Sep 2026", or one date when both fall on the same day. */
export function formatRange(from: DateLike, to: DateLike): string {
  const a = toDate(from);
  const b = toDate(to);
  if (!a || !b) return "–";
  if (day.format(a) === day.format(b)) return day.format(a);
  const sameYear = a.getUTCFullYear() === b.getUTCFullYear();
  return `${sameYear ? dayNoYear.format(a) : day.format(a)} – ${day.format(b)}`;
}

/** 0.4 s, 12 s, 3 min 20 s, 1 h 05 min */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return "–";
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.round(seconds % 60)).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** 37% (whole percent; "<1%" for small non-zero shares). */
export function formatShare(part: number, whole: number): string {
  if (!whole) return "–";
  const share = (100 * part) / whole;
  return share > 0 && share < 1 ? "<1%" : `${Math.round(share)}%`;
}
