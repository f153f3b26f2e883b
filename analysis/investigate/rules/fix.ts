/** Rules read from the FIX views (views/030_fix.sql) for the person's FIX sessions. */
import {ref, type Rule} from "./scope.ts";

/**
 * The exchange's outbound sequence jumped and was gap-filled instead of resent, with no quarantined
 * line in between (a dropped malformed line explains its own gap: that is fix_checksum_error).
 */
export const fixSequenceGapRule: Rule = {
  codes: ["fix_sequence_gap"],
  ctes: "",
  select: `
SELECT s.person_id, 'fix_sequence_gap' AS code, 0.8 AS base, g.gap_at AS first_at, coalesce(g.sequence_reset_at, g.gap_at) AS last_at,
       ['fix_session']::VARCHAR[] AS categories,
       [${ref("fix_sequence_gaps", {session_id: "g.session_id", direction: "g.direction", received_seq: "g.received_seq"}, "'expected MsgSeqNum ' || g.expected_seq || ', received ' || g.received_seq || ' (' || g.source_file || ':' || g.source_line || ')'")},
        ${ref("fix_messages", {session_id: "g.session_id", msg_type: "'4'", sending_time: "g.sequence_reset_at"}, "'ResendRequest answered by SequenceReset-GapFill'")}] AS evidence
  FROM fix_sequence_gaps g
  JOIN scope s ON s.kind = 'fix_session' AND s.value = g.session_id
 WHERE g.direction = 'out' AND g.gap_filled AND g.resend_requested_at IS NOT NULL AND g.resent_messages = 0
   AND g.quarantined_lines_between = 0`
};

/** Several malformed messages (bad CheckSum or BodyLength) from one session in one log file. */
export const fixChecksumRule: Rule = {
  codes: ["fix_checksum_error"],
  ctes: `
fix_framing_rejects AS (
  SELECT s.person_id, j.location, j.reason, j.rejected_at, regexp_replace(j.location, ':[0-9]+$', '') AS file
    FROM rejects j JOIN scope s ON s.kind = 'fix_session' AND contains(j.raw, '49=' || s.value)
   WHERE j.source = 'fix' AND j.reason IN ('bad_checksum', 'bad_body_length')
)`,
  select: `
SELECT person_id, 'fix_checksum_error' AS code, 0.7 AS base, min(rejected_at) AS first_at, max(rejected_at) AS last_at, -- ingest times: the rejects carry no message time
       ['fix_session']::VARCHAR[] AS categories,
       list(${ref("rejects", {location: "location"}, "reason")}) AS evidence
  FROM fix_framing_rejects GROUP BY person_id, file HAVING count(*) >= 3`
};
