/**
 * A network file names the chain and the contracts to read (config/networks/*.json). The default
 * is Polygon mainnet (shared/domain.md); tests and the demo write their own with the addresses of
 * the stand-ins they deployed. Addresses are lower-cased on load, like everywhere in the warehouse.
 */
import {readFileSync} from "node:fs";
import {getContractAddress, keccak256, pad, type Hex} from "viem";
import {UsageError} from "../errors.ts";

export const DEFAULT_NETWORK_FILE = new URL("../../config/networks/polygon.json", import.meta.url).pathname;

export interface CollateralToken {
  symbol: string;
  address: string;
  decimals: number;
}

export interface ExchangeContract {
  name: string;
  address: string;
  version: 1 | 2;
  /** Symbol of the collateral its fills settle in (default: USDC.e for V1, pUSD for V2). */
  collateral?: string;
}

export interface Network {
  name: string;
  chainId: number;
  collateral: CollateralToken[];
  conditionalTokens: string;
  exchanges: ExchangeContract[];
  /** Other protocol contracts: transfers with them are settlement, not deposits or withdrawals. */
  protocol: {name: string; address: string}[];
  /** Where a first ingest starts when --from-block is not given. */
  defaultFromBlock: number;
  /** Funder-wallet factories: link an EOA to the proxy / Safe it owns without any order seen. */
  walletFactories: WalletFactory[];
  /** Where markets resolve: UMA CTF adapters (with their bulletin board) and the Optimistic Oracles they ask. */
  resolution: {umaAdapters: NamedContract[]; optimisticOracles: NamedContract[]};
}

export interface NamedContract {
  name: string;
  address: string;
}

/** A factory that deploys funder wallets at CREATE2 addresses derived from the owner EOA. */
export interface WalletFactory {
  type: string;
  factory: string;
  initCodeHash: string;
  /** Salt = keccak256 of the EOA packed (20 bytes, proxy wallets) or ABI-encoded (32 bytes, Safes). */
  salt: "packed" | "padded";
}

