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

export interface Fixture {
  chain: LocalChain;
  network: Network;
  firstBlock: number;
  lastBlock: number;
  /** Logs emitted that name a watched wallet, per table. */
  expected: {transfers: number; positionTransfers: number; fills: number; matches: number; splits: number; redemptions: number; resolutions: number; rejects: number};
  /** The deposit that went to ALICE_EOA instead of ALICE (units). */
  misdirected: bigint;
}

const U = 1_000_000n;
const hash = (text: string): Hex => keccak256(stringToHex(text));

/** Deploys the stand-ins and mines `rounds` blocks of activity, 2 s apart from `startTime`. */
export async function seed(url: string, rounds = 30, startTime = 1_767_225_600): Promise<Fixture> {
  const chain = new LocalChain(url);
  await chain.init();
  const network = await deployStandIns(chain);
  const [usdc, pusd] = network.collateral.map((token) => token.address);
  const ctf = network.conditionalTokens;
  const [v1, , v2] = network.exchanges.map((exchange) => exchange.address);
  const expected = {transfers: 0, positionTransfers: 0, fills: 0, matches: 0, splits: 0, redemptions: 0, resolutions: 0, rejects: 0};
  const firstBlock = (await chain.blockNumber()) + 1;
  let time = startTime;
  let misdirected = 0n;
  for (let i = 0; i < rounds; i++) {
    const calls: Call[] = [];
    const n = BigInt(i);
    // Deposits (one transfer each) and the collateral the fills below spend.
    calls.push(call(usdc, "Collateral", "mint", [ALICE, 200n * U + n]));
    calls.push(call(usdc, "Collateral", "mint", [BOB, 100n * U]));
    calls.push(call(pusd, "Collateral", "mint", [CAROL, 80n * U + n]));
    expected.transfers += 3;
    // Alice buys YES on V1 from an operator: alice->exchange collateral, exchange mints+moves YES to her.
    calls.push(
      call(v1, "ExchangeV1", "fillOrder", [
        {orderHash: hash(`a${i}`), maker: ALICE, makerAssetId: 0n, takerAssetId: YES, making: 50n * U, taking: 100n * U + n, fee: U / 2n},
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
        {orderHash: hash(`t${i}`), maker: BOB, makerAssetId: YES, takerAssetId: 0n, making: 4n * U, taking: 2n * U, fee: 0n},
        [{orderHash: hash(`m${i}`), maker: ALICE, makerAssetId: 0n, takerAssetId: YES, making: 2n * U, taking: 4n * U, fee: 0n}]
      ])
    );
    expected.fills += 2;
    expected.matches += 1;
    expected.transfers += 2; // alice -> exchange, exchange -> bob (collateral)
    expected.positionTransfers += 2; // exchange -> alice, bob -> exchange (YES)
    // Carol buys NO on V2 with pUSD.
    calls.push(
      call(v2, "ExchangeV2", "fillOrder", [
        {orderHash: hash(`c${i}`), maker: CAROL, side: 0, tokenId: NO, making: 30n * U, taking: 60n * U, fee: 0n, builder: pad("0x01"), metadata: pad(toHex(i))},
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
      misdirected = 25n * U;
      calls.push(call(usdc, "Collateral", "mint", [ALICE_EOA, misdirected]));
      expected.transfers += 1;
      // A log nobody knows, and an OrderFilled whose data is cut short: both quarantined.
      calls.push(call(ctf, "ConditionalTokens", "emitRaw", [[MYSTERY_TOPIC, pad(ALICE as Hex)], pad("0x07")]));
      calls.push(call(v1, "ExchangeV1", "emitRaw", [[TOPIC0.OrderFilledV1, hash("bad"), pad(ALICE as Hex), pad(BOB as Hex)], "0x1234"]));
      expected.rejects += 2;
    }
    time += 2 + (i % 7) * 3600; // irregular gaps: the demo window is weeks, not minutes
    await chain.mineBlock(calls, time);
  }
  // Resolution (YES wins) and Alice redeems; Bob keeps his winning YES unredeemed.
  await chain.mineBlock([call(ctf, "ConditionalTokens", "reportPayouts", [wallet("oracle"), QUESTION, CONDITION, [1n, 0n]])], (time += 60));
  expected.resolutions += 1;
  await chain.mineBlock([call(ctf, "ConditionalTokens", "redeemPositions", [ALICE, usdc, CONDITION, [1n, 2n], [YES, NO]])], time + 120);
  expected.redemptions += 1;
  expected.positionTransfers += 1; // alice's YES burnt (she holds no NO)
  expected.transfers += 1; // payout ctf -> alice
  const lastBlock = await chain.blockNumber();
  return {chain, network, firstBlock, lastBlock, expected, misdirected};
}
