/** `--format json|md|table` for every command that reports rows. */
import {UsageError} from "../loaders/errors.ts";

export type Format = "json" | "md" | "table";
export const FORMATS: Format[] = ["json", "md", "table"];

export function parseFormat(value: string | undefined, fallback: Format = "table"): Format {
  if (value === undefined) return fallback;
  if (!(FORMATS as string[]).includes(value)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got "${value}"`);
  return value as Format;
}

type Cell = unknown;

function text(value: Cell): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "object") return JSON.stringify(value, (_key, inner) => (typeof inner === "bigint" ? inner.toString() : inner));
  return String(value);
}

export function formatRows(rows: Record<string, Cell>[], format: Format): string {
  if (format === "json")
    return JSON.stringify(rows, (_key, value) => (typeof value === "bigint" ? value.toString() : value), 2);
  if (rows.length === 0) return "(no rows)";
  const columns = Object.keys(rows[0]);
  const cells = rows.map((row) => columns.map((column) => text(row[column])));
  if (format === "md") {
    const escape = (cell: string) => cell.replace(/\|/g, "\\|").replace(/\n/g, " ");
    return [
      `| ${columns.join(" | ")} |`,
      `| ${columns.map(() => "---").join(" | ")} |`,
      ...cells.map((row) => `| ${row.map(escape).join(" | ")} |`)
    ].join("\n");
  }
  const widths = columns.map((column, i) => Math.min(60, Math.max(column.length, ...cells.map((row) => row[i].length))));
  const fit = (cell: string, width: number) => (cell.length > width ? `${cell.slice(0, width - 1)}…` : cell.padEnd(width));
  return [
    columns.map((column, i) => fit(column, widths[i])).join("  "),
    widths.map((width) => "-".repeat(width)).join("  "),
    ...cells.map((row) => row.map((cell, i) => fit(cell, widths[i])).join("  "))
  ].join("\n");
}
