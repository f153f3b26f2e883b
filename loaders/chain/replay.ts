/**
 * The demo world's on-chain history (`<demo>/chain/actions.jsonl`, docs/sources.md) replayed onto
 * a local anvil node, then read back by the real loader. The stand-in contracts sit at the Polygon
 * addresses of config/networks/polygon.json (anvil_setCode), so the actions replay unchanged and the
 * loader runs with the mainnet network file.
 *
 * Anvil traps: its genesis is dated just before the first action (blocks cannot go back in time);
 * actions are packed into at most `maxBlocks` blocks of equal action count, each dated at its last
 * action, so the chain stays short while its timestamps follow the demo's weeks; each block's
 * actions go out as a few Multicall transactions in one JSON-RPC batch.
 */
import {existsSync, statSync} from "node:fs";
import {join, resolve} from "node:path";
import {keccak256, stringToHex, type Hex} from "viem";
import {ADDR, DEMO_DEPOSIT_WALLET_FACTORY, DEMO_DEPOSIT_WALLET_INIT_CODE_HASH, DEMO_PROXY_INIT_CODE_HASH, DEMO_SAFE_INIT_CODE_HASH} from "../../demo/world.ts";
import {WorkbenchError} from "../errors.ts";
import {readLines} from "../input/lines.ts";
import {silentProgress, type Progress} from "../progress.ts";
import type {Warehouse} from "../warehouse/connection.ts";
import {IngestRun, type IngestSummary} from "../warehouse/ingest-run.ts";
import {anvilBinary, startAnvil} from "./anvil.ts";
import {ingestChain, type ChainIngestSummary} from "./index.ts";

/** True when this machine has the anvil binary the replay needs (it ships with npm install). */
export function canReplay(): boolean {
  try {
    return existsSync(anvilBinary());
  } catch {
    return false;
  }
}
import {call, deployStandIns, LocalChain, type Call} from "./local-chain.ts";
import {DEFAULT_NETWORK_FILE, loadNetwork, type Network} from "./network.ts";

export interface ReplayOptions {
  /** The demo directory (holds chain/actions.jsonl and markets.json). */
  dir: string;
  /** Most blocks to mine (default 600: anvil gets slow on long chains, timestamps carry the weeks). */
  maxBlocks?: number;
  /** Actions per Multicall transaction (default 50). */
  callsPerTx?: number;
  /** Which wallets the loader reads: every wallet the actions name (default), or the tickets' ones. */
  wallets?: "all" | "tickets";
  /** Parquet snapshot directory for the loader (default data/snapshots/chain; null: none). */
  snapshotDir?: string | null;
}

export interface ReplaySummary {
  actions: number;
  blocks: number;
  transactions: number;
  replayMs: number;
  /** The loader's summary (just the run's, when the actions were replayed before and skipped). */
  ingest: ChainIngestSummary | IngestSummary;
}

interface Action {
  kind: string;
  ts: string;
  [field: string]: unknown;
}

const ZERO32 = `0x${"00".repeat(32)}` as Hex;
const ZERO_ADDRESS = `0x${"00".repeat(20)}`;

