-- Markets and their resolution (docs/markets.md): the UMA timeline of each market's question, the
-- payout vector in words, and every holder's position before resolution and what became of it.

-- UMA events per market: adapter events by questionID; oracle events by the question whose
-- QuestionInitialized carried the same ancillary data (on mainnet questionID = keccak256 of it).
CREATE OR REPLACE VIEW market_uma_events AS
WITH initialized AS (
  SELECT DISTINCT ancillary_hash, question_id FROM chain_uma_events WHERE event = 'QuestionInitialized'
)
SELECT m.id AS market_id, m.condition_id, m.question_id, e.event, e.block_time, e.block_number, e.log_index, e.tx_hash,
       e.proposer, e.disputer, e.price, e.payouts, e.text
FROM chain_uma_events e
LEFT JOIN initialized i ON e.requester IS NOT NULL AND i.ancillary_hash = e.ancillary_hash
JOIN markets m ON m.question_id = coalesce(i.question_id, e.question_id);

-- One row per stage of each market's resolution, in chain order, with how long it lasted (until
-- the next stage). Stages: initialized, proposed, disputed, reset, clarified, flagged, settled,
-- resolved (the adapter), manually_resolved, payouts_reported (ConditionalTokens ConditionResolution).
CREATE OR REPLACE VIEW market_resolution_timeline AS
WITH stages AS (
  SELECT market_id, condition_id,
         CASE event WHEN 'QuestionInitialized' THEN 'initialized' WHEN 'ProposePrice' THEN 'proposed'
                    WHEN 'DisputePrice' THEN 'disputed' WHEN 'QuestionReset' THEN 'reset'
                    WHEN 'AncillaryDataUpdated' THEN 'clarified' WHEN 'QuestionFlagged' THEN 'flagged'
                    WHEN 'Settle' THEN 'settled' WHEN 'QuestionResolved' THEN 'resolved'
                    WHEN 'QuestionManuallyResolved' THEN 'manually_resolved' END AS stage,
         event, block_time AS happened_at, block_number, log_index, tx_hash, price, text
    FROM market_uma_events
  UNION ALL
  SELECT m.id, m.condition_id, 'payouts_reported', 'ConditionResolution', r.block_time, r.block_number, r.log_index, r.tx_hash, NULL, NULL
    FROM chain_resolutions r JOIN markets m ON m.condition_id = r.condition_id
)
SELECT s.market_id, s.condition_id,
       row_number() OVER w AS step,
       s.stage, s.event, s.happened_at,
       -- The outcome a price stands for (1e18 the first outcome, 0 the second, 5e17 both halves).
       CASE WHEN s.price IS NULL THEN NULL WHEN s.price = 1000000000000000000 THEN m.outcomes[1]
            WHEN s.price = 0 THEN m.outcomes[2] WHEN s.price = 500000000000000000 THEN '50-50' ELSE 'unknown' END AS outcome,
       lead(s.happened_at) OVER w AS next_at,
       date_diff('second', s.happened_at, lead(s.happened_at) OVER w) / 60.0 AS stage_minutes,
       s.text, s.tx_hash, s.block_number, s.log_index
FROM stages s JOIN markets m ON m.id = s.market_id
WINDOW w AS (PARTITION BY s.market_id ORDER BY s.block_number, s.log_index);

