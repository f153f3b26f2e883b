/** `workbench status`: what the warehouse holds and how the last ingests went. */
import {Warehouse} from "../../loaders/warehouse/connection.ts";
import {parseOptions, type Command} from "../command.ts";
import {formatRows, parseFormat} from "../output.ts";

const USAGE = "workbench status [--format json|md|table]";

export const statusCommand: Command = {
  name: "status",
  summary: "row counts per table and the latest ingest run per source",
  usage: USAGE,
  async run(context) {
    const {values} = parseOptions(context.args, {format: {type: "string"}}, USAGE);
    const format = parseFormat(values.format);
    const warehouse = await Warehouse.open(context.db, {waitSeconds: context.waitSeconds});
    try {
      const tables = await warehouse.all<{table_name: string}>(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name"
      );
      const counts = [];
      for (const {table_name} of tables) {
        const row = await warehouse.one<{n: bigint}>(`SELECT count(*) AS n FROM "${table_name}"`);
        counts.push({table: table_name, rows: Number(row?.n ?? 0)});
      }
      const runs = await warehouse.all(
        `SELECT source, run_id, status, started_at::VARCHAR AS started_at, read, loaded, rejected, inserted, skipped_files, message
         FROM ingest_runs QUALIFY row_number() OVER (PARTITION BY source ORDER BY run_id DESC) = 1 ORDER BY source`
      );
      if (format === "json") console.log(formatRows([{warehouse: warehouse.path, tables: counts, latest_runs: runs}], format));
      else console.log(`warehouse ${warehouse.path}\n\n${formatRows(counts, format)}\n\n${formatRows(runs, format)}`);
    } finally {
      warehouse.close();
    }
  }
};