export async function replayDemoChain(warehouse: Warehouse, options: ReplayOptions, progress: Progress = silentProgress): Promise<ReplaySummary> {
  const file = join(options.dir, "chain", "actions.jsonl");
  if (!existsSync(file)) throw new WorkbenchError(`demo chain replay: no ${file}`);
  // Line by line: a large demo's history is more text than one string can hold.
  const actions: Action[] = [];
  for await (const {line, text} of readLines(file)) {
    if (!text.trim()) continue;
    try {
      actions.push(JSON.parse(text) as Action);
    } catch {
      throw new WorkbenchError(`${file}:${line}: not JSON`);
    }
  }
  if (actions.length === 0) throw new WorkbenchError(`${file} has no actions`);
  const {size, mtimeMs} = statSync(file);
  const unchanged = await warehouse.one(
    "SELECT 1 FROM ingest_files WHERE source = 'chain' AND path = $1 AND size_bytes = $2 AND mtime_ms = $3",
    [resolve(file), size, Math.trunc(mtimeMs)]
  );
  if (unchanged) {
    // Replayed and read before: a re-ingest of the demo world need not rebuild the chain.
    const run = await IngestRun.start(warehouse, "chain", `${file} (demo replay)`);
    run.skippedFiles = 1;
    const summary = await run.finish("demo chain actions unchanged since the last replay");
    return {actions: 0, blocks: 0, transactions: 0, replayMs: 0, ingest: summary};
  }
  // The demo derives funders with stand-in init-code hashes (demo/world.ts), not the production ones.
  const layout = {
    ...loadNetwork(DEFAULT_NETWORK_FILE),
    walletFactories: [
      {type: "proxy", factory: ADDR.proxyFactory.toLowerCase(), initCodeHash: DEMO_PROXY_INIT_CODE_HASH, salt: "packed" as const},
      {type: "safe", factory: ADDR.safeFactory.toLowerCase(), initCodeHash: DEMO_SAFE_INIT_CODE_HASH, salt: "packed" as const},
      {type: "deposit_wallet", factory: DEMO_DEPOSIT_WALLET_FACTORY.toLowerCase(), initCodeHash: DEMO_DEPOSIT_WALLET_INIT_CODE_HASH, salt: "packed" as const}
    ]
  };
  const started = performance.now();
  const firstSecond = Math.floor(Date.parse(actions[0].ts) / 1000);
  // Only the head's state is read (balanceOf at the snapshot block): keep few past states in memory.
  const node = await startAnvil({keepStates: 16, args: ["--timestamp", String(firstSecond - 3600)]});
  try {
    const chain = new LocalChain(node.url);
    await chain.init();
    const network = await deployStandIns(chain, layout);
    const multicall = await chain.deploy("Multicall");
    const translate = translator(network);
    const callsPerTx = options.callsPerTx ?? 50;
    let transactions = 0;
    let blocks = 0;
    let i = 0;
    for (const group of blockGroups(actions, Math.ceil(actions.length / (options.maxBlocks ?? 600)))) {
      const calls = group.flatMap(translate);
      const txs: Call[] = [];
      for (let j = 0; j < calls.length; j += callsPerTx) {
        const slice = calls.slice(j, j + callsPerTx);
        const gas = Math.min(60_000_000, 200_000 + slice.reduce((sum, c) => sum + (c.gas ?? 150_000), 0));
        txs.push(call(multicall, "Multicall", "aggregate", [slice.map((c) => c.to), slice.map((c) => c.data)], gas));
      }
      const at = Math.ceil(Date.parse(group[group.length - 1].ts) / 1000);
      try {
        await chain.mineBlock(txs, at);
      } catch (error) {
        throw new WorkbenchError(
          `demo chain replay: actions ${i + 1}-${i + group.length} of ${file} failed on chain (${error instanceof Error ? error.message : String(error)})`,
          {cause: error}
        );
      }
      transactions += txs.length;
      blocks++;
      i += group.length;
      progress.update(i, actions.length, "chain actions replayed");
    }
    const replayMs = performance.now() - started;
    const actionCount = actions.length;
    const watched = options.wallets === "tickets" ? undefined : wallets(actions);
    actions.length = 0; // the parsed history (1.3M objects at large scale) is not needed for reading back
    progress.note(`replayed ${actionCount.toLocaleString("en-US")} actions in ${blocks} blocks (${(replayMs / 1000).toFixed(1)} s); reading them back`);
    const ingest = await ingestChain(
      warehouse,
      {
        rpc: node.url,
        network,
        addresses: watched,
        fromTickets: options.wallets === "tickets",
        marketsFile: join(options.dir, "markets.json"),
        fromBlock: 0,
        // The local chain holds the demo world and nothing else: read whole contracts, filter here.
        wholeContracts: true,
        snapshotDir: options.snapshotDir
      },
      progress
    );
    await warehouse.run(
      `INSERT OR REPLACE INTO ingest_files (source, path, size_bytes, mtime_ms, read, loaded, rejected, run_id, finished_at)
       VALUES ('chain', $1, $2, $3, $4, $5, $6, $7, now())`,
      [resolve(file), size, Math.trunc(mtimeMs), ingest.read, ingest.loaded, ingest.rejected, ingest.runId]
    );
    return {actions: actionCount, blocks, transactions, replayMs, ingest};
  } finally {
    await node.kill();
  }
}

/** Resolution steps (UMA and CTF) are mined in blocks of their own, dated at the step's second, so
 *  the timeline's stage durations are exact; other actions are packed `perBlock` to a block. */
