/**
 * The mainnet event signatures the chain loader reads (shared/domain.md), parsed by viem, and a
 * small decoder for exactly the argument types they use. The decoder checks every length and
 * offset, so a log with the right topic0 but malformed data fails with a DecodeError (quarantined)
 * instead of yielding wrong numbers; test/chain.test.ts cross-checks it against viem's decodeEventLog.
 */
import {parseAbi, parseAbiItem, toEventSelector, type AbiEvent, type Hex} from "viem";

export type EventName =
  | "Transfer"
  | "TransferSingle"
  | "TransferBatch"
  | "PositionSplit"
  | "PositionsMerge"
  | "PayoutRedemption"
  | "ConditionResolution"
  | "OrderFilledV1"
  | "OrdersMatchedV1"
  | "OrderFilledV2"
  | "OrdersMatchedV2";

/** Solidity signatures as deployed on Polygon. V2 OrdersMatched follows V2 OrderFilled's shape (verify). */
export const EVENT_SIGNATURES: Record<EventName, string> = {
  Transfer: "event Transfer(address indexed from, address indexed to, uint256 value)",
  TransferSingle:
    "event TransferSingle(address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value)",
  TransferBatch:
    "event TransferBatch(address indexed operator, address indexed from, address indexed to, uint256[] ids, uint256[] values)",
  PositionSplit:
    "event PositionSplit(address indexed stakeholder, address collateralToken, bytes32 indexed parentCollectionId, bytes32 indexed conditionId, uint256[] partition, uint256 amount)",
  PositionsMerge:
    "event PositionsMerge(address indexed stakeholder, address collateralToken, bytes32 indexed parentCollectionId, bytes32 indexed conditionId, uint256[] partition, uint256 amount)",
  PayoutRedemption:
    "event PayoutRedemption(address indexed redeemer, address indexed collateralToken, bytes32 indexed parentCollectionId, bytes32 conditionId, uint256[] indexSets, uint256 payout)",
  ConditionResolution:
    "event ConditionResolution(bytes32 indexed conditionId, address indexed oracle, bytes32 indexed questionId, uint256 outcomeSlotCount, uint256[] payoutNumerators)",
  OrderFilledV1:
    "event OrderFilled(bytes32 indexed orderHash, address indexed maker, address indexed taker, uint256 makerAssetId, uint256 takerAssetId, uint256 makerAmountFilled, uint256 takerAmountFilled, uint256 fee)",
  OrdersMatchedV1:
    "event OrdersMatched(bytes32 indexed takerOrderHash, address indexed takerOrderMaker, uint256 makerAssetId, uint256 takerAssetId, uint256 makerAmountFilled, uint256 takerAmountFilled)",
  OrderFilledV2:
    "event OrderFilled(bytes32 indexed orderHash, address indexed maker, address indexed taker, uint8 side, uint256 tokenId, uint256 makerAmountFilled, uint256 takerAmountFilled, uint256 fee, bytes32 builder, bytes32 metadata)",
  OrdersMatchedV2:
    "event OrdersMatched(bytes32 indexed takerOrderHash, address indexed takerOrderMaker, uint8 side, uint256 tokenId, uint256 makerAmountFilled, uint256 takerAmountFilled)"
};

export const EVENTS = Object.fromEntries(
  Object.entries(EVENT_SIGNATURES).map(([name, signature]) => [name, parseAbiItem(signature) as AbiEvent])
) as Record<EventName, AbiEvent>;

export const TOPIC0 = Object.fromEntries(
  Object.entries(EVENTS).map(([name, event]) => [name, toEventSelector(event)])
) as Record<EventName, Hex>;

export const EVENT_BY_TOPIC0 = new Map<string, EventName>(
  Object.entries(TOPIC0).map(([name, topic]) => [topic, name as EventName])
);

