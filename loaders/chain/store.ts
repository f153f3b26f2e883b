/**
 * Writes decoded chunks to the warehouse. Each chunk lands in one transaction with its rejects,
 * its block hashes and its cursor, so a crash loses nothing and a restart re-reads at most the
 * chunk in flight. Rows go through DuckDB appenders into temp staging tables, then
 * `INSERT OR IGNORE` into the keyed tables: a log read twice (overlapping address sets, a
 * re-read after a reorg check) is stored once.
 */
import type {DuckDBAppender} from "@duckdb/node-api";
import type {Warehouse} from "../warehouse/connection.ts";
import type {IngestRun} from "../warehouse/ingest-run.ts";
import type {Decoded, Rows} from "./decode.ts";

/** Tables with event rows keyed by block (reorg rollback deletes from all of them). */
export const EVENT_TABLES = [
  "chain_transfers",
  "chain_position_transfers",
  "chain_fills",
  "chain_matches",
  "chain_splits",
  "chain_redemptions",
  "chain_resolutions"
] as const;

interface Stage {
  table: string;
  key: keyof Rows;
  columns: string;
  /** SELECT list from the stage table `s` into the target's column order. */
  select: string;
  append(appender: DuckDBAppender, row: never): void;
}

const appendNullable = (appender: DuckDBAppender, value: string | null) =>
  value === null ? appender.appendNull() : appender.appendVarchar(value);
const appendTime = (appender: DuckDBAppender, value: number | null) =>
  value === null ? appender.appendNull() : appender.appendBigInt(BigInt(value));
const list = (values: bigint[]) => values.join(",");

const WHERE_COLUMNS = "block_number BIGINT, log_index INTEGER, tx_hash VARCHAR, ts BIGINT";
const whereAppend = (appender: DuckDBAppender, row: {block: number; logIndex: number; tx: string; time: number | null}) => {
  appender.appendBigInt(BigInt(row.block));
  appender.appendInteger(row.logIndex);
  appender.appendVarchar(row.tx);
  appendTime(appender, row.time);
};
const blockTime = "to_timestamp(coalesce(s.ts, b.ts))";

