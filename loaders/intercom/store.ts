/**
 * Bulk writes: mapped rows go through DuckDB appenders into temp staging tables, then one
 * set-based merge per batch (a file or an API page) inside the caller's transaction:
 * - tickets: one row per ticket_id, the newest updated_at wins; at equal updated_at the richer
 *   source wins (intercom-api > intercom-file > intercom-csv), then the first record read. A stored
 *   row is replaced only by a strictly better version, so re-running on the same input changes nothing;
 * - ticket_parts: parts of a version at least as good as the stored one are upserted by
 *   (ticket_id, part_id), and rows are only rewritten when their content differs. Parts are never
 *   deleted (the API returns at most the 500 most recent parts of a conversation).
 */
import {DuckDBTimestampTZValue, LIST, listValue, VARCHAR, type DuckDBAppender} from "@duckdb/node-api";
import type {Warehouse} from "../warehouse/connection.ts";
import type {PartRow, TicketRow} from "./types.ts";

const TICKET_COLUMNS = [
  ["ticket_id", "VARCHAR"],
  ["source", "VARCHAR"],
  ["created_at", "TIMESTAMPTZ"],
  ["updated_at", "TIMESTAMPTZ"],
  ["state", "VARCHAR"],
  ["priority", "VARCHAR"],
  ["tier", "VARCHAR"],
  ["team", "VARCHAR"],
  ["assignee", "VARCHAR"],
  ["user_email", "VARCHAR"],
  ["user_wallet", "VARCHAR"],
  ["contact_id", "VARCHAR"],
  ["title", "VARCHAR"],
  ["first_message", "VARCHAR"],
  ["first_admin_reply_at", "TIMESTAMPTZ"],
  ["first_closed_at", "TIMESTAMPTZ"],
  ["last_closed_at", "TIMESTAMPTZ"],
  ["reopens", "INTEGER"],
  ["csat_rating", "INTEGER"],
  ["csat_remark", "VARCHAR"],
  ["sla_name", "VARCHAR"],
  ["sla_status", "VARCHAR"],
  ["tags", "VARCHAR[]"],
  ["custom_attributes", "JSON"],
  ["channel", "VARCHAR"],
  ["delivered_as", "VARCHAR"],
  ["waiting_since", "TIMESTAMPTZ"],
  ["time_to_admin_reply", "INTEGER"],
  ["time_to_first_close", "INTEGER"],
  ["median_time_to_reply", "INTEGER"],
  ["parts_count", "INTEGER"]
] as const satisfies readonly (readonly [keyof TicketRow, string])[];

const PART_COLUMNS = [
  ["ticket_id", "VARCHAR"],
  ["part_id", "VARCHAR"],
  ["part_type", "VARCHAR"],
  ["created_at", "TIMESTAMPTZ"],
  ["author_type", "VARCHAR"],
  ["author_id", "VARCHAR"],
  ["author_name", "VARCHAR"],
  ["body", "VARCHAR"],
  ["assigned_to", "VARCHAR"]
] as const satisfies readonly (readonly [keyof PartRow, string])[];

const TAGS_TYPE = LIST(VARCHAR);

/** At equal updated_at the richer source wins: the API (parts, statistics) over files over the CSV export. */
const rank = (column: string) =>
  `CASE ${column} WHEN 'intercom-api' THEN 3 WHEN 'intercom-file' THEN 2 WHEN 'intercom-csv' THEN 1 ELSE 0 END`;

const names = (columns: readonly (readonly [string, string])[]) => columns.map(([name]) => name);
const ticketNames = names(TICKET_COLUMNS);
const partNames = names(PART_COLUMNS);
/** Columns compared to decide whether an existing part changed. */
const partData = partNames.filter((name) => name !== "ticket_id" && name !== "part_id");

export class TicketStore {
  private tickets?: DuckDBAppender;
  private parts?: DuckDBAppender;
  private staged = 0;

  private constructor(private readonly warehouse: Warehouse) {}

  static async create(warehouse: Warehouse): Promise<TicketStore> {
    const stageType = (type: string) => (type === "JSON" ? "VARCHAR" : type);
    await warehouse.run(`
      CREATE OR REPLACE TEMP TABLE intercom_stage_tickets (seq BIGINT,
        ${TICKET_COLUMNS.map(([name, type]) => `${name} ${stageType(type)}`).join(", ")});
      CREATE OR REPLACE TEMP TABLE intercom_stage_parts (seq BIGINT, standalone BOOLEAN,
        ${PART_COLUMNS.map(([name, type]) => `${name} ${type}`).join(", ")});`);
    return new TicketStore(warehouse);
  }

  /** Empties the staging tables and opens appenders for a new batch. */
  async begin(): Promise<void> {
    await this.warehouse.run("DELETE FROM intercom_stage_tickets; DELETE FROM intercom_stage_parts;");
    this.tickets = await this.warehouse.connection.createAppender("intercom_stage_tickets", "main", "temp");
    this.parts = await this.warehouse.connection.createAppender("intercom_stage_parts", "main", "temp");
    this.staged = 0;
  }

  get size(): number {
    return this.staged;
  }