/** One contract the loader reads, with the role that decides its queries and decoding. */
export interface WatchedContract {
  address: string;
  name: string;
  role: "collateral" | "ctf" | "exchange" | "uma-adapter" | "oracle";
  version?: 1 | 2;
  /** Collateral symbol: the token's own, or what an exchange settles in. */
  symbol?: string;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function address(value: unknown, where: string): string {
  if (typeof value !== "string" || !ADDRESS.test(value)) throw new UsageError(`network file: ${where} is not an address: ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

export function parseNetwork(raw: unknown, source = "network file"): Network {
  const object = raw as Partial<Record<keyof Network, unknown>>;
  if (!object || typeof object !== "object") throw new UsageError(`${source}: not a JSON object`);
  if (!Number.isInteger(object.chainId)) throw new UsageError(`${source}: chainId must be an integer`);
  const list = <T>(value: unknown, name: string): T[] => {
    if (!Array.isArray(value)) throw new UsageError(`${source}: ${name} must be an array`);
    return value as T[];
  };
  const collateral = list<CollateralToken>(object.collateral, "collateral").map((token, i) => ({
    symbol: String(token.symbol ?? `collateral${i}`),
    address: address(token.address, `collateral[${i}].address`),
    decimals: Number(token.decimals ?? 6)
  }));
  const exchanges = list<ExchangeContract>(object.exchanges, "exchanges").map((exchange, i) => {
    if (exchange.version !== 1 && exchange.version !== 2) throw new UsageError(`${source}: exchanges[${i}].version must be 1 or 2`);
    const symbols = collateral.map((token) => token.symbol);
    const fallback = exchange.version === 1 ? (symbols.includes("USDC.e") ? "USDC.e" : symbols[0]) : symbols.includes("pUSD") ? "pUSD" : symbols.at(-1);
    const settles = String(exchange.collateral ?? fallback);
    if (!symbols.includes(settles)) throw new UsageError(`${source}: exchanges[${i}].collateral "${settles}" is not a collateral symbol`);
    return {name: String(exchange.name ?? `exchange${i}`), address: address(exchange.address, `exchanges[${i}].address`), version: exchange.version, collateral: settles};
  });
  const protocol = list<{name: string; address: string}>(object.protocol ?? [], "protocol").map((entry, i) => ({
    name: String(entry.name ?? `protocol${i}`),
    address: address(entry.address, `protocol[${i}].address`)
  }));
  const walletFactories = list<WalletFactory>(object.walletFactories ?? [], "walletFactories").map((entry, i) => {
    if (typeof entry.initCodeHash !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(entry.initCodeHash))
      throw new UsageError(`${source}: walletFactories[${i}].initCodeHash must be 32 bytes of hex`);
    if (entry.salt !== "packed" && entry.salt !== "padded") throw new UsageError(`${source}: walletFactories[${i}].salt must be "packed" or "padded"`);
    return {type: String(entry.type ?? `wallet${i}`), factory: address(entry.factory, `walletFactories[${i}].factory`), initCodeHash: entry.initCodeHash.toLowerCase(), salt: entry.salt};
  });
  const resolution = (object.resolution ?? {}) as {umaAdapters?: unknown; optimisticOracles?: unknown};
  const named = (value: unknown, field: string) =>
    list<NamedContract>(value ?? [], `resolution.${field}`).map((entry, i) => ({
      name: String(entry.name ?? `${field}${i}`),
      address: address(entry.address, `resolution.${field}[${i}].address`)
    }));
  return {
    name: String(object.name ?? "unnamed"),
    chainId: object.chainId as number,
    collateral,
    conditionalTokens: address(object.conditionalTokens, "conditionalTokens"),
    exchanges,
    protocol,
    defaultFromBlock: Number(object.defaultFromBlock ?? 0),
    walletFactories,
    resolution: {umaAdapters: named(resolution.umaAdapters, "umaAdapters"), optimisticOracles: named(resolution.optimisticOracles, "optimisticOracles")}
  };
}

export function loadNetwork(file = DEFAULT_NETWORK_FILE): Network {
  let text: string;
  try {
    text = readFileSync(file, "utf-8");
  } catch (error) {
    throw new UsageError(`cannot read network file ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return parseNetwork(JSON.parse(text), file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`network file ${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function watchedContracts(network: Network): WatchedContract[] {
  return [
    ...network.collateral.map((token) => ({address: token.address, name: token.symbol, role: "collateral" as const, symbol: token.symbol})),
    {address: network.conditionalTokens, name: "conditional-tokens", role: "ctf" as const},
    ...network.exchanges.map((exchange) => ({
      address: exchange.address,
      name: exchange.name,
      role: "exchange" as const,
      version: exchange.version,
      symbol: exchange.collateral
    })),
    ...network.resolution.umaAdapters.map((adapter) => ({...adapter, role: "uma-adapter" as const})),
    ...network.resolution.optimisticOracles.map((oracle) => ({...oracle, role: "oracle" as const}))
  ];
}

/** The funder wallets `owner` would have at each factory (deployed or not). */
export function derivedFunders(owner: string, factories: WalletFactory[]): {funder: string; type: string}[] {
  return factories.map((factory) => ({
    type: factory.type,
    funder: getContractAddress({
      opcode: "CREATE2",
      from: factory.factory as Hex,
      salt: keccak256(factory.salt === "packed" ? (owner as Hex) : pad(owner as Hex, {size: 32})),
      bytecodeHash: factory.initCodeHash as Hex
    }).toLowerCase()
  }));
}

/** Addresses whose transfers are settlement (exchange, CTF, adapters), not deposits or withdrawals. */
export function protocolAddresses(network: Network): string[] {
  return [network.conditionalTokens, ...network.exchanges.map((exchange) => exchange.address), ...network.protocol.map((entry) => entry.address)];
}
