-- Support conversations (Intercom today; Zendesk would load into the same shape).
-- Addresses are stored lower-case hex everywhere in the warehouse so joins need no normalising.
CREATE TABLE tickets (
  ticket_id            VARCHAR PRIMARY KEY,   -- Intercom conversation id
  source               VARCHAR NOT NULL,      -- intercom-api | intercom-file | intercom-csv
  created_at           TIMESTAMPTZ NOT NULL,
  updated_at           TIMESTAMPTZ NOT NULL,
  state                VARCHAR,               -- open | closed | snoozed
  priority             VARCHAR,               -- priority | not_priority
  tier                 VARCHAR,               -- VIP | advanced | standard (custom attribute)
  category             VARCHAR,               -- docs/taxonomy.md, assigned by loaders/taxonomy.ts
  team                 VARCHAR,               -- team_assignee_id
  assignee             VARCHAR,               -- admin_assignee_id
  user_email           VARCHAR,
  user_wallet          VARCHAR,               -- address the user gave (funder or EOA), lower-case
  contact_id           VARCHAR,
  title                VARCHAR,
  first_message        VARCHAR,               -- the user's opening message as plain text, secrets redacted
  first_admin_reply_at TIMESTAMPTZ,
  first_closed_at      TIMESTAMPTZ,
  last_closed_at       TIMESTAMPTZ,
  reopens              INTEGER,
  csat_rating          INTEGER,               -- 1-5, NULL when unrated
  csat_remark          VARCHAR,
  sla_name             VARCHAR,
  sla_status           VARCHAR,               -- hit | missed | cancelled | active | NULL (removed)
  tags                 VARCHAR[],
  custom_attributes    JSON,
  run_id               BIGINT NOT NULL
);

CREATE TABLE ticket_parts (
  ticket_id    VARCHAR NOT NULL,
  part_id      VARCHAR NOT NULL,
  part_type    VARCHAR NOT NULL,              -- comment | note | assignment | close | open | snoozed | ...
  created_at   TIMESTAMPTZ NOT NULL,
  author_type  VARCHAR,                       -- user | admin | bot
  author_id    VARCHAR,
  author_name  VARCHAR,
  body         VARCHAR,                       -- plain text, secrets redacted
  assigned_to  VARCHAR,
  PRIMARY KEY (ticket_id, part_id)
);
