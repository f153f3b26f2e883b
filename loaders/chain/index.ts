/**
 * `workbench ingest chain`: collateral, positions and fills of a set of wallets, read over
 * JSON-RPC with viem (docs/chain.md).
 *
 * Per contract (collateral tokens, ConditionalTokens, each exchange) the loader asks eth_getLogs
 * for every log whose indexed arguments name a watched wallet (topic1/2/3 = the padded address),
 * so an event it does not know still reaches the quarantine instead of vanishing; ConditionResolution
 * is read for all conditions. Ranges adapt (rpc.ts); chunks are decoded straight to CSV text
 * (decode.ts) and committed in batches with their cursor (store.ts) while the next range is fetched.
 * The run stays `confirmations` blocks behind the head, re-checks the stored block hashes of the
 * recent window before and after reading, and on a mismatch forgets everything from the fork point
 * and reads it again. At the end it reads balanceOf for each wallet (collateral, and every position
 * it ever touched) at the snapshot block and writes Parquet snapshots for the site build.
 */
import {createHash} from "node:crypto";
import {mkdirSync, readFileSync} from "node:fs";
import {resolve} from "node:path";
import {encodeFunctionData, hexToBigInt, pad, type Hex} from "viem";
import {UsageError, WorkbenchError} from "../errors.ts";
import {silentProgress, type Progress} from "../progress.ts";
import type {Warehouse} from "../warehouse/connection.ts";
import {IngestRun, zeroCounts, type Counts, type IngestSummary} from "../warehouse/ingest-run.ts";
import {parseGammaMarket, type MarketRow} from "../markets/gamma.ts";
import {fileItems} from "../markets/read.ts";
import {ERC1155_ABI, ERC20_ABI, TOPIC0, UMA_ADAPTER_EVENTS, UMA_ORACLE_EVENTS} from "./abi.ts";
import {decodeLogs, emptyRows, type Decoded, type Rows} from "./decode.ts";
import {derivedFunders, loadNetwork, parseNetwork, watchedContracts, type Network, type WatchedContract} from "./network.ts";
import {ChainRpc, LogChunker, redactUrl, type Chunk, type ChunkerOptions, type LogQuery, type RawLog, type RpcOptions} from "./rpc.ts";
import {exportSnapshot} from "./snapshot.ts";
import {ChainStore, type Batch} from "./store.ts";

export const DEFAULT_SNAPSHOT_DIR = "data/snapshots/chain";

export interface ChainIngestOptions {
  rpc: string;
  /** Network file path (default config/networks/polygon.json), or the parsed network. */
  networkFile?: string;
  network?: Network;
  /** Wallets to read (any case); or a file of them; or the wallets the tickets name. */
  addresses?: string[];
  addressesFile?: string;
  fromTickets?: boolean;
  /** Gamma API markets JSON (conditionId, clobTokenIds, outcomes): what each position id is. */
  marketsFile?: string;
  fromBlock?: number;
  /** Last block to read (default: the head), always at least `confirmations` below the head. */
  toBlock?: number | "latest";
  confirmations?: number;
  /** Stored blocks re-checked for reorgs per step, newest first (default 256; deeper steps only while all have changed). */
  reorgWindow?: number;
  /** Where the Parquet snapshot goes (default data/snapshots/chain); null: none. */
  snapshotDir?: string | null;
  /** Read balances at the snapshot block (default true). */
  balances?: boolean;
  rpcOptions?: RpcOptions;
  chunker?: ChunkerOptions;
  /** Rows per stored batch (default 50,000; a batch is also stored every 5 s). */
  flushRows?: number;
  /** Addresses per topic filter (default 100): larger sets become several queries. */
  addressesPerQuery?: number;
  /**
   * Ask for every log of each contract and keep the watched wallets' ones here, instead of topic
   * filters. Only for a chain that holds little else (the demo's local chain, where the watched
   * set is every wallet there is): tens of thousands of addresses make hundreds of filtered
   * queries per range, each scanning the same blocks. Keeps exactly the logs the filters would.
   */
  wholeContracts?: boolean;
}

