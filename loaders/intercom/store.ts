/**
 * Bulk writes. Mapped rows are written as CSV to temporary files (cheap string building on the
 * JavaScript side), which DuckDB reads into temp staging tables with its parallel CSV reader; then
 * one set-based merge per chunk runs inside the caller's transaction. `merge()` snapshots the
 * staged files synchronously and returns a promise, so the caller can parse the next chunk while
 * DuckDB merges this one on its own threads.
 * - tickets: one row per ticket_id, the newest updated_at wins; at equal updated_at the richer
 *   source wins (intercom-api > intercom-file > intercom-csv), then the first record read. A stored
 *   row is replaced only by a strictly better version, so re-running on the same input changes nothing;
 * - ticket_parts: parts of a version at least as good as the stored one are upserted by
 *   (ticket_id, part_id), and rows are only rewritten when their content differs. Parts are never
 *   deleted (the API returns at most the 500 most recent parts of a conversation).
 */
import {closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {Warehouse} from "../warehouse/connection.ts";
import type {PartRow, TicketRow} from "./types.ts";

type Column<K> = readonly [K, "VARCHAR" | "TIMESTAMPTZ" | "INTEGER" | "VARCHAR[]" | "JSON"];

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
] as const satisfies readonly Column<keyof TicketRow>[];

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
] as const satisfies readonly Column<keyof PartRow>[];

/** At equal updated_at the richer source wins: the API (parts, statistics) over files over the CSV export. */
const rank = (column: string) =>
  `CASE ${column} WHEN 'intercom-api' THEN 3 WHEN 'intercom-file' THEN 2 WHEN 'intercom-csv' THEN 1 ELSE 0 END`;

const names = (columns: readonly (readonly [string, string])[]) => columns.map(([name]) => name);
const ticketNames = names(TICKET_COLUMNS);
const partNames = names(PART_COLUMNS);
/** Columns compared to decide whether an existing part changed. */
const partData = partNames.filter((name) => name !== "ticket_id" && name !== "part_id");

/** How a column travels in the staging CSV, and how it is read back. */
function csvType(type: string): string {
  if (type === "TIMESTAMPTZ") return "BIGINT"; // epoch milliseconds
  if (type === "INTEGER") return "INTEGER";
  return "VARCHAR"; // text, tags and custom attributes as JSON text
}

function fromCsv(name: string, type: string): string {
  if (type === "TIMESTAMPTZ") return `TIMESTAMPTZ '1970-01-01 00:00:00+00' + to_milliseconds(${name}) AS ${name}`;
  if (type === "VARCHAR[]") return `from_json(${name}, '["VARCHAR"]') AS ${name}`;
  return name;
}

const readCsv = (path: string, columns: readonly (readonly [string, string])[]) =>
  `read_csv('${path.replace(/'/g, "''")}', header = false, auto_detect = false, delim = ',', quote = '"', escape = '"',
     nullstr = '', allow_quoted_nulls = false,
     columns = {${columns.map(([name, type]) => `'${name}': '${csvType(type)}'`).join(", ")}})`;

// CSV fields: NULL is an empty unquoted field, strings are always quoted (so "" is an empty string).
const str = (value: string | null): string =>
  value === null ? "" : value.indexOf('"') === -1 ? `"${value}"` : `"${value.replaceAll('"', '""')}"`;
const num = (value: number | null): string => (value === null ? "" : String(value));
const json = (value: unknown): string => (value === null || value === undefined ? "" : str(JSON.stringify(value)));

/** One staging CSV line per table, written out field by field (monomorphic and allocation-light: this runs ~10^6 times). */
export function ticketLine(seq: number, t: TicketRow): string {
  return (
    `${seq},${str(t.ticket_id)},${str(t.source)},${t.created_at},${t.updated_at},${str(t.state)},${str(t.priority)},` +
    `${str(t.tier)},${str(t.team)},${str(t.assignee)},${str(t.user_email)},${str(t.user_wallet)},${str(t.contact_id)},` +
    `${str(t.title)},${str(t.first_message)},${num(t.first_admin_reply_at)},${num(t.first_closed_at)},${num(t.last_closed_at)},` +
    `${num(t.reopens)},${num(t.csat_rating)},${str(t.csat_remark)},${str(t.sla_name)},${str(t.sla_status)},${json(t.tags)},` +
    `${json(t.custom_attributes)},${str(t.channel)},${str(t.delivered_as)},${num(t.waiting_since)},${num(t.time_to_admin_reply)},` +
    `${num(t.time_to_first_close)},${num(t.median_time_to_reply)},${num(t.parts_count)}\n`
  );
}

