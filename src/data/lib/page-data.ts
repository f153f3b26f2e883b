/**
 * The shapes of the JSON page data the loaders emit, shared by the loaders (which write them) and
 * the page components (which read them). Timestamps are ISO 8601 strings in UTC.
 */

/** data/warehouse-status.json */
export interface WarehouseStatus {
  generated_at: string;
  /** The warehouse file name (not its full path). */
  warehouse: string;
  sources: SourceStatus[];
  /** Quarantined records per source and reason code. */
  rejects: RejectGroup[];
}

export interface SourceStatus {
  source: string;
  label: string;
  /** Ingest runs recorded for this source. */
  runs: number;
  latest_run: RunSummary | null;
  tables: TableStatus[];
  /** Records of this source in quarantine now. */
  rejects: number;
}

export interface RunSummary {
  run_id: number;
  status: string;
  started_at: string;
  finished_at: string | null;
  read: number;
  loaded: number;
  rejected: number;
  inserted: number;
  skipped_files: number;
}

export interface TableStatus {
  table: string;
  label: string;
  rows: number;
  /** Oldest and newest record (null when the table is empty). */
  from: string | null;
  to: string | null;
}

export interface RejectGroup {
  source: string;
  /** The reason code: the part of `rejects.reason` before the first colon. */
  reason: string;
  rejects: number;
  last_rejected_at: string;
}

/** data/ingest-runs.json */
export interface IngestHistory {
  generated_at: string;
  runs: IngestRunRow[];
  /** Rejects per day (UTC), source and reason code. */
  rejects_by_day: {day: string; source: string; reason: string; rejects: number}[];
}

export interface IngestRunRow extends RunSummary {
  source: string;
  input: string;
  duration_s: number | null;
  message: string | null;
}