export interface ChainIngestSummary extends IngestSummary {
  addressSet: string;
  snapshotBlock: number;
  reorgs: number;
  ignored: number;
  stats: ChainRpc["stats"];
  /**
   * Milliseconds spent reading events (eth_getLogs, decoding, storing), balances, and the Parquet
   * export; eventsCpuMs: this process's CPU (JS and DuckDB threads) while reading events.
   */
  timings: {eventsMs: number; eventsCpuMs: number; balancesMs: number; snapshotMs: number};
  /** Block ranges read per contract (the benchmark replays them as bare eth_getLogs). */
  ranges: Map<string, {queries: LogQuery[]; ranges: [number, number][]}>;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const MAX_REORG_PASSES = 5;
/** A batch is stored once it holds this many rows, or after this long. */
const FLUSH_ROWS = 50_000;
const FLUSH_MS = 5_000;

export async function ingestChain(
  warehouse: Warehouse,
  options: ChainIngestOptions,
  progress: Progress = silentProgress
): Promise<ChainIngestSummary> {
  const network = options.network ? parseNetwork(options.network, "network") : loadNetwork(options.networkFile);
  const given = await resolveAddresses(warehouse, options);
  const links = given.flatMap((owner) => derivedFunders(owner, network.walletFactories).map((link) => ({owner, ...link})));
  // A ticket names the wallet the user knows (often the EOA); the money sits in the funder it owns.
  const addresses = options.fromTickets ? [...new Set([...given, ...links.map((link) => link.funder)])].sort() : given;
  if (addresses.length === 0) throw new UsageError("ingest chain: no wallet addresses to read (check --addresses / --from-tickets)");
  const addressSet = createHash("sha256").update(addresses.join(",")).digest("hex").slice(0, 16);
  const rpc = new ChainRpc(options.rpc, {...options.rpcOptions, progress});
  const chainId = await rpc.chainId();
  if (chainId !== network.chainId)
    throw new UsageError(`the RPC at ${redactUrl(options.rpc)} serves chain ${chainId}, the network file "${network.name}" says ${network.chainId}`);

  const store = new ChainStore(warehouse);
  const contracts = watchedContracts(network);
  const codes = await Promise.all(contracts.map((contract) => rpc.request<Hex>("eth_getCode", [contract.address, "latest"], true)));
  const missing = contracts.filter((_, i) => codes[i] === "0x" || !codes[i]);
  if (missing.length)
    throw new UsageError(
      `no contract code at ${missing.map((contract) => `${contract.name} ${contract.address}`).join(", ")} on the RPC at ` +
        `${redactUrl(options.rpc)}: is the network file (${network.name}) the right one for this chain?`
    );
  const adapters = network.resolution.umaAdapters.map((adapter) => adapter.address);
  const queries = new Map(
    contracts.map((contract) => [
      contract.address,
      options.wholeContracts ? [{address: contract.address, topics: []}] : buildQueries(contract, addresses, options.addressesPerQuery ?? 100, adapters)
    ])
  );
  const watched = options.wholeContracts ? watchedLogFilters(contracts, addresses, adapters) : undefined;
  const ranges: ChainIngestSummary["ranges"] = new Map(contracts.map((c) => [c.address, {queries: queries.get(c.address)!, ranges: []}]));
  const run = await IngestRun.start(warehouse, "chain", `${redactUrl(options.rpc)} ${network.name} ${addresses.length} wallets (set ${addressSet})`);
  let ignored = 0;
  let reorgs = 0;
  try {
    await warehouse.transaction(async () => {
      // One statement each, the lists bound as JSON text: a statement per row took minutes at 60k wallets.
      const list = (values: string[]) => JSON.stringify(values);
      await warehouse.run(`INSERT OR IGNORE INTO chain_address_sets SELECT $1, unnest(json_transform($2, '["VARCHAR"]'))`, [addressSet, list(addresses)]);
      await warehouse.run(
        `INSERT OR IGNORE INTO chain_wallet_links
           SELECT unnest(json_transform($1, '["VARCHAR"]')), unnest(json_transform($2, '["VARCHAR"]')), unnest(json_transform($3, '["VARCHAR"]'))`,
        [list(links.map((link) => link.owner)), list(links.map((link) => link.funder)), list(links.map((link) => link.type))]
      );
      const roles = [
        ...contracts.map((contract) => [contract.address, contract.name, contract.role, contract.symbol ?? null]),
        ...network.protocol.map((entry) => [entry.address, entry.name, "protocol", null])
      ];
      for (const [address, name, role, collateral] of roles)
        await warehouse.run("INSERT OR REPLACE INTO chain_contracts VALUES ($1, $2, $3, $4, $5)", [address, name, role, collateral, chainId]);
      if (options.marketsFile) await loadMarkets(warehouse, options.marketsFile);
    });
    const head = await rpc.blockNumber();
    const confirmations = options.confirmations ?? 0;
    const safeHead = head - confirmations;
    const toBlock = options.toBlock === undefined || options.toBlock === "latest" ? safeHead : Math.min(options.toBlock, safeHead);
    if (toBlock < 0) throw new UsageError(`head ${head} minus ${confirmations} confirmations leaves no block to read`);
    const fromBlock = options.fromBlock ?? network.defaultFromBlock;
    const window = options.reorgWindow ?? 256;
    const flushRows = options.flushRows ?? FLUSH_ROWS;

    const eventsStarted = performance.now();
    const eventsCpu = process.cpuUsage();
    // One batch in the warehouse at a time, in order; the next contract's reading overlaps the
    // last batch of the previous one.
    let storing: Promise<void> = Promise.resolve();
    try {
      for (let pass = 0; ; pass++) {
        const fork = await findFork(warehouse, rpc, window);
        if (fork !== null) {
          if (pass >= MAX_REORG_PASSES) throw new WorkbenchError(`the chain keeps reorganising (fork at block ${fork}); try more --confirmations`);
          progress.note(`reorg: stored block ${fork} is no longer canonical; re-reading from there`);
          await store.rollbackFrom(fork);
          reorgs++;
        } else if (pass > 0) break;
        const cursors = new Map<string, number | undefined>();
        for (const contract of contracts) cursors.set(contract.address, await store.cursor(addressSet, contract.address));
        for (const contract of contracts) {
          const start = Math.max(cursors.get(contract.address) ?? fromBlock, fromBlock);
          if (start > toBlock) {
            if (pass === 0) run.skippedFiles++; // this contract is already read up to the target
            continue;
          }
          if (pass === 0) run.files++;
          const chunker = new LogChunker(rpc, options.chunker);
          const contractQueries = queries.get(contract.address)!;
          const covered = ranges.get(contract.address)!.ranges;
          let batch = emptyBatch();
          let batchStarted = performance.now();
          let pending: Promise<Chunk> | null = chunker.fetch(contractQueries, start, toBlock);
          try {
            while (pending) {
              const chunk: Chunk = await pending;
              covered.push([chunk.from, chunk.to]);
              // Pipeline: the next range is fetched while this one is decoded and the last batch stored.
              pending = chunk.to < toBlock ? chunker.fetch(contractQueries, chunk.to + 1, toBlock) : null;
              pending?.catch(() => undefined); // awaited next turn; avoid an unhandled rejection meanwhile
              const logs = watched ? chunk.logs.filter(watched.get(contract.address)!) : chunk.logs;
              const decoded = decodeLogs(contract, logs, await missingTimes(rpc, {...chunk, logs}));
              addChunk(batch, decoded, chunk);
              ignored += decoded.ignored;
              if (pending && batch.size < flushRows && performance.now() - batchStarted < FLUSH_MS) continue;
              const ready = batch;
              batch = emptyBatch();
              batchStarted = performance.now();
              await storing;
              storing = store.storeBatch(run, addressSet, contract.address, ready).then((inserted) => {
                run.add({...ready.counts, inserted});
                progress.update(ready.to - start + 1, toBlock - start + 1, `blocks of ${contract.name}`);
              });
              storing.catch(() => undefined);
            }
          } finally {
            pending?.catch(() => undefined);
          }
        }
        await storing;
      }
    } finally {
      // Never leave a batch writing while the run is marked failed: the connection is shared.
      await storing.catch(() => undefined);
    }

    const eventsMs = performance.now() - eventsStarted;
    const eventsCpuUsed = process.cpuUsage(eventsCpu);
    const snapshotBlock = toBlock;
    const balancesStarted = performance.now();
    if (options.balances !== false) await readBalances(warehouse, rpc, run, network, addressSet, snapshotBlock);
    const balancesMs = performance.now() - balancesStarted;
    const snapshotStarted = performance.now();
    const snapshotTime = (await rpc.block(snapshotBlock))?.timestamp;
    const dir = options.snapshotDir === undefined ? DEFAULT_SNAPSHOT_DIR : options.snapshotDir;
    await warehouse.run(
      "INSERT OR REPLACE INTO chain_snapshots VALUES ($1, $2, $3, to_timestamp($4::BIGINT), $5, $6)",
      [addressSet, snapshotBlock, chainId, snapshotTime ? Number(snapshotTime) : null, dir === null ? null : resolve(dir), run.runId]
    );
    if (dir !== null) {
      mkdirSync(dir, {recursive: true});
      await exportSnapshot(warehouse, dir);
    }
    const timings = {eventsMs, eventsCpuMs: (eventsCpuUsed.user + eventsCpuUsed.system) / 1000, balancesMs, snapshotMs: performance.now() - snapshotStarted};
    const {stats} = rpc;
    const summary = await run.finish(
      `snapshot block ${snapshotBlock}; ${stats.getLogsCalls} eth_getLogs calls, ${stats.rangeSplits} range splits, ` +
        `${stats.retries} retries, ${reorgs} reorgs, ${ignored} known events without a table skipped`
    );
    return {...summary, addressSet, snapshotBlock, reorgs, ignored, stats, timings, ranges};
  } catch (error) {
    await run.fail(error);
    throw error;
  } finally {
    store.close();
  }
}

/**
 * Position ids -> condition and outcome slot, from a Gamma API markets file (read as
 * `workbench ingest markets` reads it; a market it would quarantine is left out here).
 */
export async function loadMarkets(warehouse: Warehouse, file: string): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, "utf-8");
  } catch (error) {
    throw new UsageError(`cannot read markets file ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let count = 0;
  for (const item of fileItems(text)) {
    let market: MarketRow;
    try {
      market = parseGammaMarket(JSON.parse(item.text)).market;
    } catch {
      continue; // not a usable market: `workbench ingest markets` quarantines it
    }
    for (const [index, token] of market.clobTokenIds.entries()) {
      await warehouse.run("INSERT OR REPLACE INTO chain_positions VALUES ($1, $2, $3, $4, $5, $6)", [
        token, market.conditionId, index, market.outcomes[index] ?? null, market.id, market.question
      ]);
      count++;
    }
  }
  return count;
}

/** Every address, validated and lower-cased, sorted and unique (the set's identity). */
async function resolveAddresses(warehouse: Warehouse, options: ChainIngestOptions): Promise<string[]> {
  const found: string[] = [...(options.addresses ?? [])];
  if (options.addressesFile) found.push(...readAddressFile(options.addressesFile));
  if (options.fromTickets) found.push(...(await ticketWallets(warehouse)));
  for (const address of found) if (!ADDRESS.test(address)) throw new UsageError(`not an address: "${address}"`);
  return [...new Set(found.map((address) => address.toLowerCase()))].sort();
}

/** A JSON array of addresses (or of objects with `address`), or one address per line (# comments). */
export function readAddressFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf-8");
  } catch (error) {
    throw new UsageError(`cannot read address file ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (text.trimStart().startsWith("[")) {
    const parsed = JSON.parse(text) as unknown[];
    return parsed.map((entry) => (typeof entry === "string" ? entry : String((entry as {address?: unknown}).address)));
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, "").trim().split(/[\s,]+/)[0])
    .filter((line) => line);
}

