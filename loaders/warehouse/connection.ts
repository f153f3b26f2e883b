/**
 * The one owner of the DuckDB connection. Opening a warehouse for writing applies pending schema
 * migrations and refreshes the derived views, so every command sees the same schema.
 */
import {DuckDBConnection, DuckDBInstance, type DuckDBValue} from "@duckdb/node-api";
import {mkdirSync} from "node:fs";
import {dirname, resolve} from "node:path";
import {WarehouseInUseError, WorkbenchError} from "../errors.ts";
import {migrate, refreshViews} from "./schema.ts";
import {refreshDerived} from "./derived.ts";

export const DEFAULT_WAREHOUSE = "data/warehouse.duckdb";

export type Row = Record<string, unknown>;
export type Params = DuckDBValue[] | Record<string, DuckDBValue>;

export interface OpenOptions {
  readOnly?: boolean;
  /** Seconds to keep retrying while another process holds the write lock. */
  waitSeconds?: number;
}

export class Warehouse {
  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection
  ) {}

  static async open(path = process.env.WORKBENCH_DB || DEFAULT_WAREHOUSE, options: OpenOptions = {}): Promise<Warehouse> {
    const file = resolve(path);
    if (!options.readOnly) mkdirSync(dirname(file), {recursive: true});
    const instance = await createInstance(file, options);
    const warehouse = new Warehouse(file, instance, await instance.connect());
    if (!options.readOnly) {
      await migrate(warehouse);
      await refreshViews(warehouse);
      await refreshDerived(warehouse); // a run killed before it finished left them stale
    }
    return warehouse;
  }

  /** Runs one or more statements, discarding results. */
  async run(sql: string, params?: Params): Promise<void> {
    await this.connection.run(sql, params);
  }

  /** Rows as plain JS objects (BIGINT -> bigint, TIMESTAMPTZ -> Date-like values converted by callers). */
  async all<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as T[];
  }

  /** Rows with JSON-safe values (bigints and timestamps as strings). */
  async json<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJson() as T[];
  }

  async one<T extends Row = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /** Runs `work` in one transaction: all of it lands, or none of it (a crash rolls back). */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.run("BEGIN TRANSACTION");
    try {
      const result = await work();
      await this.run("COMMIT");
      return result;
    } catch (error) {
      await this.run("ROLLBACK").catch(() => undefined);
      throw error;
    }
  }

  /** Another connection to the same database, e.g. to stage data while this one runs a query. The caller closes it. */
  async connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

async function createInstance(file: string, options: OpenOptions): Promise<DuckDBInstance> {
  const deadline = Date.now() + (options.waitSeconds ?? 0) * 1000;
  for (;;) {
    try {
      return await DuckDBInstance.create(file, options.readOnly ? {access_mode: "READ_ONLY"} : {});
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const lock = /Conflicting lock is held in (.*?)(?:\. See also|$)/.exec(message);
      if (!lock) throw new WorkbenchError(`cannot open warehouse ${file}: ${message}`, {cause: error});
      if (Date.now() >= deadline) throw new WarehouseInUseError(file, lock[1]);
      await new Promise((done) => setTimeout(done, 250));
    }
  }
}
