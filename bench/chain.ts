/**
 * Chain loader throughput: at least 200,000 events from a local anvil node, ingested by the real
 * loader, against the bare eth_getLogs calls over exactly the ranges the loader used, in the same
 * run. Target: >= 0.7 of the raw rate for the event phase (eth_getLogs with its range adaptation
 * and block headers, decoding, DuckDB storage: the issue's "decoding and storage overhead"); the
 * whole run (plus balanceOf at the snapshot block and the Parquet export) is reported beside it.
 * Best of --repeats runs each (the machine is shared).
 *
 *   npx tsx bench/chain.ts [--events N | --scale small|medium|large] [--repeats N]   -> bench/results/chain.json
 */
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {cpus, loadavg, tmpdir} from "node:os";
import {join} from "node:path";
import {parseArgs} from "node:util";
import {createPublicClient, http, keccak256, stringToHex} from "viem";
import {startAnvil} from "../loaders/chain/anvil.ts";
import {ingestChain, type ChainIngestSummary} from "../loaders/chain/index.ts";
import {call, deployStandIns, LocalChain, type Call} from "../loaders/chain/local-chain.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {parseScale} from "./lib/demo.ts";

const {values} = parseArgs({options: {events: {type: "string"}, repeats: {type: "string"}, scale: {type: "string"}}});
/** The issue's figure is at 200,000 events; the larger scales show how cost grows. */
const EVENTS = {small: 200_000, medium: 400_000, large: 800_000};
const TARGET_EVENTS = Number(values.events ?? EVENTS[parseScale(values.scale)]);
const REPEATS = Number(values.repeats ?? 3);
const WALLETS = Array.from({length: 40}, (_, i) => `0x${keccak256(stringToHex(`bench wallet ${i}`)).slice(26)}`).sort();
const OUTSIDE = Array.from({length: 40}, (_, i) => `0x${keccak256(stringToHex(`bench outsider ${i}`)).slice(26)}`);
const EVENTS_PER_CALL = 40 * 25; // wallets x rounds
const CALLS_PER_BLOCK = 2;