const STAGES: Stage[] = [
  {
    table: "chain_transfers",
    key: "transfers",
    columns: `${WHERE_COLUMNS}, token VARCHAR, symbol VARCHAR, from_address VARCHAR, to_address VARCHAR, amount HUGEINT`,
    select: `s.block_number, s.log_index, s.tx_hash, ${blockTime}, s.token, s.symbol, s.from_address, s.to_address, s.amount, chain_units(s.amount)`,
    append(appender, row: Rows["transfers"][number]) {
      whereAppend(appender, row);
      appender.appendVarchar(row.token);
      appender.appendVarchar(row.symbol);
      appender.appendVarchar(row.from);
      appender.appendVarchar(row.to);
      appender.appendHugeInt(row.amount);
    }
  },
  {
    table: "chain_position_transfers",
    key: "positionTransfers",
    columns: `${WHERE_COLUMNS}, batch_index INTEGER, contract VARCHAR, event VARCHAR, operator VARCHAR, from_address VARCHAR, to_address VARCHAR, token_id VARCHAR, amount HUGEINT`,
    select: `s.block_number, s.log_index, s.batch_index, s.tx_hash, ${blockTime}, s.contract, s.event, s.operator, s.from_address, s.to_address, s.token_id, s.amount, chain_units(s.amount)`,
    append(appender, row: Rows["positionTransfers"][number]) {
      whereAppend(appender, row);
      appender.appendInteger(row.batchIndex);
      appender.appendVarchar(row.contract);
      appender.appendVarchar(row.event);
      appender.appendVarchar(row.operator);
      appender.appendVarchar(row.from);
      appender.appendVarchar(row.to);
      appender.appendVarchar(row.tokenId);
      appender.appendHugeInt(row.amount);
    }
  },
  {
    table: "chain_fills",
    key: "fills",
    columns:
      `${WHERE_COLUMNS}, exchange VARCHAR, exchange_name VARCHAR, version TINYINT, order_hash VARCHAR, maker VARCHAR, taker VARCHAR, ` +
      "is_taker_order BOOLEAN, side VARCHAR, token_id VARCHAR, maker_amount HUGEINT, taker_amount HUGEINT, fee HUGEINT, " +
      "collateral_amount HUGEINT, share_amount HUGEINT, price DOUBLE, builder VARCHAR, metadata VARCHAR",
    select:
      `s.block_number, s.log_index, s.tx_hash, ${blockTime}, s.exchange, s.exchange_name, s.version, s.order_hash, s.maker, s.taker, ` +
      "s.is_taker_order, s.side, s.token_id, s.maker_amount, s.taker_amount, s.fee, s.collateral_amount, s.share_amount, " +
      "chain_units(s.collateral_amount), chain_units(s.share_amount), chain_units(s.fee), s.price, s.builder, s.metadata",
    append(appender, row: Rows["fills"][number]) {
      whereAppend(appender, row);
      appender.appendVarchar(row.exchange);
      appender.appendVarchar(row.exchangeName);
      appender.appendTinyInt(row.version);
      appender.appendVarchar(row.orderHash);
      appender.appendVarchar(row.maker);
      appender.appendVarchar(row.taker);
      appender.appendBoolean(row.isTakerOrder);
      appender.appendVarchar(row.side);
      appender.appendVarchar(row.tokenId);
      appender.appendHugeInt(row.makerAmount);
      appender.appendHugeInt(row.takerAmount);
      appender.appendHugeInt(row.fee);
      appender.appendHugeInt(row.collateralAmount);
      appender.appendHugeInt(row.shareAmount);
      if (row.price === null) appender.appendNull();
      else appender.appendDouble(row.price);
      appendNullable(appender, row.builder);
      appendNullable(appender, row.metadata);
    }
  },
  {
    table: "chain_matches",
    key: "matches",
    columns: `${WHERE_COLUMNS}, exchange VARCHAR, version TINYINT, taker_order_hash VARCHAR, taker_order_maker VARCHAR, side VARCHAR, token_id VARCHAR, maker_amount HUGEINT, taker_amount HUGEINT`,
    select: `s.block_number, s.log_index, s.tx_hash, ${blockTime}, s.exchange, s.version, s.taker_order_hash, s.taker_order_maker, s.side, s.token_id, s.maker_amount, s.taker_amount`,
    append(appender, row: Rows["matches"][number]) {
      whereAppend(appender, row);
      appender.appendVarchar(row.exchange);
      appender.appendTinyInt(row.version);
      appender.appendVarchar(row.takerOrderHash);
      appender.appendVarchar(row.takerOrderMaker);
      appender.appendVarchar(row.side);
      appender.appendVarchar(row.tokenId);
      appender.appendHugeInt(row.makerAmount);
      appender.appendHugeInt(row.takerAmount);
    }
  },
  {
    table: "chain_splits",
    key: "splits",
    columns: `${WHERE_COLUMNS}, kind VARCHAR, stakeholder VARCHAR, collateral_token VARCHAR, parent_collection_id VARCHAR, condition_id VARCHAR, partition VARCHAR, amount HUGEINT`,
    select:
      `s.block_number, s.log_index, s.tx_hash, ${blockTime}, s.kind, s.stakeholder, s.collateral_token, s.parent_collection_id, s.condition_id, ` +
      "CASE WHEN s.partition = '' THEN []::VARCHAR[] ELSE string_split(s.partition, ',') END, s.amount, chain_units(s.amount)",
    append(appender, row: Rows["splits"][number]) {
      whereAppend(appender, row);
      appender.appendVarchar(row.kind);
      appender.appendVarchar(row.stakeholder);
      appender.appendVarchar(row.collateralToken);
      appender.appendVarchar(row.parentCollectionId);
      appender.appendVarchar(row.conditionId);
      appender.appendVarchar(list(row.partition));
      appender.appendHugeInt(row.amount);
    }
  },
  {
    table: "chain_redemptions",
    key: "redemptions",
    columns: `${WHERE_COLUMNS}, redeemer VARCHAR, collateral_token VARCHAR, parent_collection_id VARCHAR, condition_id VARCHAR, index_sets VARCHAR, payout HUGEINT`,
    select:
      `s.block_number, s.log_index, s.tx_hash, ${blockTime}, s.redeemer, s.collateral_token, s.parent_collection_id, s.condition_id, ` +
      "CASE WHEN s.index_sets = '' THEN []::VARCHAR[] ELSE string_split(s.index_sets, ',') END, s.payout, chain_units(s.payout)",
    append(appender, row: Rows["redemptions"][number]) {
      whereAppend(appender, row);
      appender.appendVarchar(row.redeemer);
      appender.appendVarchar(row.collateralToken);
      appender.appendVarchar(row.parentCollectionId);
      appender.appendVarchar(row.conditionId);
      appender.appendVarchar(list(row.indexSets));
      appender.appendHugeInt(row.payout);
    }
  },
  {
    table: "chain_resolutions",
    key: "resolutions",
    columns: `${WHERE_COLUMNS}, condition_id VARCHAR, oracle VARCHAR, question_id VARCHAR, outcome_slot_count INTEGER, payout_numerators VARCHAR`,
    select:
      `s.block_number, s.log_index, s.tx_hash, ${blockTime}, s.condition_id, s.oracle, s.question_id, s.outcome_slot_count, ` +
      "CASE WHEN s.payout_numerators = '' THEN []::HUGEINT[] ELSE list_transform(string_split(s.payout_numerators, ','), x -> x::HUGEINT) END",
    append(appender, row: Rows["resolutions"][number]) {
      whereAppend(appender, row);
      appender.appendVarchar(row.conditionId);
      appender.appendVarchar(row.oracle);
      appender.appendVarchar(row.questionId);
      appender.appendInteger(row.outcomeSlotCount);
      appender.appendVarchar(list(row.payoutNumerators));
    }
  }
];