function blockGroups(actions: Action[], perBlock: number): Action[][] {
  const pinned = (action: Action) => action.kind === "uma" || action.kind === "resolution";
  const groups: Action[][] = [];
  let current: Action[] = [];
  for (const action of actions) {
    const last = current.at(-1);
    const boundary = last !== undefined &&
      (pinned(action) !== pinned(last) || (pinned(action) && Math.ceil(Date.parse(action.ts) / 1000) !== Math.ceil(Date.parse(last.ts) / 1000)) ||
        (!pinned(action) && current.length >= perBlock));
    if (boundary) {
      groups.push(current);
      current = [];
    }
    current.push(action);
  }
  if (current.length) groups.push(current);
  return groups;
}

/** Every user wallet the actions name (not the deposit sources and withdrawal targets outside). */
export function wallets(actions: Action[]): string[] {
  const found = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)) found.add(value.toLowerCase());
  };
  for (const action of actions) {
    switch (action.kind) {
      case "deposit":
        add(action.to);
        break;
      case "withdrawal":
        add(action.from);
        break;
      case "approval":
        add(action.owner);
        break;
      case "fill":
        add(action.maker);
        add(action.taker);
        break;
      case "split":
      case "merge":
        add(action.stakeholder);
        break;
      case "redemption":
        add(action.redeemer);
        break;
    }
  }
  return [...found].sort();
}

/** The demo's UMA proposer and disputer (bond posters outside the demo's users). */
const UMA_PROPOSER = `0x${keccak256(stringToHex("demo uma proposer")).slice(-40)}`;
const UMA_DISPUTER = `0x${keccak256(stringToHex("demo uma disputer")).slice(-40)}`;
const PRICE: Record<string, bigint> = {Yes: 10n ** 18n, No: 0n, "50/50": 5n * 10n ** 17n};
const PAYOUTS: Record<string, bigint[]> = {Yes: [1n, 0n], No: [0n, 1n], "50/50": [1n, 1n]};
const LIVENESS_SECONDS = 7200n;
const PROPOSAL_BOND = 500_000_000n;

/**
 * UMA steps -> adapter and Optimistic Oracle V2 calls, as the mainnet flow emits them: initialize
 * (QuestionInitialized, a price request), ProposePrice, DisputePrice (the first dispute resets the
 * question: QuestionReset and a new request), Settle then QuestionResolved. Tracks each question's
 * request time and last proposal, which the oracle events repeat.
 */
function umaTranslator(network: Network): (action: Action) => Call[] {
  const adapter = network.resolution.umaAdapters[0]?.address;
  const oracle = network.resolution.optimisticOracles[0]?.address;
  const currency = network.collateral.find((token) => token.symbol === "pUSD")?.address ?? network.collateral[0].address;
  const requests = new Map<string, {timestamp: bigint; proposed: bigint; disputer: string}>();
  return (action) => {
    if (!adapter || !oracle) throw new WorkbenchError("demo chain replay: the network names no UMA adapter and oracle for the resolution steps");
    const question = String(action.question_id).toLowerCase() as Hex;
    const ancillary = stringToHex(String(action.ancillary_data));
    const at = BigInt(Math.ceil(Date.parse(action.ts) / 1000));
    const request = requests.get(question) ?? {timestamp: at, proposed: 0n, disputer: ZERO_ADDRESS};
    requests.set(question, request);
    const outcome = action.outcome === null ? undefined : String(action.outcome);
    switch (action.event) {
      case "initialized":
        request.timestamp = at;
        return [call(adapter, "UmaCtfAdapter", "initialize", [question, adapter, ancillary, currency, 0n, PROPOSAL_BOND], 200_000)];
      case "proposed":
        request.proposed = PRICE[outcome!];
        return [call(oracle, "OptimisticOracleV2", "proposePrice", [adapter, UMA_PROPOSER, request.timestamp, ancillary, request.proposed, LIVENESS_SECONDS, currency], 200_000)];
      case "disputed":
        request.disputer = UMA_DISPUTER;
        return [call(oracle, "OptimisticOracleV2", "disputePrice", [adapter, UMA_PROPOSER, UMA_DISPUTER, request.timestamp, ancillary, request.proposed], 200_000)];
      case "reset":
        request.timestamp = at;
        request.disputer = ZERO_ADDRESS;
        return [call(adapter, "UmaCtfAdapter", "reset", [question], 100_000)];
      case "resolved":
        return [
          call(oracle, "OptimisticOracleV2", "settle", [adapter, UMA_PROPOSER, request.disputer, request.timestamp, ancillary, PRICE[outcome!], PROPOSAL_BOND], 200_000),
          call(adapter, "UmaCtfAdapter", "resolve", [question, PRICE[outcome!], PAYOUTS[outcome!]], 150_000)
        ];
      default:
        throw new WorkbenchError(`demo chain replay: unknown UMA step "${String(action.event)}"`);
    }
  };
}

