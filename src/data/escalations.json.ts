/**
 * data/escalations.json: the escalations page's data, read from the escalation views
 * (loaders/warehouse/views/070_escalations.sql): tickets per day and per week by tier and
 * category, and every error signature with the requests, people and tickets it caused.
 * Aggregates only: no emails, wallets, API keys or example messages (they can hold addresses).
 */
import {extract, iso, writeJson} from "./lib/warehouse-extract.ts";

await extract(async (warehouse) => {
  const asOf = await warehouse.json("SELECT epoch_ms(as_of) AS as_of, week FROM api_as_of");
  const daily = await warehouse.json("SELECT strftime(day, '%Y-%m-%d') AS day, tier, category, tickets FROM escalation_category_daily ORDER BY day, tier, category");
  const weekly = await warehouse.json(
    "SELECT week, strftime(week_start, '%Y-%m-%d') AS week_start, tier, category, tickets, escalated FROM escalation_category_weekly ORDER BY week, tier, category"
  );
  const signatures = await warehouse.json(
    `SELECT signature, category, requests, failed_requests, users, tickets, tickets_per_1000, statuses, routes,
            epoch_ms(first_seen) AS first_seen, epoch_ms(last_seen) AS last_seen, first_seen_week, new_this_week,
            epoch_ms(first_ticket_at) AS first_ticket_at, minutes_to_first_ticket
     FROM error_signatures ORDER BY tickets DESC, requests DESC, signature`
  );
  const signatureWeekly = await warehouse.json("SELECT week, signature, requests, users FROM error_signature_weekly ORDER BY week, signature");
  writeJson({
    as_of: iso(asOf[0]?.as_of),
    week: asOf[0]?.week ?? null,
    daily,
    weekly,
    signatures: signatures.map((s) => ({...s, first_seen: iso(s.first_seen), last_seen: iso(s.last_seen), first_ticket_at: iso(s.first_ticket_at)})),
    signature_weekly: signatureWeekly
  });
});