/**
 * The wallets the tickets name, plus every address the identity views link to the same person
 * (a ticket gives the EOA, the money sits in the funder), when those views exist.
 */
async function ticketWallets(warehouse: Warehouse): Promise<string[]> {
  const direct = await warehouse.all<{address: string}>(
    "SELECT DISTINCT lower(user_wallet) AS address FROM tickets WHERE user_wallet IS NOT NULL"
  );
  let linked: {address: string}[] = [];
  try {
    linked = await warehouse.all<{address: string}>(
      `SELECT DISTINCT other.value AS address FROM identities mine
         JOIN identities other ON other.person_id = mine.person_id AND other.kind = 'address'
        WHERE mine.kind = 'address' AND mine.value IN (SELECT lower(user_wallet) FROM tickets WHERE user_wallet IS NOT NULL)`
    );
  } catch {
    // no identity views in this warehouse: the ticket wallets alone
  }
  return [...direct, ...linked].map((row) => row.address).filter((address) => ADDRESS.test(address));
}

/**
 * The logs the loader wants from a contract: those naming a watched wallet in one of `positions`
 * (indexed topics), plus every log whose topic0 is in `always` (and topic1 in `alwaysTopic1`, when
 * given). UMA adapters: every question's lifecycle event; oracles: proposals, disputes and
 * settlements of requests made by `adapters` (an oracle serves many other requesters); CTF: every
 * ConditionResolution. Both the topic filters and the whole-contract filter derive from this.
 */
