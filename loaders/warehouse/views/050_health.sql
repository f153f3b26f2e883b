-- Program health (issue 6, documented in docs/metrics.md). The ONE definition of the weekly
-- support metrics: `workbench report health` and the health page both read these views.
--
-- Conventions:
-- - Cohort by creation week: the ISO week (Monday-Sunday) of created_at in UTC, whatever the
--   session time zone: `strftime(created_at AT TIME ZONE 'UTC', '%G-W%V')`, e.g. 2026-W46.
-- - Durations here are CALENDAR minutes (24/7 clock: nights, weekends and snoozed time count).
--   Office-hours SLA clocks are computed from the SLA policy by loaders/health/sla.ts.
-- - Percentiles use linear interpolation (quantile_cont) over the conversations that have the
--   duration; minutes are rounded to 2 decimals, rates (0..1) to 4 decimals; a rate whose
--   denominator is 0 is NULL, never 0.

-- Teams (or admins) that take escalations: anything named like escalations/engineering, and
-- whoever a conversation is assigned to within 10 minutes after an internal note saying
-- "escalat…" (Intercom stores team ids, not names, so the hand-over itself names the team).
CREATE OR REPLACE VIEW health_escalation_teams AS
SELECT DISTINCT a.assigned_to AS team
FROM ticket_parts n
JOIN ticket_parts a ON a.ticket_id = n.ticket_id AND a.part_type = 'assignment' AND a.assigned_to IS NOT NULL
  AND a.created_at BETWEEN n.created_at AND n.created_at + INTERVAL 10 MINUTE
WHERE n.part_type = 'note' AND regexp_matches(lower(n.body), 'escalat')
UNION
SELECT team FROM tickets WHERE regexp_matches(lower(team), 'escalat|engineering');

-- One row per conversation with everything the metrics need. No emails or wallets: pages for
-- leadership read from here. Remarks have emails and 0x-addresses masked.
CREATE OR REPLACE VIEW health_tickets AS
SELECT
  t.ticket_id,
  strftime(t.created_at AT TIME ZONE 'UTC', '%G-W%V') AS week,
  t.created_at,
  isodow(t.created_at AT TIME ZONE 'UTC')::INTEGER AS created_weekday,     -- 1 = Monday .. 7 = Sunday (UTC)
  hour(t.created_at AT TIME ZONE 'UTC')::INTEGER AS created_hour,          -- 0..23 (UTC)
  coalesce(nullif(trim(t.tier), ''), 'unknown') AS tier,
  coalesce(nullif(trim(t.category), ''), 'uncategorised') AS category,
  t.priority,
  t.state,
  t.team,
  t.assignee,
  t.first_admin_reply_at,
  t.first_closed_at,
  t.last_closed_at,
  (epoch(t.first_admin_reply_at) - epoch(t.created_at)) / 60 AS frt_minutes,   -- calendar
  (epoch(t.first_closed_at) - epoch(t.created_at)) / 60 AS ttc_minutes,        -- calendar
  t.first_closed_at IS NOT NULL AS closed,
  -- when it was last closed, if it is closed now (NULL while open or snoozed)
  CASE WHEN coalesce(t.state, 'closed') = 'closed' THEN coalesce(t.last_closed_at, t.first_closed_at) END AS resolved_at,
  coalesce(t.reopens, 0)::INTEGER AS reopens,
  -- a reopen needs an earlier close: only closed conversations count as reopened
  t.first_closed_at IS NOT NULL AND coalesce(t.reopens, 0) >= 1 AS reopened,
  -- Intercom's own outcome; a manually removed SLA (NULL) is 'none'
  CASE WHEN lower(trim(t.sla_status)) IN ('hit', 'missed', 'active', 'cancelled') THEN lower(trim(t.sla_status)) ELSE 'none' END AS sla_status,
  t.sla_name,
  CASE WHEN t.csat_rating BETWEEN 1 AND 5 THEN t.csat_rating END::INTEGER AS csat_rating,
  regexp_replace(
    regexp_replace(t.csat_remark, '[^\s@<>()]+@[^\s@<>()]+\.[A-Za-z]{2,}', '[email]', 'g'),
    '0x[0-9a-fA-F]{8,}', '[address]', 'g'
  ) AS csat_remark,
  -- escalated to engineering: an escalation tag ("escalated", "needs-engineering"), an internal
  -- note saying "escalat…", or assigned (now or ever) to an escalation team
  (len(list_filter(coalesce(t.tags, []::VARCHAR[]), tag -> regexp_matches(lower(tag), 'escalat|engineering'))) > 0
    OR t.team IN (SELECT team FROM health_escalation_teams)
    OR t.ticket_id IN (
      SELECT ticket_id FROM ticket_parts
      WHERE (part_type = 'note' AND regexp_matches(lower(body), 'escalat'))
         OR (part_type = 'assignment' AND assigned_to IN (SELECT team FROM health_escalation_teams))
    )) AS escalated
