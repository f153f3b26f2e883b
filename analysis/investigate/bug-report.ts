/**
 * A Markdown bug report draft for engineering from an investigation: summary, impact, environment,
 * steps to reproduce (the cURL of the first failing request the diagnosis cites), expected vs
 * actual, evidence rows and linked tickets. People appear by pseudonymous person id only, and the
 * draft passes through the redactor before it is returned.
 */
import {redactText} from "../../loaders/redact.ts";
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import {formatRows} from "../../cli/output.ts";
import {curlFor, loggedRequest, type LoggedRequest} from "./curl.ts";
import type {Diagnosis, Investigation} from "./types.ts";

const CURL_SLOT = "\u0000curl\u0000";

const cell = (key: Record<string, string | number>) =>
  Object.entries(key)
    .map(([name, value]) => `${name}=${value}`)
    .join(", ");

async function citedRequests(warehouse: Warehouse, diagnosis: Diagnosis | undefined): Promise<LoggedRequest[]> {
  const ids = (diagnosis?.evidence ?? []).filter((e) => e.table === "api_requests" && typeof e.key.request_id === "string");
  return Promise.all(ids.map((e) => loggedRequest(warehouse, String(e.key.request_id))));
}

export async function bugReport(warehouse: Warehouse, investigation: Investigation): Promise<string> {
  const {identity, diagnoses, discrepancies} = investigation;
  const top = diagnoses[0];
  const requests = await citedRequests(warehouse, top);
  const failing = requests.filter((r) => r.error_message !== null || r.status >= 400);
  const agents = [...new Set(requests.map((r) => r.user_agent).filter((agent): agent is string => !!agent))];
  const tickets = await warehouse.json<{ticket_id: string; created_at: string; category: string | null; state: string; title: string | null}>(
    `SELECT ticket_id, strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') AS created_at, category, state, title
       FROM tickets WHERE ticket_id IN (SELECT unnest($1::VARCHAR[])) ORDER BY created_at`,
    [JSON.stringify(identity.ticket_ids)]
  );
  const window = failing.length ? `${failing[0].ts} to ${failing[failing.length - 1].ts}` : "see the evidence rows";
  const lines = [
    `# ${top ? top.title : "Investigation"}: person ${identity.person_id}`,
    "",
    "## Summary",
    "",
    top
      ? `Diagnosed \`${top.code}\` (confidence ${top.confidence}) from ${top.evidence.length} evidence rows. ${top.engineering_next_step}`
      : "No rule matched this person's evidence; the timeline below is what we have.",
    ...diagnoses.slice(1).map((d) => `Also diagnosed: \`${d.code}\` (confidence ${d.confidence}).`),
    "",
    "## Impact",
    "",
    `- Person ${identity.person_id} (${identity.tier ?? "unknown"} tier), ${failing.length} failed requests cited, ${window}.`,
    ...discrepancies.map((d) => `- Balance ${d.asset} of ${d.user}: implied ${d.implied}, on chain ${d.on_chain} (${d.explained_by ?? "unexplained"}).`),
    "",
    "## Environment",
    "",
    `- Wallet type ${identity.wallet_type ?? "unknown"} (expected signatureType ${identity.expected_signature_type ?? "unknown"}), funder ${identity.funder ?? "unknown"}, EOA ${identity.eoa ?? "unknown"}`,
    `- API keys ${identity.api_keys.join(", ") || "none"}; FIX sessions ${identity.fix_sessions.join(", ") || "none"}`,
    `- Clients: ${agents.join(", ") || "unknown"}`,
    "",
    "## Steps to reproduce",
    "",
    ...(failing[0]
      ? ["Replay the first failing request (fill in the account's credentials):", "", "```sh", CURL_SLOT, "```"]
      : ["No failing REST request is cited; follow the evidence rows below."]),
    "",
    "## Expected vs actual",
    "",
    `- Expected: what the playbook (${top?.playbook ?? "docs/playbooks/"}) describes as correct behaviour.`,
    `- Actual: ${failing[0]?.error_message ? `HTTP ${failing[0].status} \`${failing[0].error_message}\`` : (top?.evidence.find((e) => e.note)?.note ?? "see the evidence")}`,
    "",
    "## Evidence rows",
    "",
    formatRows((top?.evidence ?? []).map((e) => ({table: e.table, key: cell(e.key), note: e.note ?? ""})), "md"),
    "",
    "## Linked tickets",
    "",
    tickets.length ? formatRows(tickets, "md") : "(none)"
  ];
  // curlFor redacts what it takes from the log itself; its placeholder headers must survive.
  return redactText(lines.join("\n")).replace(CURL_SLOT, failing[0] ? curlFor(failing[0]) : "");
}