interface WantedLogs {
  positions: number[];
  always?: string[];
  alwaysTopic1?: string[];
}

function wantedLogs(contract: WatchedContract, adapters: string[]): WantedLogs {
  switch (contract.role) {
    case "uma-adapter":
      return {positions: [], always: UMA_ADAPTER_EVENTS.map((name) => TOPIC0[name])};
    case "oracle":
      return {positions: [], always: UMA_ORACLE_EVENTS.map((name) => TOPIC0[name]), alwaysTopic1: adapters.map(paddedTopic)};
    case "collateral":
      return {positions: [1, 2]};
    case "ctf":
      return {positions: [1, 2, 3], always: [TOPIC0.ConditionResolution]};
    case "exchange":
      return {positions: [2, 3]};
  }
}

const paddedTopic = (address: string): string => pad(address as Hex, {size: 32}).toLowerCase();

/** eth_getLogs topic filters for the wanted logs, `perQuery` wallets to a filter. */
export function buildQueries(contract: WatchedContract, addresses: string[], perQuery: number, adapters: string[] = []): LogQuery[] {
  const wanted = wantedLogs(contract, adapters);
  const queries: LogQuery[] = [];
  for (let i = 0; i < addresses.length && wanted.positions.length; i += perQuery) {
    const group = addresses.slice(i, i + perQuery).map(paddedTopic);
    for (const position of wanted.positions)
      queries.push({address: contract.address, topics: [...Array<null>(position).fill(null), group]});
  }
  if (wanted.always) queries.push({address: contract.address, topics: wanted.alwaysTopic1 ? [wanted.always, wanted.alwaysTopic1] : [wanted.always]});
  return queries;
}

