/**
 * What every `workbench report` subcommand shares: the Report shape, rendering a titled report as
 * Markdown or text tables, number formats, and opening the warehouse.
 */
import {Warehouse} from "../../../loaders/warehouse/connection.ts";
import type {CommandContext} from "../../command.ts";
import {formatRows, type Format} from "../../output.ts";

export interface Report {
  name: string;
  summary: string;
  usage: string;
  run(context: CommandContext): Promise<void>;
}

/** A titled block of rows: rendered as a Markdown section or a text table. */
export interface Section {
  title: string;
  note?: string;
  rows: Record<string, unknown>[];
}

export function render(title: string, intro: string[], sections: Section[], format: Format): string {
  if (format === "md") {
    return [
      `# ${title}`,
      "",
      ...intro.map((line) => `${line}  `),
      ...sections.flatMap((s) => ["", `## ${s.title}`, ...(s.note ? ["", s.note] : []), "", formatRows(s.rows, "md")])
    ].join("\n");
  }
  return [title, ...intro, ...sections.flatMap((s) => ["", `${s.title}${s.note ? ` (${s.note})` : ""}`, formatRows(s.rows, "table")])].join("\n");
}

export const pct = (value: number | null) => (value === null ? "–" : `${(value * 100).toFixed(1)}%`);
export const minutes = (value: number | null) => (value === null ? "–" : value.toFixed(1));
export const signed = (value: number | null, unit: (v: number) => string) =>
  value === null ? "–" : `${value > 0 ? "+" : value < 0 ? "−" : "±"}${unit(Math.abs(value))}`;

export async function withWarehouse<T>(context: CommandContext, work: (warehouse: Warehouse) => Promise<T>): Promise<T> {
  const warehouse = await Warehouse.open(context.db, {waitSeconds: context.waitSeconds});
  try {
    return await work(warehouse);
  } finally {
    warehouse.close();
  }
}

