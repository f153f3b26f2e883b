/**
 * Parquet snapshots of the chain tables and the reconciliation view, so a site build reads the
 * on-chain picture without an RPC (or a warehouse). HUGEINT columns are written as
 * DECIMAL(38, 0): Parquet has no 128-bit integer and DuckDB would otherwise store a lossy DOUBLE.
 * Each file is written beside its final name and renamed, so a reader never sees half a file.
 */
import {renameSync} from "node:fs";
import {join, resolve} from "node:path";
import type {Warehouse} from "../warehouse/connection.ts";
import {EVENT_TABLES} from "./store.ts";

export const SNAPSHOT_RELATIONS = [...EVENT_TABLES, "chain_blocks", "chain_balances", "chain_snapshots", "reconciliation"];

export async function exportSnapshot(warehouse: Warehouse, dir: string): Promise<string[]> {
  const written: string[] = [];
  for (const relation of SNAPSHOT_RELATIONS) {
    const columns = await warehouse.all<{column_name: string; data_type: string}>(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
      [relation]
    );
    if (columns.length === 0) continue;
    const select = columns
      .map(({column_name: name, data_type: type}) => {
        const quoted = `"${name.replace(/"/g, '""')}"`;
        if (type === "HUGEINT") return `CAST(${quoted} AS DECIMAL(38, 0)) AS ${quoted}`;
        if (type === "HUGEINT[]") return `CAST(${quoted} AS DECIMAL(38, 0)[]) AS ${quoted}`;
        return quoted;
      })
      .join(", ");
    const file = resolve(join(dir, `${relation}.parquet`));
    const partial = `${file}.partial`;
    await warehouse.run(`COPY (SELECT ${select} FROM ${relation}) TO '${partial.replace(/'/g, "''")}' (FORMAT parquet)`);
    renameSync(partial, file);
    written.push(file);
  }
  return written;
}