/** Per contract, a predicate keeping exactly the logs buildQueries' filters would return. */
function watchedLogFilters(contracts: WatchedContract[], addresses: string[], adapters: string[]): Map<string, (log: RawLog) => boolean> {
  const wallets = new Set(addresses.map(paddedTopic));
  return new Map(
    contracts.map((contract) => {
      const {positions, always, alwaysTopic1} = wantedLogs(contract, adapters);
      const topic0s = new Set(always);
      const topic1s = alwaysTopic1 && new Set(alwaysTopic1);
      // Every log of the contract passes here (8M at large scale): no per-log allocation beyond the lower-casing.
      const topic = (log: RawLog, index: number) => log.topics[index]?.toLowerCase() ?? ""; // "" matches nothing
      const keep = (log: RawLog): boolean => {
        if (positions.some((position) => wallets.has(topic(log, position)))) return true;
        return topic0s.has(topic(log, 0)) && (!topic1s || topic1s.has(topic(log, 1)));
      };
      return [contract.address, keep];
    })
  );
}

interface PendingBatch extends Batch {
  size: number;
  counts: Counts;
}

const emptyBatch = (): PendingBatch => ({
  rows: emptyRows(),
  rejects: [],
  blocks: new Map(),
  to: -1,
  size: 0,
  counts: zeroCounts()
});

