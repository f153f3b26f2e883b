/**
 * Raw logs -> table rows. A log whose topic0 is unknown for its contract, or whose data does not
 * decode, becomes a reject (never a crash, never a wrong row); known events without a table
 * (Approval, ApprovalForAll, ...) are skipped and counted.
 */
import {hexToString, keccak256, type Hex} from "viem";
import {DecodeError, EVENT_BY_TOPIC0, EVENTS, IGNORED_TOPIC0, decodeEvent, type DecodedArgs, type EventName, type UmaEventName, UMA_ADAPTER_EVENTS, UMA_ORACLE_EVENTS} from "./abi.ts";
import type {WatchedContract} from "./network.ts";
import type {RawLog} from "./rpc.ts";
import {amountOf, LINES, type Amount, type TableKey, type UmaEventRow} from "./store.ts";

interface Where {
  block: number;
  logIndex: number;
}

/** CSV lines per table (the layout of each is in store.ts, next to its columns). */
export type Rows = Record<TableKey, string[]>;

export interface Reject {
  location: string;
  reason: string;
  raw: string;
}

export interface Decoded {
  rows: Rows;
  rejects: Reject[];
  /** Logs decoded into rows. */
  loaded: number;
  /** Rows (a TransferBatch gives one per id). */
  size: number;
  /** Known events without a table. */
  ignored: number;
  /** Blocks the logs came from, with their hash and time. */
  blocks: Map<number, {hash: string; time: number | null}>;
}

export const emptyRows = (): Rows => ({
  transfers: [],
  positionTransfers: [],
  fills: [],
  matches: [],
  splits: [],
  redemptions: [],
  resolutions: [],
  umaEvents: []
});

/** Largest amount accepted: 10^30 units (10^24 USDC) keeps every derived DECIMAL(38, 6) exact. */
const MAX_AMOUNT = 10n ** 30n;

/** Events each contract role may emit. */
const ROLE_EVENTS: Record<WatchedContract["role"], ReadonlySet<EventName>> = {
  collateral: new Set(["Transfer"]),
  ctf: new Set(["TransferSingle", "TransferBatch", "PositionSplit", "PositionsMerge", "PayoutRedemption", "ConditionResolution"]),
  exchange: new Set(["OrderFilledV1", "OrdersMatchedV1", "OrderFilledV2", "OrdersMatchedV2"]),
  "uma-adapter": new Set(UMA_ADAPTER_EVENTS),
  oracle: new Set(UMA_ORACLE_EVENTS)
};

/** UTF-8 text of ancillary data / a clarification (invalid sequences become U+FFFD, never a crash). */
function bytesText(hex: string): string {
  return hexToString(hex as Hex).replaceAll("\u0000", "");
}

/** An adapter or oracle event as a chain_uma_events row. */
function umaRow(contract: WatchedContract, name: UmaEventName, args: DecodedArgs): UmaEventRow {
  const hexArg = (key: string) => (args[key] === undefined ? null : (args[key] as string));
  const ancillary = hexArg("ancillaryData");
  const oracleEvent = contract.role === "oracle";
  const payouts = (args.payouts as bigint[] | undefined) ?? null;
  if (payouts) for (const payout of payouts) if (payout >= MAX_AMOUNT) throw new DecodeError("payout out of range");
  const price = (args.proposedPrice ?? args.price ?? args.settledPrice) as bigint | undefined;
  return {
    contract: contract.address,
    event: name,
    questionId: oracleEvent ? (ancillary === null ? null : keccak256(ancillary as Hex)) : hexArg("questionID"),
    requester: hexArg("requester"),
    proposer: hexArg("proposer"),
    disputer: hexArg("disputer"),
    creator: hexArg("creator") ?? hexArg("owner"),
    requestTimestamp: (args.timestamp ?? args.requestTimestamp ?? null) as bigint | null,
    expirationTimestamp: (args.expirationTimestamp ?? null) as bigint | null,
    price: price ?? null,
    payouts,
    ancillaryHash: ancillary === null ? null : keccak256(ancillary as Hex),
    text: ancillary !== null ? bytesText(ancillary) : args.update !== undefined ? bytesText(args.update as string) : null
  };
}

