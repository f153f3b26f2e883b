/**
 * A real anvil node with the stand-in contracts and a deterministic history for the chain tests:
 * deposits, V1 and V2 fills (single and matched), splits, merges, position transfers, a
 * resolution and a redemption, plus one log with an unknown topic and one with malformed data,
 * all naming the watched wallets. Every anvil started here is stopped by `stopAll()`.
 */
import {keccak256, pad, stringToHex, toHex, type Hex} from "viem";
import {startAnvil, type Anvil, type AnvilOptions} from "../../loaders/chain/anvil.ts";
import {TOPIC0} from "../../loaders/chain/abi.ts";
import {call, deployStandIns, LocalChain, type Call} from "../../loaders/chain/local-chain.ts";
import type {Network} from "../../loaders/chain/network.ts";

const started: Anvil[] = [];

export async function anvil(options: AnvilOptions = {}): Promise<Anvil> {
  const node = await startAnvil(options);
  started.push(node);
  return node;
}

export async function stopAll(): Promise<void> {
  await Promise.all(started.splice(0).map((node) => node.kill()));
}

export const wallet = (label: string): string => `0x${keccak256(stringToHex(`chain test wallet ${label}`)).slice(26)}`;

export const ALICE = wallet("alice");
export const BOB = wallet("bob");
export const CAROL = wallet("carol");
/** Alice's EOA (signs her orders; her money should sit in ALICE, the funder). */
export const ALICE_EOA = wallet("alice eoa");
export const WALLETS = [ALICE, BOB, CAROL, ALICE_EOA].sort();

export const CONDITION = keccak256(stringToHex("condition: will the test pass?"));
export const QUESTION = keccak256(stringToHex("question: will the test pass?"));
export const YES = BigInt(keccak256(stringToHex("position yes")));
export const NO = BigInt(keccak256(stringToHex("position no")));
export const MYSTERY_TOPIC = keccak256(stringToHex("Mystery(address,uint256)"));

export interface Expected {
  transfers: number;
  positionTransfers: number;
  fills: number;
  matches: number;
  splits: number;
  redemptions: number;
  resolutions: number;
  rejects: number;
}

export interface Fixture {
  chain: LocalChain;
  network: Network;
  firstBlock: number;
  lastBlock: number;
  /** Logs emitted that name a watched wallet, per table. */
  expected: Expected;
  /** The deposit that went to ALICE_EOA instead of ALICE (units). */
  misdirected: bigint;
  /** Unix seconds of the last block. */
  time: number;
  rounds: number;
}

const U = 1_000_000n;
const hash = (text: string): Hex => keccak256(stringToHex(text));

/** Deploys the stand-ins (fresh addresses). */
export async function setup(url: string, startTime = 1_767_225_600): Promise<Fixture> {
  const chain = new LocalChain(url);
  await chain.init();
  const network = await deployStandIns(chain);
  const next = (await chain.blockNumber()) + 1;
  const expected = {transfers: 0, positionTransfers: 0, fills: 0, matches: 0, splits: 0, redemptions: 0, resolutions: 0, rejects: 0};
  return {chain, network, firstBlock: next, lastBlock: next - 1, expected, misdirected: 0n, time: startTime, rounds: 0};
}

/**
 * Mines `rounds` blocks of trading. `salt` changes amounts and order hashes (a reorg's other
 * branch). Round 3 of a fixture also sends the misdirected deposit and the two bad logs.
 */