const missingBlock = (number: number) => new WorkbenchError(`block ${number} is missing on the RPC (the chain shrank mid-read?)`);
const changedBlock = (number: number) =>
  new WorkbenchError(`block ${number} changed while it was read (a reorg in progress); run the ingest again`);

/** Times of the blocks whose logs lack blockTimestamp (not every RPC sends it), from their headers. */
async function missingTimes(rpc: ChainRpc, chunk: Chunk): Promise<Map<number, number> | undefined> {
  const hashes = new Map<number, string>();
  for (const log of chunk.logs) if (!log.blockTimestamp) hashes.set(Number(log.blockNumber), log.blockHash.toLowerCase());
  if (hashes.size === 0) return undefined;
  const headers = await rpc.blocks([...hashes.keys()]);
  const times = new Map<number, number>();
  for (const [number, hash] of hashes) {
    const header = headers.get(number);
    if (!header) throw missingBlock(number);
    if (header.hash.toLowerCase() !== hash) throw changedBlock(number);
    times.set(number, Number(header.timestamp));
  }
  return times;
}

/** Adds a decoded chunk to the batch, with the hash and time of its blocks and of its last block. */
function addChunk(batch: PendingBatch, decoded: Decoded, chunk: Chunk): void {
  if (!chunk.end) throw missingBlock(chunk.to);
  const endHash = chunk.end.hash.toLowerCase();
  const known = decoded.blocks.get(chunk.to);
  if (known && known.hash !== endHash) throw changedBlock(chunk.to);
  for (const [number, block] of decoded.blocks) batch.blocks.set(number, block);
  batch.blocks.set(chunk.to, {hash: endHash, time: Number(chunk.end.timestamp)});
  // One flat string per chunk and table: the batch holds a few large strings, not many small ones (GC).
  for (const key of Object.keys(decoded.rows) as (keyof Rows)[]) if (decoded.rows[key].length) batch.rows[key].push(decoded.rows[key].join("\n"));
  for (const reject of decoded.rejects) batch.rejects.push(reject);
  batch.size += decoded.size;
  batch.to = chunk.to;
  batch.counts.read += decoded.loaded + decoded.rejects.length;
  batch.counts.loaded += decoded.loaded;
  batch.counts.rejected += decoded.rejects.length;
}

/**
 * Finds where the stored chain stops being canonical: checks the newest `window` stored blocks
 * against the chain's headers, newest first, and while every one of them has changed, the next
 * `window` below (a reorg deeper than the window is still found; on an unchanged chain this reads
 * one window of headers). Returns the lowest changed block (the fork point to re-read from), or null.
 */
