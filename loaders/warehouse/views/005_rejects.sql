-- The quarantine with its reason code: the word before the first colon of `reason`
-- (`invalid_json: Unexpected end` -> `invalid_json`). Pages count rejects by this code.
CREATE OR REPLACE VIEW reject_reasons AS
SELECT *, coalesce(nullif(trim(split_part(reason, ':', 1)), ''), 'unknown') AS reason_code
FROM rejects;