FROM tickets t;

-- The instant the warehouse's ticket data is as of: the latest created_at or updated_at. Open
-- conversations are aged, and running SLA clocks read, at this instant (not at wall-clock now), so
-- a report on the same warehouse always gives the same numbers.
CREATE OR REPLACE VIEW health_as_of AS
SELECT greatest(max(updated_at), max(created_at)) AS as_of FROM tickets;

-- The weekly metrics, overall (dimension 'all', segment 'all'), by tier and by category.
CREATE OR REPLACE VIEW health_weekly AS
SELECT
  week,
  CASE WHEN grouping(tier) = 0 THEN 'tier' WHEN grouping(category) = 0 THEN 'category' ELSE 'all' END AS dimension,
  CASE WHEN grouping(tier) = 0 THEN tier WHEN grouping(category) = 0 THEN category ELSE 'all' END AS segment,
  count(*)::INTEGER AS tickets_created,
  count(*) FILTER (closed)::INTEGER AS tickets_closed,
  count(frt_minutes)::INTEGER AS tickets_replied,
  round(quantile_cont(frt_minutes, 0.5), 2) AS frt_p50_minutes,
  round(quantile_cont(frt_minutes, 0.9), 2) AS frt_p90_minutes,
  round(quantile_cont(ttc_minutes, 0.5), 2) AS ttc_p50_minutes,
  round(quantile_cont(ttc_minutes, 0.9), 2) AS ttc_p90_minutes,
  count(*) FILTER (sla_status = 'hit')::INTEGER AS sla_hit,
  count(*) FILTER (sla_status = 'missed')::INTEGER AS sla_missed,
  count(*) FILTER (sla_status = 'active')::INTEGER AS sla_active,
  count(*) FILTER (sla_status = 'cancelled')::INTEGER AS sla_cancelled,
  count(*) FILTER (sla_status = 'none')::INTEGER AS sla_none,
  round(count(*) FILTER (sla_status = 'hit') / nullif(count(*) FILTER (sla_status IN ('hit', 'missed')), 0), 4) AS sla_hit_rate,
  count(csat_rating)::INTEGER AS csat_rated,
  count(*) FILTER (csat_rating >= 4)::INTEGER AS csat_positive,
  round(count(*) FILTER (csat_rating >= 4) / nullif(count(csat_rating), 0), 4) AS csat_score,
  round(count(*) FILTER (closed AND csat_rating IS NOT NULL) / nullif(count(*) FILTER (closed), 0), 4) AS csat_response_rate,
  count(*) FILTER (reopened)::INTEGER AS tickets_reopened,
  round(count(*) FILTER (reopened) / nullif(count(*) FILTER (closed), 0), 4) AS reopen_rate,
  count(*) FILTER (escalated)::INTEGER AS tickets_escalated
FROM health_tickets
GROUP BY GROUPING SETS ((week), (week, tier), (week, category));

-- Conversations escalated to engineering with their age in calendar hours: creation to the last
-- close when closed now, else creation to as_of.
CREATE OR REPLACE VIEW health_escalations AS
WITH aged AS (
  SELECT h.week, h.ticket_id, h.tier, h.category, h.created_at, h.resolved_at, h.state,
         (epoch(coalesce(h.resolved_at, a.as_of)) - epoch(h.created_at)) / 3600 AS age
  FROM health_tickets h CROSS JOIN health_as_of a WHERE h.escalated
)
SELECT week, ticket_id, tier, category, created_at, state, resolved_at IS NOT NULL AS resolved,
       round(age, 2) AS age_hours,
       CASE WHEN age < 24 THEN '< 1 day' WHEN age < 72 THEN '1-3 days' WHEN age < 168 THEN '3-7 days' ELSE '> 7 days' END AS age_bucket