const node = await startAnvil();
const scratch = mkdtempSync(join(tmpdir(), "bench-chain-"));
try {
  const chain = new LocalChain(node.url);
  await chain.init();
  const network = await deployStandIns(chain);
  const firstBlock = (await chain.blockNumber()) + 1;
  const [usdc] = network.collateral.map((token) => token.address);
  const ctf = network.conditionalTokens;
  const v1 = network.exchanges[0].address;
  const seedStarted = performance.now();
  let emitted = 0;
  let time = chain.lastTimestamp;
  for (let block = 0; emitted < TARGET_EVENTS; block++) {
    const calls: Call[] = [];
    for (let k = 0; k < CALLS_PER_BLOCK; k++) {
      const kind = (block * CALLS_PER_BLOCK + k) % 3;
      // Wallets trade with outsiders (one query matches) and, every fifth call, with each other (two do).
      const counterparties = (block + k) % 5 === 0 ? [...WALLETS].reverse() : OUTSIDE;
      if (kind === 0) calls.push(call(usdc, "Collateral", "emitTransfers", [WALLETS, counterparties, 1_000_000n, 25n], 29_000_000));
      else if (kind === 1) calls.push(call(ctf, "ConditionalTokens", "emitTransfers", [counterparties, WALLETS, 7n, 25n], 29_000_000));
      else calls.push(call(v1, "ExchangeV1", "emitFills", [WALLETS, v1, 7n, 25n], 29_000_000));
      emitted += EVENTS_PER_CALL;
    }
    time += 3600; // an hour per block: the chain stays short, the window long
    await chain.mineBlock(calls, time);
  }
  const lastBlock = await chain.blockNumber();
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  console.log(`seeded ${emitted.toLocaleString("en-US")} events in ${lastBlock - firstBlock + 1} blocks (${seedSeconds.toFixed(1)} s)`);

  const client = createPublicClient({transport: http(node.url, {retryCount: 0, timeout: 120_000}), cacheTime: 0});
  const rawGetLogs = async (ranges: ChainIngestSummary["ranges"]): Promise<{seconds: number; logs: number}> => {
    const started = performance.now();
    let logs = 0;
    for (const {queries, ranges: covered} of ranges.values()) {
      for (const [from, to] of covered) {
        const answers = await Promise.all(
          queries.map((query) =>
            client.request({
              method: "eth_getLogs",
              params: [{address: query.address as `0x${string}`, topics: query.topics as `0x${string}`[], fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}`}]
            })
          )
        );
        for (const answer of answers) logs += answer.length;
      }
    }
    return {seconds: (performance.now() - started) / 1000, logs};
  };

  const loaderRuns: {seconds: number; eventSeconds: number; cpuSeconds: number; anvilCpuSeconds: number; summary: ChainIngestSummary}[] = [];
  const rawRuns: {seconds: number; logs: number; cpuSeconds: number; anvilCpuSeconds: number}[] = [];
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    const db = join(scratch, `w${repeat}.duckdb`);
    const warehouse = await Warehouse.open(db);
    try {
      const started = performance.now();
      const cpu = process.cpuUsage();
      const anvilBefore = anvilCpu();
      const summary = await ingestChain(warehouse, {
        rpc: node.url,
        network,
        addresses: WALLETS,
        fromBlock: firstBlock,
        snapshotDir: join(scratch, `snapshot${repeat}`),
        rpcOptions: {timeoutMs: 120_000}
      });
      const used = process.cpuUsage(cpu);
      loaderRuns.push({
        seconds: (performance.now() - started) / 1000,
        eventSeconds: summary.timings.eventsMs / 1000,
        cpuSeconds: (used.user + used.system) / 1e6,
        anvilCpuSeconds: anvilCpu() - anvilBefore,
        summary
      });
      console.log(
        `loader: ${summary.loaded.toLocaleString("en-US")} events in ${loaderRuns.at(-1)!.eventSeconds.toFixed(2)} s ` +
          `(whole run ${loaderRuns.at(-1)!.seconds.toFixed(2)} s), ${summary.stats.getLogsCalls} eth_getLogs calls`
      );
    } finally {
      warehouse.close();
    }
    const rawCpu = process.cpuUsage();
    const anvilRawBefore = anvilCpu();
    const raw = await rawGetLogs(loaderRuns.at(-1)!.summary.ranges);
    const rawUsed = process.cpuUsage(rawCpu);
    rawRuns.push({...raw, cpuSeconds: (rawUsed.user + rawUsed.system) / 1e6, anvilCpuSeconds: anvilCpu() - anvilRawBefore});
    console.log(`raw eth_getLogs over the same ranges: ${rawRuns.at(-1)!.logs.toLocaleString("en-US")} logs in ${rawRuns.at(-1)!.seconds.toFixed(2)} s`);
  }

  const best = <T extends {seconds: number}>(runs: T[]) => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const loader = loaderRuns.reduce((a, b) => (b.eventSeconds < a.eventSeconds ? b : a));
  const whole = best(loaderRuns);
  const raw = best(rawRuns);
  const events = loader.summary.loaded;
  const ratio = raw.seconds / loader.eventSeconds;
  // The event phase cannot finish faster than its CPU (the loader's, and anvil's over the whole run:
  // its share outside the event phase is a few balanceOf batches) spread over every core: the best
  // ratio this machine allows, however well fetching, decoding and storing overlap.
  const bestEventSeconds = (loader.summary.timings.eventsCpuMs / 1000 + loader.anvilCpuSeconds) / cpus().length;
  const result = {
    benchmark: "chain",
    command: `npx tsx bench/chain.ts --events ${TARGET_EVENTS}`,
    measured_at: new Date().toISOString(),
    events,
    distinct_events_emitted: emitted,
    raw_logs_returned: raw.logs, // a transfer between two watched wallets matches two filters
    blocks: lastBlock - firstBlock + 1,
    wallets: WALLETS.length,
    repeats: REPEATS,
    loader_events: {
      seconds: round(loader.eventSeconds),
      events_per_second: Math.round(events / loader.eventSeconds),
      get_logs_calls: loader.summary.stats.getLogsCalls,
      range_splits: loader.summary.stats.rangeSplits,
      includes: "eth_getLogs (with refused ranges), block headers and reorg checks, decoding, DuckDB storage and commits"
    },
    loader_whole_run: {
      seconds: round(whole.seconds),
      events_per_second: Math.round(events / whole.seconds),
      balances_seconds: round(whole.summary.timings.balancesMs / 1000),
      parquet_seconds: round(whole.summary.timings.snapshotMs / 1000)
    },
    raw_get_logs: {seconds: round(raw.seconds), events_per_second: Math.round(events / raw.seconds)},
    // CPU seconds (user + system) of this process (JS + DuckDB threads) and of anvil, per phase:
    // the machine is shared, so wall time alone mixes in other load.
    cpu_seconds: {
      loader_events: round(loader.summary.timings.eventsCpuMs / 1000),
      loader_whole_run: round(whole.cpuSeconds),
      loader_anvil: round(whole.anvilCpuSeconds),
      raw: round(raw.cpuSeconds),
      raw_anvil: round(raw.anvilCpuSeconds)
    },
    ratio_to_raw: round(ratio),
    cpu_bound: {cores: cpus().length, best_event_seconds: round(bestEventSeconds), best_ratio: round(raw.seconds / bestEventSeconds)},
    ratio_whole_run_to_raw: round(raw.seconds / whole.seconds),
    target_ratio: 0.7,
    meets_target: ratio >= 0.7,
    load_average: loadavg().map((value) => round(value)),
    all_runs: {
      loader_event_seconds: loaderRuns.map((run) => round(run.eventSeconds)),
      loader_whole_seconds: loaderRuns.map((run) => round(run.seconds)),
      raw_seconds: rawRuns.map((run) => round(run.seconds))
    }
  };
  if (events !== emitted) throw new Error(`the loader stored ${events} events, ${emitted} were emitted`);
  mkdirSync(new URL("./results/", import.meta.url), {recursive: true});
  writeFileSync(new URL("./results/chain.json", import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await node.kill();
  rmSync(scratch, {recursive: true, force: true});
}

/** CPU seconds anvil has used (Linux /proc; 0 elsewhere). */
function anvilCpu(): number {
  try {
    const fields = readFileSync(`/proc/${node.process.pid}/stat`, "utf-8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (100/s)
  } catch {
    return 0;
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
