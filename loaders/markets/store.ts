/**
 * Writes parsed Gamma markets. Natural keys: markets.id, market_tokens.token_id, gamma_events.id;
 * a stored market is replaced only by a version at least as new (`updatedAt`), so re-runs and
 * overlapping pages never duplicate and an older file never overwrites a newer API answer.
 */
import type {Warehouse} from "../warehouse/connection.ts";
import type {ParsedMarket} from "./gamma.ts";

export type MarketSource = "gamma-api" | "gamma-file";

const MARKET_COLUMNS = [
  "id", "condition_id", "question_id", "slug", "question", "description", "resolution_source", "category", "event_id",
  "outcomes", "outcome_prices", "clob_token_ids", "start_date", "end_date", "created_at", "updated_at", "closed_time",
  "active", "closed", "archived", "accepting_orders", "order_price_min_tick_size", "order_min_size", "neg_risk",
  "uma_resolution_status", "uma_resolution_statuses", "volume", "version", "source", "run_id"
];
/** Parameter expressions in MARKET_COLUMNS order (lists travel as JSON text). */
const MARKET_VALUES = MARKET_COLUMNS.map((column, i) => {
  const param = `$${i + 1}`;
  if (column === "outcomes" || column === "clob_token_ids" || column === "uma_resolution_statuses") return `from_json(${param}, '["VARCHAR"]')`;
  if (column === "outcome_prices") return `from_json(${param}, '["DOUBLE"]')`;
  if (column.endsWith("_date") || column.endsWith("_at") || column === "closed_time") return `${param}::TIMESTAMPTZ`;
  return param;
});

const UPSERT_MARKET = `INSERT INTO markets (${MARKET_COLUMNS.join(", ")}) VALUES (${MARKET_VALUES.join(", ")})
  ON CONFLICT (id) DO UPDATE SET ${MARKET_COLUMNS.filter((c) => c !== "id").map((c) => `${c} = excluded.${c}`).join(", ")}
  WHERE markets.updated_at IS NULL OR excluded.updated_at IS NULL OR excluded.updated_at >= markets.updated_at`;

const json = (value: unknown[] | null) => (value === null ? null : JSON.stringify(value));

/** Stores one market with its tokens and events; returns true when the market id is new. */
export async function storeMarket(warehouse: Warehouse, parsed: ParsedMarket, source: MarketSource, runId: number): Promise<boolean> {
  const m = parsed.market;
  const existed = await warehouse.one("SELECT 1 FROM markets WHERE id = $1", [m.id]);
  await warehouse.run(UPSERT_MARKET, [
    m.id, m.conditionId, m.questionId, m.slug, m.question, m.description, m.resolutionSource, m.category, m.eventId,
    json(m.outcomes), json(m.outcomePrices), json(m.clobTokenIds), m.startDate, m.endDate, m.createdAt, m.updatedAt, m.closedTime,
    m.active, m.closed, m.archived, m.acceptingOrders, m.tickSize, m.minSize, m.negRisk,
    m.umaResolutionStatus, json(m.umaResolutionStatuses), m.volume, m.version, source, runId
  ]);
  for (const [index, tokenId] of m.clobTokenIds.entries())
    await warehouse.run("INSERT OR REPLACE INTO market_tokens VALUES ($1, $2, $3, $4, $5)", [tokenId, m.id, m.conditionId, index, m.outcomes[index]]);
  for (const e of parsed.events)
    await warehouse.run("INSERT OR REPLACE INTO gamma_events VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ, $6::TIMESTAMPTZ, $7, $8, $9)", [
      e.id, e.slug, e.title, e.description, e.startDate, e.endDate, e.negRisk, e.closed, runId
    ]);
  return existed === undefined;
}