FROM aged;

-- Agent productivity per creation week and current assignee (admin id; the name is the one the
-- admin writes under in ticket_parts). No emails.
CREATE OR REPLACE VIEW health_agents_weekly AS
WITH names AS (
  SELECT author_id AS assignee, arg_max(author_name, created_at) AS agent_name
  FROM ticket_parts WHERE author_type = 'admin' AND author_id IS NOT NULL AND author_name IS NOT NULL
  GROUP BY author_id
)
SELECT
  h.week,
  h.assignee,
  n.agent_name,
  count(*)::INTEGER AS assigned,
  count(h.frt_minutes)::INTEGER AS replied,
  count(*) FILTER (h.closed)::INTEGER AS closed,
  round(quantile_cont(h.frt_minutes, 0.5), 2) AS frt_p50_minutes,
  count(h.csat_rating)::INTEGER AS csat_rated,
  round(count(*) FILTER (h.csat_rating >= 4) / nullif(count(h.csat_rating), 0), 4) AS csat_score
FROM health_tickets h LEFT JOIN names n USING (assignee)
WHERE h.assignee IS NOT NULL
GROUP BY h.week, h.assignee, n.agent_name;

-- Open/closed transitions per conversation at event_at: +1 when it enters the backlog (created, reopened),
-- -1 when it leaves it (closed). Snoozed conversations stay in the backlog. From the close/open
-- parts when a conversation has them; otherwise closed once at last_closed_at if closed now.
CREATE OR REPLACE VIEW health_status_events AS
WITH changes AS (
  SELECT ticket_id, part_id, created_at AS event_at, CASE part_type WHEN 'close' THEN 'closed' ELSE 'open' END AS status
  FROM ticket_parts WHERE part_type IN ('close', 'open')
),
ordered AS (
  SELECT ticket_id, event_at, status,
         lag(status, 1, 'open') OVER (PARTITION BY ticket_id ORDER BY event_at, part_id) AS previous
  FROM changes
)
SELECT ticket_id, created_at AS event_at, 1 AS delta FROM tickets
UNION ALL
SELECT ticket_id, event_at, CASE status WHEN 'closed' THEN -1 ELSE 1 END FROM ordered WHERE status <> previous
UNION ALL
SELECT t.ticket_id, coalesce(t.last_closed_at, t.first_closed_at), -1 FROM tickets t
WHERE coalesce(t.last_closed_at, t.first_closed_at) IS NOT NULL
  AND coalesce(t.state, 'closed') = 'closed'
  AND NOT EXISTS (SELECT 1 FROM changes c WHERE c.ticket_id = t.ticket_id);

-- Backlog as a step function: conversations not closed (open or snoozed) from `since` until the
-- next row. The backlog just before an instant T is the last row with since < T (ASOF JOIN).
CREATE OR REPLACE VIEW health_backlog AS
SELECT event_at AS since, (sum(sum(delta)) OVER (ORDER BY event_at))::INTEGER AS open_conversations
FROM health_status_events GROUP BY event_at;

-- Snoozed periods (for SLA clocks that pause while snoozed): from a 'snoozed' part until the next
-- part that wakes the conversation (open, close, unsnooze, or a user message); NULL = still snoozed.
CREATE OR REPLACE VIEW health_snoozes AS
WITH marks AS (
  SELECT ticket_id, part_id, created_at, part_type = 'snoozed' AS snooze
  FROM ticket_parts
  WHERE part_type IN ('snoozed', 'open', 'close', 'unsnoozed', 'timer_unsnooze')
     OR (part_type = 'comment' AND author_type IN ('user', 'lead'))
),
spans AS (
  SELECT ticket_id, created_at AS snoozed_at, snooze,
         min(created_at) FILTER (NOT snooze) OVER (
           PARTITION BY ticket_id ORDER BY created_at, part_id ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
         ) AS woken_at,
         lag(snooze, 1, false) OVER (PARTITION BY ticket_id ORDER BY created_at, part_id) AS already_snoozed
  FROM marks
)
-- a run of snoozes (re-snoozed before waking) is one period
SELECT ticket_id, snoozed_at, woken_at AS unsnoozed_at FROM spans WHERE snooze AND NOT already_snoozed;
