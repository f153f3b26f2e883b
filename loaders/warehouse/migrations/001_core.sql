-- Bookkeeping every loader shares: runs, per-file progress (for resume) and the quarantine.
CREATE SEQUENCE ingest_run_ids START 1;

CREATE TABLE ingest_runs (
  run_id      BIGINT PRIMARY KEY DEFAULT nextval('ingest_run_ids'),
  source      VARCHAR NOT NULL,            -- intercom | api-logs | fix | chain | ...
  input       VARCHAR NOT NULL,            -- the paths, globs or URL the run was given
  started_at  TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ,
  status      VARCHAR NOT NULL,            -- running | ok | failed | interrupted
  read        BIGINT NOT NULL DEFAULT 0,   -- records seen
  loaded      BIGINT NOT NULL DEFAULT 0,   -- records accepted (new or merged by natural key)
  rejected    BIGINT NOT NULL DEFAULT 0,   -- records quarantined in rejects
  inserted    BIGINT NOT NULL DEFAULT 0,   -- rows that were new to the warehouse
  skipped_files INTEGER NOT NULL DEFAULT 0, -- files already ingested unchanged (resume)
  message     VARCHAR
);

-- One row per input file fully committed; a re-run skips files whose size and mtime are unchanged.
CREATE TABLE ingest_files (
  source      VARCHAR NOT NULL,
  path        VARCHAR NOT NULL,
  size_bytes  BIGINT NOT NULL,
  mtime_ms    BIGINT NOT NULL,
  read        BIGINT NOT NULL,
  loaded      BIGINT NOT NULL,
  rejected    BIGINT NOT NULL,
  run_id      BIGINT NOT NULL,
  finished_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (source, path)
);

-- Quarantine: every record a loader could not accept, with where it was and why.
CREATE TABLE rejects (
  source      VARCHAR NOT NULL,
  location    VARCHAR NOT NULL,            -- file:line, or API request and item
  reason      VARCHAR NOT NULL,            -- short code, then details: "invalid_json: Unexpected end"
  raw         VARCHAR,                     -- the record as read, secrets redacted, capped at 64 KiB
  run_id      BIGINT NOT NULL,
  rejected_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (source, location)
);

-- Incremental API cursors (Intercom updated_at high-water mark, in-flight pagination cursor, ...).
CREATE TABLE sync_state (
  source      VARCHAR NOT NULL,
  key         VARCHAR NOT NULL,
  value       VARCHAR,
  updated_at  TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (source, key)
);
