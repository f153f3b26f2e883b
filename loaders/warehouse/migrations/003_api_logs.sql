-- CLOB gateway traffic. Secrets (passphrases, signatures, auth headers) never reach these tables.
-- Natural keys (api_requests.request_id; ws_events (session_id, seq)) are unique, kept so by the
-- loader (loaders/api-logs) without a PRIMARY KEY index: an ART index on tens of millions of keys
-- doubled the insert cost and held its size in memory.
CREATE TABLE api_requests (
  request_id     VARCHAR NOT NULL,
  ts             TIMESTAMPTZ NOT NULL,
  api_key_id     VARCHAR,                     -- POLY_API_KEY (an identifier, not a secret)
  address        VARCHAR,                     -- POLY_ADDRESS (the signer EOA), lower-case
  method         VARCHAR NOT NULL,
  path           VARCHAR NOT NULL,
  route          VARCHAR NOT NULL,            -- path with ids replaced: /data/order/{id}
  status         SMALLINT NOT NULL,
  latency_ms     DOUBLE,
  error_message  VARCHAR,                     -- response error / errorMsg, or "Cloudflare 403: Attention Required!"
  order_id       VARCHAR,                     -- orderID from the response, or the id in the path
  order_type     VARCHAR,                     -- GTC | GTD | FOK | FAK
  order_version  TINYINT,                     -- 1 (nonce/feeRateBps) or 2 (timestamp/metadata/builder)
  order_count    INTEGER,                     -- orders in the request body: 1 for POST /order, n for POST /orders
  side           VARCHAR,                     -- BUY | SELL
  token_id       VARCHAR,
  maker          VARCHAR,                     -- order.maker = funder wallet, lower-case
  signer         VARCHAR,                     -- order.signer = EOA, lower-case
  signature_type TINYINT,                     -- 0 EOA, 1 POLY_PROXY, 2 POLY_GNOSIS_SAFE, 3 POLY_1271
  maker_amount   HUGEINT,                     -- 6-decimal integer units
  taker_amount   HUGEINT,
  price          DOUBLE,                      -- collateral / shares
  size           DOUBLE,                      -- shares
  insert_status  VARCHAR,                     -- matched | live | delayed | unmatched
  client_ip      VARCHAR,
  user_agent     VARCHAR,
  query          VARCHAR,
  request_body   JSON,                        -- kept for failed requests only (reproduction), redacted
  source_file    VARCHAR,
  source_line    BIGINT
);

CREATE TABLE ws_events (
  session_id     VARCHAR NOT NULL,
  seq            INTEGER NOT NULL,
  ts             TIMESTAMPTZ NOT NULL,
  channel        VARCHAR NOT NULL,            -- market | user
  event          VARCHAR NOT NULL,            -- connect | subscribe | unsubscribe | message | ping | pong | close
  api_key_id     VARCHAR,
  address        VARCHAR,
  assets_ids     VARCHAR[],
  markets        VARCHAR[],
  message_type   VARCHAR,
  message_count  INTEGER,
  close_code     INTEGER,
  close_reason   VARCHAR,
  client_ip      VARCHAR,
  source_file    VARCHAR,
  source_line    BIGINT
);
