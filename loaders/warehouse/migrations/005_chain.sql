-- On-chain money (docs/chain.md): what `workbench ingest chain` reads over JSON-RPC.
-- Amounts are integer 6-decimal units (HUGEINT, full precision) with the USDC / share value beside
-- them (DECIMAL(38,6), exact). Token ids are uint256 and kept as decimal strings (= CLOB asset_id).
-- Every event row is keyed by (block_number, log_index): re-reading a range never duplicates it.

-- Exact 6-decimal value of integer units (a plain division would go through DOUBLE).
CREATE MACRO chain_units(units) AS CAST(CAST(units AS DECIMAL(38, 6)) * 0.000001 AS DECIMAL(38, 6));

-- Every block the loader stored an event of, plus each chunk's last block: hash for reorg checks.
CREATE TABLE chain_blocks (
  block_number BIGINT PRIMARY KEY,
  block_hash   VARCHAR NOT NULL,
  block_time   TIMESTAMPTZ
);

-- ERC-20 Transfer of a collateral token (USDC.e, pUSD) from or to a watched wallet.
CREATE TABLE chain_transfers (
  block_number BIGINT NOT NULL,
  log_index    INTEGER NOT NULL,
  tx_hash      VARCHAR NOT NULL,
  block_time   TIMESTAMPTZ,
  token        VARCHAR NOT NULL,          -- token contract
  symbol       VARCHAR NOT NULL,          -- USDC.e | pUSD (from the network file)
  from_address VARCHAR NOT NULL,
  to_address   VARCHAR NOT NULL,
  amount       HUGEINT NOT NULL,          -- 6-decimal units
  amount_usdc  DECIMAL(38, 6) NOT NULL,
  PRIMARY KEY (block_number, log_index)
);

-- ERC-1155 TransferSingle / TransferBatch of ConditionalTokens positions (one row per id).
CREATE TABLE chain_position_transfers (
  block_number BIGINT NOT NULL,
  log_index    INTEGER NOT NULL,
  batch_index  INTEGER NOT NULL,          -- 0 for TransferSingle, position in the batch otherwise
  tx_hash      VARCHAR NOT NULL,
  block_time   TIMESTAMPTZ,
  contract     VARCHAR NOT NULL,
  event        VARCHAR NOT NULL,          -- TransferSingle | TransferBatch
  operator     VARCHAR NOT NULL,
  from_address VARCHAR NOT NULL,
  to_address   VARCHAR NOT NULL,
  token_id     VARCHAR NOT NULL,          -- position id (decimal)
  amount       HUGEINT NOT NULL,          -- share units (6 decimals)
  shares       DECIMAL(38, 6) NOT NULL,
  PRIMARY KEY (block_number, log_index, batch_index)
);

-- Exchange OrderFilled, V1 (asset ids) and V2 (side + token id) in one shape. One row per filled
-- order: `maker` is the order's owner (funder); in a match the taker order's own row has
-- taker = the exchange, so count each row for its maker only (never both sides).
CREATE TABLE chain_fills (
  block_number     BIGINT NOT NULL,
  log_index        INTEGER NOT NULL,
  tx_hash          VARCHAR NOT NULL,
  block_time       TIMESTAMPTZ,
  exchange         VARCHAR NOT NULL,
  exchange_name    VARCHAR NOT NULL,
  version          TINYINT NOT NULL,      -- 1 | 2
  order_hash       VARCHAR NOT NULL,
  maker            VARCHAR NOT NULL,
  taker            VARCHAR NOT NULL,
  is_taker_order   BOOLEAN NOT NULL,      -- taker = the exchange: this row is the match's taker order
  side             VARCHAR NOT NULL,      -- BUY (maker pays collateral) | SELL (maker gives shares)
  token_id         VARCHAR NOT NULL,      -- position traded (decimal)
  maker_amount     HUGEINT NOT NULL,      -- makerAmountFilled
  taker_amount     HUGEINT NOT NULL,      -- takerAmountFilled
  fee              HUGEINT NOT NULL,      -- charged on what the maker receives
  collateral_amount HUGEINT NOT NULL,     -- BUY: maker_amount, SELL: taker_amount
  share_amount     HUGEINT NOT NULL,      -- BUY: taker_amount, SELL: maker_amount
  collateral_usdc  DECIMAL(38, 6) NOT NULL,
  shares           DECIMAL(38, 6) NOT NULL,
  fee_units        DECIMAL(38, 6) NOT NULL, -- fee in USDC (SELL) or shares (BUY)
  price            DOUBLE,                -- collateral / shares
  builder          VARCHAR,               -- V2 only
  metadata         VARCHAR,               -- V2 only
  PRIMARY KEY (block_number, log_index)
);

-- OrdersMatched: one per match, naming the taker order (for reading a match, not for balances).
CREATE TABLE chain_matches (
  block_number      BIGINT NOT NULL,
  log_index         INTEGER NOT NULL,
  tx_hash           VARCHAR NOT NULL,
  block_time        TIMESTAMPTZ,
  exchange          VARCHAR NOT NULL,
  version           TINYINT NOT NULL,
  taker_order_hash  VARCHAR NOT NULL,
  taker_order_maker VARCHAR NOT NULL,
  side              VARCHAR NOT NULL,
  token_id          VARCHAR NOT NULL,
  maker_amount      HUGEINT NOT NULL,
  taker_amount      HUGEINT NOT NULL,
  PRIMARY KEY (block_number, log_index)
);

