-- Support conversations (Intercom today; Zendesk would load into the same shape).
-- Addresses are stored lower-case hex everywhere in the warehouse so joins need no normalising.
-- Loaded by loaders/intercom (accepted inputs: loaders/intercom/README.md). Natural key ticket_id;
-- a stored ticket is only replaced by a version with a strictly newer updated_at.
CREATE TABLE tickets (
  ticket_id            VARCHAR PRIMARY KEY,   -- Intercom conversation id
  source               VARCHAR NOT NULL,      -- intercom-api | intercom-file | intercom-csv
  created_at           TIMESTAMPTZ NOT NULL,
  updated_at           TIMESTAMPTZ NOT NULL,
  state                VARCHAR,               -- open | closed | snoozed
  priority             VARCHAR,               -- priority | not_priority
  tier                 VARCHAR,               -- VIP | advanced | standard (custom attribute Tier)
  category             VARCHAR,               -- docs/taxonomy.md, assigned by loaders/taxonomy.ts (NULL until recategorize runs)
  team                 VARCHAR,               -- team_assignee_id (NULL when unassigned or 0)
  assignee             VARCHAR,               -- admin_assignee_id (NULL when unassigned or 0)
  user_email           VARCHAR,               -- lower-case; source.author (user/lead) or the first contact with an email
  user_wallet          VARCHAR,               -- address the user gave (custom attribute Wallet: funder or EOA), lower-case
  contact_id           VARCHAR,               -- first contact's id
  title                VARCHAR,               -- title, else source.subject
  first_message        VARCHAR,               -- the user's opening message as plain text, secrets redacted
  first_admin_reply_at TIMESTAMPTZ,           -- statistics.first_admin_reply_at, else the first admin comment part
  first_closed_at      TIMESTAMPTZ,           -- statistics.first_close_at, else the first close part
  last_closed_at       TIMESTAMPTZ,           -- statistics.last_close_at, else the last close part
  reopens              INTEGER,               -- statistics.count_reopens, else open parts after a close
  csat_rating          INTEGER,               -- conversation_rating.rating 1-5, NULL when unrated
  csat_remark          VARCHAR,
  sla_name             VARCHAR,               -- sla_applied.sla_name
  sla_status           VARCHAR,               -- hit | missed | cancelled | active | NULL (no SLA, or removed)
  tags                 VARCHAR[],             -- tag names
  custom_attributes    JSON,                  -- as Intercom sent them, secret-named fields redacted
  channel              VARCHAR,               -- source.type: conversation | email | ...
  delivered_as         VARCHAR,               -- source.delivered_as: customer_initiated | admin_initiated | ...
  waiting_since        TIMESTAMPTZ,           -- when the customer started waiting (NULL if the last reply was an admin's)
  time_to_admin_reply  INTEGER,               -- seconds, OFFICE HOURS (statistics); calendar FRT = first_admin_reply_at - created_at
  time_to_first_close  INTEGER,               -- seconds, OFFICE HOURS (statistics)
  median_time_to_reply INTEGER,               -- seconds, OFFICE HOURS (statistics)
  parts_count          INTEGER,               -- statistics.count_conversation_parts, else the parts received
  run_id               BIGINT NOT NULL        -- ingest run that last wrote the row
);

-- The conversation timeline. The opening message (the conversation's `source`) is the part with
-- part_id = 'source' and part_type = 'source'; the others are Intercom's conversation parts.
CREATE TABLE ticket_parts (
  ticket_id    VARCHAR NOT NULL,
  part_id      VARCHAR NOT NULL,              -- Intercom part id, or 'source'
  part_type    VARCHAR NOT NULL,              -- source | comment | note | assignment | close | open | snoozed | ...
  created_at   TIMESTAMPTZ NOT NULL,
  author_type  VARCHAR,                       -- user | lead | admin | bot | team
  author_id    VARCHAR,
  author_name  VARCHAR,
  body         VARCHAR,                       -- plain text, secrets redacted
  assigned_to  VARCHAR,                       -- assignment parts: the admin or team id
  PRIMARY KEY (ticket_id, part_id)
);
