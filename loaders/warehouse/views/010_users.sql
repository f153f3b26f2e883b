-- Identity linking: every identifier a person shows up under (email, EOA, funder wallet, API key,
-- FIX session) joined into one person, so any identifier finds the rest.
-- An edge says "these two identifiers belong to the same person"; a person is a connected component.
CREATE OR REPLACE VIEW identity_edges AS
SELECT DISTINCT a_kind, a, b_kind, b, evidence FROM (
  SELECT 'email' AS a_kind, lower(user_email) AS a, 'address' AS b_kind, user_wallet AS b, 'ticket' AS evidence
    FROM tickets WHERE user_email IS NOT NULL AND user_wallet IS NOT NULL
  UNION ALL
  SELECT 'api_key', api_key_id, 'address', address, 'api_request'
    FROM api_requests WHERE api_key_id IS NOT NULL AND address IS NOT NULL
  UNION ALL
  SELECT 'address', signer, 'address', maker, 'order'
    FROM api_requests WHERE signer IS NOT NULL AND maker IS NOT NULL AND signer <> maker
  UNION ALL
  SELECT 'api_key', api_key_id, 'address', address, 'ws_session'
    FROM ws_events WHERE api_key_id IS NOT NULL AND address IS NOT NULL
  UNION ALL
  SELECT 'fix_session', session_id, 'api_key', username, 'fix_logon'
    FROM fix_messages WHERE msg_type = 'A' AND username IS NOT NULL
);

-- Every identifier, including ones seen alone (a ticket with only an email).
CREATE OR REPLACE VIEW identity_nodes AS
SELECT DISTINCT kind, value FROM (
  SELECT a_kind AS kind, a AS value FROM identity_edges
  UNION ALL SELECT b_kind, b FROM identity_edges
  UNION ALL SELECT 'email', lower(user_email) FROM tickets WHERE user_email IS NOT NULL
  UNION ALL SELECT 'address', user_wallet FROM tickets WHERE user_wallet IS NOT NULL
);

-- Connected components by walking edges both ways; the smallest reachable node names the person.
-- Recursive and costly: loaders/warehouse/derived.ts stores it in identity_snapshot whenever the
-- warehouse changed; everything else reads `identities`.
CREATE OR REPLACE VIEW identities_computed AS
WITH RECURSIVE
  links(src, dst) AS (
    SELECT a_kind || ':' || a, b_kind || ':' || b FROM identity_edges
    UNION ALL SELECT b_kind || ':' || b, a_kind || ':' || a FROM identity_edges
  ),
  reach(node, root) AS (
    SELECT kind || ':' || value, kind || ':' || value FROM identity_nodes
    UNION
    SELECT links.dst, reach.root FROM reach JOIN links ON links.src = reach.node
  ),
  component AS (SELECT node, min(root) AS root FROM reach GROUP BY node)
SELECT
  'u_' || left(md5(root), 12) AS person_id,           -- pseudonymous, stable while the identifiers are
  split_part(node, ':', 1) AS kind,
  substr(node, strpos(node, ':') + 1) AS value
FROM component;

CREATE OR REPLACE VIEW identities AS SELECT person_id, kind, value FROM identity_snapshot;

-- Wallet roles as the orders show them: maker = funder wallet, signer = EOA. The signature type
-- is the one the exchange accepted most often (a bot signing with the wrong type is rejected, so
-- its rejected orders must not decide), else the one sent most often.
CREATE OR REPLACE VIEW wallet_roles AS
SELECT maker AS address, 'funder' AS role,
       coalesce(mode(signature_type) FILTER (WHERE status < 400), mode(signature_type)) AS signature_type
  FROM api_requests WHERE maker IS NOT NULL GROUP BY maker
UNION ALL
SELECT signer, 'eoa', NULL FROM api_requests WHERE signer IS NOT NULL AND signer <> coalesce(maker, '') GROUP BY signer;

-- The tier a person's most recent ticket carries.
CREATE OR REPLACE VIEW person_tiers AS
SELECT person_id, arg_max(tier, updated_at) AS tier FROM (
  SELECT i.person_id, t.tier, t.updated_at FROM identities i JOIN tickets t ON i.kind = 'email' AND lower(t.user_email) = i.value
  UNION ALL
  SELECT i.person_id, t.tier, t.updated_at FROM identities i JOIN tickets t ON i.kind = 'address' AND t.user_wallet = i.value
) WHERE tier IS NOT NULL GROUP BY person_id;

-- One row per person with all their identities.
CREATE OR REPLACE VIEW users AS
SELECT
  i.person_id,
  list(DISTINCT i.value ORDER BY i.value) FILTER (WHERE i.kind = 'email') AS emails,
  list(DISTINCT i.value ORDER BY i.value) FILTER (WHERE i.kind = 'address' AND r.role = 'eoa') AS eoas,
  list(DISTINCT i.value ORDER BY i.value) FILTER (WHERE i.kind = 'address' AND r.role = 'funder') AS funders,
  list(DISTINCT i.value ORDER BY i.value) FILTER (WHERE i.kind = 'address') AS addresses,
  list(DISTINCT i.value ORDER BY i.value) FILTER (WHERE i.kind = 'api_key') AS api_keys,
  list(DISTINCT i.value ORDER BY i.value) FILTER (WHERE i.kind = 'fix_session') AS fix_sessions,
  -- The chain's CREATE2 link (funder derived from the EOA by a wallet factory) is proof; the
  -- accepted orders' signature type is the fallback.
  coalesce(
    CASE any_value(l.wallet_type) WHEN 'proxy' THEN 'proxy' WHEN 'safe' THEN 'Safe' WHEN 'deposit_wallet' THEN 'deposit wallet' END,
    CASE max(r.signature_type) FILTER (WHERE r.role = 'funder')
      WHEN 0 THEN 'EOA' WHEN 1 THEN 'proxy' WHEN 2 THEN 'Safe' WHEN 3 THEN 'deposit wallet' END) AS wallet_type,
  any_value(p.tier) AS tier
FROM identities i
LEFT JOIN wallet_roles r ON i.kind = 'address' AND r.address = i.value
LEFT JOIN chain_wallet_links l ON i.kind = 'address' AND l.funder = i.value
LEFT JOIN person_tiers p USING (person_id)
GROUP BY i.person_id;
