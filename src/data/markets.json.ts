/**
 * data/markets.json: the markets index (src/markets/index.md), one row per market from the
 * market_resolutions view (loaders/warehouse/views/090_markets.sql). No wallets.
 */
import {extract, writeJson} from "./lib/warehouse-extract.ts";

await extract(async (warehouse) => {
  const markets = await warehouse.json(
    `SELECT r.market_id AS id, r.question, m.category, strftime(r.end_date, '%Y-%m-%dT%H:%M:%SZ') AS end_date, r.status,
            r.payout_words, r.disputes, strftime(r.resolved_at, '%Y-%m-%dT%H:%M:%SZ') AS resolved_at, m.volume, r.neg_risk
       FROM market_resolutions r JOIN markets m ON m.id = r.market_id
      ORDER BY r.end_date DESC, r.market_id`
  );
  writeJson({markets});
});
