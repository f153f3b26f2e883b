/**
 * Rules read from the chain tables (views/040_chain.sql): money the user cannot see because it sits
 * in the wrong wallet or in unredeemed winning shares, and positions lost to a contested resolution.
 */
import {ref, type Rule} from "./scope.ts";

/** Collateral sent by an outsider to an EOA that trades through another funder wallet, and still there. */
export const depositToEoaRule: Rule = {
  codes: ["deposit_to_eoa"],
  ctes: "",
  select: `
SELECT a.person_id, 'deposit_to_eoa' AS code, 0.8 AS base, t.block_time AS first_at, t.block_time AS last_at,
       ['deposit_withdrawal', 'balance_allowance']::VARCHAR[] AS categories,
       [${ref("chain_transfers", {tx_hash: "t.tx_hash", log_index: "t.log_index"}, "t.symbol || ' ' || t.amount_usdc || ' sent to the EOA ' || t.to_address || ', not the funder ' || w.trading_wallet")},
        ${ref("chain_latest_balances", {address: "t.to_address", asset: "t.symbol"}, "'still held by the EOA: ' || b.balance / 1e6")}] AS evidence
  FROM chain_transfers t
  JOIN chain_wallets w ON w.address = t.to_address AND w.trading_wallet <> w.address
  JOIN person_addresses a ON a.address = t.to_address
  JOIN chain_latest_balances b ON b.address = t.to_address AND b.asset = t.symbol AND b.balance >= t.amount
 WHERE t.from_address NOT IN (SELECT address FROM chain_protocol_addresses)
   AND t.from_address NOT IN (SELECT address FROM chain_wallets x WHERE x.trading_wallet = w.trading_wallet)`
};

/** A position named in words: `No shares of "Will …?"` (never the bare 76-digit token id). */
const positionInWords = (p: string) => `coalesce(${p}.outcome, 'outcome ' || ${p}.outcome_index) || ' shares of "' || coalesce(${p}.question, 'condition ' || ${p}.condition_id) || '"'`;

/**
 * Winning shares of a resolved condition still held (the reconciliation counts them as redeemed).
 * The market_positions row is the one analysis/investigate/market-evidence.ts reads the market's facts by.
 */
export const unredeemedWinningsRule: Rule = {
  codes: ["unredeemed_winnings"],
  ctes: "",
  select: `
SELECT a.person_id, 'unredeemed_winnings' AS code, 0.8 AS base, res.block_time AS first_at, res.block_time AS last_at,
       ['positions_redemption']::VARCHAR[] AS categories,
       [${ref("market_positions", {token_id: "r.asset", address: 'r."user"'}, `${positionInWords("p")} || ': ' || r.on_chain || ' held, never redeemed'`)},
        ${ref("reconciliation", {user: 'r."user"', asset: "r.asset"}, `'winning ' || ${positionInWords("p")} || ' held, not redeemed: ' || r.on_chain`)},
        ${ref("chain_resolutions", {tx_hash: "res.tx_hash", log_index: "res.log_index"}, "'condition ' || res.condition_id || ' resolved, payouts ' || res.payout_numerators::VARCHAR")}] AS evidence
  FROM chain_reconciliation_all r
  JOIN chain_redeemable_positions rp ON rp.token_id = r.asset
  JOIN chain_positions p ON p.token_id = r.asset
  JOIN chain_resolutions res ON res.condition_id = rp.condition_id
  JOIN person_addresses a ON a.address = r."user"
 WHERE r.on_chain_units > 0 AND r.difference_units > 0`
};

/**
 * A resolution-dispute ticket naming a market whose outcome the person held when it resolved paying
 * that outcome nothing. UMA disputes on the question (chain_uma_events) raise the confidence.
 */
export const disputedResolutionRule: Rule = {
  codes: ["disputed_resolution"],
  ctes: `
resolved_holdings AS (
  SELECT a.person_id, l.trading_wallet, l.token_id, p.condition_id, p.outcome_index, p.question, p.outcome, res.payout_numerators, res.question_id,
         res.block_time AS resolved_at, res.tx_hash, res.log_index, sum(l.delta) AS held
    FROM chain_position_ledger l
    JOIN person_addresses a ON a.address = l.trading_wallet
    JOIN chain_positions p ON p.token_id = l.token_id
    JOIN chain_resolutions res ON res.condition_id = p.condition_id
   WHERE l.block_time <= res.block_time AND res.payout_numerators[p.outcome_index + 1] = 0
   GROUP BY ALL HAVING sum(l.delta) > 0
)`,
  select: `
SELECT h.person_id, 'disputed_resolution' AS code,
       CASE WHEN (SELECT count(*) FROM chain_uma_events u WHERE u.question_id = h.question_id AND u.event IN ('DisputePrice', 'QuestionReset')) > 0
            THEN 0.8 ELSE 0.6 END AS base,
       h.resolved_at AS first_at, h.resolved_at AS last_at, ['resolution_dispute']::VARCHAR[] AS categories,
       [${ref("tickets", {ticket_id: "t.ticket_id"}, "'disputes ' || h.question")},
        ${ref("market_positions", {token_id: "h.token_id", address: "h.trading_wallet"}, `${positionInWords("h")} || ': ' || h.held / 1e6 || ' held when it resolved paying them nothing'`)},
        ${ref("chain_resolutions", {tx_hash: "h.tx_hash", log_index: "h.log_index"}, "'resolved ' || h.payout_numerators::VARCHAR || '; held ' || h.held / 1e6 || ' ' || h.outcome || ' shares'")}] AS evidence
  FROM resolved_holdings h
  JOIN tix t ON t.person_id = h.person_id AND t.category = 'resolution_dispute' AND contains(t.message, h.question)`
};