  /** Stages one record's rows; `seq` orders records within the batch (ties on updated_at keep the lowest). */
  add(seq: number, ticket: TicketRow | undefined, parts: PartRow[]): void {
    const tickets = this.tickets!;
    const appendParts = this.parts!;
    if (ticket) {
      tickets.appendBigInt(BigInt(seq));
      for (const [name, type] of TICKET_COLUMNS) appendValue(tickets, type, ticket[name]);
      tickets.endRow();
    }
    for (const part of parts) {
      appendParts.appendBigInt(BigInt(seq));
      appendParts.appendBoolean(ticket === undefined);
      for (const [name, type] of PART_COLUMNS) appendValue(appendParts, type, part[name]);
      appendParts.endRow();
    }
    this.staged++;
  }

  /** Flushes the appenders; call before the batch's transaction. */
  close(): void {
    for (const appender of [this.tickets, this.parts]) {
      appender?.flushSync();
      appender?.closeSync();
    }
    this.tickets = this.parts = undefined;
  }

  /**
   * Merges the staged batch into tickets and ticket_parts; returns how many tickets were new.
   * Run inside the batch's transaction. Updated tickets get category NULL (recategorize fills it).
   */
  async merge(runId: number): Promise<number> {
    this.close();
    const w = this.warehouse;
    await w.run(`CREATE OR REPLACE TEMP TABLE intercom_stage_win AS
      SELECT * FROM intercom_stage_tickets
      QUALIFY row_number() OVER (PARTITION BY ticket_id ORDER BY updated_at DESC, ${rank("source")} DESC, seq) = 1`);
    const fresh = await w.one<{n: bigint}>(
      `SELECT count(*) AS n FROM intercom_stage_win s WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.ticket_id = s.ticket_id)`
    );
    // Parts first, while tickets still holds the old updated_at to compare against.
    await w.run(`INSERT INTO ticket_parts (${partNames.join(", ")})
      SELECT ${partNames.map((name) => `p.${name}`).join(", ")}
      FROM intercom_stage_parts p
      LEFT JOIN intercom_stage_win s ON s.ticket_id = p.ticket_id
      LEFT JOIN tickets t ON t.ticket_id = p.ticket_id
      WHERE p.standalone OR (p.seq = s.seq AND (t.ticket_id IS NULL OR t.updated_at < s.updated_at
        OR (t.updated_at = s.updated_at AND ${rank("t.source")} <= ${rank("s.source")})))
      QUALIFY row_number() OVER (PARTITION BY p.ticket_id, p.part_id ORDER BY p.standalone, p.seq DESC) = 1
      ON CONFLICT (ticket_id, part_id) DO UPDATE SET ${partData.map((name) => `${name} = excluded.${name}`).join(", ")}
      WHERE row(${partData.map((name) => `ticket_parts.${name}`).join(", ")})
        IS DISTINCT FROM row(${partData.map((name) => `excluded.${name}`).join(", ")})`);
    const updatable = ticketNames.filter((name) => name !== "ticket_id");
    await w.run(
      `INSERT INTO tickets (${ticketNames.join(", ")}, category, run_id)
      SELECT ${ticketNames.map((name) => (name === "custom_attributes" ? "custom_attributes::JSON" : name)).join(", ")}, NULL, $1
      FROM intercom_stage_win
      ON CONFLICT (ticket_id) DO UPDATE SET ${updatable.map((name) => `${name} = excluded.${name}`).join(", ")},
        category = NULL, run_id = excluded.run_id
      WHERE excluded.updated_at > tickets.updated_at
        OR (excluded.updated_at = tickets.updated_at AND ${rank("excluded.source")} > ${rank("tickets.source")})`,
      [runId]
    );
    return Number(fresh?.n ?? 0);
  }

  /** Drops the staging tables (they would otherwise show up next to the warehouse's own tables until the connection closes). */
  async dispose(): Promise<void> {
    this.close();
    await this.warehouse.run(
      "DROP TABLE IF EXISTS intercom_stage_tickets; DROP TABLE IF EXISTS intercom_stage_parts; DROP TABLE IF EXISTS intercom_stage_win;"
    );
  }

  /** The stored updated_at (ms) and source of these tickets, to skip re-fetching unchanged conversations. */
  async stored(ids: string[]): Promise<Map<string, {updatedAt: number; source: string}>> {
    const out = new Map<string, {updatedAt: number; source: string}>();
    if (ids.length === 0) return out;
    const rows = await this.warehouse.all<{ticket_id: string; ms: bigint | number; source: string}>(
      `SELECT ticket_id, epoch_ms(updated_at) AS ms, source FROM tickets WHERE list_contains($1::VARCHAR[], ticket_id)`,
      [listValue(ids)]
    );
    for (const row of rows) out.set(row.ticket_id, {updatedAt: Number(row.ms), source: row.source});
    return out;
  }
}

function appendValue(appender: DuckDBAppender, type: string, value: unknown): void {
  if (value === null || value === undefined) {
    appender.appendNull();
    return;
  }
  switch (type) {
    case "TIMESTAMPTZ":
      appender.appendTimestampTZ(new DuckDBTimestampTZValue(BigInt(value as number) * 1000n));
      return;
    case "INTEGER":
      appender.appendInteger(value as number);
      return;
    case "VARCHAR[]":
      appender.appendList(value as string[], TAGS_TYPE);
      return;
    case "JSON":
      appender.appendVarchar(JSON.stringify(value));
      return;
    default:
      appender.appendVarchar(value as string);
  }
}
