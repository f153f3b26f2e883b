/**
 * `workbench report <name>`: the reports leadership and the program owner read. Each report is a
 * module in this directory listed in REPORTS, printing one JSON object (`--format json`), a
 * Markdown report (`md`) or text tables (`table`).
 */
import {UsageError} from "../../../loaders/errors.ts";
import type {Command} from "../../command.ts";
import type {Report} from "./common.ts";
import {feedbackReport} from "./feedback.ts";
import {healthReport} from "./health.ts";
import {incidentsReport} from "./incidents.ts";
import {slaReport} from "./sla.ts";

/** Every report, in the order `workbench report --help` lists them. */
export const REPORTS: Report[] = [healthReport, slaReport, feedbackReport, incidentsReport];

const USAGE = ["workbench report <report> [options]", ...REPORTS.map((r) => `  ${r.name.padEnd(8)} ${r.summary}\n           ${r.usage}`)].join("\n");

export const reportCommand: Command = {
  name: "report",
  summary: `reports for the weekly review (${REPORTS.map((r) => r.name).join(", ")})`,
  usage: USAGE,
  async run(context) {
    const [name, ...args] = context.args;
    const report = REPORTS.find((r) => r.name === name);
    if (!report) throw new UsageError(`${name ? `unknown report "${name}"` : "which report?"}\n\nusage: ${USAGE}`);
    await report.run({...context, args});
  }
};
