/** The rows the Intercom loader writes, and the error a single bad record raises. */

/** One `tickets` row before it is staged (timestamps in UTC epoch milliseconds). */
export interface TicketRow {
  ticket_id: string;
  source: TicketSource;
  created_at: number;
  updated_at: number;
  state: string | null;
  priority: string | null;
  tier: string | null;
  team: string | null;
  assignee: string | null;
  user_email: string | null;
  user_wallet: string | null;
  contact_id: string | null;
  title: string | null;
  first_message: string | null;
  first_admin_reply_at: number | null;
  first_closed_at: number | null;
  last_closed_at: number | null;
  reopens: number | null;
  csat_rating: number | null;
  csat_remark: string | null;
  sla_name: string | null;
  sla_status: string | null;
  tags: string[];
  custom_attributes: Record<string, unknown> | null;
  channel: string | null;
  delivered_as: string | null;
  waiting_since: number | null;
  time_to_admin_reply: number | null;
  time_to_first_close: number | null;
  median_time_to_reply: number | null;
  parts_count: number | null;
}

/** One `ticket_parts` row. */
export interface PartRow {
  ticket_id: string;
  part_id: string;
  part_type: string;
  created_at: number;
  author_type: string | null;
  author_id: string | null;
  author_name: string | null;
  body: string | null;
  assigned_to: string | null;
}

export type TicketSource = "intercom-api" | "intercom-file" | "intercom-csv";

/** What one input record turns into: a conversation (with its parts) or loose parts (Airbyte's conversation_parts stream). */
export interface Mapped {
  ticket?: TicketRow;
  parts: PartRow[];
}

/**
 * A record that cannot be loaded. `code` is the stable reason code stored before the colon in
 * `rejects.reason` (invalid_json, invalid_type, invalid_value, missing_field, unsupported_record, ...).
 */
export class RecordError extends Error {
  constructor(
    readonly code: string,
    readonly detail: string
  ) {
    super(`${code}: ${detail}`);
    this.name = "RecordError";
  }
}
