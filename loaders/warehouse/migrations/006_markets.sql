-- Markets and their resolution (docs/markets.md): Gamma API metadata (`workbench ingest markets`)
-- and the UMA resolution events the chain loader reads (`workbench ingest chain`).

-- One row per Gamma market, as of its newest `updatedAt` seen. Gamma's JSON-encoded list fields
-- (`outcomes`, `outcomePrices`, `clobTokenIds`, `umaResolutionStatuses`) are stored parsed.
CREATE TABLE markets (
  id                        VARCHAR PRIMARY KEY,     -- Gamma market id
  condition_id              VARCHAR NOT NULL,        -- CTF conditionId (lower-case hex)
  question_id               VARCHAR,                 -- questionID (UMA adapter question, lower-case hex)
  slug                      VARCHAR,
  question                  VARCHAR NOT NULL,
  description               VARCHAR,                 -- the rules text
  resolution_source         VARCHAR,
  category                  VARCHAR,
  event_id                  VARCHAR,                 -- the Gamma event the market belongs to (first of `events`)
  outcomes                  VARCHAR[] NOT NULL,
  outcome_prices            DOUBLE[],
  clob_token_ids            VARCHAR[] NOT NULL,
  start_date                TIMESTAMPTZ,
  end_date                  TIMESTAMPTZ,
  created_at                TIMESTAMPTZ,
  updated_at                TIMESTAMPTZ,             -- Gamma `updatedAt` (the incremental cursor)
  closed_time               TIMESTAMPTZ,
  active                    BOOLEAN,
  closed                    BOOLEAN,
  archived                  BOOLEAN,
  accepting_orders          BOOLEAN,
  order_price_min_tick_size DOUBLE,
  order_min_size            DOUBLE,
  neg_risk                  BOOLEAN,
  uma_resolution_status     VARCHAR,                 -- latest UMA status Gamma reports (proposed, disputed, resolved, ...)
  uma_resolution_statuses   VARCHAR[],               -- every status so far, in order
  volume                    DOUBLE,
  version                   VARCHAR,                 -- Gamma's market version field, when sent
  source                    VARCHAR NOT NULL,        -- gamma-api | gamma-file
  run_id                    BIGINT NOT NULL          -- the ingest run that last wrote the row
);

-- Gamma events (a market's `events[]`, or the /events endpoint): groups of markets.
CREATE TABLE gamma_events (
  id          VARCHAR PRIMARY KEY,
  slug        VARCHAR,
  title       VARCHAR,
  description VARCHAR,
  start_date  TIMESTAMPTZ,
  end_date    TIMESTAMPTZ,
  neg_risk    BOOLEAN,
  closed      BOOLEAN,
  run_id      BIGINT NOT NULL
);

-- Position id (ERC-1155 token id = CLOB asset_id) -> market and outcome, so fills, positions and
-- orders anywhere show the question and outcome instead of a 76-digit number.
CREATE TABLE market_tokens (
  token_id      VARCHAR PRIMARY KEY,     -- decimal
  market_id     VARCHAR NOT NULL,
  condition_id  VARCHAR NOT NULL,
  outcome_index INTEGER NOT NULL,        -- payout slot (index set 1 << outcome_index)
  outcome       VARCHAR NOT NULL         -- Yes | No | ...
);

-- UMA resolution events: the UMA CTF adapter's question lifecycle (QuestionInitialized,
-- QuestionReset, QuestionResolved, QuestionFlagged, QuestionManuallyResolved), its bulletin board's
-- AncillaryDataUpdated clarifications, and the Optimistic Oracle V2's ProposePrice, DisputePrice and
-- Settle for requests the adapter made. Keyed like every chain event table.
CREATE TABLE chain_uma_events (
  block_number      BIGINT NOT NULL,
  log_index         INTEGER NOT NULL,
  tx_hash           VARCHAR NOT NULL,
  block_time        TIMESTAMPTZ,
  contract          VARCHAR NOT NULL,      -- adapter or oracle address
  event             VARCHAR NOT NULL,      -- the event name
  question_id       VARCHAR,               -- adapter events: questionID; oracle events: keccak256(ancillaryData)
  requester         VARCHAR,               -- oracle events: the adapter that asked
  proposer          VARCHAR,
  disputer          VARCHAR,
  creator           VARCHAR,               -- QuestionInitialized creator, AncillaryDataUpdated owner
  request_timestamp BIGINT,                -- the oracle request's timestamp (unix s)
  expiration_timestamp BIGINT,             -- ProposePrice: end of the liveness window (unix s)
  price             HUGEINT,               -- proposed / disputed / settled price (1e18 = Yes, 0 = No, 5e17 = 50-50)
  payouts           HUGEINT[],             -- QuestionResolved / QuestionManuallyResolved payout vector
  ancillary_hash    VARCHAR,               -- keccak256 of the ancillary data (= questionID on mainnet)
  text              VARCHAR,               -- ancillary data or clarification as UTF-8 text
  PRIMARY KEY (block_number, log_index)
);
