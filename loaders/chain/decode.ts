/**
 * Raw logs -> table rows. A log whose topic0 is unknown for its contract, or whose data does not
 * decode, becomes a reject (never a crash, never a wrong row); known events without a table
 * (Approval, ApprovalForAll, ...) are skipped and counted.
 */
import {DecodeError, EVENT_BY_TOPIC0, EVENTS, IGNORED_TOPIC0, decodeEvent, type DecodedArgs, type EventName} from "./abi.ts";
import type {WatchedContract} from "./network.ts";
import type {RawLog} from "./rpc.ts";

interface Where {
  block: number;
  logIndex: number;
  tx: string;
  /** Unix seconds, or null until the block header is read. */
  time: number | null;
}

export interface TransferRow extends Where {
  token: string;
  symbol: string;
  from: string;
  to: string;
  amount: bigint;
}

export interface PositionTransferRow extends Where {
  batchIndex: number;
  contract: string;
  event: "TransferSingle" | "TransferBatch";
  operator: string;
  from: string;
  to: string;
  tokenId: string;
  amount: bigint;
}

export interface FillRow extends Where {
  exchange: string;
  exchangeName: string;
  version: 1 | 2;
  orderHash: string;
  maker: string;
  taker: string;
  isTakerOrder: boolean;
  side: "BUY" | "SELL";
  tokenId: string;
  makerAmount: bigint;
  takerAmount: bigint;
  fee: bigint;
  collateralAmount: bigint;
  shareAmount: bigint;
  price: number | null;
  builder: string | null;
  metadata: string | null;
}

export interface MatchRow extends Where {
  exchange: string;
  version: 1 | 2;
  takerOrderHash: string;
  takerOrderMaker: string;
  side: "BUY" | "SELL";
  tokenId: string;
  makerAmount: bigint;
  takerAmount: bigint;
}

export interface SplitRow extends Where {
  kind: "split" | "merge";
  stakeholder: string;
  collateralToken: string;
  parentCollectionId: string;
  conditionId: string;
  partition: bigint[];
  amount: bigint;
}

export interface RedemptionRow extends Where {
  redeemer: string;
  collateralToken: string;
  parentCollectionId: string;
  conditionId: string;
  indexSets: bigint[];
  payout: bigint;
}

export interface ResolutionRow extends Where {
  conditionId: string;
  oracle: string;
  questionId: string;
  outcomeSlotCount: number;
  payoutNumerators: bigint[];
}

export interface Rows {
  transfers: TransferRow[];
  positionTransfers: PositionTransferRow[];
  fills: FillRow[];
  matches: MatchRow[];
  splits: SplitRow[];
  redemptions: RedemptionRow[];
  resolutions: ResolutionRow[];
}

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
  /** Known events without a table. */
  ignored: number;
  /** Blocks the logs came from, with the hash (and time, when the RPC sends blockTimestamp). */
  blocks: Map<number, {hash: string; time: number | null}>;
}

export const emptyRows = (): Rows => ({
  transfers: [],
  positionTransfers: [],
  fills: [],
  matches: [],
  splits: [],
  redemptions: [],
  resolutions: []
});

/** Largest amount accepted: 10^30 units (10^24 USDC) keeps every derived DECIMAL(38, 6) exact. */
const MAX_AMOUNT = 10n ** 30n;

/** Events each contract role may emit. */
const ROLE_EVENTS: Record<WatchedContract["role"], ReadonlySet<EventName>> = {
  collateral: new Set(["Transfer"]),
  ctf: new Set(["TransferSingle", "TransferBatch", "PositionSplit", "PositionsMerge", "PayoutRedemption", "ConditionResolution"]),
  exchange: new Set(["OrderFilledV1", "OrdersMatchedV1", "OrderFilledV2", "OrdersMatchedV2"])
};

function amount(args: DecodedArgs, name: string): bigint {
  const value = args[name] as bigint;
  if (value >= MAX_AMOUNT) throw new DecodeError(`${name} ${value} out of range`);
  return value;
}

function side(value: number): "BUY" | "SELL" {
  if (value === 0) return "BUY";
  if (value === 1) return "SELL";
  throw new DecodeError(`side ${value} is neither 0 (BUY) nor 1 (SELL)`);
}

function price(collateral: bigint, shares: bigint): number | null {
  return shares === 0n ? null : Number(collateral) / Number(shares);
}