async function findFork(warehouse: Warehouse, rpc: ChainRpc, window: number): Promise<number | null> {
  let fork: number | null = null;
  let below = Number.MAX_SAFE_INTEGER;
  for (;;) {
    const stored = await warehouse.all<{block_number: bigint; block_hash: string}>(
      "SELECT block_number, block_hash FROM chain_blocks WHERE block_number < $1 ORDER BY block_number DESC LIMIT $2",
      [below, window]
    );
    if (stored.length === 0) return fork;
    const headers = await rpc.blocks(stored.map((row) => Number(row.block_number)));
    for (const row of stored) {
      const header = headers.get(Number(row.block_number));
      if (header && header.hash.toLowerCase() === row.block_hash) return fork;
      fork = Number(row.block_number);
    }
    below = fork!;
  }
}

/** balanceOf at `block` for each wallet: every collateral token, and each position it ever touched. */
async function readBalances(
  warehouse: Warehouse,
  rpc: ChainRpc,
  run: IngestRun,
  network: Network,
  addressSet: string,
  block: number
): Promise<void> {
  const wallets = (
    await warehouse.all<{address: string}>("SELECT address FROM chain_address_sets WHERE address_set = $1 ORDER BY address", [addressSet])
  ).map((row) => row.address);
  const positions = await warehouse.all<{address: string; token_id: string}>(
    `WITH touched AS (
       SELECT to_address AS address, token_id FROM chain_position_transfers
       UNION SELECT from_address, token_id FROM chain_position_transfers
       UNION SELECT maker, token_id FROM chain_fills)
     SELECT DISTINCT t.address, t.token_id FROM touched t
       JOIN chain_address_sets a ON a.address = t.address AND a.address_set = $1
     ORDER BY 1, 2`,
    [addressSet]
  );
  interface Want {
    address: string;
    token: string;
    tokenId: string;
    asset: string;
    symbol: string | null;
    data: Hex;
  }
  const wants: Want[] = [];
  for (const address of wallets)
    for (const token of network.collateral)
      wants.push({
        address,
        token: token.address,
        tokenId: "",
        asset: "collateral",
        symbol: token.symbol,
        data: encodeFunctionData({abi: ERC20_ABI, functionName: "balanceOf", args: [address as Hex]})
      });
  for (const {address, token_id} of positions)
    wants.push({
      address,
      token: network.conditionalTokens,
      tokenId: token_id,
      asset: token_id,
      symbol: null,
      data: encodeFunctionData({abi: ERC1155_ABI, functionName: "balanceOf", args: [address as Hex, BigInt(token_id)]})
    });
  const balances: bigint[] = [];
  for (let i = 0; i < wants.length; i += 1000) {
    const slice = wants.slice(i, i + 1000);
    const answers = await Promise.all(slice.map((want) => rpc.call(want.token, want.data, block)));
    answers.forEach((answer, j) => {
      if (answer === "0x") throw new WorkbenchError(`balanceOf on ${slice[j].token} returned nothing: is it a contract on this chain?`);
      balances.push(hexToBigInt(answer));
    });
  }
  await warehouse.transaction(async () => {
    await warehouse.run(
      "CREATE TEMP TABLE IF NOT EXISTS stage_chain_balances (address VARCHAR, token VARCHAR, token_id VARCHAR, asset VARCHAR, symbol VARCHAR, balance HUGEINT)"
    );
    await warehouse.run("DELETE FROM stage_chain_balances");
    const appender = await warehouse.connection.createAppender("stage_chain_balances", "main", "temp");
    wants.forEach((want, i) => {
      appender.appendVarchar(want.address);
      appender.appendVarchar(want.token);
      appender.appendVarchar(want.tokenId);
      appender.appendVarchar(want.asset);
      if (want.symbol === null) appender.appendNull();
      else appender.appendVarchar(want.symbol);
      appender.appendHugeInt(balances[i]);
      appender.endRow();
    });
    appender.closeSync();
    await warehouse.run(
      `INSERT OR REPLACE INTO chain_balances
       SELECT address, token, token_id, asset, symbol, $1, balance, chain_units(balance), $2 FROM stage_chain_balances`,
      [block, run.runId]
    );
  });
}

