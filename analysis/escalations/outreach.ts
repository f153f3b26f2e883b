/**
 * Proactive outreach to the advanced / VIP portfolio: the `outreach_portfolio` and
 * `outreach_spikes` views (loaders/warehouse/views/075_outreach.sql) plus what configuration and
 * the playbooks add: the next check-in due per tier cadence (config/outreach.json) and, for each
 * spike, the playbook answer for the error the person is hitting (analysis/investigate/playbooks.ts).
 * The outreach page and its tests read `buildOutreach`; internal only (person ids and wallets).
 */
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import {playbook, playbookForError} from "../investigate/playbooks.ts";
import {ConfigError, positiveNumber, readConfig} from "./config.ts";

export const DEFAULT_OUTREACH_CONFIG = "config/outreach.json";

export interface OutreachConfig {
  source: string;
  /** days from the last contact to the next check-in, per tier */
  cadence_days: Record<string, number>;
}

export function loadOutreachConfig(file = DEFAULT_OUTREACH_CONFIG): OutreachConfig {
  const raw = readConfig(file);
  const cadence = raw.cadence_days;
  if (typeof cadence !== "object" || cadence === null) throw new ConfigError(`${file}: cadence_days must map each tier to days`);
  const cadence_days = Object.fromEntries(Object.entries(cadence).map(([tier, days]) => [tier, positiveNumber(file, `cadence_days.${tier}`, days)]));
  for (const tier of ["VIP", "advanced"]) if (!(tier in cadence_days)) throw new ConfigError(`${file}: cadence_days has no entry for ${tier}`);
  return {source: file, cadence_days};
}

/** One row of `outreach_portfolio`, with the check-in schedule. Times are ISO 8601 UTC. */
export interface PortfolioMember {
  person_id: string;
  tier: string;
  wallet: string | null;
  requests_7d: number;
  orders_7d: number;
  errors_7d: number;
  error_rate_7d: number | null;
  requests_prev_7d: number;
  errors_prev_7d: number;
  error_rate_prev_7d: number | null;
  error_rate_change: number | null;
  requests_24h: number;
  errors_24h: number;
  baseline_errors_per_day: number;
  first_error_24h_at: string | null;
  open_tickets: number;
  last_ticket_at: string | null;
  last_contact_at: string | null;
  /** last contact + the tier's cadence; as-of when there was never a contact (due now) */
  next_check_in_due: string;
  check_in_overdue: boolean;
}

export interface PlaybookAnswer {
  code: string;
  title: string;
  customer_message: string;
}

/** One row of `outreach_spikes` with the playbook for its error. */
export interface Spike {
  person_id: string;
  tier: string;
  wallet: string | null;
  errors_24h: number;
  requests_24h: number;
  baseline_errors_per_day: number;
  first_error_24h_at: string;
  last_contact_at: string | null;
  open_tickets: number;
  signature: string | null;
  signature_category: string | null;
  signature_occurrences: number | null;
  playbook: PlaybookAnswer | null;
}

export interface Outreach {
  /** the latest API request: the instant the windows end at */
  as_of: string | null;
  cadence_days: Record<string, number>;
  config_source: string;
  portfolio: PortfolioMember[];
  spikes: Spike[];
}

const DAY_MS = 86_400_000;
const iso = (value: unknown) => (value == null ? null : new Date(String(value)).toISOString());
const num = (value: unknown) => (value == null ? null : Number(value));

/** 0x1234…abcd: enough to recognise a wallet on the internal page, not to paste it anywhere. */
export function shortWallet(wallet: string | null): string | null {
  return wallet && wallet.length > 12 ? `${wallet.slice(0, 6)}…${wallet.slice(-4)}` : wallet;
}

export function answerFor(errorMessage: string | null): PlaybookAnswer | null {
  const code = playbookForError(errorMessage);
  if (!code) return null;
  const {title, customer_message} = playbook(code);
  return {code, title, customer_message};
}

export async function buildOutreach(warehouse: Warehouse, config: OutreachConfig): Promise<Outreach> {
  const asOf = iso((await warehouse.json("SELECT as_of FROM api_as_of"))[0]?.as_of);
  const portfolio = (await warehouse.json("SELECT * EXCLUDE (as_of) FROM outreach_portfolio ORDER BY errors_24h DESC, errors_7d DESC, person_id")).map(
    (row): PortfolioMember => {
      const lastContact = iso(row.last_contact_at);
      const cadence = config.cadence_days[String(row.tier)];
      const due = lastContact ? new Date(Date.parse(lastContact) + cadence * DAY_MS).toISOString() : (asOf ?? new Date(0).toISOString());
      return {
        person_id: String(row.person_id),
        tier: String(row.tier),
        wallet: row.wallet == null ? null : String(row.wallet),
        requests_7d: Number(row.requests_7d),
        orders_7d: Number(row.orders_7d),
        errors_7d: Number(row.errors_7d),
        error_rate_7d: num(row.error_rate_7d),
        requests_prev_7d: Number(row.requests_prev_7d),
        errors_prev_7d: Number(row.errors_prev_7d),
        error_rate_prev_7d: num(row.error_rate_prev_7d),
        error_rate_change: num(row.error_rate_change),
        requests_24h: Number(row.requests_24h),
        errors_24h: Number(row.errors_24h),
        baseline_errors_per_day: Number(row.baseline_errors_per_day),
        first_error_24h_at: iso(row.first_error_24h_at),
        open_tickets: Number(row.open_tickets),
        last_ticket_at: iso(row.last_ticket_at),
        last_contact_at: lastContact,
        next_check_in_due: due,
        check_in_overdue: asOf !== null && due <= asOf
      };
    }
  );
  const spikes = (await warehouse.json("SELECT * FROM outreach_spikes ORDER BY errors_24h DESC, person_id")).map(
    (row): Spike => ({
      person_id: String(row.person_id),
      tier: String(row.tier),
      wallet: row.wallet == null ? null : String(row.wallet),
      errors_24h: Number(row.errors_24h),
      requests_24h: Number(row.requests_24h),
      baseline_errors_per_day: Number(row.baseline_errors_per_day),
      first_error_24h_at: iso(row.first_error_24h_at)!,
      last_contact_at: iso(row.last_contact_at),
      open_tickets: Number(row.open_tickets),
      signature: row.signature == null ? null : String(row.signature),
      signature_category: row.signature_category == null ? null : String(row.signature_category),
      signature_occurrences: num(row.signature_occurrences),
      playbook: answerFor(row.example_message == null ? null : String(row.example_message))
    })
  );
  return {as_of: asOf, cadence_days: config.cadence_days, config_source: config.source, portfolio, spikes};
}