/** Decodes the logs of one contract. `logs` may hold duplicates (one log matched two queries). */
export function decodeLogs(contract: WatchedContract, logs: RawLog[]): Decoded {
  const rows = emptyRows();
  const rejects: Reject[] = [];
  const blocks = new Map<number, {hash: string; time: number | null}>();
  const seen = new Set<string>();
  let loaded = 0;
  let ignored = 0;
  for (const log of logs) {
    const key = `${log.blockNumber}:${log.logIndex}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (log.removed) continue; // only filters report removed logs; reorgs are handled by block hash
    const where: Where = {
      block: Number(log.blockNumber),
      logIndex: Number(log.logIndex),
      tx: log.transactionHash.toLowerCase(),
      time: log.blockTimestamp ? Number(log.blockTimestamp) : null
    };
    if (!blocks.has(where.block)) blocks.set(where.block, {hash: log.blockHash.toLowerCase(), time: where.time});
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
      addRows(rows, contract, name, decodeEvent(EVENTS[name], log.topics, log.data), where);
      loaded++;
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      rejects.push(reject(contract, log, where, `undecodable: ${name}: ${error.message}`));
    }
  }
  return {rows, rejects, loaded, ignored, blocks};
}

function reject(contract: WatchedContract, log: RawLog, where: Where, reason: string): Reject {
  return {
    location: `${contract.name}@${contract.address}:block ${where.block}:log ${where.logIndex}`,
    reason,
    raw: JSON.stringify({address: log.address, topics: log.topics, data: log.data, blockNumber: log.blockNumber, transactionHash: log.transactionHash, logIndex: log.logIndex})
  };
}

function addRows(rows: Rows, contract: WatchedContract, name: EventName, args: DecodedArgs, where: Where): void {
  switch (name) {
    case "Transfer":
      rows.transfers.push({
        block: where.block,
        logIndex: where.logIndex,
        tx: where.tx,
        time: where.time,
        token: contract.address,
        symbol: contract.symbol ?? contract.name,
        from: args.from as string,
        to: args.to as string,
        amount: amount(args, "value")
      });
      return;
    case "TransferSingle":
      rows.positionTransfers.push({
        block: where.block,
        logIndex: where.logIndex,
        tx: where.tx,
        time: where.time,
        batchIndex: 0,
        contract: contract.address,
        event: "TransferSingle",
        operator: args.operator as string,
        from: args.from as string,
        to: args.to as string,
        tokenId: (args.id as bigint).toString(),
        amount: amount(args, "value")
      });
      return;
    case "TransferBatch": {
      const ids = args.ids as bigint[];
      const values = args.values as bigint[];
      if (ids.length !== values.length) throw new DecodeError(`${ids.length} ids but ${values.length} values`);
      for (const value of values) if (value >= MAX_AMOUNT) throw new DecodeError(`value ${value} out of range`);
      ids.forEach((id, i) =>
        rows.positionTransfers.push({
          block: where.block,
        logIndex: where.logIndex,
        tx: where.tx,
        time: where.time,
          batchIndex: i,
          contract: contract.address,
          event: "TransferBatch",
          operator: args.operator as string,
          from: args.from as string,
          to: args.to as string,
          tokenId: id.toString(),
          amount: values[i]
        })
      );
      return;
    }
    case "PositionSplit":
    case "PositionsMerge":
      rows.splits.push({
        block: where.block,
        logIndex: where.logIndex,
        tx: where.tx,
        time: where.time,
        kind: name === "PositionSplit" ? "split" : "merge",
        stakeholder: args.stakeholder as string,
        collateralToken: args.collateralToken as string,
        parentCollectionId: args.parentCollectionId as string,
        conditionId: args.conditionId as string,
        partition: args.partition as bigint[],
        amount: amount(args, "amount")
      });
      return;
    case "PayoutRedemption":
      rows.redemptions.push({
        block: where.block,
        logIndex: where.logIndex,
        tx: where.tx,
        time: where.time,
        redeemer: args.redeemer as string,
        collateralToken: args.collateralToken as string,
        parentCollectionId: args.parentCollectionId as string,
        conditionId: args.conditionId as string,
        indexSets: args.indexSets as bigint[],
        payout: amount(args, "payout")
      });
      return;
    case "ConditionResolution": {
      const numerators = args.payoutNumerators as bigint[];
      const slots = args.outcomeSlotCount as bigint;
      if (slots !== BigInt(numerators.length)) throw new DecodeError(`outcomeSlotCount ${slots} but ${numerators.length} payout numerators`);
      for (const numerator of numerators) if (numerator >= MAX_AMOUNT) throw new DecodeError("payout numerator out of range");
      rows.resolutions.push({
        block: where.block,
        logIndex: where.logIndex,
        tx: where.tx,
        time: where.time,
        conditionId: args.conditionId as string,
        oracle: args.oracle as string,
        questionId: args.questionId as string,
        outcomeSlotCount: Number(slots),
        payoutNumerators: numerators
      });
      return;
    }
    case "OrderFilledV1":
    case "OrderFilledV2": {
      const makerAmount = amount(args, "makerAmountFilled");
      const takerAmount = amount(args, "takerAmountFilled");
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
      const buy = fillSide === "BUY";
      const collateralAmount = buy ? makerAmount : takerAmount;
      const shareAmount = buy ? takerAmount : makerAmount;
      rows.fills.push({
        block: where.block,
        logIndex: where.logIndex,
        tx: where.tx,
        time: where.time,
        exchange: contract.address,
        exchangeName: contract.name,
        version: name === "OrderFilledV1" ? 1 : 2,
        orderHash: args.orderHash as string,
        maker: args.maker as string,
        taker: args.taker as string,
        isTakerOrder: args.taker === contract.address,
        side: fillSide,
        tokenId: tokenId.toString(),
        makerAmount,
        takerAmount,
        fee: amount(args, "fee"),
        collateralAmount,
        shareAmount,
        price: price(collateralAmount, shareAmount),
        builder: name === "OrderFilledV2" ? (args.builder as string) : null,
        metadata: name === "OrderFilledV2" ? (args.metadata as string) : null
      });
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
      rows.matches.push({
        block: where.block,
        logIndex: where.logIndex,
        tx: where.tx,
        time: where.time,
        exchange: contract.address,
        version: name === "OrdersMatchedV1" ? 1 : 2,
        takerOrderHash: args.takerOrderHash as string,
        takerOrderMaker: args.takerOrderMaker as string,
        side: matchSide,
        tokenId: tokenId.toString(),
        makerAmount: amount(args, "makerAmountFilled"),
        takerAmount: amount(args, "takerAmountFilled")
      });
      return;
    }
  }
}

/** Number of rows across all tables. */
export function rowCount(rows: Rows): number {
  return Object.values(rows).reduce((sum, list: unknown[]) => sum + list.length, 0);
}