export async function activity(fx: Fixture, rounds: number, salt = 0): Promise<Fixture> {
  const {chain, network, expected} = fx;
  const [usdc, pusd] = network.collateral.map((token) => token.address);
  const ctf = network.conditionalTokens;
  const [v1, , v2] = network.exchanges.map((exchange) => exchange.address);
  for (let r = 0; r < rounds; r++) {
    const i = fx.rounds++;
    const calls: Call[] = [];
    const n = BigInt(i + salt * 1000);
    // Deposits (one transfer each) and the collateral the fills below spend.
    calls.push(call(usdc, "Collateral", "mint", [ALICE, 200n * U + n]));
    calls.push(call(usdc, "Collateral", "mint", [BOB, 100n * U]));
    calls.push(call(pusd, "Collateral", "mint", [CAROL, 80n * U + n]));
    expected.transfers += 3;
    // Alice buys YES on V1 from an operator: alice->exchange collateral, exchange mints+moves YES to her.
    calls.push(
      call(v1, "ExchangeV1", "fillOrder", [
        {orderHash: hash(`a${i}/${salt}`), maker: ALICE, makerAssetId: 0n, takerAssetId: YES, making: 50n * U, taking: 100n * U + n, fee: U / 2n},
        BOB
      ])
    );
    expected.fills += 1;
    expected.transfers += 1; // alice -> exchange (collateral); the exchange's own mint is not watched
    expected.positionTransfers += 1; // exchange -> alice (YES); its mint to itself names no wallet
    // Bob splits 10 USDC into YES + NO (collateral to the CTF, a batch mint to bob).
    calls.push(call(ctf, "ConditionalTokens", "splitPosition", [BOB, usdc, CONDITION, [1n, 2n], [YES, NO], 10n * U]));
    expected.transfers += 1;
    expected.positionTransfers += 2;
    expected.splits += 1;
    // Bob sells 4 YES as the taker of a match against Alice's resting buy (V1 matchOrders).
    calls.push(
      call(v1, "ExchangeV1", "matchOrders", [
        {orderHash: hash(`t${i}/${salt}`), maker: BOB, makerAssetId: YES, takerAssetId: 0n, making: 4n * U, taking: 2n * U, fee: 0n},
        [{orderHash: hash(`m${i}/${salt}`), maker: ALICE, makerAssetId: 0n, takerAssetId: YES, making: 2n * U, taking: 4n * U, fee: 0n}]
      ])
    );
    expected.fills += 2;
    expected.matches += 1;
    expected.transfers += 2; // alice -> exchange, exchange -> bob (collateral)
    expected.positionTransfers += 2; // exchange -> alice, bob -> exchange (YES)
    // Carol buys NO on V2 with pUSD.
    calls.push(
      call(v2, "ExchangeV2", "fillOrder", [
        {orderHash: hash(`c${i}/${salt}`), maker: CAROL, side: 0, tokenId: NO, making: 30n * U, taking: 60n * U + n, fee: 0n, builder: pad("0x01"), metadata: pad(toHex(i))},
        v2
      ])
    );
    expected.fills += 1;
    expected.transfers += 1;
    expected.positionTransfers += 1;
    if (i % 5 === 4) {
      // Bob merges 2 YES + 2 NO back, and hands 1 NO to Carol.
      calls.push(call(ctf, "ConditionalTokens", "mergePositions", [BOB, usdc, CONDITION, [1n, 2n], [YES, NO], 2n * U]));
      calls.push(call(ctf, "ConditionalTokens", "move", [BOB, CAROL, NO, U]));
      expected.splits += 1;
      expected.positionTransfers += 2 + 1;
      expected.transfers += 1;
    }
    if (i === 3) {
      // The misdirected deposit: sent to Alice's EOA instead of her funder.
      fx.misdirected = 25n * U;
      calls.push(call(usdc, "Collateral", "mint", [ALICE_EOA, fx.misdirected]));
      expected.transfers += 1;
      // A log nobody knows, and an OrderFilled whose data is cut short: both quarantined.
      calls.push(call(ctf, "ConditionalTokens", "emitRaw", [[MYSTERY_TOPIC, pad(ALICE as Hex)], pad("0x07")]));
      calls.push(call(v1, "ExchangeV1", "emitRaw", [[TOPIC0.OrderFilledV1, hash("bad"), pad(ALICE as Hex), pad(BOB as Hex)], "0x1234"]));
      expected.rejects += 2;
    }
    fx.time += 2 + (i % 7) * 3600; // irregular gaps: the demo window is weeks, not minutes
    fx.lastBlock = await chain.mineBlock(calls, fx.time);
  }
  return fx;
}

/** Resolution (YES wins) and Alice redeems; Bob keeps his winning YES unredeemed. */
export async function finale(fx: Fixture): Promise<Fixture> {
  const ctf = fx.network.conditionalTokens;
  const usdc = fx.network.collateral[0].address;
  await fx.chain.mineBlock([call(ctf, "ConditionalTokens", "reportPayouts", [wallet("oracle"), QUESTION, CONDITION, [1n, 0n]])], (fx.time += 60));
  fx.expected.resolutions += 1;
  fx.lastBlock = await fx.chain.mineBlock([call(ctf, "ConditionalTokens", "redeemPositions", [ALICE, usdc, CONDITION, [1n, 2n], [YES, NO]])], (fx.time += 60));
  fx.expected.redemptions += 1;
  fx.expected.positionTransfers += 1; // alice's YES burnt (she holds no NO)
  fx.expected.transfers += 1; // payout ctf -> alice
  return fx;
}

/** The whole history: deploy, `rounds` of trading, resolution and redemption. */
export async function seed(url: string, rounds = 30): Promise<Fixture> {
  return finale(await activity(await setup(url), rounds));
}
