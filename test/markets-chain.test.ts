// UMA resolution events on a real anvil node: the stand-in adapter and oracle emit the mainnet
// events, the chain loader decodes them as viem does, ties oracle events to the question through the
// ancillary data, skips other requesters, and the timeline view reads stages and durations.
import assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, test} from "node:test";
import {decodeEventLog, keccak256, stringToHex, type Abi, type Hex} from "viem";
import {ingestChain} from "../loaders/chain/index.ts";
import {abiOf, call, deployStandIns, LocalChain} from "../loaders/chain/local-chain.ts";
import {ingestMarkets} from "../loaders/markets/index.ts";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {anvil, stopAll, wallet} from "./helpers/anvil.ts";
import {gammaMarket} from "./helpers/gamma-server.ts";

const dir = mkdtempSync(join(tmpdir(), "markets-chain-"));
after(async () => {
  await stopAll();
  rmSync(dir, {recursive: true, force: true});
});

const QUESTION = keccak256(stringToHex("question: will the clarified test pass?"));
const ANCILLARY = "q: title: Will the clarified test pass?, description: Resolves Yes if it passes. res_data: p1: 0, p2: 1, p3: 0.5";
const CLARIFICATION = "Clarification: a test that is skipped counts as not passing, \"skipped\" included.";
const YES_PRICE = 10n ** 18n;
const T0 = 1_790_000_000; // unix seconds, 2026-09-21

test("UMA adapter and oracle events: decoded, tied to the question, staged in the timeline", async () => {
  const node = await anvil({args: ["--timestamp", String(T0 - 60)]});
  const chain = new LocalChain(node.url);
  await chain.init();
  const network = await deployStandIns(chain);
  const adapter = network.resolution.umaAdapters[0].address;
  const oracle = network.resolution.optimisticOracles[0].address;
  const [proposer, disputer, creator, stranger] = ["proposer", "disputer", "creator", "another requester"].map(wallet);
  const ancillary = stringToHex(ANCILLARY);
  const token = network.collateral[1].address;
  const steps: [number, ReturnType<typeof call>[]][] = [
    [T0, [call(adapter, "UmaCtfAdapter", "initialize", [QUESTION, creator, ancillary, token, 0n, 500_000_000n])]],
    [T0 + 3600, [call(adapter, "UmaCtfAdapter", "postUpdate", [QUESTION, creator, stringToHex(CLARIFICATION)])]],
    [T0 + 7200, [call(oracle, "OptimisticOracleV2", "proposePrice", [adapter, proposer, BigInt(T0), ancillary, YES_PRICE, 7200n, token])]],
    [T0 + 7800, [
      call(oracle, "OptimisticOracleV2", "disputePrice", [adapter, proposer, disputer, BigInt(T0), ancillary, YES_PRICE]),
      call(adapter, "UmaCtfAdapter", "reset", [QUESTION]),
      // Another requester's proposal on the same oracle: not ours, never read.
      call(oracle, "OptimisticOracleV2", "proposePrice", [stranger, proposer, BigInt(T0), ancillary, 0n, 7200n, token])
    ]],
    [T0 + 9000, [call(adapter, "UmaCtfAdapter", "flag", [QUESTION])]],
    [T0 + 12600, [call(adapter, "UmaCtfAdapter", "resolveManually", [QUESTION, [1n, 1n]])]]
  ];
  for (const [at, calls] of steps) await chain.mineBlock(calls, at);

  const warehouse = await Warehouse.open(join(dir, "w.duckdb"));
  try {
    const marketsFile = join(dir, "markets.json");
    writeFileSync(marketsFile, JSON.stringify([gammaMarket(1, "2026-09-21T00:00:00Z", {questionID: QUESTION})]));
    await ingestMarkets(warehouse, {files: [marketsFile]});
    const summary = await ingestChain(warehouse, {rpc: node.url, network, addresses: [creator], fromBlock: 0, snapshotDir: null});
    assert.equal(summary.rejected, 0);

    const rows = await warehouse.json<Record<string, unknown>>(
      "SELECT event, question_id, requester, disputer, creator, price::VARCHAR AS price, payouts, ancillary_hash, text, tx_hash, log_index FROM chain_uma_events ORDER BY block_number, log_index"
    );
    assert.deepEqual(rows.map((r) => r.event), [
      "QuestionInitialized", "AncillaryDataUpdated", "ProposePrice", "DisputePrice", "QuestionReset", "QuestionFlagged", "QuestionManuallyResolved"
    ]);
    // Decoded as viem decodes the same logs.
    const abi = [...abiOf("UmaCtfAdapter"), ...abiOf("OptimisticOracleV2")] as Abi;
    for (const row of rows) {
      const receipt = await chain.rpc<{logs: {topics: Hex[]; data: Hex; logIndex: Hex}[]}>("eth_getTransactionReceipt", [row.tx_hash]);
      const log = receipt.logs.find((l) => Number(l.logIndex) === Number(row.log_index))!;
      const {eventName, args} = decodeEventLog({abi, topics: log.topics as [Hex, ...Hex[]], data: log.data}) as unknown as {eventName: string; args: Record<string, unknown>};
      assert.equal(eventName, row.event);
      const price = args.proposedPrice ?? args.settledPrice;
      if (price !== undefined) assert.equal(row.price, String(price));
      if (args.questionID) assert.equal(row.question_id, String(args.questionID).toLowerCase());
    }
    assert.equal(rows[0].ancillary_hash, keccak256(ancillary));
    assert.equal(rows[0].text, ANCILLARY);
    assert.equal(rows[1].text, CLARIFICATION);
    assert.equal(rows[1].creator, creator);
    assert.equal(rows[3].disputer, disputer);
    assert.deepEqual(rows[6].payouts, ["1", "1"]);

    const timeline = await warehouse.json<{stage: string; outcome: string | null; stage_minutes: number | null}>(
      "SELECT stage, outcome, stage_minutes FROM market_resolution_timeline WHERE market_id = '600001' ORDER BY step"
    );
    assert.deepEqual(timeline, [
      {stage: "initialized", outcome: null, stage_minutes: 60},
      {stage: "clarified", outcome: null, stage_minutes: 60},
      {stage: "proposed", outcome: "Yes", stage_minutes: 10},
      {stage: "disputed", outcome: "Yes", stage_minutes: 0},
      {stage: "reset", outcome: null, stage_minutes: 20},
      {stage: "flagged", outcome: null, stage_minutes: 60},
      {stage: "manually_resolved", outcome: null, stage_minutes: null}
    ]);
    const resolution = await warehouse.one<{status: string; disputes: bigint; clarifications: bigint; flagged: boolean}>(
      "SELECT status, disputes, clarifications, flagged FROM market_resolutions WHERE market_id = '600001'"
    );
    assert.deepEqual({...resolution, disputes: Number(resolution!.disputes), clarifications: Number(resolution!.clarifications)},
      {status: "manually_resolved", disputes: 1, clarifications: 1, flagged: true});
  } finally {
    warehouse.close();
  }
});
