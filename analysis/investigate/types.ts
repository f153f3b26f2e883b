/**
 * The shapes `investigate()` returns (JSON-safe: strings and numbers only, no bigints or Dates),
 * shared by the CLI, the investigate page and the outreach list.
 */
import type {RootCauseCode} from "./playbooks.ts";

/** A row that supports a finding: the table (or view) and the key that finds it again. */
export interface EvidenceRef {
  table: string;
  key: Record<string, string | number>;
  /** One line saying what the row shows, e.g. the exact error string. */
  note?: string;
}

/** Everything the warehouse links to one person (docs/investigate.md, "Lookup"). */
export interface Identity {
  person_id: string;
  /** The signing address (equal to `funder` for EOA wallets); null when no order or link shows it. */
  eoa: string | null;
  /** The trading wallet orders are made for and collateral should sit in. */
  funder: string | null;
  /** EOA, proxy, Safe or deposit wallet; null when unknown. */
  wallet_type: string | null;
  /** signatureType the wallet type requires (0 EOA, 1 proxy, 2 Safe, 3 deposit wallet). */
  expected_signature_type: number | null;
  emails: string[];
  addresses: string[];
  api_keys: string[];
  fix_sessions: string[];
  tier: string | null;
  ticket_ids: string[];
  /** What the identifier the user typed matched: `address`, `email`, `ticket`, ... */
  matched: {kind: IdentifierKind; value: string};
}

export type IdentifierKind =
  | "address"
  | "email"
  | "ticket"
  | "api_key"
  | "order"
  | "transaction"
  | "request"
  | "fix_session"
  | "fix_cl_ord_id"
  | "person";

export type Severity = "info" | "warning" | "error";
export type TimelineSource = "intercom" | "rest" | "websocket" | "fix" | "chain";

export interface TimelineEntry {
  /** ISO-8601 UTC. */
  ts: string;
  source: TimelineSource;
  kind: string;
  /** One line; ends with `: <error>` when there is one. */
  summary: string;
  severity: Severity;
  /** The exact error string (gateway errorMsg, FIX Text, WebSocket close), or null. */
  error: string | null;
  ref: EvidenceRef;
  /** Polygonscan transaction page, for chain entries. */
  link?: string;
  /** Rows folded into this entry (aggregated successful traffic); 1 otherwise. */
  count: number;
}

export interface Diagnosis {
  code: RootCauseCode;
  title: string;
  /** 0..1: how much of the story's pattern the evidence shows (docs/investigate.md, "Confidence"). */
  confidence: number;
  evidence: EvidenceRef[];
  customer_message: string;
  engineering_next_step: string;
  /** docs/playbooks/<code>.md */
  playbook: string;
  /** Tickets this diagnosis answers. */
  ticket_ids: string[];
}

/** A balance on chain that differs from what the user's history implies (the reconciliation view). */
export interface Discrepancy {
  user: string;
  /** Collateral symbol (pUSD, USDC.e) or position id. */
  asset: string;
  implied: string;
  on_chain: string;
  difference: string;
  /** The diagnosis that explains it, or null when unexplained (flagged). */
  explained_by: RootCauseCode | null;
  explanation: string;
}

export interface Investigation {
  query: string;
  identity: Identity;
  diagnoses: Diagnosis[];
  discrepancies: Discrepancy[];
  timeline: TimelineEntry[];
  /** Rows of successful traffic folded into aggregate entries, or dropped past the cap. */
  timeline_omitted: number;
}

export interface InvestigateOptions {
  /** Most timeline entries to return (newest first); default 500. */
  timelineLimit?: number;
}
