/**
 * Page components for the markets pages (src/markets/): status and payout labels, the resolution
 * timeline chart, durations in words, and the `?user=` / `?q=` URL state. Plain DOM plus Plot (passed in by the page).
 */
import type {TimelineStage} from "../../analysis/markets/facts.ts";

/** The stages a specialist reads out, in the words the page uses. */
export const STAGE_LABELS: Record<string, string> = {
  initialized: "Initialized",
  proposed: "Proposed",
  disputed: "Disputed",
  reset: "Reset",
  clarified: "Clarified",
  flagged: "Flagged for manual resolution",
  settled: "Settled by the oracle",
  resolved: "Resolved (adapter)",
  manually_resolved: "Resolved manually",
  payouts_reported: "Payouts reported"
};

/** 75 min, 5 h 0 min, 2 d 12 h */
export function formatStageDuration(minutes: number | null): string {
  if (minutes === null) return "–";
  if (minutes < 1) return `${Math.round(minutes * 60)} s`;
  if (minutes < 120) return `${Math.round(minutes)} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${Math.round(minutes - hours * 60)} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** "NO", "50-50", or the market's state while unresolved. */
export function resolutionLabel(payoutWords: string | null, status: string): string {
  return payoutWords ?? status.replace(/_/g, " ");
}

/** The resolution stages after initialization as dots on a time axis, with the outcome proposed or settled. */
export function timelineChart(Plot: typeof import("@observablehq/plot"), stages: TimelineStage[], width: number): Element | null {
  const shown = stages.filter((s) => s.stage !== "initialized").map((s) => ({...s, date: new Date(s.at), label: STAGE_LABELS[s.stage] ?? s.stage}));
  if (shown.length === 0) return null;
  const order = Object.values(STAGE_LABELS).filter((label) => shown.some((s) => s.label === label));
  return Plot.plot({
    width,
    height: 60 + 28 * order.length,
    marginLeft: 190,
    x: {type: "utc", label: "time (UTC)", grid: true},
    y: {domain: order, label: null},
    marks: [
      Plot.line(shown, {x: "date", y: "label", stroke: "var(--theme-foreground-faint)", curve: "step-after"}),
      Plot.dot(shown, {x: "date", y: "label", r: 5, fill: (d: {stage: string}) => (d.stage === "disputed" ? "var(--theme-red)" : "var(--theme-foreground-focus)"),
        tip: true, title: (d: {label: string; at: string; outcome: string | null}) => `${d.label}${d.outcome ? `: ${d.outcome}` : ""}\n${d.at}`}),
      Plot.text(shown.filter((s) => s.outcome), {x: "date", y: "label", text: "outcome", dx: 10, textAnchor: "start"})
    ]
  });
}

/** A URL search parameter (`?user=`, `?q=`), trimmed; "" when absent. */
export function urlParam(name: string): string {
  return new URLSearchParams(location.search).get(name)?.trim() ?? "";
}

/** Writes `value` to `?name=` without reloading (bookmarkable filter state); removes it when empty. */
export function setUrlParam(name: string, value: string): void {
  const url = new URL(location.href);
  if (value) url.searchParams.set(name, value);
  else url.searchParams.delete(name);
  history.replaceState(history.state, "", url);
}