function amount(args: DecodedArgs, name: string): Amount {
  const value = args[name] as bigint;
  if (value >= MAX_AMOUNT) throw new DecodeError(`${name} ${value} out of range`);
  return amountOf(value);
}

function side(value: number): "BUY" | "SELL" {
  if (value === 0) return "BUY";
  if (value === 1) return "SELL";
  throw new DecodeError(`side ${value} is neither 0 (BUY) nor 1 (SELL)`);
}

/**
 * Decodes the logs of one contract straight into CSV lines. `logs` may hold duplicates (one log
 * matched two queries). `times` gives block times the logs lack (RPCs without blockTimestamp).
 */
export function decodeLogs(contract: WatchedContract, logs: RawLog[], times?: Map<number, number>): Decoded {
  const rows = emptyRows();
  const rejects: Reject[] = [];
  const blocks = new Map<number, {hash: string; time: number | null}>();
  const seen = new Set<number>();
  let loaded = 0;
  let ignored = 0;
  for (const log of logs) {
    const where: Where = {block: Number(log.blockNumber), logIndex: Number(log.logIndex)};
    const key = where.block * 1_048_576 + where.logIndex; // exact below 2^53: blocks < 8.5e9, log indexes < 2^20
    if (seen.has(key)) continue;
    seen.add(key);
    if (log.removed) continue; // only filters report removed logs; reorgs are handled by block hash
    let block = blocks.get(where.block);
    if (!block) {
      const time = log.blockTimestamp ? Number(log.blockTimestamp) : (times?.get(where.block) ?? null);
      blocks.set(where.block, (block = {hash: log.blockHash.toLowerCase(), time}));
    }
    const topic0 = (log.topics[0] ?? "").toLowerCase();
    const name = EVENT_BY_TOPIC0.get(topic0);
    if (!name || !ROLE_EVENTS[contract.role].has(name)) {
      if (IGNORED_TOPIC0.has(topic0)) {
        ignored++;
        continue;
      }
      rejects.push(reject(contract, log, where, name ? `unexpected_event: ${name} from a ${contract.role} contract` : `unknown_topic: ${topic0 || "(anonymous log)"}`));
      continue;
    }
    try {
      const prefix = `${where.block},${where.logIndex},${log.transactionHash.toLowerCase()},${block.time ?? ""}`;
      const line = fastLine(contract, name, log.topics, log.data, prefix);
      if (line === undefined) addLines(rows, contract, name, decodeEvent(EVENTS[name], log.topics, log.data), prefix);
      else rows[name === "Transfer" ? "transfers" : name === "TransferSingle" ? "positionTransfers" : "fills"].push(line);
      loaded++;
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      rejects.push(reject(contract, log, where, `undecodable: ${name}: ${error.message}`));
    }
  }
  let size = 0;
  for (const list of Object.values(rows)) size += list.length;
  return {rows, rejects, loaded, size, ignored, blocks};
}

function reject(contract: WatchedContract, log: RawLog, where: Where, reason: string): Reject {
  return {
    location: `${contract.name}@${contract.address}:block ${where.block}:log ${where.logIndex}`,
    reason,
    raw: JSON.stringify({address: log.address, topics: log.topics, data: log.data, blockNumber: log.blockNumber, transactionHash: log.transactionHash, logIndex: log.logIndex})
  };
}