/** Events the loader sees (they name a watched wallet) but has no table for: skipped, not rejected. */
export const IGNORED_TOPIC0 = new Map<string, string>(
  [
    "event Approval(address indexed owner, address indexed spender, uint256 value)",
    "event ApprovalForAll(address indexed owner, address indexed operator, bool approved)",
    "event OrderCancelled(bytes32 indexed orderHash)",
    "event FeeCharged(address indexed receiver, uint256 tokenId, uint256 amount)",
    "event TokenRegistered(uint256 indexed token0, uint256 indexed token1, bytes32 indexed conditionId)"
  ].map((signature) => {
    const event = parseAbiItem(signature) as AbiEvent;
    return [toEventSelector(event), event.name];
  })
);

export const ERC20_ABI = parseAbi(["function balanceOf(address owner) view returns (uint256)"]);
export const ERC1155_ABI = parseAbi(["function balanceOf(address owner, uint256 id) view returns (uint256)"]);

export class DecodeError extends Error {}

export type DecodedValue = string | bigint | number | bigint[];
export type DecodedArgs = Record<string, DecodedValue>;

const WORD = 64; // hex characters per 32-byte word

function word(data: string, index: number): string {
  const start = 2 + index * WORD;
  if (start + WORD > data.length) throw new DecodeError(`data too short: word ${index} of ${(data.length - 2) / WORD}`);
  return data.slice(start, start + WORD);
}

function decodeStatic(type: string, hex: string): string | bigint | number {
  switch (type) {
    case "address":
      if (!/^0{24}/.test(hex)) throw new DecodeError("address with non-zero high bytes");
      return `0x${hex.slice(24)}`;
    case "bytes32":
      return `0x${hex}`;
    case "uint8": {
      const value = BigInt(`0x${hex}`);
      if (value > 255n) throw new DecodeError("uint8 out of range");
      return Number(value);
    }
    case "uint256":
      return BigInt(`0x${hex}`);
    default:
      throw new DecodeError(`unsupported type ${type}`);
  }
}

const MAX_ARRAY = 10_000;

function decodeArray(data: string, headIndex: number): bigint[] {
  const offset = Number(BigInt(`0x${word(data, headIndex)}`));
  if (offset % 32 !== 0) throw new DecodeError("misaligned array offset");
  const lengthIndex = offset / 32;
  const length = Number(BigInt(`0x${word(data, lengthIndex)}`));
  if (length > MAX_ARRAY) throw new DecodeError(`array length ${length} too large`);
  const values: bigint[] = new Array(length);
  for (let i = 0; i < length; i++) values[i] = BigInt(`0x${word(data, lengthIndex + 1 + i)}`);
  return values;
}

/** Decodes topics + data of `event` (lower-case hex in, lower-case addresses out). */
export function decodeEvent(event: AbiEvent, topics: readonly string[], data: string): DecodedArgs {
  const indexed = event.inputs.filter((input) => input.indexed);
  if (topics.length !== indexed.length + 1) throw new DecodeError(`${topics.length - 1} indexed topics, expected ${indexed.length}`);
  if (!/^0x([0-9a-f]{64})*$/i.test(data)) throw new DecodeError("data is not whole 32-byte words");
  const lower = data.toLowerCase();
  const args: DecodedArgs = {};
  let topic = 1;
  let head = 0;
  let expectedWords = 0;
  for (const input of event.inputs) {
    const name = input.name!;
    if (input.indexed) {
      args[name] = decodeStatic(input.type, topics[topic++].slice(2).toLowerCase());
    } else if (input.type.endsWith("[]")) {
      const values = decodeArray(lower, head);
      args[name] = values;
      expectedWords += 1 + values.length;
      head++;
    } else {
      args[name] = decodeStatic(input.type, word(lower, head++));
    }
  }
  expectedWords += head;
  if ((lower.length - 2) / WORD !== expectedWords) throw new DecodeError(`data has ${(lower.length - 2) / WORD} words, expected ${expectedWords}`);
  return args;
}