/** One action -> the stand-in calls that emit its mainnet events (gas: an upper estimate). */
function translator(network: Network): (action: Action) => Call[] {
  const lower = (value: unknown) => String(value).toLowerCase();
  const exchanges = new Map(network.exchanges.map((exchange) => [exchange.address, exchange]));
  const collateralOf = new Map(network.collateral.map((token) => [token.address, token.symbol]));
  const ctf = network.conditionalTokens;
  const big = (value: unknown) => BigInt(value as string | number);
  const umaCalls = umaTranslator(network);
  return (action) => {
    switch (action.kind) {
      case "deposit": {
        // Bridges and hot wallets are outside the demo: mint to the source, then the transfer itself.
        const asset = lower(action.asset);
        return [
          call(asset, "Collateral", "mint", [lower(action.from), big(action.amount)], 80_000),
          call(asset, "Collateral", "move", [lower(action.from), lower(action.to), big(action.amount)], 80_000)
        ];
      }
      case "withdrawal":
        return [call(lower(action.asset), "Collateral", "move", [lower(action.from), lower(action.to), big(action.amount)], 80_000)];
      case "approval":
        return [call(lower(action.asset), "Collateral", "approveAs", [lower(action.owner), lower(action.spender), big(action.amount)], 60_000)];
      case "fill": {
        const exchange = exchanges.get(lower(action.exchange));
        if (!exchange) throw new WorkbenchError(`demo chain replay: fill on unknown exchange ${String(action.exchange)}`);
        const collateral = collateralOf.get(lower(action.collateral));
        if (collateral !== exchange.collateral)
          throw new WorkbenchError(`demo chain replay: a fill in ${String(action.collateral)} on ${exchange.name}, which settles in ${exchange.collateral}`);
        const makerBuys = action.side === "BUY";
        const token = big(action.token_id);
        const making = big(action.maker_amount_filled);
        const taking = big(action.taker_amount_filled);
        const orderHash = lower(action.order_hash) as Hex;
        const takerHash = keccak256(stringToHex(`taker of ${orderHash}`));
        // The resting maker order and the taker's order, each an OrderFilled, then OrdersMatched.
        if (exchange.version === 1) {
          const maker = {orderHash, maker: lower(action.maker), makerAssetId: makerBuys ? 0n : token, takerAssetId: makerBuys ? token : 0n, making, taking, fee: big(action.fee ?? 0)};
          const taker = {orderHash: takerHash, maker: lower(action.taker), makerAssetId: makerBuys ? token : 0n, takerAssetId: makerBuys ? 0n : token, making: taking, taking: making, fee: 0n};
          return [call(exchange.address, "ExchangeV1", "matchOrders", [taker, [maker]], 400_000)];
        }
        const maker = {orderHash, maker: lower(action.maker), side: makerBuys ? 0 : 1, tokenId: token, making, taking, fee: big(action.fee ?? 0), builder: ZERO32, metadata: ZERO32};
        const taker = {orderHash: takerHash, maker: lower(action.taker), side: makerBuys ? 1 : 0, tokenId: token, making: taking, taking: making, fee: 0n, builder: ZERO32, metadata: ZERO32};
        return [call(exchange.address, "ExchangeV2", "matchOrders", [taker, [maker]], 400_000)];
      }
      case "split":
      case "merge":
        return [
          call(ctf, "ConditionalTokens", action.kind === "split" ? "splitPosition" : "mergePositions", [
            lower(action.stakeholder),
            lower(action.collateral),
            lower(action.condition_id),
            (action.partition as number[]).map(BigInt),
            (action.token_ids as string[]).map(BigInt),
            big(action.amount)
          ], 250_000)
        ];
      case "resolution":
        return [
          call(ctf, "ConditionalTokens", "reportPayouts", [
            lower(action.oracle),
            lower(action.question_id),
            lower(action.condition_id),
            (action.payout_numerators as number[]).map(BigInt)
          ], 150_000)
        ];
      case "uma":
        return umaCalls(action);
      case "redemption":
        return [
          call(ctf, "ConditionalTokens", "redeemPositions", [
            lower(action.redeemer),
            lower(action.collateral),
            lower(action.condition_id),
            (action.index_sets as number[]).map(BigInt),
            (action.token_ids as string[]).map(BigInt)
          ], 250_000)
        ];
      default:
        throw new WorkbenchError(`demo chain replay: unknown action kind "${action.kind}"`);
    }
  };
}
