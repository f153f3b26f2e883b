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
  | "OrdersMatchedV2"
  | UmaEventName;

/** UMA resolution events (docs/markets.md): the UMA CTF adapter with its bulletin board, and the Optimistic Oracle V2. */
export type UmaEventName =
  | "QuestionInitialized"
  | "QuestionReset"
  | "QuestionFlagged"
  | "QuestionResolved"
  | "QuestionManuallyResolved"
  | "AncillaryDataUpdated"
  | "ProposePrice"
  | "DisputePrice"
  | "Settle";

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
    "event OrdersMatched(bytes32 indexed takerOrderHash, address indexed takerOrderMaker, uint8 side, uint256 tokenId, uint256 makerAmountFilled, uint256 takerAmountFilled)",
  // Polymarket/uma-ctf-adapter (IUmaCtfAdapter, IBulletinBoard)
  QuestionInitialized:
    "event QuestionInitialized(bytes32 indexed questionID, uint256 indexed requestTimestamp, address indexed creator, bytes ancillaryData, address rewardToken, uint256 reward, uint256 proposalBond)",
  QuestionReset: "event QuestionReset(bytes32 indexed questionID)",
  QuestionFlagged: "event QuestionFlagged(bytes32 indexed questionID)",
  QuestionResolved: "event QuestionResolved(bytes32 indexed questionID, int256 indexed settledPrice, uint256[] payouts)",
  QuestionManuallyResolved: "event QuestionManuallyResolved(bytes32 indexed questionID, uint256[] payouts)",
  AncillaryDataUpdated: "event AncillaryDataUpdated(bytes32 indexed questionID, address indexed owner, bytes update)",
  // UMA OptimisticOracleV2
  ProposePrice:
    "event ProposePrice(address indexed requester, address indexed proposer, bytes32 identifier, uint256 timestamp, bytes ancillaryData, int256 proposedPrice, uint256 expirationTimestamp, address currency)",
  DisputePrice:
    "event DisputePrice(address indexed requester, address indexed proposer, address indexed disputer, bytes32 identifier, uint256 timestamp, bytes ancillaryData, int256 proposedPrice)",
  Settle:
    "event Settle(address indexed requester, address indexed proposer, address indexed disputer, bytes32 identifier, uint256 timestamp, bytes ancillaryData, int256 price, uint256 payout)"
};

export const UMA_ADAPTER_EVENTS: UmaEventName[] = [
  "QuestionInitialized", "QuestionReset", "QuestionFlagged", "QuestionResolved", "QuestionManuallyResolved", "AncillaryDataUpdated"
];
export const UMA_ORACLE_EVENTS: UmaEventName[] = ["ProposePrice", "DisputePrice", "Settle"];

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

/** Per event, computed once: where each argument sits and how to read it. */
interface Plan {
  topics: {name: string; type: string}[];
  words: {name: string; type: string; array: boolean}[];
  dynamic: boolean;
}

const plans = new WeakMap<AbiEvent, Plan>();
const SUPPORTED = new Set(["address", "bytes32", "uint8", "uint256", "int256", "uint256[]", "bytes"]);

function planOf(event: AbiEvent): Plan {
  let plan = plans.get(event);
  if (plan) return plan;
  for (const input of event.inputs) if (!SUPPORTED.has(input.type)) throw new Error(`abi.ts cannot decode ${input.type} (${event.name})`);
  plan = {
    topics: event.inputs.filter((input) => input.indexed).map((input) => ({name: input.name!, type: input.type})),
    words: event.inputs
      .filter((input) => !input.indexed)
      .map((input) => ({name: input.name!, type: input.type, array: input.type.endsWith("[]") || input.type === "bytes"})),
    dynamic: event.inputs.some((input) => !input.indexed && (input.type.endsWith("[]") || input.type === "bytes"))
  };
  plans.set(event, plan);
  return plan;
}

const ZERO_PAD = "000000000000000000000000";
const MAX_ARRAY = 10_000;

/** Word `index` of `data` (64 hex characters, without 0x); `total` words in all. */
function word(data: string, total: number, index: number): string {
  if (index >= total) throw new DecodeError(`data too short: word ${index} of ${total}`);
  return data.substring(2 + index * 64, 66 + index * 64);
}

/** One 32-byte word (64 hex characters, without 0x) as a value of `type`. */
function decodeWord(type: string, hex: string): string | bigint | number {
  switch (type) {
    case "address":
      if (!hex.startsWith(ZERO_PAD)) throw new DecodeError("address with non-zero high bytes");
      return `0x${hex.slice(24).toLowerCase()}`;
    case "bytes32":
      return `0x${hex.toLowerCase()}`;
    case "int256": {
      const value = BigInt(`0x${hex}`);
      return value >= 1n << 255n ? value - (1n << 256n) : value;
    }
    case "uint8": {
      const value = BigInt(`0x${hex}`);
      if (value > 255n) throw new DecodeError("uint8 out of range");
      return Number(value);
    }
    default:
      return BigInt(`0x${hex}`);
  }
}

/**
 * Decodes topics + data of `event` (addresses and bytes32 come out lower-case). Every length,
 * offset and hex digit is checked; anything off is a DecodeError.
 */
export function decodeEvent(event: AbiEvent, topics: readonly string[], data: string): DecodedArgs {
  const plan = planOf(event);
  if (topics.length !== plan.topics.length + 1) throw new DecodeError(`${topics.length - 1} indexed topics, expected ${plan.topics.length}`);
  if ((data.length - 2) % 64 !== 0 || !data.startsWith("0x")) throw new DecodeError("data is not whole 32-byte words");
  const total = (data.length - 2) / 64;
  const args: DecodedArgs = {};
  try {
    for (let i = 0; i < plan.topics.length; i++) {
      const topic = topics[i + 1];
      if (topic.length !== 66) throw new DecodeError(`topic ${i + 1} is not 32 bytes`);
      args[plan.topics[i].name] = decodeWord(plan.topics[i].type, topic.substring(2));
    }
    let used = plan.words.length;
    for (let i = 0; i < plan.words.length; i++) {
      const {name, type, array} = plan.words[i];
      if (!array) {
        args[name] = decodeWord(type, word(data, total, i));
        continue;
      }
      const offset = BigInt(`0x${word(data, total, i)}`);
      if (offset % 32n !== 0n || offset / 32n >= BigInt(total)) throw new DecodeError("bad array offset");
      const at = Number(offset / 32n);
      const length = BigInt(`0x${word(data, total, at)}`);
      if (type === "bytes") {
        // Byte string: `length` bytes in whole words after the length word.
        const size = Math.ceil(Number(length) / 32);
        if (length > BigInt(MAX_ARRAY * 32) || at + size >= total) throw new DecodeError(`bytes length ${length} runs past the data`);
        args[name] = `0x${data.substring(2 + (at + 1) * 64, 2 + (at + 1) * 64 + Number(length) * 2).toLowerCase()}`;
        used += 1 + size;
        continue;
      }
      if (length > BigInt(MAX_ARRAY)) throw new DecodeError(`array length ${length} too large`);
      const values: bigint[] = new Array(Number(length));
      for (let j = 0; j < values.length; j++) values[j] = BigInt(`0x${word(data, total, at + 1 + j)}`);
      args[name] = values;
      used += 1 + values.length;
    }
    if (total !== used) throw new DecodeError(`data has ${total} words, expected ${used}`);
  } catch (error) {
    if (error instanceof SyntaxError) throw new DecodeError("data is not hex");
    throw error;
  }
  return args;
}
