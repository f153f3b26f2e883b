/** `workbench rejects`: the quarantine, so nothing a loader refused goes unseen. */
import {Warehouse} from "../../loaders/warehouse/connection.ts";
import {parseInteger, parseOptions, type Command} from "../command.ts";
import {formatRows, parseFormat} from "../output.ts";

const USAGE = "workbench rejects [--source NAME] [--limit N] [--format json|md|table]";

export const rejectsCommand: Command = {
  name: "rejects",
  summary: "quarantined records: source, location (file:line), reason and the raw text",
  usage: USAGE,
  async run(context) {
    const {values} = parseOptions(
      context.args,
      {source: {type: "string"}, limit: {type: "string"}, format: {type: "string"}},
      USAGE
    );
    const warehouse = await Warehouse.open(context.db, {waitSeconds: context.waitSeconds});
    try {
      const rows = await warehouse.all(
        `SELECT source, location, reason, left(raw, 200) AS raw, run_id FROM rejects
         WHERE $1::VARCHAR IS NULL OR source = $1 ORDER BY source, location LIMIT $2`,
        [values.source ?? null, parseInteger("limit", values.limit, 100)]
      );
      console.log(formatRows(rows, parseFormat(values.format)));
    } finally {
      warehouse.close();
    }
  }
};