export interface BlockInfo {
  hash: string;
  /** Unix seconds. */
  time: number | null;
}

export class ChainStore {
  private prepared = false;

  constructor(private readonly warehouse: Warehouse) {}

  private async prepare(): Promise<void> {
    if (this.prepared) return;
    for (const stage of STAGES) await this.warehouse.run(`CREATE TEMP TABLE IF NOT EXISTS stage_${stage.table} (${stage.columns})`);
    await this.warehouse.run("CREATE TEMP TABLE IF NOT EXISTS stage_chain_blocks (block_number BIGINT, block_hash VARCHAR, ts BIGINT)");
    this.prepared = true;
  }

  async cursor(addressSet: string, contract: string): Promise<number | undefined> {
    const row = await this.warehouse.one<{next_block: bigint}>(
      "SELECT next_block FROM chain_cursors WHERE address_set = $1 AND contract = $2",
      [addressSet, contract]
    );
    return row ? Number(row.next_block) : undefined;
  }

  /**
   * Stores one chunk [from, to] of one contract: rows, rejects, block hashes (every block with a
   * log plus `to` itself) and the cursor, atomically. Returns the number of new rows.
   */
  async storeChunk(
    run: IngestRun,
    addressSet: string,
    contract: string,
    to: number,
    decoded: Decoded,
    blocks: Map<number, BlockInfo>
  ): Promise<number> {
    await this.prepare();
    return this.warehouse.transaction(async () => {
      const connection = this.warehouse.connection;
      let inserted = 0;
      await this.appendBlocks(blocks);
      for (const stage of STAGES) {
        const rows = decoded.rows[stage.key] as never[];
        if (rows.length === 0) continue;
        await connection.run(`DELETE FROM stage_${stage.table}`);
        const appender = await connection.createAppender(`stage_${stage.table}`, "main", "temp");
        for (const row of rows) {
          stage.append(appender, row);
          appender.endRow();
        }
        appender.closeSync();
        const result = await connection.run(
          `INSERT OR IGNORE INTO ${stage.table} SELECT ${stage.select} FROM stage_${stage.table} s ` +
            "LEFT JOIN stage_chain_blocks b USING (block_number)"
        );
        inserted += Number(result.rowsChanged);
      }
      for (const reject of decoded.rejects) await run.reject(reject.location, reject.reason, reject.raw);
      await this.warehouse.run(
        `INSERT OR REPLACE INTO chain_cursors (address_set, contract, next_block, updated_at, run_id) VALUES ($1, $2, $3, now(), $4)`,
        [addressSet, contract, to + 1, run.runId]
      );
      return inserted;
    });
  }

  private async appendBlocks(blocks: Map<number, BlockInfo>): Promise<void> {
    const connection = this.warehouse.connection;
    await connection.run("DELETE FROM stage_chain_blocks");
    const appender = await connection.createAppender("stage_chain_blocks", "main", "temp");
    for (const [number, block] of blocks) {
      appender.appendBigInt(BigInt(number));
      appender.appendVarchar(block.hash);
      appendTime(appender, block.time);
      appender.endRow();
    }
    appender.closeSync();
    await connection.run(
      "INSERT OR REPLACE INTO chain_blocks SELECT block_number, block_hash, to_timestamp(ts) FROM stage_chain_blocks"
    );
  }

  /** Forgets everything at or above `fork` (a reorg replaced those blocks) and rewinds cursors. */
  async rollbackFrom(fork: number): Promise<void> {
    await this.warehouse.transaction(async () => {
      for (const table of [...EVENT_TABLES, "chain_blocks", "chain_balances"])
        await this.warehouse.run(`DELETE FROM ${table} WHERE block_number >= $1`, [fork]);
      await this.warehouse.run("UPDATE chain_cursors SET next_block = $1, updated_at = now() WHERE next_block > $1", [fork]);
    });
  }
}
