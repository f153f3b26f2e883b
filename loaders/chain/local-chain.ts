/**
 * Driving a local anvil node: deploy the stand-in contracts (contracts/StandIns.sol, compiled
 * artifact committed) and send many transactions per block. Anvil traps handled here: automine is
 * off and each block is mined explicitly with its timestamp (long chains make anvil_mine slow, so
 * time jumps instead of empty blocks); one sender with explicit nonces and gas, transactions sent
 * as raw JSON-RPC batches; receipts are checked, so a reverted call fails loudly instead of
 * silently missing its events.
 */
import {readFileSync} from "node:fs";
import {encodeDeployData, encodeFunctionData, type Abi, type Hex} from "viem";
import {WorkbenchError} from "../errors.ts";
import type {Network} from "./network.ts";

interface Artifact {
  contracts: Record<string, {abi: Abi; bytecode: Hex}>;
}

export const STAND_INS = JSON.parse(
  readFileSync(new URL("../../contracts/artifacts/stand-ins.json", import.meta.url), "utf-8")
) as Artifact;

export type StandIn = "Collateral" | "ConditionalTokens" | "ExchangeV1" | "ExchangeV2" | "Multicall" | "UmaCtfAdapter" | "OptimisticOracleV2";

export const abiOf = (name: StandIn): Abi => STAND_INS.contracts[name].abi;

export interface Call {
  to: string;
  data: Hex;
  gas?: number;
}

interface RpcAnswer<T> {
  id: number;
  result?: T;
  error?: {code: number; message: string};
}

const DEFAULT_GAS = 2_000_000;
/** Anvil refuses a JSON-RPC body over about 2 MB. */
const MAX_REQUEST_BYTES = 1 << 20;

interface SerializedCall {
  id: number;
  method: string;
  json: string;
}

export class LocalChain {
  private nonce = -1;
  private id = 0;
  account = "";
  /** Unix seconds of the last mined block. */
  lastTimestamp = 0;

  constructor(readonly url: string) {}

  async rpc<T>(method: string, params: unknown[] = []): Promise<T> {
    const [answer] = await this.batch<T>([{method, params}]);
    return answer;
  }

  /**
   * Many JSON-RPC calls in as few HTTP requests as anvil accepts (it answers "Invalid request" to a
   * body over about 2 MB, which a large demo block reaches); throws on the first error answer.
   */
  async batch<T>(calls: {method: string; params: unknown[]}[]): Promise<T[]> {
    const results: T[] = [];
    let part: SerializedCall[] = [];
    let bytes = 0;
    for (const {method, params} of calls) {
      const id = ++this.id;
      const json = JSON.stringify({jsonrpc: "2.0", id, method, params});
      if (part.length > 0 && bytes + json.length > MAX_REQUEST_BYTES) {
        results.push(...(await this.post<T>(part)));
        [part, bytes] = [[], 0];
      }
      part.push({id, method, json});
      bytes += json.length + 1;
    }
    if (part.length > 0) results.push(...(await this.post<T>(part)));
    return results;
  }

  /** One HTTP request holding the given serialized calls; their results in the same order. */
  private async post<T>(body: SerializedCall[]): Promise<T[]> {
    const json = `[${body.map((request) => request.json).join(",")}]`;
    const response = await fetch(this.url, {method: "POST", headers: {"content-type": "application/json"}, body: json});
    if (!response.ok) throw new WorkbenchError(`anvil answered HTTP ${response.status} to ${body[0].method}`);
    const answers = (await response.json()) as RpcAnswer<T>[] | RpcAnswer<T>;
    // A batch the node refuses as a whole comes back as one error object, not a list.
    if (!Array.isArray(answers)) throw new WorkbenchError(`anvil refused a batch of ${body.length} ${body[0].method} call(s): ${answers.error?.message ?? JSON.stringify(answers).slice(0, 200)}`);
    const byId = new Map(answers.map((answer) => [answer.id, answer]));
    return body.map((request) => {
      const answer = byId.get(request.id);
      if (!answer || answer.error) throw new WorkbenchError(`${request.method} failed: ${answer?.error?.message ?? "no answer"}`);
      return answer.result as T;
    });
  }

  /** Takes the first unlocked account, turns automine off, remembers the head's timestamp. */
  async init(): Promise<void> {
    [this.account] = await this.rpc<string[]>("eth_accounts");
    this.nonce = Number(await this.rpc<Hex>("eth_getTransactionCount", [this.account, "pending"]));
    await this.rpc("evm_setAutomine", [false]);
    const head = await this.rpc<{timestamp: Hex}>("eth_getBlockByNumber", ["latest", false]);
    this.lastTimestamp = Number(head.timestamp);
  }

  async blockNumber(): Promise<number> {
    return Number(await this.rpc<Hex>("eth_blockNumber"));
  }

  /**
   * Sends `calls` and mines them into one block at `timestamp` (unix seconds, default +2 s).
   * Returns the block number. Every transaction must succeed.
   */
  async mineBlock(calls: Call[], timestamp?: number): Promise<number> {
    const sent = await this.batch<Hex>(
      calls.map((call) => ({
        method: "eth_sendTransaction",
        params: [{from: this.account, to: call.to, data: call.data, gas: `0x${(call.gas ?? DEFAULT_GAS).toString(16)}`, nonce: `0x${(this.nonce++).toString(16)}`}]
      }))
    );
    const at = Math.max(this.lastTimestamp + 1, timestamp ?? this.lastTimestamp + 2);
    await this.rpc("evm_mine", [at]);
    this.lastTimestamp = at;
    const number = await this.blockNumber();
    if (sent.length) await this.checkReceipts(number, sent, calls);
    return number;
  }