function addLines(rows: Rows, contract: WatchedContract, name: EventName, args: DecodedArgs, where: string): void {
  switch (name) {
    case "Transfer":
      rows.transfers.push(LINES.transfers(where, contract.address, contract.symbol ?? contract.name, args.from as string, args.to as string, amount(args, "value")));
      return;
    case "TransferSingle":
      rows.positionTransfers.push(
        LINES.positionTransfers(where, 0, contract.address, "TransferSingle", args.operator as string, args.from as string, args.to as string,
          (args.id as bigint).toString(), amount(args, "value"))
      );
      return;
    case "TransferBatch": {
      const ids = args.ids as bigint[];
      const values = args.values as bigint[];
      if (ids.length !== values.length) throw new DecodeError(`${ids.length} ids but ${values.length} values`);
      for (const value of values) if (value >= MAX_AMOUNT) throw new DecodeError(`value ${value} out of range`);
      ids.forEach((id, i) =>
        rows.positionTransfers.push(
          LINES.positionTransfers(where, i, contract.address, "TransferBatch", args.operator as string, args.from as string, args.to as string,
            id.toString(), amountOf(values[i]))
        )
      );
      return;
    }
    case "PositionSplit":
    case "PositionsMerge":
      rows.splits.push(
        LINES.splits(where, name === "PositionSplit" ? "split" : "merge", args.stakeholder as string, args.collateralToken as string,
          args.parentCollectionId as string, args.conditionId as string, args.partition as bigint[], amount(args, "amount"))
      );
      return;
    case "PayoutRedemption":
      rows.redemptions.push(
        LINES.redemptions(where, args.redeemer as string, args.collateralToken as string, args.parentCollectionId as string,
          args.conditionId as string, args.indexSets as bigint[], amount(args, "payout"))
      );
      return;
    case "ConditionResolution": {
      const numerators = args.payoutNumerators as bigint[];
      const slots = args.outcomeSlotCount as bigint;
      if (slots !== BigInt(numerators.length)) throw new DecodeError(`outcomeSlotCount ${slots} but ${numerators.length} payout numerators`);
      for (const numerator of numerators) if (numerator >= MAX_AMOUNT) throw new DecodeError("payout numerator out of range");
      rows.resolutions.push(LINES.resolutions(where, args.conditionId as string, args.oracle as string, args.questionId as string, Number(slots), numerators));
      return;
    }
    case "QuestionInitialized":
    case "QuestionReset":
    case "QuestionFlagged":
    case "QuestionResolved":
    case "QuestionManuallyResolved":
    case "AncillaryDataUpdated":
    case "ProposePrice":
    case "DisputePrice":
    case "Settle":
      rows.umaEvents.push(LINES.umaEvents(where, umaRow(contract, name, args)));
      return;
    case "OrderFilledV1":
    case "OrderFilledV2": {
      let fillSide: "BUY" | "SELL";
      let tokenId: bigint;
      if (name === "OrderFilledV1") {
        const makerAsset = args.makerAssetId as bigint;
        const takerAsset = args.takerAssetId as bigint;
        if ((makerAsset === 0n) === (takerAsset === 0n)) throw new DecodeError("exactly one of makerAssetId / takerAssetId must be 0 (collateral)");
        fillSide = makerAsset === 0n ? "BUY" : "SELL";
        tokenId = makerAsset === 0n ? takerAsset : makerAsset;
      } else {
        fillSide = side(args.side as number);
        tokenId = args.tokenId as bigint;
      }
      const v2 = name === "OrderFilledV2";
      rows.fills.push(
        LINES.fills(where, contract.address, contract.name, v2 ? 2 : 1, args.orderHash as string, args.maker as string, args.taker as string,
          fillSide, tokenId.toString(), amount(args, "makerAmountFilled"), amount(args, "takerAmountFilled"), amount(args, "fee"),
          v2 ? (args.builder as string) : null, v2 ? (args.metadata as string) : null)
      );
      return;
    }
    case "OrdersMatchedV1":
    case "OrdersMatchedV2": {
      let matchSide: "BUY" | "SELL";
      let tokenId: bigint;
      if (name === "OrdersMatchedV1") {
        const makerAsset = args.makerAssetId as bigint;
        matchSide = makerAsset === 0n ? "BUY" : "SELL";
        tokenId = makerAsset === 0n ? (args.takerAssetId as bigint) : makerAsset;
      } else {
        matchSide = side(args.side as number);
        tokenId = args.tokenId as bigint;
      }
      rows.matches.push(
        LINES.matches(where, contract.address, name === "OrdersMatchedV1" ? 1 : 2, args.takerOrderHash as string, args.takerOrderMaker as string,
          matchSide, tokenId.toString(), amount(args, "makerAmountFilled"), amount(args, "takerAmountFilled"))
      );
      return;
    }
  }
}

// Fast paths for the high-volume events (transfers and fills): CSV text straight from the hex,
// numbers below 2^52 without BigInt, repeated token ids and addresses from small caches. Same
// checks as decodeEvent (test/chain.test.ts compares both against viem).
const HEX = /^0x[0-9a-fA-F]*$/;
const SMALL_PREFIX = "0".repeat(51); // a word below 16^13 = 2^52 fits a double exactly
const ZERO_WORD = "0".repeat(64);
const ONE_WORD = `${"0".repeat(63)}1`;
const tokenIds = new Map<string, string>();

