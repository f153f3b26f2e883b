-- The identity graph's connected components, stored: the recursive `identities_computed` view
-- is evaluated once per change to the warehouse (loaders/warehouse/derived.ts) instead of in every
-- query that asks who a person is. The `identities` view reads this table.
CREATE TABLE identity_snapshot (
  person_id   VARCHAR NOT NULL,
  kind        VARCHAR NOT NULL,              -- email | address | api_key | fix_session
  value       VARCHAR NOT NULL,
  PRIMARY KEY (kind, value)
);