  private async checkReceipts(block: number, hashes: Hex[], calls: Call[]): Promise<void> {
    const receipts = await this.rpc<{transactionHash: Hex; status: Hex}[]>("eth_getBlockReceipts", [`0x${block.toString(16)}`]);
    const status = new Map(receipts.map((receipt) => [receipt.transactionHash, receipt.status]));
    hashes.forEach((hash, i) => {
      const state = status.get(hash);
      if (state !== "0x1")
        throw new WorkbenchError(
          `transaction ${i} of block ${block} ${state === undefined ? "was not mined" : "reverted"}: to ${calls[i].to} data ${calls[i].data.slice(0, 10)}…`
        );
    });
  }

  /** Deploys one stand-in (mined at once) and returns its address. */
  async deploy(name: StandIn, args: unknown[] = []): Promise<string> {
    const {abi, bytecode} = STAND_INS.contracts[name];
    const hash = await this.rpc<Hex>("eth_sendTransaction", [
      {from: this.account, data: encodeDeployData({abi, bytecode, args}), gas: "0x1c9c380", nonce: `0x${(this.nonce++).toString(16)}`}
    ]);
    await this.mineBlock([]);
    const receipt = await this.rpc<{contractAddress: string | null; status: Hex}>("eth_getTransactionReceipt", [hash]);
    if (!receipt?.contractAddress || receipt.status !== "0x1") throw new WorkbenchError(`deploying ${name} failed`);
    return receipt.contractAddress.toLowerCase();
  }

  /** Deploys `name` and moves its code to `at` (anvil_setCode): mainnet addresses on a local chain. */
  async deployAt(name: StandIn, at: string, args: unknown[] = []): Promise<string> {
    const deployed = await this.deploy(name, args);
    const code = await this.rpc<Hex>("eth_getCode", [deployed, "latest"]);
    await this.rpc("anvil_setCode", [at, code]);
    return at.toLowerCase();
  }
}

export function call(to: string, name: StandIn, functionName: string, args: unknown[], gas?: number): Call {
  return {to, data: encodeFunctionData({abi: abiOf(name), functionName, args}), gas};
}

/**
 * Deploys the stand-ins. With `layout` (a network file's addresses, e.g. Polygon's), each lands at
 * its mainnet address, so demo data that names real addresses replays unchanged; without it, at
 * fresh addresses. Returns the network file content for the loader.
 */
export async function deployStandIns(chain: LocalChain, layout?: Network): Promise<Network> {
  const place = async (name: StandIn, target: string | undefined, args: unknown[] = []) =>
    target ? chain.deployAt(name, target, args) : chain.deploy(name, args);
  const collateralSpecs = layout?.collateral ?? [
    {symbol: "USDC.e", address: "", decimals: 6},
    {symbol: "pUSD", address: "", decimals: 6}
  ];
  const collateral = [];
  for (const token of collateralSpecs)
    collateral.push({...token, address: await place("Collateral", token.address || undefined, [token.symbol, token.symbol])});
  const ctf = await place("ConditionalTokens", layout?.conditionalTokens);
  const v1Collateral = (collateral.find((token) => token.symbol === "USDC.e") ?? collateral[0]).address;
  const v2Collateral = (collateral.find((token) => token.symbol === "pUSD") ?? collateral[collateral.length - 1]).address;
  const exchangeSpecs = layout?.exchanges ?? [
    {name: "ctf-exchange-v1", address: "", version: 1 as const},
    {name: "negrisk-ctf-exchange-v1", address: "", version: 1 as const},
    {name: "ctf-exchange-v2", address: "", version: 2 as const},
    {name: "negrisk-ctf-exchange-v2", address: "", version: 2 as const}
  ];
  const exchanges = [];
  for (const exchange of exchangeSpecs) {
    const name = exchange.version === 1 ? "ExchangeV1" : "ExchangeV2";
    const args = [exchange.version === 1 ? v1Collateral : v2Collateral, ctf];
    exchanges.push({...exchange, address: await place(name, exchange.address || undefined, args)});
  }
  // Where markets resolve: one UMA CTF adapter (with its bulletin board) and the oracle it asks.
  const adapterSpecs = layout?.resolution.umaAdapters.length ? layout.resolution.umaAdapters : [{name: "uma-ctf-adapter", address: ""}];
  const oracleSpecs = layout?.resolution.optimisticOracles.length ? layout.resolution.optimisticOracles : [{name: "optimistic-oracle-v2", address: ""}];
  const umaAdapters = [];
  for (const adapter of adapterSpecs) umaAdapters.push({...adapter, address: await place("UmaCtfAdapter", adapter.address || undefined)});
  const optimisticOracles = [];
  for (const oracle of oracleSpecs) optimisticOracles.push({...oracle, address: await place("OptimisticOracleV2", oracle.address || undefined)});
  return {
    name: layout ? `${layout.name} (local stand-ins)` : "local stand-ins",
    chainId: 137,
    collateral,
    conditionalTokens: ctf,
    exchanges,
    protocol: layout?.protocol ?? [],
    defaultFromBlock: 0,
    walletFactories: layout?.walletFactories ?? [],
    resolution: {umaAdapters, optimisticOracles}
  };
}
