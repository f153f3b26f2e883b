/**
 * The dispute desk's facts about one market, read from the markets views (090_markets.sql): the
 * rules text, the UMA timeline, the payout vector in words, and (given a wallet) that holder's
 * positions before resolution and whether they were redeemed. `workbench investigate` and the
 * market page read these; nothing here computes a metric of its own.
 */
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import {WorkbenchError} from "../../loaders/errors.ts";

export class MarketNotFoundError extends WorkbenchError {
  constructor(readonly key: string) {
    super(`no market with id, condition id or token id "${key}" in the warehouse (run: workbench ingest markets)`);
  }
}

export interface TimelineStage {
  step: number;
  stage: string;
  event: string;
  at: string;
  outcome: string | null;
  stageMinutes: number | null;
  text: string | null;
  txHash: string;
}

export interface HolderPosition {
  tokenId: string;
  outcome: string;
  address: string;
  tradingWallet: string;
  sharesBeforeResolution: number;
  sharesNow: number;
  paidUsdc: number;
  payoutUsdc: number | null;
  redeemed: boolean;
  redeemedAt: string | null;
  redemptionTx: string | null;
  firstFillTx: string | null;
}

export interface MarketFacts {
  marketId: string;
  conditionId: string;
  questionId: string | null;
  question: string;
  rules: string | null;
  resolutionSource: string | null;
  endDate: string | null;
  status: string;
  outcomes: string[];
  /** Position ids in outcome order. */
  tokenIds: string[];
  payoutNumerators: number[] | null;
  /** YES, NO, 50-50 (or another outcome's name in capitals); null before resolution. */
  payoutWords: string | null;
  resolvedAt: string | null;
  resolutionTx: string | null;
  disputes: number;
  timeline: TimelineStage[];
  /** The given wallet's positions (empty without a wallet, or when it never held any). */
  positions: HolderPosition[];
}

interface ResolutionRow {
  market_id: string;
  condition_id: string;
  question_id: string | null;
  question: string;
  description: string | null;
  resolution_source: string | null;
  end_date: string | null;
  status: string;
  outcomes: string[];
  clob_token_ids: string[];
  payout_numerators: string[] | null;
  payout_words: string | null;
  resolved_at: string | null;
  resolution_tx: string | null;
  disputes: string;
}

/** Market id (Gamma), condition id (0x…) or position / token id (decimal) -> the market id. */
async function marketIdOf(warehouse: Warehouse, key: string): Promise<string> {
  const row = await warehouse.one<{id: string}>(
    `SELECT id FROM markets WHERE id = $1 OR condition_id = lower($1)
     UNION ALL SELECT market_id FROM market_tokens WHERE token_id = $1 LIMIT 1`,
    [key.trim()]
  );
  if (!row) throw new MarketNotFoundError(key);
  return row.id;
}

const iso = (value: string | null) => (value === null ? null : new Date(value.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00")).toISOString());

export async function marketFacts(warehouse: Warehouse, key: string, wallet?: string): Promise<MarketFacts> {
  const id = await marketIdOf(warehouse, key);
  const [m] = await warehouse.json<ResolutionRow & Record<string, unknown>>(
    `SELECT r.*, m.description, m.resolution_source, m.outcomes, m.clob_token_ids
       FROM market_resolutions r JOIN markets m ON m.id = r.market_id WHERE r.market_id = $1`,
    [id]
  );
  const timeline = await warehouse.json<Record<string, unknown>>(
    "SELECT step, stage, event, happened_at, outcome, stage_minutes, text, tx_hash FROM market_resolution_timeline WHERE market_id = $1 ORDER BY step",
    [id]
  );
  return {
    marketId: m.market_id,
    conditionId: m.condition_id,
    questionId: m.question_id,
    question: m.question,
    rules: m.description,
    resolutionSource: m.resolution_source,
    endDate: iso(m.end_date),
    status: m.status,
    outcomes: m.outcomes,
    tokenIds: m.clob_token_ids,
    payoutNumerators: m.payout_numerators?.map(Number) ?? null,
    payoutWords: m.payout_words,
    resolvedAt: iso(m.resolved_at),
    resolutionTx: m.resolution_tx,
    disputes: Number(m.disputes),
    timeline: timeline.map((row) => ({
      step: Number(row.step),
      stage: String(row.stage),
      event: String(row.event),
      at: iso(row.happened_at as string)!,
      outcome: (row.outcome as string | null) ?? null,
      stageMinutes: row.stage_minutes === null ? null : Number(row.stage_minutes),
      text: (row.text as string | null) ?? null,
      txHash: String(row.tx_hash)
    })),
    positions: wallet ? await holderPositions(warehouse, id, wallet) : []
  };
}

/** Holders' positions in a market (every holder, or the wallet's: its own address or trading wallet). */
export async function holderPositions(warehouse: Warehouse, marketId: string, wallet?: string): Promise<HolderPosition[]> {
  const rows = await warehouse.json<Record<string, unknown>>(
    `SELECT * FROM market_positions WHERE market_id = $1 AND ($2::VARCHAR IS NULL OR address = lower($2) OR trading_wallet = lower($2))
      ORDER BY outcome_index, address`,
    [marketId, wallet ?? null]
  );
  return rows.map((row) => ({
    tokenId: String(row.token_id),
    outcome: String(row.outcome),
    address: String(row.address),
    tradingWallet: String(row.trading_wallet),
    sharesBeforeResolution: Number(row.shares_before_resolution),
    sharesNow: Number(row.shares_now),
    paidUsdc: Number(row.paid_usdc),
    payoutUsdc: row.payout_usdc === null ? null : Number(row.payout_usdc),
    redeemed: Boolean(row.redeemed),
    redeemedAt: iso((row.redeemed_at as string | null) ?? null),
    redemptionTx: (row.redemption_tx as string | null) ?? null,
    firstFillTx: (row.first_fill_tx as string | null) ?? null
  }));
}
