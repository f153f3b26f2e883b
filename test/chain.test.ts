// The chain loader against a real anvil node (no mocked transport): round trip, crash resume,
// reorg, a range-limited and rate-limited RPC, and the quarantine of logs it cannot read.
import assert from "node:assert/strict";
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import {createPublicClient, decodeEventLog, http, keccak256, toEventSelector, toHex, type Abi, type AbiEvent, type Hex} from "viem";
import {decodeEvent, EVENT_BY_TOPIC0, EVENTS, TOPIC0} from "../loaders/chain/abi.ts";
import {freePort} from "../loaders/chain/anvil.ts";
import {ingestChain, loadMarkets, type ChainIngestOptions} from "../loaders/chain/index.ts";
import {abiOf, call, LocalChain} from "../loaders/chain/local-chain.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {activity, ALICE, ALICE_EOA, anvil, BOB, CAROL, CONDITION, finale, NO, seed, setup, stopAll, WALLETS, YES, type Expected, type Fixture} from "./helpers/anvil.ts";
import {tableChecksums} from "./helpers/checksum.ts";
import {startRpcProxy} from "./helpers/rpc-proxy.ts";

const TABLES: Record<keyof Expected, string> = {
  transfers: "chain_transfers",
  positionTransfers: "chain_position_transfers",
  fills: "chain_fills",
  matches: "chain_matches",
  splits: "chain_splits",
  redemptions: "chain_redemptions",
  resolutions: "chain_resolutions",
  rejects: "rejects"
};
const CHAIN_DATA = [...Object.values(TABLES).filter((table) => table !== "rejects"), "chain_blocks"];

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "chain-test-"));
  dirs.push(dir);
  return dir;
}

async function openWarehouse(): Promise<Warehouse> {
  return Warehouse.open(join(tempDir(), "w.duckdb"));
}

async function balanceOf(warehouse: Warehouse, address: string, symbol: string): Promise<bigint> {
  const row = await warehouse.one<{balance: bigint}>("SELECT balance FROM chain_balances WHERE address = $1 AND symbol = $2", [address, symbol]);
  return row!.balance;
}

async function counts(warehouse: Warehouse): Promise<Expected> {
  const out = {} as Expected;
  for (const [key, table] of Object.entries(TABLES)) {
    const row = await warehouse.one<{n: number}>(`SELECT count(*)::INTEGER AS n FROM ${table}${table === "rejects" ? " WHERE source = 'chain'" : ""}`);
    out[key as keyof Expected] = row!.n;
  }
  return out;
}

/** Event-table checksums only (cursors and balances carry per-run columns). */
async function chainChecksums(warehouse: Warehouse): Promise<Record<string, string>> {
  const all = await tableChecksums(warehouse);
  return Object.fromEntries(CHAIN_DATA.map((table) => [table, all[table]]));
}

function options(fx: Fixture, rpc: string, extra: Partial<ChainIngestOptions> = {}): ChainIngestOptions {
  return {
    rpc,
    network: fx.network,
    addresses: WALLETS,
    fromBlock: fx.firstBlock,
    snapshotDir: null,
    rpcOptions: {backoffMs: 20, maxBackoffMs: 200},
    ...extra
  };
}

after(async () => {
  await stopAll();
  for (const dir of dirs) rmSync(dir, {recursive: true, force: true});
});

