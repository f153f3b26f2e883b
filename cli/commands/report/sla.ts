/** `workbench report sla`: SLA what-if under an edited policy (analysis/health/what-if.ts). */
import {UsageError} from "../../../loaders/errors.ts";
import {applyEdits, DEFAULT_POLICY_FILE, loadPolicy} from "../../../analysis/health/policy.ts";
import {slaWhatIf, type Comparison, type WhatIfReport} from "../../../analysis/health/what-if.ts";
import {parseInteger, parseOptions} from "../../command.ts";
import {parseFormat} from "../../output.ts";
import {pct, render, signed, withWarehouse, type Report, type Section} from "./common.ts";


const SLA_USAGE =
  "workbench report sla (--edit EDIT... | --preset NAME) [--weeks N] [--week LAST] [--policy FILE] [--format json|md|table]\n" +
  "  EDIT: <tier>[/<priority>].<first_response_minutes|resolution_minutes|clock>=<value>, e.g. VIP.first_response_minutes=15, advanced.clock=24/7";

function comparisonCells(c: Comparison) {
  return {
    "hit (now)": c.current.hit,
    "missed (now)": c.current.missed,
    "attainment (now)": pct(c.current.attainment),
    "hit (edited)": c.edited.hit,
    "missed (edited)": c.edited.missed,
    "attainment (edited)": pct(c.edited.attainment),
    change: signed(c.attainment_change, (v) => `${(v * 100).toFixed(1)} pts`)
  };
}

function whatIfSections(r: WhatIfReport): Section[] {
  return [
    {title: "Per week", rows: r.weeks.map((w) => ({week: w.week, ...comparisonCells(w)}))},
    {title: "Per tier", rows: r.by_tier.map((t) => ({tier: t.tier, ...comparisonCells(t)}))},
    {title: "All weeks", rows: [{scope: "all", ...comparisonCells(r.total)}]},
    {
      title: "Conversations whose outcome changes",
      note: `${r.changed_conversations} in total; newest ${r.changed.length} listed`,
      rows: r.changed
    }
  ];
}

export const slaReport: Report = {
  name: "sla",
  summary: "SLA what-if: the last N weeks' attainment under an edited policy, next to the current one",
  usage: SLA_USAGE,
  async run(context) {
    const {values} = parseOptions(
      context.args,
      {
        edit: {type: "string", multiple: true},
        preset: {type: "string"},
        weeks: {type: "string"},
        week: {type: "string"},
        policy: {type: "string"},
        format: {type: "string"}
      },
      SLA_USAGE
    );
    const format = parseFormat(values.format);
    const weeks = parseInteger("weeks", values.weeks, 8);
    if (weeks < 1 || weeks > 104) throw new UsageError("--weeks must be between 1 and 104");
    const policy = loadPolicy(values.policy ?? DEFAULT_POLICY_FILE);
    const edits = [...(values.edit ?? [])];
    if (values.preset) {
      const preset = policy.spec.what_if?.find((p) => p.name === values.preset);
      if (!preset) {
        const names = (policy.spec.what_if ?? []).map((p) => `"${p.name}"`).join(", ") || "none";
        throw new UsageError(`no what-if preset "${values.preset}" in ${policy.source} (presets: ${names})`);
      }
      edits.push(...preset.edits);
    }
    if (edits.length === 0) throw new UsageError(`nothing to compare: pass --edit or --preset\n\nusage: ${SLA_USAGE}`);
    const edited = applyEdits(policy, edits);
    const report = await withWarehouse(context, (warehouse) => slaWhatIf(warehouse, policy, edited, {weeks, lastWeek: values.week}));
    if (format === "json") {
      console.log(JSON.stringify(report, null, 2));
      return;
    }
    const last = report.weeks[report.weeks.length - 1].week;
    const intro = [
      `Policy in force: ${report.policy}. Edited: ${edits.join(", ")}.`,
      `Conversations created in the ${weeks} weeks ending ${last} (ISO weeks, UTC), judged at ${report.as_of ?? "–"}.`
    ];
    console.log(render("SLA what-if", intro, whatIfSections(report), format));
  }
};

