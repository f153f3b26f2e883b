-- On-chain reconciliation (docs/chain.md): what each trading wallet should hold, from what happened
-- to the user's wallets, against what balanceOf says at the latest snapshot.

-- Settlement counterparties: transfers with them are already counted by fills, splits, merges
-- and redemptions, so they are neither deposits nor withdrawals.
CREATE OR REPLACE VIEW chain_protocol_addresses AS
SELECT address FROM chain_contracts WHERE role IN ('ctf', 'exchange', 'protocol');

-- Every wallet the loader reads, with the trading wallet its money should sit in: an EOA that
-- signs orders for a funder (proxy, Safe, deposit wallet), or whose CREATE2-derived funder has
-- traded or been funded, belongs to that funder; any other wallet is its own trading wallet.
CREATE OR REPLACE VIEW chain_wallets AS
WITH watched AS (SELECT DISTINCT address FROM chain_address_sets),
signers AS (
  SELECT signer AS eoa, min(maker) AS funder FROM api_requests
   WHERE signer IS NOT NULL AND maker IS NOT NULL AND signer <> maker GROUP BY signer
),
active AS (
  SELECT to_address AS address FROM chain_transfers UNION SELECT from_address FROM chain_transfers
  UNION SELECT maker FROM chain_fills
),
derived AS (
  SELECT l.owner AS eoa, min(l.funder) AS funder FROM chain_wallet_links l
   WHERE l.funder IN (SELECT address FROM active) AND l.funder <> l.owner
     AND l.owner NOT IN (SELECT maker FROM chain_fills) -- a wallet that trades is a funder itself
   GROUP BY l.owner
)
SELECT w.address, coalesce(s.funder, d.funder, w.address) AS trading_wallet
FROM watched w LEFT JOIN signers s ON s.eoa = w.address LEFT JOIN derived d ON d.eoa = w.address;

-- Collateral (6-decimal units) movements per wallet and collateral symbol, as the user would list them.
CREATE OR REPLACE VIEW chain_collateral_ledger AS
SELECT w.trading_wallet, w.address, t.symbol, 'deposit' AS kind, t.amount AS delta, t.block_number, t.log_index, t.tx_hash, t.block_time
  FROM chain_transfers t JOIN chain_wallets w ON w.address = t.to_address
 WHERE t.from_address NOT IN (SELECT address FROM chain_protocol_addresses)
   AND t.from_address NOT IN (SELECT address FROM chain_wallets x WHERE x.trading_wallet = w.trading_wallet)
UNION ALL
SELECT w.trading_wallet, w.address, t.symbol, 'withdrawal', -t.amount, t.block_number, t.log_index, t.tx_hash, t.block_time
  FROM chain_transfers t JOIN chain_wallets w ON w.address = t.from_address
 WHERE t.to_address NOT IN (SELECT address FROM chain_protocol_addresses)
   AND t.to_address NOT IN (SELECT address FROM chain_wallets x WHERE x.trading_wallet = w.trading_wallet)
