/** Command-line options of `workbench ingest chain` (registered in cli/commands/ingest.ts). */
import {parseInteger, parseOptions} from "../../cli/command.ts";
import {UsageError} from "../errors.ts";
import type {ChainIngestOptions} from "./index.ts";

export const CHAIN_USAGE =
  "workbench ingest chain --rpc URL [--network FILE] (--addresses FILE | --from-tickets) [--markets FILE] [--from-block N] [--to-block N|latest] [--confirmations N] [--snapshot-dir DIR]";

export function parseChainArgs(args: string[]): ChainIngestOptions {
  const {values} = parseOptions(
    args,
    {
      rpc: {type: "string"},
      network: {type: "string"},
      addresses: {type: "string"},
      "from-tickets": {type: "boolean"},
      markets: {type: "string"},
      "from-block": {type: "string"},
      "to-block": {type: "string"},
      confirmations: {type: "string"},
      "snapshot-dir": {type: "string"}
    },
    CHAIN_USAGE
  );
  const rpc = values.rpc ?? process.env.WORKBENCH_RPC;
  if (!rpc) throw new UsageError(`ingest chain needs --rpc URL (or $WORKBENCH_RPC)\n\nusage: ${CHAIN_USAGE}`);
  if (!values.addresses && !values["from-tickets"])
    throw new UsageError(`ingest chain needs --addresses FILE or --from-tickets\n\nusage: ${CHAIN_USAGE}`);
  const toBlock = values["to-block"];
  const confirmations = parseInteger("confirmations", values.confirmations, 0);
  if (confirmations < 0) throw new UsageError("--confirmations must be 0 or more");
  return {
    rpc,
    networkFile: values.network,
    addressesFile: values.addresses,
    fromTickets: values["from-tickets"],
    marketsFile: values.markets,
    fromBlock: values["from-block"] === undefined ? undefined : parseInteger("from-block", values["from-block"], 0),
    toBlock: toBlock === undefined || toBlock === "latest" ? "latest" : parseInteger("to-block", toBlock, 0),
    confirmations,
    snapshotDir: values["snapshot-dir"]
  };
}
