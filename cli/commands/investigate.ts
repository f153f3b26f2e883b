/**
 * `workbench investigate <identifier>`: the person behind any identifier, their diagnoses with
 * evidence and playbook replies, balance discrepancies and timeline (docs/investigate.md).
 */
import {bugReport} from "../../analysis/investigate/bug-report.ts";
import {curlFor, loggedRequest} from "../../analysis/investigate/curl.ts";
import {exportCase} from "../../analysis/investigate/export-case.ts";
import {investigate, type Investigation} from "../../analysis/investigate/index.ts";
import {UsageError} from "../../loaders/errors.ts";
import {parseInteger, parseOptions, type Command} from "../command.ts";
import {formatRows} from "../output.ts";
import {withWarehouse} from "./report/common.ts";

const USAGE =
  "workbench investigate <identifier> [--format json|md] [--limit N] [--bug-report] [--curl REQUEST_ID] [--export-case DIR]";

const keyText = (key: Record<string, string | number>) =>
  Object.entries(key)
    .map(([name, value]) => `${name}=${value}`)
    .join(" ");

export function investigationMarkdown(result: Investigation): string {
  const {identity} = result;
  return [
    `# Investigation: ${identity.person_id}`,
    "",
    `Matched ${identity.matched.kind} \`${identity.matched.value}\`. Wallet type ${identity.wallet_type ?? "unknown"}, ` +
      `funder ${identity.funder ?? "unknown"}, EOA ${identity.eoa ?? "unknown"}, tier ${identity.tier ?? "unknown"}.`,
    `API keys: ${identity.api_keys.join(", ") || "none"}. FIX sessions: ${identity.fix_sessions.join(", ") || "none"}. ` +
      `Emails: ${identity.emails.join(", ") || "none"}. Tickets: ${identity.ticket_ids.join(", ") || "none"}.`,
    "",
    "## Diagnoses",
    ...(result.diagnoses.length === 0 ? ["", "No rule matched: nothing in the evidence points to a known root cause."] : []),
    ...result.diagnoses.flatMap((d) => [
      "",
      `### \`${d.code}\`: ${d.title} (confidence ${d.confidence})`,
      "",
      `Playbook: ${d.playbook}. Tickets: ${d.ticket_ids.join(", ") || "none"}.`,
      "",
      "**Reply to the customer**",
      "",
      d.customer_message
        .split("\n")
        .map((line) => `> ${line}`)
        .join("\n"),
      "",
      `**Engineering next step**: ${d.engineering_next_step}`,
      "",
      formatRows(d.evidence.map((e) => ({table: e.table, key: keyText(e.key), note: e.note ?? ""})), "md")
    ]),
    "",
    "## Balances: on chain vs implied",
    "",
    result.discrepancies.length ? formatRows(result.discrepancies.map((d) => ({...d})), "md") : "No discrepancy.",
    "",
    `## Timeline (newest first${result.timeline_omitted ? `; ${result.timeline_omitted} older entries omitted` : ""})`,
    "",
    formatRows(
      result.timeline.map((e) => ({ts: e.ts, source: e.source, severity: e.severity, summary: e.summary, ref: `${e.ref.table} ${keyText(e.ref.key)}`, link: e.link ?? ""})),
      "md"
    )
  ].join("\n");
}

export const investigateCommand: Command = {
  name: "investigate",
  summary: "one user from any identifier: diagnoses with evidence and replies, balances, timeline, cURL, bug report, regression case",
  usage: USAGE,
  async run(context) {
    const {values, positionals} = parseOptions(
      context.args,
      {
        format: {type: "string"},
        limit: {type: "string"},
        "bug-report": {type: "boolean"},
        curl: {type: "string"},
        "export-case": {type: "string"}
      },
      USAGE,
      true
    );
    if (values.format !== undefined && values.format !== "json" && values.format !== "md")
      throw new UsageError(`--format must be json or md, got "${values.format}"`);
    if (!values.curl && positionals.length !== 1) throw new UsageError(`expected one identifier\n\nusage: ${USAGE}`);
    await withWarehouse(context, async (warehouse) => {
      if (values.curl) {
        console.log(curlFor(await loggedRequest(warehouse, values.curl)));
        return;
      }
      const result = await investigate(warehouse, positionals[0], {timelineLimit: parseInteger("limit", values.limit, 200)});
      if (values["export-case"]) {
        const exported = await exportCase(warehouse, result, values["export-case"]);
        console.log(`${exported.dir}: ${exported.files.map((f) => `${f.path} (${f.records})`).join(", ")}, expected.json`);
      } else if (values["bug-report"]) console.log(await bugReport(warehouse, result));
      else if (values.format === "json") console.log(JSON.stringify(result, null, 2));
      else console.log(investigationMarkdown(result));
    });
  }
};
