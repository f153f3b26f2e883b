/**
 * `workbench ingest <source>`: every loader behind one command, with the same summary line
 * (read = loaded + rejected) and the same exit rule (non-zero only when nothing could be loaded).
 */
import {join} from "node:path";
import {ingestApiLogs} from "../../loaders/api-logs/index.ts";
import {CHAIN_USAGE, parseChainArgs} from "../../loaders/chain/cli.ts";
import {ingestChain} from "../../loaders/chain/index.ts";
import {canReplay, replayDemoChain} from "../../loaders/chain/replay.ts";
import {NothingLoadedError, UsageError} from "../../loaders/errors.ts";
import {ingestFix} from "../../loaders/fix/index.ts";
import {ingestIntercom} from "../../loaders/intercom/index.ts";
import {ingestMarkets} from "../../loaders/markets/index.ts";
import type {Progress} from "../../loaders/progress.ts";
import {Warehouse} from "../../loaders/warehouse/connection.ts";
import type {IngestSummary} from "../../loaders/warehouse/ingest-run.ts";
import {parseOptions, type Command, type CommandContext} from "../command.ts";
import {createProgress} from "../progress.ts";

const USAGE = `workbench ingest intercom (--file PATH... | --api BASE_URL)   token in $INTERCOM_TOKEN
       workbench ingest api-logs --file PATH...                      NDJSON REST + WebSocket logs (.gz, dirs, globs)
       workbench ingest fix --file PATH...                           FIX logs (SOH or | separated)
       workbench ingest markets (--file PATH... | --api GAMMA_BASE_URL)  Gamma API markets (docs/markets.md)
       ${CHAIN_USAGE}
       workbench ingest demo [--out DIR]                             the demo world (default data/demo)`;

type Loader = (warehouse: Warehouse, progress: Progress) => Promise<IngestSummary>;

export async function runIngest(context: CommandContext, source: string, loader: Loader): Promise<IngestSummary> {
  const warehouse = await Warehouse.open(context.db, {waitSeconds: context.waitSeconds});
  const progress = createProgress(source);
  try {
    const summary = await loader(warehouse, progress);
    progress.done();
    console.log(describe(summary));
    // Non-zero exit only when input was there but none of it could be loaded. An API sync with
    // nothing new, or a re-run over files already ingested, is a success.
    if (summary.loaded === 0 && (summary.rejected > 0 || summary.files > 0)) {
      throw new NothingLoadedError(source, summary.input, summary.rejected);
    }
    return summary;
  } finally {
    progress.done();
    warehouse.close();
  }
}

export function describe(summary: IngestSummary): string {
  const n = (value: number) => value.toLocaleString("en-US");
  return (
    `${summary.source}: read ${n(summary.read)} = loaded ${n(summary.loaded)} + rejected ${n(summary.rejected)}` +
    ` (new rows ${n(summary.inserted)}, files ${summary.files}, unchanged files skipped ${summary.skippedFiles}, run ${summary.runId})`
  );
}

/** The loaders that read the demo world's raw files, in the order later views expect. */
export async function ingestDemoWorld(context: CommandContext, dir: string): Promise<IngestSummary[]> {
  const summaries = [
    await runIngest(context, "intercom", (warehouse, progress) =>
      ingestIntercom(warehouse, {files: [join(dir, "intercom")]}, progress)
    ),
    await runIngest(context, "api-logs", (warehouse, progress) =>
      ingestApiLogs(warehouse, {files: [join(dir, "api-logs")]}, progress)
    ),
    await runIngest(context, "fix", (warehouse, progress) => ingestFix(warehouse, {files: [join(dir, "fix")]}, progress)),
    await runIngest(context, "markets", (warehouse, progress) => ingestMarkets(warehouse, {files: [join(dir, "markets.json")]}, progress))
  ];
  // Last: the chain's reconciliation links EOAs to funders through the orders the API logs hold.
  if (canReplay())
    summaries.push(await runIngest(context, "chain", async (warehouse, progress) => (await replayDemoChain(warehouse, {dir}, progress)).ingest));
  else console.warn("demo: no anvil binary (npm install brings it): the on-chain history is not replayed");
  return summaries;
}

export const ingestCommand: Command = {
  name: "ingest",
  summary: "load a source (intercom, api-logs, fix, markets, chain, demo) into the warehouse",
  usage: USAGE,
  async run(context) {
    const [source, ...rest] = context.args;
    if (source === "chain") {
      const options = parseChainArgs(rest);
      await runIngest(context, source, (warehouse, progress) => ingestChain(warehouse, options, progress));
      return;
    }
    const {values} = parseOptions(
      rest,
      {file: {type: "string", multiple: true}, api: {type: "string"}, out: {type: "string"}},
      USAGE
    );
    const files = values.file;
    const needFiles = () => {
      if (!files?.length) throw new UsageError(`ingest ${source} needs --file PATH\n\nusage: ${USAGE}`);
      return files;
    };
    switch (source) {
      case "intercom": {
        if (!files?.length && !values.api) throw new UsageError(`ingest intercom needs --file PATH or --api URL\n\nusage: ${USAGE}`);
        await runIngest(context, source, (warehouse, progress) =>
          ingestIntercom(warehouse, {files, api: values.api, token: process.env.INTERCOM_TOKEN}, progress)
        );
        return;
      }
      case "api-logs": {
        const logFiles = needFiles(); // usage errors before the warehouse is opened
        await runIngest(context, source, (warehouse, progress) => ingestApiLogs(warehouse, {files: logFiles}, progress));
        return;
      }
      case "fix": {
        const fixFiles = needFiles();
        await runIngest(context, source, (warehouse, progress) => ingestFix(warehouse, {files: fixFiles}, progress));
        return;
      }
      case "markets": {
        if (!files?.length && !values.api) throw new UsageError(`ingest markets needs --file PATH or --api URL\n\nusage: ${USAGE}`);
        await runIngest(context, source, (warehouse, progress) => ingestMarkets(warehouse, {files, api: values.api}, progress));
        return;
      }
      case "demo":
        await ingestDemoWorld(context, values.out ?? "data/demo");
        return;
      default:
        throw new UsageError(`unknown source "${source ?? ""}"\n\nusage: ${USAGE}`);
    }
  }
};