function checkShape(topics: readonly string[], data: string, topicCount: number, wordCount: number): void {
  if (topics.length !== topicCount) throw new DecodeError(`${topics.length - 1} indexed topics, expected ${topicCount - 1}`);
  if ((data.length - 2) / 64 !== wordCount || !HEX.test(data)) throw new DecodeError(`data is not ${wordCount} words of hex`);
}
const addresses = new Map<string, string>();

function topicAddress(topic: string): string {
  let address = addresses.get(topic);
  if (address === undefined) {
    if (topic.length !== 66 || !topic.startsWith("0x000000000000000000000000")) throw new DecodeError("address topic with non-zero high bytes");
    address = `0x${topic.slice(26).toLowerCase()}`;
    if (addresses.size > 100_000) addresses.clear();
    addresses.set(topic, address);
  }
  return address;
}

function wordAmount(data: string, index: number): Amount {
  const hex = data.substr(2 + index * 64, 64);
  if (hex.startsWith(SMALL_PREFIX)) {
    const value = parseInt(hex.slice(51), 16);
    const whole = Math.floor(value / 1_000_000);
    return [String(value), `${whole}.${String(value - whole * 1_000_000).padStart(6, "0")}`, value];
  }
  const value = BigInt(`0x${hex}`);
  if (value >= MAX_AMOUNT) throw new DecodeError(`amount ${value} out of range`);
  return amountOf(value);
}

function wordTokenId(data: string, index: number): string {
  const hex = data.substr(2 + index * 64, 64);
  let id = tokenIds.get(hex);
  if (id === undefined) {
    id = BigInt(`0x${hex}`).toString();
    if (tokenIds.size > 100_000) tokenIds.clear();
    tokenIds.set(hex, id);
  }
  return id;
}

/** The CSV line of a Transfer / TransferSingle / OrderFilled, or undefined for other events. */
function fastLine(contract: WatchedContract, name: EventName, topics: readonly string[], data: string, where: string): string | undefined {
  switch (name) {
    case "Transfer":
      checkShape(topics, data, 3, 1);
      return LINES.transfers(where, contract.address, contract.symbol ?? contract.name, topicAddress(topics[1]), topicAddress(topics[2]), wordAmount(data, 0));
    case "TransferSingle":
      checkShape(topics, data, 4, 2);
      return LINES.positionTransfers(where, 0, contract.address, "TransferSingle", topicAddress(topics[1]), topicAddress(topics[2]),
        topicAddress(topics[3]), wordTokenId(data, 0), wordAmount(data, 1));
    case "OrderFilledV1": {
      checkShape(topics, data, 4, 5);
      const makerAsset = data.substr(2, 64);
      const takerAsset = data.substr(66, 64);
      if ((makerAsset === ZERO_WORD) === (takerAsset === ZERO_WORD)) throw new DecodeError("exactly one of makerAssetId / takerAssetId must be 0 (collateral)");
      const buy = makerAsset === ZERO_WORD;
      return LINES.fills(where, contract.address, contract.name, 1, topics[1].toLowerCase(), topicAddress(topics[2]), topicAddress(topics[3]),
        buy ? "BUY" : "SELL", wordTokenId(data, buy ? 1 : 0), wordAmount(data, 2), wordAmount(data, 3), wordAmount(data, 4), null, null);
    }
    case "OrderFilledV2": {
      checkShape(topics, data, 4, 7);
      const sideWord = data.substr(2, 64);
      const fillSide = sideWord === ZERO_WORD ? "BUY" : sideWord === ONE_WORD ? "SELL" : undefined;
      if (!fillSide) throw new DecodeError("side is neither 0 (BUY) nor 1 (SELL)");
      return LINES.fills(where, contract.address, contract.name, 2, topics[1].toLowerCase(), topicAddress(topics[2]), topicAddress(topics[3]),
        fillSide, wordTokenId(data, 1), wordAmount(data, 2), wordAmount(data, 3), wordAmount(data, 4),
        `0x${data.substr(322, 64).toLowerCase()}`, `0x${data.substr(386, 64).toLowerCase()}`);
    }
    default:
      return undefined;
  }
}
