-- FIX message logs, decoded. Tag 554 (Password) and 96 (RawData) are redacted in `raw`.
CREATE TABLE fix_messages (
  session_id       VARCHAR NOT NULL,          -- the counterparty CompID (not the exchange's)
  direction        VARCHAR NOT NULL,          -- in (client -> exchange) | out (exchange -> client)
  seq_num          BIGINT NOT NULL,           -- 34
  sending_time     TIMESTAMPTZ NOT NULL,      -- 52
  logged_at        TIMESTAMPTZ,               -- the logger's line prefix, when present
  msg_type         VARCHAR NOT NULL,          -- 35
  msg_type_name    VARCHAR NOT NULL,          -- Logon, Heartbeat, NewOrderSingle, ...
  poss_dup         BOOLEAN NOT NULL DEFAULT false, -- 43
  sender_comp_id   VARCHAR,
  target_comp_id   VARCHAR,
  username         VARCHAR,                   -- 553 on Logon: the API key id
  reset_seq_num    BOOLEAN,                   -- 141
  heart_bt_int     INTEGER,                   -- 108
  test_req_id      VARCHAR,                   -- 112 (TestRequest, and the Heartbeat answering it)
  cl_ord_id        VARCHAR,                   -- 11
  orig_cl_ord_id   VARCHAR,                   -- 41 (cancel / replace requests and rejects)
  order_id         VARCHAR,                   -- 37
  exec_id          VARCHAR,                   -- 17
  symbol           VARCHAR,                   -- 55
  side             VARCHAR,                   -- 54
  order_qty        DOUBLE,                    -- 38
  ord_type         VARCHAR,                   -- 40
  price            DOUBLE,                    -- 44
  time_in_force    VARCHAR,                   -- 59
  ord_status       VARCHAR,                   -- 39
  exec_type        VARCHAR,                   -- 150
  cum_qty          DOUBLE,                    -- 14
  leaves_qty       DOUBLE,                    -- 151
  last_px          DOUBLE,                    -- 31
  last_qty         DOUBLE,                    -- 32
  ord_rej_reason   VARCHAR,                   -- 103
  cxl_rej_reason   VARCHAR,                   -- 102
  text             VARCHAR,                   -- 58, secrets redacted
  ref_seq_num      BIGINT,                    -- 45
  ref_msg_type     VARCHAR,                   -- 372
  session_reject_reason VARCHAR,              -- 373
  business_reject_reason VARCHAR,             -- 380
  begin_seq_no     BIGINT,                    -- 7
  end_seq_no       BIGINT,                    -- 16
  new_seq_no       BIGINT,                    -- 36
  gap_fill         BOOLEAN,                   -- 123
  raw              VARCHAR NOT NULL,          -- '|'-separated, secrets redacted
  source_file      VARCHAR,
  source_line      BIGINT,
  PRIMARY KEY (session_id, direction, seq_num, sending_time)
);