test("the loader's event signatures are the mainnet ones (shared/domain.md) and the stand-ins emit them", () => {
  assert.equal(TOPIC0.Transfer, "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
  assert.equal(TOPIC0.TransferSingle, "0xc3d58168c5ae7397731d063d5bbf3d657854427343f4c083240f7aacaa2d0f62");
  assert.equal(TOPIC0.TransferBatch, "0x4a39dc06d4c0dbc64b70af90fd698a233a518aa5d07e595d983b8c0526c8f7fb");
  assert.equal(TOPIC0.OrderFilledV1, "0xd0a08e8c493f9c94f29311604c9de1b4e8c8d4c06bd0c789af57f2d65bfec0f6");
  assert.equal(TOPIC0.OrderFilledV2, "0xd543adfd945773f1a62f74f0ee55a5e3b9b1a28262980ba90b1a89f2ea84d8ee");
  // The Gnosis CTF events as Polygonscan shows them.
  assert.equal(TOPIC0.PositionSplit, toEventSelector("PositionSplit(address,address,bytes32,bytes32,uint256[],uint256)"));
  assert.equal(TOPIC0.PayoutRedemption, toEventSelector("PayoutRedemption(address,address,bytes32,bytes32,uint256[],uint256)"));
  assert.equal(TOPIC0.ConditionResolution, toEventSelector("ConditionResolution(bytes32,address,bytes32,uint256,uint256[])"));
  assert.equal(TOPIC0.OrdersMatchedV1, toEventSelector("OrdersMatched(bytes32,address,uint256,uint256,uint256,uint256)"));
  const standIn = new Map<string, string>();
  for (const name of ["Collateral", "ConditionalTokens", "ExchangeV1", "ExchangeV2", "UmaCtfAdapter", "OptimisticOracleV2"] as const)
    for (const item of abiOf(name)) if (item.type === "event") standIn.set(toEventSelector(item as AbiEvent), `${name}.${item.name}`);
  for (const [name, topic] of Object.entries(TOPIC0)) assert.ok(standIn.has(topic), `no stand-in emits ${name} (${topic})`);
});

describe("against anvil", () => {
  let fx: Fixture;
  let url: string;
  before(async () => {
    const node = await anvil();
    url = node.url;
    fx = await seed(url, 30);
  });

  test("a batch of calls larger than anvil's request limit (about 2 MB) is sent in parts, answers in order", async () => {
    // about 3 MB of hex in all: over the limit, and under the size (about 8 MB) where anvil drops the connection instead of answering
    const payloads = Array.from({length: 30}, (_, i) => toHex(`${i}:`.padEnd(50_000, "x")));
    const raw = await fetch(url, {
      method: "POST",
      headers: {"content-type": "application/json"},
      body: JSON.stringify(payloads.map((data, id) => ({jsonrpc: "2.0", id, method: "web3_sha3", params: [data]})))
    });
    assert.equal(((await raw.json()) as {error?: {message: string}}).error?.message, "Invalid request", "anvil refuses it as one request");
    const hashes = await new LocalChain(url).batch<Hex>(payloads.map((data) => ({method: "web3_sha3", params: [data]})));
    assert.deepEqual(hashes, payloads.map((data) => keccak256(data)));
  });

  test("round trip: every event once, decoded as viem decodes it, balances, times, quarantine, snapshot", async () => {
    const warehouse = await openWarehouse();
    const snapshotDir = tempDir();
    try {
      const summary = await ingestChain(warehouse, options(fx, url, {snapshotDir, chunker: {initialSpan: 4}}));
      assert.equal(summary.status, "ok");
      assert.deepEqual(await counts(warehouse), fx.expected);
      assert.equal(summary.read, summary.loaded + summary.rejected);
      assert.equal(summary.rejected, 2);

      // The decoder agrees with viem on every log of the range.
      const client = createPublicClient({transport: http(url), cacheTime: 0});
      const logs = await client.request({method: "eth_getLogs", params: [{fromBlock: `0x${fx.firstBlock.toString(16)}`, toBlock: "latest"}]});
      const abi = [...abiOf("Collateral"), ...abiOf("ConditionalTokens"), ...abiOf("ExchangeV1"), ...abiOf("ExchangeV2")] as Abi;
      let compared = 0;
      for (const log of logs) {
        const name = EVENT_BY_TOPIC0.get(log.topics[0] ?? "");
        if (!name || log.data.length % 64 !== 2) continue;
        const mine = decodeEvent(EVENTS[name], log.topics, log.data);
        const theirs = decodeEventLog({abi, topics: log.topics as [Hex], data: log.data}).args as unknown as Record<string, unknown>;
        for (const [key, value] of Object.entries(theirs)) {
          const expected = typeof value === "string" ? value.toLowerCase() : Array.isArray(value) ? [...value] : value;
          assert.deepEqual(mine[key], expected, `${name}.${key}`);
        }
        compared++;
      }
      assert.ok(compared > 500, `compared ${compared} logs`);

      // The stored rows (the fast paths for transfers and fills included) hold what viem decodes.
      const watched = new Set(WALLETS);
      const rowsByLog = new Map<string, Record<string, unknown>>();
      for (const table of ["chain_transfers", "chain_fills"])
        for (const row of await warehouse.all(`SELECT * FROM ${table}`)) rowsByLog.set(`${table}:${row.block_number}:${row.log_index}`, row);
      for (const row of await warehouse.all("SELECT * FROM chain_position_transfers WHERE event = 'TransferSingle'"))
        rowsByLog.set(`single:${row.block_number}:${row.log_index}`, row);
      let checked = 0;
      for (const log of logs) {
        const name = EVENT_BY_TOPIC0.get(log.topics[0] ?? "");
        if (!name || log.data.length % 64 !== 2) continue;
        const args = decodeEventLog({abi, topics: log.topics as [Hex], data: log.data}).args as unknown as Record<string, unknown>;
        const where = `${Number(log.blockNumber)}:${Number(log.logIndex)}`;
        const lower = (value: unknown) => String(value).toLowerCase();
        if (name === "Transfer" && (watched.has(lower(args.from)) || watched.has(lower(args.to)))) {
          const row = rowsByLog.get(`chain_transfers:${where}`)!;
          assert.deepEqual([row.from_address, row.to_address, row.amount], [lower(args.from), lower(args.to), args.value]);
          checked++;
        } else if (name === "TransferSingle" && [args.operator, args.from, args.to].some((a) => watched.has(lower(a)))) {
          const row = rowsByLog.get(`single:${where}`)!;
          assert.deepEqual([row.operator, row.from_address, row.to_address, row.token_id, row.amount], [lower(args.operator), lower(args.from), lower(args.to), String(args.id), args.value]);
          checked++;
        } else if ((name === "OrderFilledV1" || name === "OrderFilledV2") && (watched.has(lower(args.maker)) || watched.has(lower(args.taker)))) {
          const row = rowsByLog.get(`chain_fills:${where}`)!;
          const tokenId = name === "OrderFilledV2" ? args.tokenId : args.makerAssetId === 0n ? args.takerAssetId : args.makerAssetId;
          assert.deepEqual(
            [row.order_hash, row.maker, row.taker, row.token_id, row.maker_amount, row.taker_amount, row.fee],
            [lower(args.orderHash), lower(args.maker), lower(args.taker), String(tokenId), args.makerAmountFilled, args.takerAmountFilled, args.fee]
          );
          checked++;
        }
      }
      assert.equal(checked, rowsByLog.size);

      // Full precision and derived values.
      const fill = await warehouse.one<{collateral_amount: bigint; shares: string; price: number; side: string}>(
        `SELECT collateral_amount, shares::VARCHAR AS shares, price, side FROM chain_fills
          WHERE maker = $1 AND NOT is_taker_order AND fee > 0 ORDER BY block_number DESC LIMIT 1`,
        [ALICE]
      );
      assert.deepEqual(fill, {collateral_amount: 50_000_000n, shares: "100.000029", price: 50_000_000 / 100_000_029, side: "BUY"});
      const times = await warehouse.one<{bad: bigint}>(
        "SELECT count(*) AS bad FROM chain_fills f JOIN chain_blocks b USING (block_number) WHERE f.block_time IS DISTINCT FROM b.block_time"
      );
      assert.equal(times!.bad, 0n);
      const block = await client.getBlock({blockNumber: BigInt(fx.lastBlock)});
      const stored = await warehouse.one<{t: number}>("SELECT epoch(block_time)::BIGINT::INTEGER AS t FROM chain_redemptions");
      assert.equal(stored!.t, Number(block.timestamp));

      // Balances at the snapshot block are balanceOf.
      const balances = await warehouse.all<{address: string; token: string; token_id: string; balance: bigint}>(
        "SELECT address, token, token_id, balance FROM chain_balances ORDER BY ALL"
      );
      assert.ok(balances.length >= WALLETS.length * 2 + 4);
      for (const row of balances) {
        const onChain = row.token_id
          ? await client.readContract({address: row.token as Hex, abi: abiOf("ConditionalTokens"), functionName: "balanceOf", args: [row.address as Hex, BigInt(row.token_id)]})
          : await client.readContract({address: row.token as Hex, abi: abiOf("Collateral"), functionName: "balanceOf", args: [row.address as Hex]});
        assert.equal(row.balance, onChain, `${row.address} ${row.token_id || row.token}`);
      }

      // Quarantine: the unknown topic and the short OrderFilled, with their reasons.
      const rejects = await warehouse.all<{reason: string}>("SELECT reason FROM rejects WHERE source = 'chain' ORDER BY reason");
      assert.match(rejects[0].reason, /^undecodable: OrderFilledV1: /);
      assert.match(rejects[1].reason, /^unknown_topic: 0x/);

      // Reconciliation: every wallet's ledger matches balanceOf ...
      assert.deepEqual(await warehouse.all("SELECT * FROM reconciliation"), []);
      // ... until the orders show ALICE_EOA signs for ALICE: then its deposit is money missing from ALICE.
      await warehouse.run(
        `INSERT INTO api_requests (request_id, ts, method, path, route, status, signer, maker)
         VALUES ('req-1', now(), 'POST', '/order', '/order', 200, $1, $2)`,
        [ALICE_EOA, ALICE]
      );
      const differences = await warehouse.all<{user: string; asset: string; difference_units: bigint}>(
        `SELECT "user", asset, difference_units FROM reconciliation`
      );
      assert.deepEqual(differences, [{user: ALICE, asset: "USDC.e", difference_units: -fx.misdirected}]);
      // With the markets file, Bob's unredeemed winning YES shows twice: shares still held, payout missing.
      const markets = join(snapshotDir, "markets.json");
      writeFileSync(markets, JSON.stringify([{id: "1", question: "Will the test pass?", conditionId: CONDITION, clobTokenIds: JSON.stringify([String(YES), String(NO)]), outcomes: '["Yes","No"]'}]));
      assert.equal(await loadMarkets(warehouse, markets), 2);
      const bobYes = await warehouse.one<{balance: bigint}>("SELECT balance FROM chain_balances WHERE address = $1 AND token_id = $2", [BOB, String(YES)]);
      assert.ok(bobYes!.balance > 0n);
      assert.deepEqual(
        await warehouse.all(`SELECT "user", asset, implied_units, difference_units FROM reconciliation ORDER BY "user", asset`),
        [
          {user: ALICE, asset: "USDC.e", implied_units: (await balanceOf(warehouse, ALICE, "USDC.e")) + fx.misdirected, difference_units: -fx.misdirected},
          {user: BOB, asset: String(YES), implied_units: 0n, difference_units: bobYes!.balance},
          {user: BOB, asset: "USDC.e", implied_units: (await balanceOf(warehouse, BOB, "USDC.e")) + bobYes!.balance, difference_units: -bobYes!.balance}
        ].sort((a, b) => (a.user + a.asset < b.user + b.asset ? -1 : 1))
      );

      // Idempotent: a second run adds nothing.
      const again = await ingestChain(warehouse, options(fx, url, {fromBlock: fx.firstBlock}));
      assert.equal(again.inserted, 0);
      const resolution = fx.network.resolution.umaAdapters.length + fx.network.resolution.optimisticOracles.length;
      assert.equal(again.skippedFiles, fx.network.collateral.length + 1 + fx.network.exchanges.length + resolution);
      assert.deepEqual(await counts(warehouse), fx.expected);

      // The Parquet snapshot keeps full precision.
      const parquet = await warehouse.one<{n: bigint; total: string}>(
        `SELECT count(*) AS n, sum(amount)::VARCHAR AS total FROM read_parquet('${join(snapshotDir, "chain_transfers.parquet")}')`
      );
      const table = await warehouse.one<{n: bigint; total: string}>("SELECT count(*) AS n, sum(amount)::VARCHAR AS total FROM chain_transfers");
      assert.deepEqual(parquet, table);
      assert.ok(readFileSync(join(snapshotDir, "reconciliation.parquet")).length > 0);
    } finally {
      warehouse.close();
    }
  });

  test("whole-contract reads (the demo's local chain) keep exactly the logs the topic filters return", async () => {
    const filtered = await openWarehouse();
    const whole = await openWarehouse();
    try {
      const byTopics = await ingestChain(filtered, options(fx, url));
      const byContract = await ingestChain(whole, options(fx, url, {wholeContracts: true}));
      assert.deepEqual(await counts(whole), fx.expected);
      assert.deepEqual(await chainChecksums(whole), await chainChecksums(filtered));
      assert.deepEqual([byContract.read, byContract.rejected, byContract.ignored], [byTopics.read, byTopics.rejected, byTopics.ignored]);
      // One query per contract and range, where the topic filters need one per indexed position.
      const queriesPerRange = (summary: typeof byTopics) => [...summary.ranges.values()].reduce((sum, {queries}) => sum + queries.length, 0);
      assert.equal(queriesPerRange(byContract), byContract.ranges.size);
      assert.ok(queriesPerRange(byTopics) > queriesPerRange(byContract));
    } finally {
      filtered.close();
      whole.close();
    }
  });

  test("a range-limited, rate-limited RPC: adaptive chunks and retries still get everything", async () => {
    const proxy = await startRpcProxy(url, {maxLogRange: 3, rateLimitEvery: 7});
    const warehouse = await openWarehouse();
    try {
      const summary = await ingestChain(warehouse, options(fx, proxy.url, {chunker: {initialSpan: 64}}));
      assert.deepEqual(await counts(warehouse), fx.expected);
      assert.ok(summary.stats.rangeSplits > 0, "ranges were split");
      assert.ok(summary.stats.retries > 0 && proxy.counts.rateLimited > 0, "429s were retried");
      assert.ok(proxy.counts.rangeErrors >= 3, "every range error text was seen");
    } finally {
      warehouse.close();
      await proxy.close();
    }
  });
});

test("node killed mid-ingest, restarted from its state: the resumed run has exactly the expected rows", async () => {
  const port = await freePort();
  const state = join(tempDir(), "anvil-state.json");
  const first = await anvil({port, dumpState: state});
  const fx = await seed(first.url, 40);
  await first.stop(); // clean exit: the state (blocks, logs, balances) is written
  let node = await anvil({port, loadState: state});
  const reference = await openWarehouse();
  const warehouse = await openWarehouse();
  try {
    await ingestChain(reference, options(fx, node.url));
    let stored = 0;
    const killer = {
      update() {
        if (++stored === 6) void node.kill(); // after six committed chunks
      },
      note() {}
    };
    await assert.rejects(
      ingestChain(
        warehouse,
        options(fx, node.url, {chunker: {initialSpan: 2, maxSpan: 2}, flushRows: 1, rpcOptions: {retries: 2, backoffMs: 10}}),
        killer
      ),
      /kept failing/
    );
    const partial = await counts(warehouse);
    assert.ok(partial.transfers > 0 && partial.transfers < fx.expected.transfers, `partial run stored ${partial.transfers} transfers`);
    const run = await warehouse.one<{status: string}>("SELECT status FROM ingest_runs ORDER BY run_id DESC LIMIT 1");
    assert.equal(run!.status, "failed");

    node = await anvil({port, loadState: state});
    const resumed = await ingestChain(warehouse, options(fx, node.url, {chunker: {initialSpan: 2, maxSpan: 2}}));
    const firstRange = resumed.ranges.get(fx.network.collateral[0].address)!.ranges[0];
    assert.ok(firstRange[0] > fx.firstBlock, `the resumed run starts at block ${firstRange[0]}, after the committed chunks`);
    assert.deepEqual(await counts(warehouse), fx.expected);
    assert.deepEqual(await chainChecksums(warehouse), await chainChecksums(reference));
  } finally {
    warehouse.close();
    reference.close();
  }
});

// Once with the default window, once with a window of 2 stored blocks, far shallower than the reorg.
for (const [label, reorgWindow] of [["", undefined], [" (deeper than the re-checked window)", 2]] as const)
test(`reorg${label}: snapshot, revert and re-mine a different branch; the warehouse follows the new chain`, async () => {
  const node = await anvil();
  const fx = await activity(await setup(node.url), 8);
  const chain = fx.chain;
  const snapshot = await chain.rpc<Hex>("evm_snapshot");
  const forkTime = fx.time;
  const forkExpected = {...fx.expected};
  const forkRounds = fx.rounds;
  await finale(await activity(fx, 6, 1)); // branch A: 6 rounds and the resolution
  const warehouse = await openWarehouse();
  try {
    await ingestChain(warehouse, options(fx, node.url, {chunker: {initialSpan: 3}, reorgWindow}));
    const branchA = await counts(warehouse);
    assert.deepEqual(branchA, fx.expected);

    // Branch B replaces A: fewer blocks, other amounts, Carol buys YES instead of the resolution.
    assert.equal(await chain.rpc<boolean>("evm_revert", [snapshot]), true);
    await chain.init();
    Object.assign(fx, {time: forkTime, expected: forkExpected, rounds: forkRounds});
    await activity(fx, 3, 2);
    const v2 = fx.network.exchanges[2].address;
    fx.lastBlock = await chain.mineBlock(
      [call(v2, "ExchangeV2", "fillOrder", [{orderHash: `0x${"ab".repeat(32)}`, maker: CAROL, side: 0, tokenId: YES, making: 1n, taking: 2n, fee: 0n, builder: `0x${"00".repeat(32)}`, metadata: `0x${"00".repeat(32)}`}, v2])],
      (fx.time += 5)
    );
    fx.expected.fills += 1;
    fx.expected.transfers += 1;
    fx.expected.positionTransfers += 1;

    const summary = await ingestChain(warehouse, options(fx, node.url, {chunker: {initialSpan: 3}, reorgWindow}));
    assert.equal(summary.reorgs, 1);
    assert.deepEqual(await counts(warehouse), fx.expected);
    const fresh = await openWarehouse();
    try {
      await ingestChain(fresh, options(fx, node.url));
      assert.deepEqual(await chainChecksums(warehouse), await chainChecksums(fresh));
    } finally {
      fresh.close();
    }
    const stale = await warehouse.one<{n: bigint}>("SELECT count(*) AS n FROM chain_blocks WHERE block_number > $1", [fx.lastBlock]);
    assert.equal(stale!.n, 0n);
  } finally {
    warehouse.close();
  }
});

test("--confirmations keeps the loader behind the head", async () => {
  const node = await anvil();
  const fx = await seed(node.url, 6);
  const warehouse = await openWarehouse();
  try {
    const summary = await ingestChain(warehouse, options(fx, node.url, {confirmations: 3}));
    assert.equal(summary.snapshotBlock, fx.lastBlock - 3);
    const top = await warehouse.one<{n: bigint}>("SELECT max(block_number) AS n FROM chain_blocks");
    assert.ok(Number(top!.n) <= fx.lastBlock - 3);
    const later = await ingestChain(warehouse, options(fx, node.url));
    assert.ok(later.inserted > 0);
    assert.deepEqual(await counts(warehouse), fx.expected);
  } finally {
    warehouse.close();
  }
});