UNION ALL
-- One OrderFilled per filled order: count it for its maker only (the match's other side has its own row).
SELECT w.trading_wallet, w.address, c.collateral, CASE f.side WHEN 'BUY' THEN 'buy' ELSE 'sell' END,
       CASE f.side WHEN 'BUY' THEN -f.collateral_amount ELSE f.collateral_amount - f.fee END,
       f.block_number, f.log_index, f.tx_hash, f.block_time
  FROM chain_fills f JOIN chain_wallets w ON w.address = f.maker
  JOIN chain_contracts c ON c.address = f.exchange
UNION ALL
SELECT w.trading_wallet, w.address, c.collateral, s.kind, CASE s.kind WHEN 'split' THEN -s.amount ELSE s.amount END,
       s.block_number, s.log_index, s.tx_hash, s.block_time
  FROM chain_splits s JOIN chain_wallets w ON w.address = s.stakeholder
  JOIN chain_contracts c ON c.address = s.collateral_token
 WHERE s.parent_collection_id = '0x0000000000000000000000000000000000000000000000000000000000000000'
UNION ALL
SELECT w.trading_wallet, w.address, c.collateral, 'redemption', r.payout, r.block_number, r.log_index, r.tx_hash, r.block_time
  FROM chain_redemptions r JOIN chain_wallets w ON w.address = r.redeemer
  JOIN chain_contracts c ON c.address = r.collateral_token;

-- Position (ERC-1155 share units) movements per wallet: fills, plus mints and burns (splits,
-- merges, redemptions) and transfers with anyone outside the protocol.
CREATE OR REPLACE VIEW chain_position_ledger AS
SELECT w.trading_wallet, w.address, p.token_id,
       CASE WHEN p.from_address = '0x0000000000000000000000000000000000000000' THEN 'mint' ELSE 'transfer_in' END AS kind,
       p.amount AS delta, p.block_number, p.log_index, p.tx_hash, p.block_time
  FROM chain_position_transfers p JOIN chain_wallets w ON w.address = p.to_address
 WHERE p.from_address NOT IN (SELECT address FROM chain_protocol_addresses)
   AND p.from_address NOT IN (SELECT address FROM chain_wallets x WHERE x.trading_wallet = w.trading_wallet)
UNION ALL
SELECT w.trading_wallet, w.address, p.token_id,
       CASE WHEN p.to_address = '0x0000000000000000000000000000000000000000' THEN 'burn' ELSE 'transfer_out' END,
       -p.amount, p.block_number, p.log_index, p.tx_hash, p.block_time
  FROM chain_position_transfers p JOIN chain_wallets w ON w.address = p.from_address
 WHERE p.to_address NOT IN (SELECT address FROM chain_protocol_addresses)
   AND p.to_address NOT IN (SELECT address FROM chain_wallets x WHERE x.trading_wallet = w.trading_wallet)
UNION ALL
SELECT w.trading_wallet, w.address, f.token_id, CASE f.side WHEN 'BUY' THEN 'buy' ELSE 'sell' END,
       CASE f.side WHEN 'BUY' THEN f.share_amount - f.fee ELSE -f.share_amount END,
       f.block_number, f.log_index, f.tx_hash, f.block_time
  FROM chain_fills f JOIN chain_wallets w ON w.address = f.maker;

-- Positions of resolved conditions that pay out: what redeeming them is worth, per share unit.
-- The collateral is the one the position traded in (its fills' exchange, or its condition's splits).
CREATE OR REPLACE VIEW chain_redeemable_positions AS
WITH resolved AS (
  SELECT condition_id, arg_max(payout_numerators, block_number) AS numerators FROM chain_resolutions GROUP BY condition_id
),
token_collateral AS (
  SELECT token_id, any_value(collateral) AS collateral FROM (
    SELECT f.token_id, c.collateral FROM chain_fills f JOIN chain_contracts c ON c.address = f.exchange
    UNION ALL
    SELECT p.token_id, c.collateral FROM chain_positions p
      JOIN chain_splits s ON s.condition_id = p.condition_id JOIN chain_contracts c ON c.address = s.collateral_token
  ) GROUP BY token_id
)
SELECT p.token_id, p.condition_id, p.outcome_index, p.outcome, t.collateral,
       r.numerators[p.outcome_index + 1] AS numerator, list_sum(r.numerators) AS denominator
  FROM chain_positions p
  JOIN resolved r USING (condition_id)
  JOIN token_collateral t USING (token_id)
 WHERE r.numerators[p.outcome_index + 1] > 0;

-- What each trading wallet should hold, per asset (collateral symbol or position id): the ledgers,
-- with winning positions of resolved conditions counted as redeemed (0 shares, payout in collateral).
CREATE OR REPLACE VIEW chain_implied_balances AS
WITH positions AS (
  SELECT trading_wallet, token_id, sum(delta) AS held FROM chain_position_ledger GROUP BY ALL
),
unredeemed AS (
  SELECT p.trading_wallet, p.token_id, p.held, r.collateral, p.held * r.numerator // r.denominator AS payout
    FROM positions p JOIN chain_redeemable_positions r USING (token_id)
   WHERE p.held > 0
)
SELECT trading_wallet AS "user", asset, sum(amount) AS implied FROM (
  SELECT trading_wallet, symbol AS asset, delta AS amount FROM chain_collateral_ledger
  UNION ALL SELECT trading_wallet, token_id, held FROM positions
  UNION ALL SELECT trading_wallet, token_id, -held FROM unredeemed
  UNION ALL SELECT trading_wallet, collateral, payout FROM unredeemed
) GROUP BY ALL;

-- The latest snapshot's balances per trading wallet (its own balance only: money parked in a
-- linked EOA is not where the exchange looks for it). Collateral rows are per symbol.
CREATE OR REPLACE VIEW chain_latest_balances AS
SELECT b.address, coalesce(b.symbol, b.asset) AS asset, sum(b.balance) AS balance, any_value(b.block_number) AS block_number
  FROM chain_balances b
  JOIN (SELECT address, max(block_number) AS block_number FROM chain_balances GROUP BY address) latest
    USING (address, block_number)
 GROUP BY ALL;

-- Every (trading wallet, asset): implied vs on chain, in 6-decimal units and as USDC / shares.
CREATE OR REPLACE VIEW chain_reconciliation_all AS
WITH on_chain AS (
  SELECT b.address AS "user", b.asset, b.balance AS on_chain, b.block_number
    FROM chain_latest_balances b WHERE b.address IN (SELECT trading_wallet FROM chain_wallets)
)
SELECT "user", asset,
       coalesce(i.implied, 0) AS implied_units,
       coalesce(o.on_chain, 0) AS on_chain_units,
       coalesce(o.on_chain, 0) - coalesce(i.implied, 0) AS difference_units,
       chain_units(coalesce(i.implied, 0)) AS implied,
       chain_units(coalesce(o.on_chain, 0)) AS on_chain,
       chain_units(coalesce(o.on_chain, 0) - coalesce(i.implied, 0)) AS difference,
       o.block_number AS snapshot_block
  FROM chain_implied_balances i FULL OUTER JOIN on_chain o USING ("user", asset);

-- Only the differences: what support has to explain. asset = collateral symbol (USDC.e, pUSD) or
-- position id; implied / on_chain / difference in USDC or shares (difference = on_chain - implied).
CREATE OR REPLACE VIEW reconciliation AS
SELECT "user", asset, implied, on_chain, difference, implied_units, on_chain_units, difference_units, snapshot_block
  FROM chain_reconciliation_all
 WHERE difference_units <> 0
 ORDER BY abs(difference_units) DESC, "user", asset;
