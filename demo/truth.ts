// truth.json: the ground truth of the demo world (documented field by field in docs/truth.md).
import type {Ledger} from "./chain-actions.ts";
import type {Discrepancy, Plan} from "./scenarios.ts";
import {WINDOW_END, WINDOW_START, iso, type DemoScale} from "./world.ts";

export type RejectReason = "invalid_json" | "bad_checksum" | "bad_body_length";

export interface ExpectedReject {
  source: "api-logs" | "fix"; // the ingest command that must quarantine it
  file: string; // relative to the demo directory
  line: number; // 1-based, in the decompressed file
  reason: RejectReason;
}

export interface Truth {
  seed: number;
  scale: DemoScale;
  window: {start: string; end: string};
  incidents: {
    id: string; kind: string; start: string; end: string; routes: string[]; affected_users: string[];
    failed_requests: number; ticket_ids: string[];
  }[];
  root_causes: {user: string; eoa: string; code: string; ticket_id: string; evidence: Record<string, unknown>}[];
  discrepancies: Discrepancy[];
  expected_rejects: ExpectedReject[];
  counts: Record<string, number>;
}

export function buildTruth(seed: number, scale: DemoScale, plan: Plan, ledger: Ledger, rejects: ExpectedReject[],
  files: readonly {path: string; records: number}[]): Truth {
  return {
    seed,
    scale,
    window: {start: iso(WINDOW_START), end: iso(WINDOW_END)},
    incidents: plan.incidents.map((i) => ({
      id: i.id,
      kind: i.kind,
      start: iso(i.start),
      end: iso(i.end),
      routes: i.routes,
      affected_users: [...i.affected].sort(),
      failed_requests: i.failedRequests,
      ticket_ids: i.ticketIds,
    })),
    root_causes: plan.rootCauses.map((rc) => ({
      user: rc.user.funder,
      eoa: rc.user.eoa,
      code: rc.code,
      ticket_id: rc.ticketId,
      evidence: rc.evidence,
    })),
    discrepancies: plan.rootCauses.flatMap((rc) => rc.discrepancies(ledger)),
    expected_rejects: rejects,
    counts: Object.fromEntries(files.map((f) => [f.path, f.records])),
  };
}