export function partLine(seq: number, standalone: boolean, p: PartRow): string {
  return (
    `${seq},${standalone},${str(p.ticket_id)},${str(p.part_id)},${str(p.part_type)},${p.created_at},${str(p.author_type)},` +
    `${str(p.author_id)},${str(p.author_name)},${str(p.body)},${str(p.assigned_to)}\n`
  );
}

const FLUSH_CHARS = 1 << 22;

/** An append-only CSV file with an in-memory buffer. */
class CsvFile {
  private fd: number;
  private buffer: string[] = [];
  private chars = 0;
  empty = true;

  constructor(readonly path: string) {
    this.fd = openSync(path, "w");
  }

  write(text: string): void {
    if (text === "") return;
    this.buffer.push(text);
    this.chars += text.length;
    this.empty = false;
    if (this.chars >= FLUSH_CHARS) this.flush();
  }

  flush(): void {
    if (this.buffer.length) writeSync(this.fd, this.buffer.length === 1 ? this.buffer[0] : this.buffer.join(""));
    this.buffer = [];
    this.chars = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** Rows of many records already serialised (by a parse worker): see stageRecords in batch.ts. */
export interface StagedRows {
  tickets: string;
  parts: string;
  /** Parts without their conversation in the batch. */
  standalone: boolean;
  /** Records the rows come from. */
  records: number;
}

const STAGING_PREFIX = "workbench-intercom-";

/** Staging directories of processes that were killed (SIGKILL skips dispose()). */
function removeOrphanedStaging(): void {
  try {
    for (const name of readdirSync(tmpdir())) {
      const pid = Number(new RegExp(`^${STAGING_PREFIX}(\\d+)-`).exec(name)?.[1]);
      if (!pid || pid === process.pid || alive(pid)) continue;
      rmSync(join(tmpdir(), name), {recursive: true, force: true});
    }
  } catch {
    // best effort: a leftover directory only costs disk space
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class TicketStore {
  private readonly dir: string;
  private generation = 0;
  private tickets: CsvFile;
  private parts: CsvFile;
  private staged = 0;
  /** Whether the staged batch has parts without their conversation (Airbyte's conversation_parts stream). */
  private standalone = false;

  private constructor(private readonly warehouse: Warehouse) {
    removeOrphanedStaging();
    this.dir = mkdtempSync(join(tmpdir(), `${STAGING_PREFIX}${process.pid}-`));
    [this.tickets, this.parts] = this.openFiles();
  }

  static async create(warehouse: Warehouse): Promise<TicketStore> {
    const stageType = (type: string) => (type === "JSON" ? "VARCHAR" : type);
    await warehouse.run(`
      CREATE OR REPLACE TEMP TABLE intercom_stage_tickets (seq BIGINT,
        ${TICKET_COLUMNS.map(([name, type]) => `${name} ${stageType(type)}`).join(", ")});
      CREATE OR REPLACE TEMP TABLE intercom_stage_parts (seq BIGINT, standalone BOOLEAN,
        ${PART_COLUMNS.map(([name, type]) => `${name} ${type}`).join(", ")});`);
    return new TicketStore(warehouse);
  }

  private openFiles(): [CsvFile, CsvFile] {
    this.generation++;
    return [
      new CsvFile(join(this.dir, `tickets-${this.generation}.csv`)),
      new CsvFile(join(this.dir, `parts-${this.generation}.csv`))
    ];
  }

  /** Records staged since the last merge. */
  get pending(): number {
    return this.staged;
  }

  /** Stages one record's rows; `seq` orders records (ties on updated_at and source keep the lowest). */
  add(seq: number, ticket: TicketRow | undefined, parts: PartRow[]): void {
    if (ticket) this.tickets.write(ticketLine(seq, ticket));
    else this.standalone = true;
    for (const part of parts) this.parts.write(partLine(seq, ticket === undefined, part));
    this.staged++;
  }

  /** Stages rows serialised elsewhere (ticketLine / partLine output). */
  addRows(rows: StagedRows): void {
    this.tickets.write(rows.tickets);
    this.parts.write(rows.parts);
    this.standalone ||= rows.standalone;
    this.staged += rows.records;
  }

  /**
   * Merges everything staged so far into tickets and ticket_parts; resolves to how many tickets
   * were new. Run inside the batch's transaction, one merge at a time; staging may continue while
   * it runs. Updated tickets get category NULL (recategorize fills it).
   */
  merge(runId: number): Promise<number> {
    const [tickets, parts] = [this.tickets, this.parts];
    tickets.close();
    parts.close();
    [this.tickets, this.parts] = this.openFiles();
    const standalone = this.standalone;
    this.staged = 0;
    this.standalone = false;
    if (tickets.empty && parts.empty) {
      rmSync(tickets.path, {force: true});
      rmSync(parts.path, {force: true});
      return Promise.resolve(0);
    }
    return this.mergeFiles(tickets, parts, standalone, runId).finally(() => {
      rmSync(tickets.path, {force: true});
      rmSync(parts.path, {force: true});
    });
  }

  private async mergeFiles(tickets: CsvFile, parts: CsvFile, standalone: boolean, runId: number): Promise<number> {
    const w = this.warehouse;
    await w.run("DELETE FROM intercom_stage_tickets; DELETE FROM intercom_stage_parts;");
    if (!tickets.empty) {
      await w.run(`INSERT INTO intercom_stage_tickets
        SELECT seq, ${TICKET_COLUMNS.map(([name, type]) => fromCsv(name, type)).join(", ")}
        FROM ${readCsv(tickets.path, [["seq", "BIGINT"], ...TICKET_COLUMNS])}`);
    }
    if (!parts.empty) {
      await w.run(`INSERT INTO intercom_stage_parts
        SELECT seq, standalone, ${PART_COLUMNS.map(([name, type]) => fromCsv(name, type)).join(", ")}
        FROM ${readCsv(parts.path, [["seq", "BIGINT"], ["standalone", "BOOLEAN"], ...PART_COLUMNS])}`);
    }
    await w.run(`CREATE OR REPLACE TEMP TABLE intercom_stage_win AS
      SELECT * FROM intercom_stage_tickets
      QUALIFY row_number() OVER (PARTITION BY ticket_id ORDER BY updated_at DESC, ${rank("source")} DESC, seq) = 1`);
    const fresh = await w.one<{n: bigint}>(
      `SELECT count(*) AS n FROM intercom_stage_win s WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.ticket_id = s.ticket_id)`
    );
    // Parts first, while tickets still holds the old updated_at to compare against.
    if (!parts.empty) {
      await w.run(`INSERT INTO ticket_parts (${partNames.join(", ")})
        SELECT ${partNames.map((name) => `p.${name}`).join(", ")}
        FROM intercom_stage_parts p
        LEFT JOIN intercom_stage_win s ON s.ticket_id = p.ticket_id
        LEFT JOIN tickets t ON t.ticket_id = p.ticket_id
        WHERE p.standalone OR (p.seq = s.seq AND (t.ticket_id IS NULL OR t.updated_at < s.updated_at
          OR (t.updated_at = s.updated_at AND ${rank("t.source")} <= ${rank("s.source")})))
        ${
          // A record's own parts are unique by part_id; loose parts may repeat or overlap a conversation's.
          standalone ? "QUALIFY row_number() OVER (PARTITION BY p.ticket_id, p.part_id ORDER BY p.standalone, p.seq DESC) = 1" : ""
        }
        ON CONFLICT (ticket_id, part_id) DO UPDATE SET ${partData.map((name) => `${name} = excluded.${name}`).join(", ")}
        WHERE row(${partData.map((name) => `ticket_parts.${name}`).join(", ")})
          IS DISTINCT FROM row(${partData.map((name) => `excluded.${name}`).join(", ")})`);
    }
    if (!tickets.empty) {
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
    }
    return Number(fresh?.n ?? 0);
  }

  /** Drops the staging tables and files (temp tables would otherwise show next to the warehouse's own until the connection closes). */
  async dispose(): Promise<void> {
    this.tickets.close();
    this.parts.close();
    rmSync(this.dir, {recursive: true, force: true});
    await this.warehouse.run(
      "DROP TABLE IF EXISTS intercom_stage_tickets; DROP TABLE IF EXISTS intercom_stage_parts; DROP TABLE IF EXISTS intercom_stage_win;"
    );
  }

  /** The stored updated_at (ms) and source of these tickets, to skip re-fetching unchanged conversations. */
  async stored(ids: string[]): Promise<Map<string, {updatedAt: number; source: string}>> {
    const out = new Map<string, {updatedAt: number; source: string}>();
    if (ids.length === 0) return out;
    const rows = await this.warehouse.all<{ticket_id: string; ms: bigint | number; source: string}>(
      `SELECT ticket_id, epoch_ms(updated_at) AS ms, source FROM tickets
       WHERE ticket_id IN (SELECT unnest(from_json($1, '["VARCHAR"]')))`,
      [JSON.stringify(ids)]
    );
    for (const row of rows) out.set(row.ticket_id, {updatedAt: Number(row.ms), source: row.source});
    return out;
  }
}
