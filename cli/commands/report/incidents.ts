/** `workbench report incidents`: detected incidents, their impact and draft customer updates (analysis/incidents/). */
import {UsageError} from "../../../loaders/errors.ts";
import {listIncidents, type IncidentSummary, type Period} from "../../../analysis/incidents/incidents.ts";
import {parseOptions} from "../../command.ts";
import {parseFormat, type Format} from "../../output.ts";
import {minutes, pct, render, withWarehouse, type Report} from "./common.ts";

const INCIDENTS_USAGE = "workbench report incidents [--from ISO] [--to ISO] [--format json|md|table]";

/** An ISO 8601 instant from the command line, or a usage error naming the flag. */
function parseInstant(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`--${flag} must be an ISO 8601 date or time (2026-10-06 or 2026-10-06T14:40:00Z), got "${value}"\n\nusage: ${INCIDENTS_USAGE}`);
  return new Date(ms).toISOString();
}

function tableRow(i: IncidentSummary): Record<string, unknown> {
  return {
    id: i.id,
    severity: i.severity,
    kind: i.kind,
    "start (UTC)": i.start,
    "end (UTC)": i.end,
    "duration (min)": minutes(i.duration_minutes),
    routes: i.routes.join(", "),
    "failed requests": i.failed_requests,
    "failed orders": i.failed_orders,
    "notional (USDC)": i.failed_order_notional_usdc.toFixed(2),
    affected: i.affected_users,
    "of active": pct(i.affected_share),
    VIP: i.affected_vip_users,
    API: i.affected_api_users,
    tickets: i.tickets
  };
}

function texts(i: IncidentSummary, format: Format): string {
  const u = i.customer_update;
  if (format === "md") {
    return [`## ${i.id}`, "", `**Impact.** ${i.impact_statement}`, "", `**Draft customer update.**`, "", `> **${u.title}** (${u.status})  `, `> ${u.body}`].join("\n");
  }
  return [i.id, `  impact: ${i.impact_statement}`, `  update: ${u.title} (${u.status}). ${u.body}`].join("\n");
}

export const incidentsReport: Report = {
  name: "incidents",
  summary: "detected incidents: UTC window, routes, failed requests and orders, affected users, tickets, severity, draft update",
  usage: INCIDENTS_USAGE,
  async run(context) {
    const {values} = parseOptions(context.args, {from: {type: "string"}, to: {type: "string"}, format: {type: "string"}}, INCIDENTS_USAGE);
    const format = parseFormat(values.format);
    const period: Period = {from: parseInstant("from", values.from), to: parseInstant("to", values.to)};
    const incidents = await withWarehouse(context, (warehouse) => listIncidents(warehouse, period));
    if (format === "json") {
      console.log(JSON.stringify({from: period.from ?? null, to: period.to ?? null, incidents}, null, 2));
      return;
    }
    const scope = period.from || period.to ? `from ${period.from ?? "the first record"} to ${period.to ?? "the last record"}` : "in the whole warehouse";
    const intro = [
      `${incidents.length} incident${incidents.length === 1 ? "" : "s"} ${scope}; times in UTC; "of active" = affected users / users active during the window.`,
      "Method, thresholds and severity bands: docs/incidents.md."
    ];
    const table = render("Incidents", intro, [{title: "Incidents", rows: incidents.map(tableRow)}], format);
    console.log([table, ...incidents.map((i) => texts(i, format))].join("\n\n"));
  }
};