-- One row per market: where its resolution stands, the payout vector and what it means.
CREATE OR REPLACE VIEW market_resolutions AS
WITH payouts AS (
  SELECT condition_id, arg_min(payout_numerators, block_number) AS payout_numerators, min(block_time) AS resolved_at,
         arg_min(tx_hash, block_number) AS resolution_tx, min(block_number) AS resolution_block
    FROM chain_resolutions GROUP BY condition_id
),
counts AS (
  SELECT market_id,
         min(happened_at) FILTER (WHERE stage = 'initialized') AS initialized_at,
         min(happened_at) FILTER (WHERE stage = 'proposed') AS first_proposed_at,
         count(*) FILTER (WHERE stage = 'proposed') AS proposals,
         count(*) FILTER (WHERE stage = 'disputed') AS disputes,
         count(*) FILTER (WHERE stage = 'reset') AS resets,
         count(*) FILTER (WHERE stage = 'clarified') AS clarifications,
         bool_or(stage = 'flagged') AS flagged,
         min(happened_at) FILTER (WHERE stage IN ('resolved', 'manually_resolved')) AS question_resolved_at,
         arg_max(stage, step) AS last_stage
    FROM market_resolution_timeline GROUP BY market_id
)
SELECT m.id AS market_id, m.condition_id, m.question_id, m.question, m.end_date, m.neg_risk,
       CASE WHEN p.payout_numerators IS NOT NULL THEN 'resolved'
            WHEN c.last_stage <> 'initialized' THEN c.last_stage -- the last UMA stage seen
            WHEN m.closed THEN 'closed'
            WHEN m.end_date <= coalesce((SELECT max(block_time) FROM chain_blocks), now()) THEN 'awaiting_resolution'
            ELSE 'open' END AS status,
       -- Resolved when the adapter resolved the question (its payouts reach ConditionalTokens in the same step).
       c.initialized_at, c.first_proposed_at, coalesce(c.question_resolved_at, p.resolved_at) AS resolved_at, p.resolution_tx, p.resolution_block,
       coalesce(c.proposals, 0) AS proposals, coalesce(c.disputes, 0) AS disputes, coalesce(c.resets, 0) AS resets,
       coalesce(c.clarifications, 0) AS clarifications, coalesce(c.flagged, false) AS flagged,
       p.payout_numerators,
       CASE WHEN p.payout_numerators IS NULL THEN NULL
            WHEN length(list_distinct(p.payout_numerators)) = 1 THEN '50-50'
            ELSE upper(m.outcomes[list_position(p.payout_numerators, list_max(p.payout_numerators))]) END AS payout_words,
       date_diff('second', m.end_date, coalesce(c.question_resolved_at, p.resolved_at)) / 3600.0 AS hours_end_to_resolution
FROM markets m
LEFT JOIN payouts p ON p.condition_id = m.condition_id
LEFT JOIN counts c ON c.market_id = m.id;

-- Every wallet's position in each outcome of a market: shares held just before the payouts were
-- reported, what buying them cost (net of sales), what they pay, and whether they were redeemed.
CREATE OR REPLACE VIEW market_positions AS
WITH ledger AS (
  SELECT l.address, l.trading_wallet, t.market_id, t.condition_id, t.token_id, t.outcome_index, t.outcome, l.kind, l.delta, l.block_number
    FROM chain_position_ledger l JOIN market_tokens t ON t.token_id = l.token_id
),
paid AS (
  SELECT f.maker AS address, f.token_id,
         sum(CASE f.side WHEN 'BUY' THEN f.collateral_amount ELSE -(f.collateral_amount - f.fee) END) AS paid_units,
         sum(CASE f.side WHEN 'BUY' THEN f.share_amount - f.fee ELSE 0 END) AS bought_units,
         min(f.block_time) AS first_fill_at, arg_min(f.tx_hash, f.block_number) AS first_fill_tx
    FROM chain_fills f GROUP BY ALL
),
redeemed AS (
  SELECT redeemer AS address, condition_id, sum(payout) AS payout_units, min(block_time) AS redeemed_at,
         arg_min(tx_hash, block_number) AS redemption_tx
    FROM chain_redemptions GROUP BY ALL
),
positions AS (
  SELECT l.address, any_value(l.trading_wallet) AS trading_wallet, l.market_id, l.condition_id, l.token_id, l.outcome_index, l.outcome,
         sum(l.delta) FILTER (WHERE r.resolution_block IS NULL OR l.block_number < r.resolution_block) AS before_units,
         sum(l.delta) AS now_units,
         any_value(r.resolved_at) AS resolved_at, any_value(r.payout_numerators) AS payout_numerators, any_value(r.payout_words) AS payout_words
    FROM ledger l JOIN market_resolutions r ON r.market_id = l.market_id
   GROUP BY l.address, l.market_id, l.condition_id, l.token_id, l.outcome_index, l.outcome
)
SELECT p.market_id, p.condition_id, p.token_id, p.outcome, p.outcome_index, p.address, p.trading_wallet,
       chain_units(coalesce(p.before_units, 0)) AS shares_before_resolution,
       chain_units(coalesce(p.now_units, 0)) AS shares_now,
       chain_units(coalesce(f.paid_units, 0)) AS paid_usdc,
       f.first_fill_at, f.first_fill_tx,
       p.resolved_at, p.payout_words,
       -- Each share pays numerator / sum(numerators) of a dollar.
       CASE WHEN p.payout_numerators IS NULL THEN NULL
            ELSE chain_units(coalesce(p.before_units, 0) * p.payout_numerators[p.outcome_index + 1] // list_sum(p.payout_numerators)) END AS payout_usdc,
       d.redeemed_at IS NOT NULL AS redeemed,
       d.redeemed_at, d.redemption_tx, chain_units(d.payout_units) AS redeemed_usdc
FROM positions p
LEFT JOIN paid f ON f.address = p.address AND f.token_id = p.token_id
LEFT JOIN redeemed d ON d.address = p.address AND d.condition_id = p.condition_id;