-- CTF PositionSplit (collateral -> a full set of positions) and PositionsMerge (the reverse).
CREATE TABLE chain_splits (
  block_number         BIGINT NOT NULL,
  log_index            INTEGER NOT NULL,
  tx_hash              VARCHAR NOT NULL,
  block_time           TIMESTAMPTZ,
  kind                 VARCHAR NOT NULL,  -- split | merge
  stakeholder          VARCHAR NOT NULL,
  collateral_token     VARCHAR NOT NULL,
  parent_collection_id VARCHAR NOT NULL,
  condition_id         VARCHAR NOT NULL,
  partition            VARCHAR[] NOT NULL, -- index sets (decimal)
  amount               HUGEINT NOT NULL,
  amount_usdc          DECIMAL(38, 6) NOT NULL,
  PRIMARY KEY (block_number, log_index)
);

-- CTF PayoutRedemption: positions of a resolved condition burnt for collateral.
CREATE TABLE chain_redemptions (
  block_number         BIGINT NOT NULL,
  log_index            INTEGER NOT NULL,
  tx_hash              VARCHAR NOT NULL,
  block_time           TIMESTAMPTZ,
  redeemer             VARCHAR NOT NULL,
  collateral_token     VARCHAR NOT NULL,
  parent_collection_id VARCHAR NOT NULL,
  condition_id         VARCHAR NOT NULL,
  index_sets           VARCHAR[] NOT NULL,
  payout               HUGEINT NOT NULL,
  payout_usdc          DECIMAL(38, 6) NOT NULL,
  PRIMARY KEY (block_number, log_index)
);

-- CTF ConditionResolution: the oracle's payout vector (all conditions in the ranges read).
CREATE TABLE chain_resolutions (
  block_number       BIGINT NOT NULL,
  log_index          INTEGER NOT NULL,
  tx_hash            VARCHAR NOT NULL,
  block_time         TIMESTAMPTZ,
  condition_id       VARCHAR NOT NULL,
  oracle             VARCHAR NOT NULL,
  question_id        VARCHAR NOT NULL,
  outcome_slot_count INTEGER NOT NULL,
  payout_numerators  HUGEINT[] NOT NULL,
  PRIMARY KEY (block_number, log_index)
);

-- balanceOf at a snapshot block: each collateral token, and each position the wallet ever held.
CREATE TABLE chain_balances (
  address      VARCHAR NOT NULL,
  token        VARCHAR NOT NULL,           -- token contract
  token_id     VARCHAR NOT NULL,           -- '' for ERC-20 collateral, the position id otherwise
  asset        VARCHAR NOT NULL,           -- 'collateral' (which one: symbol) or the position id
  symbol       VARCHAR,                    -- collateral symbol
  block_number BIGINT NOT NULL,
  balance      HUGEINT NOT NULL,
  balance_units DECIMAL(38, 6) NOT NULL,   -- USDC or shares
  run_id       BIGINT NOT NULL,
  PRIMARY KEY (address, token, token_id, block_number)
);

-- The wallets of each address set (a hash of the sorted list) and its read cursor per contract.
CREATE TABLE chain_address_sets (
  address_set VARCHAR NOT NULL,
  address     VARCHAR NOT NULL,
  PRIMARY KEY (address_set, address)
);

CREATE TABLE chain_cursors (
  address_set VARCHAR NOT NULL,
  contract    VARCHAR NOT NULL,
  next_block  BIGINT NOT NULL,             -- first block not read yet
  updated_at  TIMESTAMPTZ NOT NULL,
  run_id      BIGINT NOT NULL,
  PRIMARY KEY (address_set, contract)
);

-- One row per snapshot (address set, block): where the balances were read and the files went.
-- Re-reading the same set at the same block replaces the row (run_id: the latest run).
CREATE TABLE chain_snapshots (
  address_set  VARCHAR NOT NULL,
  block_number BIGINT NOT NULL,
  chain_id     BIGINT NOT NULL,
  block_time   TIMESTAMPTZ,
  files_dir    VARCHAR,
  run_id       BIGINT NOT NULL,
  PRIMARY KEY (address_set, block_number)
);

-- The contracts of the network file last ingested with: their role tells settlement transfers
-- (exchange, ConditionalTokens, adapters) from deposits and withdrawals.
CREATE TABLE chain_contracts (
  address    VARCHAR PRIMARY KEY,
  name       VARCHAR NOT NULL,
  role       VARCHAR NOT NULL,             -- collateral | ctf | exchange | protocol
  collateral VARCHAR,                      -- collateral symbol: the token's own, or what an exchange settles in
  chain_id   BIGINT NOT NULL
);

-- What each position id is: its condition and outcome slot (from a markets file, e.g. the Gamma
-- API's markets.json). Needed to value positions of resolved conditions (unredeemed winnings).
CREATE TABLE chain_positions (
  token_id      VARCHAR PRIMARY KEY,       -- position id (decimal) = CLOB asset_id
  condition_id  VARCHAR NOT NULL,
  outcome_index INTEGER NOT NULL,          -- payout slot (index set 1 << outcome_index)
  outcome       VARCHAR,                   -- Yes | No | ...
  market_id     VARCHAR,
  question      VARCHAR
);

-- Funder wallets CREATE2-derived from each watched wallet (network file walletFactories): an EOA
-- and the proxy / Safe it owns, linked even when no order shows them together.
CREATE TABLE chain_wallet_links (
  owner       VARCHAR NOT NULL,            -- the EOA
  funder      VARCHAR NOT NULL,            -- its counterfactual proxy / Safe / deposit wallet
  wallet_type VARCHAR NOT NULL,            -- the factory's type: proxy | safe | ...
  PRIMARY KEY (owner, funder)
);
