/**
 * Writes decoded chunks to the warehouse. A batch (one or more chunks of one contract) lands in
 * one transaction with its rejects, its block hashes and its cursor, so a crash loses nothing and
 * a restart re-reads at most the batch in flight. Rows are handed to DuckDB as CSV text in a temp
 * file (DuckDB parses it on its own threads, far cheaper than a call per value), then
 * `INSERT OR IGNORE` into the keyed tables: a log read twice (overlapping address sets, a re-read
 * after a reorg check) is stored once.
 */
import {accessSync, constants, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {Warehouse} from "../warehouse/connection.ts";
import type {IngestRun} from "../warehouse/ingest-run.ts";
import type {Reject} from "./decode.ts";

/** Tables with event rows keyed by block (reorg rollback deletes from all of them). */
export const EVENT_TABLES = [
  "chain_transfers",
  "chain_position_transfers",
  "chain_fills",
  "chain_matches",
  "chain_splits",
  "chain_redemptions",
  "chain_resolutions",
  "chain_uma_events"
] as const;

export type TableKey = "transfers" | "positionTransfers" | "fills" | "matches" | "splits" | "redemptions" | "resolutions" | "umaEvents";

/** One UMA adapter / oracle event (docs/markets.md); absent fields are null. */
export interface UmaEventRow {
  contract: string;
  event: string;
  questionId: string | null;
  requester: string | null;
  proposer: string | null;
  disputer: string | null;
  creator: string | null;
  requestTimestamp: bigint | null;
  expirationTimestamp: bigint | null;
  price: bigint | null;
  payouts: bigint[] | null;
  ancillaryHash: string | null;
  text: string | null;
}

interface Stage {
  table: string;
  key: TableKey;
  /** The CSV's columns and DuckDB types, in line order (LINES[key] writes them). */
  columns: [string, string][];
  /** SELECT list from the CSV into the target's column order. */
  select: string;
}

/** A CSV field: quoted when it could hold a separator; null is an empty unquoted field. */
const text = (value: string | null) => (value === null ? "" : /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const list = (values: bigint[]) => `"${values.join(",")}"`;
const splitList = (column: string, type: string) =>
  `CASE WHEN ${column} IS NULL OR ${column} = '' THEN []::${type}[] ELSE list_transform(string_split(${column}, ','), x -> x::${type}) END`;

/** Exact 6-decimal value of integer units, as DuckDB parses a DECIMAL (cheaper than converting in SQL). */
export function units(value: bigint): string {
  const sign = value < 0n ? "-" : "";
  const magnitude = value < 0n ? -value : value;
  return `${sign}${magnitude / 1_000_000n}.${(magnitude % 1_000_000n).toString().padStart(6, "0")}`;
}
const DEC = "DECIMAL(38, 6)";

/**
 * One CSV line per row. `where` is "block_number,log_index,tx_hash,ts" (ts: unix seconds). The
 * decoder writes lines directly (no row objects: this is the loader's hot path).
 */
export const LINES = {
  transfers: (where: string, token: string, symbol: string, from: string, to: string, amount: Amount) =>
    `${where},${token},${text(symbol)},${from},${to},${amount[0]},${amount[1]}`,
  positionTransfers: (where: string, batchIndex: number, contract: string, event: string, operator: string, from: string, to: string, tokenId: string, amount: Amount) =>
    `${where},${batchIndex},${contract},${event},${operator},${from},${to},${tokenId},${amount[0]},${amount[1]}`,
  fills: (
    where: string, exchange: string, exchangeName: string, version: number, orderHash: string, maker: string, taker: string,
    side: string, tokenId: string, makerAmount: Amount, takerAmount: Amount, fee: Amount, builder: string | null, metadata: string | null
  ) => {
    const [collateral, shares] = side === "BUY" ? [makerAmount, takerAmount] : [takerAmount, makerAmount];
    return (
      `${where},${exchange},${text(exchangeName)},${version},${orderHash},${maker},${taker},${taker === exchange},${side},${tokenId},` +
      `${makerAmount[0]},${takerAmount[0]},${fee[0]},${collateral[0]},${shares[0]},${collateral[1]},${shares[1]},${fee[1]},` +
      `${shares[2] === 0 ? "" : collateral[2] / shares[2]},${text(builder)},${text(metadata)}`
    );
  },
  matches: (where: string, exchange: string, version: number, takerOrderHash: string, takerOrderMaker: string, side: string, tokenId: string, makerAmount: Amount, takerAmount: Amount) =>
    `${where},${exchange},${version},${takerOrderHash},${takerOrderMaker},${side},${tokenId},${makerAmount[0]},${takerAmount[0]}`,
  splits: (where: string, kind: string, stakeholder: string, collateral: string, parent: string, conditionId: string, partition: bigint[], amount: Amount) =>
    `${where},${kind},${stakeholder},${collateral},${parent},${conditionId},${list(partition)},${amount[0]},${amount[1]}`,
  redemptions: (where: string, redeemer: string, collateral: string, parent: string, conditionId: string, indexSets: bigint[], payout: Amount) =>
    `${where},${redeemer},${collateral},${parent},${conditionId},${list(indexSets)},${payout[0]},${payout[1]}`,
  resolutions: (where: string, conditionId: string, oracle: string, questionId: string, slots: number, numerators: bigint[]) =>
    `${where},${conditionId},${oracle},${questionId},${slots},${list(numerators)}`,
  umaEvents: (where: string, row: UmaEventRow) =>
    `${where},` +
    [row.contract, row.event, row.questionId, row.requester, row.proposer, row.disputer, row.creator, row.requestTimestamp,
      row.expirationTimestamp, row.price, row.payouts === null ? null : row.payouts.join(","), row.ancillaryHash, row.text]
      .map((value) => (typeof value === "bigint" ? value.toString() : text(value)))
      .join(",")
};

/** An amount as [integer text, 6-decimal text, approximate number]. */
export type Amount = [string, string, number];

export function amountOf(value: bigint): Amount {
  return [value.toString(), units(value), Number(value)];
}

const WHERE: [string, string][] = [["block_number", "BIGINT"], ["log_index", "INTEGER"], ["tx_hash", "VARCHAR"], ["ts", "BIGINT"]];

const STAGES: Stage[] = [
  {
    table: "chain_transfers",
    key: "transfers",
    columns: [...WHERE, ["token", "VARCHAR"], ["symbol", "VARCHAR"], ["from_address", "VARCHAR"], ["to_address", "VARCHAR"], ["amount", "HUGEINT"], ["amount_usdc", DEC]],
    select: "block_number, log_index, tx_hash, to_timestamp(ts), token, symbol, from_address, to_address, amount, amount_usdc"
  },
  {
    table: "chain_position_transfers",
    key: "positionTransfers",
    columns: [
      ...WHERE, ["batch_index", "INTEGER"], ["contract", "VARCHAR"], ["event", "VARCHAR"], ["operator", "VARCHAR"],
      ["from_address", "VARCHAR"], ["to_address", "VARCHAR"], ["token_id", "VARCHAR"], ["amount", "HUGEINT"], ["shares", DEC]
    ],
    select:
      "block_number, log_index, batch_index, tx_hash, to_timestamp(ts), contract, event, operator, from_address, to_address, token_id, amount, shares"
  },
  {
    table: "chain_fills",
    key: "fills",
    columns: [
      ...WHERE, ["exchange", "VARCHAR"], ["exchange_name", "VARCHAR"], ["version", "TINYINT"], ["order_hash", "VARCHAR"],
      ["maker", "VARCHAR"], ["taker", "VARCHAR"], ["is_taker_order", "BOOLEAN"], ["side", "VARCHAR"], ["token_id", "VARCHAR"],
      ["maker_amount", "HUGEINT"], ["taker_amount", "HUGEINT"], ["fee", "HUGEINT"], ["collateral_amount", "HUGEINT"],
      ["share_amount", "HUGEINT"], ["collateral_usdc", DEC], ["shares", DEC], ["fee_units", DEC], ["price", "DOUBLE"],
      ["builder", "VARCHAR"], ["metadata", "VARCHAR"]
    ],
    select:
      "block_number, log_index, tx_hash, to_timestamp(ts), exchange, exchange_name, version, order_hash, maker, taker, is_taker_order, " +
      "side, token_id, maker_amount, taker_amount, fee, collateral_amount, share_amount, collateral_usdc, shares, fee_units, price, builder, metadata"
  },
  {
    table: "chain_matches",
    key: "matches",
    columns: [
      ...WHERE, ["exchange", "VARCHAR"], ["version", "TINYINT"], ["taker_order_hash", "VARCHAR"], ["taker_order_maker", "VARCHAR"],
      ["side", "VARCHAR"], ["token_id", "VARCHAR"], ["maker_amount", "HUGEINT"], ["taker_amount", "HUGEINT"]
    ],
    select:
      "block_number, log_index, tx_hash, to_timestamp(ts), exchange, version, taker_order_hash, taker_order_maker, side, token_id, maker_amount, taker_amount"
  },
  {
    table: "chain_splits",
    key: "splits",
    columns: [
      ...WHERE, ["kind", "VARCHAR"], ["stakeholder", "VARCHAR"], ["collateral_token", "VARCHAR"], ["parent_collection_id", "VARCHAR"],
      ["condition_id", "VARCHAR"], ["partition", "VARCHAR"], ["amount", "HUGEINT"], ["amount_usdc", DEC]
    ],
    select:
      "block_number, log_index, tx_hash, to_timestamp(ts), kind, stakeholder, collateral_token, parent_collection_id, condition_id, " +
      `${splitList("partition", "VARCHAR")}, amount, amount_usdc`
  },
  {
    table: "chain_redemptions",
    key: "redemptions",
    columns: [
      ...WHERE, ["redeemer", "VARCHAR"], ["collateral_token", "VARCHAR"], ["parent_collection_id", "VARCHAR"], ["condition_id", "VARCHAR"],
      ["index_sets", "VARCHAR"], ["payout", "HUGEINT"], ["payout_usdc", DEC]
    ],
    select:
      "block_number, log_index, tx_hash, to_timestamp(ts), redeemer, collateral_token, parent_collection_id, condition_id, " +
      `${splitList("index_sets", "VARCHAR")}, payout, payout_usdc`
  },
  {
    table: "chain_resolutions",
    key: "resolutions",
    columns: [
      ...WHERE, ["condition_id", "VARCHAR"], ["oracle", "VARCHAR"], ["question_id", "VARCHAR"], ["outcome_slot_count", "INTEGER"],
      ["payout_numerators", "VARCHAR"]
    ],
    select:
      "block_number, log_index, tx_hash, to_timestamp(ts), condition_id, oracle, question_id, outcome_slot_count, " +
      splitList("payout_numerators", "HUGEINT")
  },
  {
    table: "chain_uma_events",
    key: "umaEvents",
    columns: [
      ...WHERE, ["contract", "VARCHAR"], ["event", "VARCHAR"], ["question_id", "VARCHAR"], ["requester", "VARCHAR"], ["proposer", "VARCHAR"],
      ["disputer", "VARCHAR"], ["creator", "VARCHAR"], ["request_timestamp", "BIGINT"], ["expiration_timestamp", "BIGINT"], ["price", "HUGEINT"],
      ["payouts", "VARCHAR"], ["ancillary_hash", "VARCHAR"], ["text", "VARCHAR"]
    ],
    select:
      "block_number, log_index, tx_hash, to_timestamp(ts), contract, event, question_id, requester, proposer, disputer, creator, " +
      `request_timestamp, expiration_timestamp, price, CASE WHEN payouts IS NULL THEN NULL ELSE ${splitList("payouts", "HUGEINT")} END, ancillary_hash, text`
  }
];

export interface BlockInfo {
  hash: string;
  /** Unix seconds. */
  time: number | null;
}

export interface Batch {
  /** CSV text per table, one part per chunk (lines joined by newlines). */
  rows: Record<TableKey, string[]>;
  rejects: Reject[];
  /** Blocks with a stored log, plus the batch's last block. */
  blocks: Map<number, BlockInfo>;
  /** Last block covered: the cursor moves to to + 1. */
  to: number;
}

export class ChainStore {
  private dir: string | undefined;

  constructor(private readonly warehouse: Warehouse) {}

  async cursor(addressSet: string, contract: string): Promise<number | undefined> {
    const row = await this.warehouse.one<{next_block: bigint}>(
      "SELECT next_block FROM chain_cursors WHERE address_set = $1 AND contract = $2",
      [addressSet, contract]
    );
    return row ? Number(row.next_block) : undefined;
  }

  /** Stores a batch of one contract atomically and returns the number of new rows. */
  async storeBatch(run: IngestRun, addressSet: string, contract: string, batch: Batch): Promise<number> {
    this.dir ??= mkdtempSync(join(scratchRoot(), "workbench-chain-"));
    const files: {stage: Stage; file: string}[] = [];
    for (const stage of STAGES) {
      const parts = batch.rows[stage.key];
      if (parts.length === 0) continue;
      const file = join(this.dir, `${stage.table}.csv`);
      writeFileSync(file, parts.join("\n"));
      files.push({stage, file});
    }
    const blocksFile = join(this.dir, "chain_blocks.csv");
    writeFileSync(blocksFile, [...batch.blocks].map(([number, block]) => `${number},${block.hash},${block.time ?? ""}`).join("\n"));
    return this.warehouse.transaction(async () => {
      let inserted = 0;
      await this.warehouse.run(
        `INSERT OR REPLACE INTO chain_blocks SELECT block_number, block_hash, to_timestamp(ts) FROM ${readCsv(blocksFile, [
          ["block_number", "BIGINT"], ["block_hash", "VARCHAR"], ["ts", "BIGINT"]
        ])}`
      );
      for (const {stage, file} of files) {
        const result = await this.warehouse.connection.run(
          `INSERT OR IGNORE INTO ${stage.table} SELECT ${stage.select} FROM ${readCsv(file, stage.columns)}`
        );
        inserted += Number(result.rowsChanged);
      }
      for (const reject of batch.rejects) await run.reject(reject.location, reject.reason, reject.raw);
      await this.warehouse.run(
        "INSERT OR REPLACE INTO chain_cursors (address_set, contract, next_block, updated_at, run_id) VALUES ($1, $2, $3, now(), $4)",
        [addressSet, contract, batch.to + 1, run.runId]
      );
      return inserted;
    });
  }

  /** Forgets everything at or above `fork` (a reorg replaced those blocks) and rewinds cursors. */
  async rollbackFrom(fork: number): Promise<void> {
    await this.warehouse.transaction(async () => {
      for (const table of [...EVENT_TABLES, "chain_blocks", "chain_balances"])
        await this.warehouse.run(`DELETE FROM ${table} WHERE block_number >= $1`, [fork]);
      await this.warehouse.run("UPDATE chain_cursors SET next_block = $1, updated_at = now() WHERE next_block > $1", [fork]);
    });
  }

  close(): void {
    if (this.dir) rmSync(this.dir, {recursive: true, force: true});
    this.dir = undefined;
  }
}

/** Memory-backed /dev/shm when there is one (the CSV files live for one batch), else the temp dir. */
function scratchRoot(): string {
  try {
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}

function readCsv(file: string, columns: [string, string][]): string {
  const spec = columns.map(([name, type]) => `'${name}': '${type}'`).join(", ");
  return `read_csv('${file.replace(/'/g, "''")}', header = false, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = {${spec}})`;
}
