/**
 * The investigation page (src/investigate.md): how an identifier finds its extract files, and the
 * page's components (identity card, timeline table, balances, diagnosis cards, empty states).
 *
 * The key functions at the top are shared with the page data loader (src/data/investigate-extract.ts),
 * which writes `index-NNN.arrow` (identifier -> person) and `bucket-NNN.arrow` (everything about the
 * persons of one bucket): both sides must agree on which file holds what. Plain DOM, no
 * dependencies, so the loader can import this module under Node.
 */
import type {Diagnosis} from "../../analysis/investigate/types.js";
import {copyButton} from "./copy.js";
import {formatCount, formatDateTime} from "./format.js";
import {el} from "./status.js";

/**
 * Person buckets: the person id (`u_` + 12 hex digits of an md5) read as a number in [0, 1) and
 * cut into BUCKETS equal ranges, so a bucket is a contiguous range of ids. A power of two.
 */
export const BUCKETS = 256;
/** Index shards: FNV-1a of the normalised identifier, modulo this. */
export const INDEX_SHARDS = 256;

export class PersonIdError extends Error {
  constructor(personId: string) {
    super(`not a person id: "${personId}" (expected u_ followed by 12 hex digits, as in the users view)`);
  }
}

const PERSON_ID = /^u_[0-9a-f]{12}$/;
const HEX_ID = /0x[0-9a-f]{64}|0x[0-9a-f]{40}/;
/** Person ids are ranked by their first four hex digits. */
const RANK_DIGITS = 4;
const RANKS = 16 ** RANK_DIGITS;

/**
 * What an identifier is stored under in the index: trimmed and lower-case (addresses, hashes,
 * emails and UUIDs are case-insensitive; ticket ids are digits). A pasted Polygonscan URL
 * reduces to the hex id in it.
 */
export function normalizeIdentifier(input: string): string {
  const text = input.trim().toLowerCase();
  return /^https?:\/\//.test(text) ? (text.match(HEX_ID)?.[0] ?? text) : text;
}

export function isPersonId(value: string): boolean {
  return PERSON_ID.test(value);
}

/** The bucket file holding a person's rows. */
export function personBucket(personId: string): number {
  if (!isPersonId(personId)) throw new PersonIdError(personId);
  return Math.floor((parseInt(personId.slice(2, 2 + RANK_DIGITS), 16) * BUCKETS) / RANKS);
}

/** The person ids of a bucket: from <= id < to (the loader selects this range). */
export function bucketRange(bucket: number): {from: string; to: string} {
  const start = (b: number) => `u_${((b * RANKS) / BUCKETS).toString(16).padStart(RANK_DIGITS, "0")}`;
  return {from: start(bucket), to: bucket + 1 < BUCKETS ? start(bucket + 1) : "u_~"};
}

/** The index shard listing a (normalised) identifier: 32-bit FNV-1a over its UTF-16 code units. */
export function indexShard(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % INDEX_SHARDS;
}

const pad3 = (n: number) => String(n).padStart(3, "0");
export const bucketFileName = (bucket: number) => `bucket-${pad3(bucket)}.arrow`;
export const indexFileName = (shard: number) => `index-${pad3(shard)}.arrow`;

/** Row sections of a bucket file. */
export type Section = "identity" | "event" | "balance" | "diagnosis";
export type Severity = "info" | "warning" | "error";

/** A row of a bucket file as DuckDB-WASM returns it (timestamps as Dates). */
export interface BucketRow {
  person_id: string;
  section: Section;
  ts: Date | null;
  source: string | null;
  kind: string;
  severity: Severity;
  summary: string | null;
  error: string | null;
  ref: string | null;
  tx_hash: string | null;
  address: string | null;
  count: number;
  detail: string | null;
}

/** An index row: which person an identifier belongs to, and as what. */
export interface IndexMatch {
  kind: string;
  person_id: string;
}

/** A balance row's detail (units are 6-decimal integers as decimal strings). */
export interface BalanceDetail {
  implied: string;
  on_chain: string;
  difference: string;
  snapshot_block: number | null;
  explained_by: string | null;
  explanation: string | null;
}

/** A diagnosis row's detail: the engine's Diagnosis minus what the row's columns already hold. */
export type DiagnosisDetail = Omit<Diagnosis, "code" | "title">;

// ---------------------------------------------------------------------------------------------
// Links

const POLYGONSCAN = "https://polygonscan.com";

export function polygonscanAddress(address: string): HTMLAnchorElement {
  return el("a", {href: `${POLYGONSCAN}/address/${address}`, class: "hex", target: "_blank", rel: "noopener noreferrer", title: "Open on Polygonscan"}, address);
}

export function polygonscanTx(hash: string): HTMLAnchorElement {
  return el("a", {href: `${POLYGONSCAN}/tx/${hash}`, class: "hex", target: "_blank", rel: "noopener noreferrer", title: "Open on Polygonscan"}, shortHex(hash));
}

/** A link that looks the identifier up on this page. */
export function lookupLink(identifier: string, text: string = identifier): HTMLAnchorElement {
  return el("a", {href: `./investigate?q=${encodeURIComponent(identifier)}`, class: "lookup"}, text);
}

/** 0x1234…cdef for hashes; addresses are shown whole (people compare their ends). */
export function shortHex(hex: string): string {
  return hex.length > 42 ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : hex;
}

// ---------------------------------------------------------------------------------------------
// Identity

/** The person's identifiers, from the bucket's `identity` rows (kind = eoa, funder, email, ...). */
export function identityCard(personId: string, rows: BucketRow[]): HTMLElement {
  const values = (kind: string) => rows.filter((r) => r.kind === kind).map((r) => r.summary ?? "");
  const one = (kind: string) => values(kind)[0] ?? "–";
  const wallets = new Set([...values("eoa"), ...values("funder")]);
  const field = (label: string, id: string, items: (Node | string)[]) =>
    el("div", {class: "field", id: `identity-${id}`}, el("dt", {}, label), el("dd", {}, items.length ? items.flatMap((item, i) => (i ? [el("br"), item] : [item])) : "–"));
  const tickets = rows.filter((r) => r.kind === "ticket");
  return el(
    "div",
    {class: "card identity", id: "identity", "data-person": personId},
    el("h2", {}, "Identity ", el("code", {}, personId)),
    el(
      "dl",
      {},
      field("Wallet type", "wallet-type", [one("wallet_type")]),
      field("Tier", "tier", [one("tier")]),
      field("Funder (trading wallet)", "funder", values("funder").map(polygonscanAddress)),
      field("EOA (signer)", "eoa", values("eoa").map(polygonscanAddress)),
      field("Other addresses", "addresses", values("address").filter((a) => !wallets.has(a)).map(polygonscanAddress)),
      field("Emails", "emails", values("email")),
      field("API keys", "api-keys", values("api_key").map((k) => el("code", {}, k))),
      field("FIX sessions", "fix-sessions", values("fix_session").map((s) => el("code", {}, s))),
      field(
        "Tickets",
        "tickets",
        tickets.map((t) => el("span", {}, lookupLink(t.ref ?? ""), ` ${formatDateTime(t.ts)} · ${t.summary ?? ""}`))
      )
    )
  );
}

/** Several people share the identifier (a fill's transaction names both sides): pick one. */
export function matchChooser(query: string, matches: IndexMatch[]): HTMLElement {
  return el(
    "div",
    {class: "card", id: "matches"},
    el("h2", {}, `“${query}” belongs to ${matches.length} people`),
    el("p", {}, "A transaction or order can involve several wallets (a fill names both sides). Choose the person to investigate:"),
    el(
      "ul",
      {},
      matches.map((m) => el("li", {}, lookupLink(m.person_id), ` (as ${m.kind})`))
    )
  );
}

/** No match: say what was searched for and which formats the index knows. */
export function noMatch(query: string): HTMLElement {
  return el(
    "div",
    {class: "empty", id: "no-match"},
    el("strong", {}, `Nothing in the warehouse matches “${query}”.`),
    el("p", {}, "The lookup knows these identifiers (case does not matter):"),
    el(
      "ul",
      {},
      el("li", {}, "a wallet address, EOA or funder: ", el("code", {}, "0x"), " and 40 hex digits, or a Polygonscan address URL"),
      el("li", {}, "a transaction hash or an order id / order hash: ", el("code", {}, "0x"), " and 64 hex digits"),
      el("li", {}, "an email address, as the customer wrote it on a ticket"),
      el("li", {}, "an Intercom conversation id (digits, e.g. ", el("code", {}, "215000006188"), ")"),
      el("li", {}, "an API key id (a UUID) or a FIX SenderCompID"),
      el("li", {}, "a person id from another page (", el("code", {}, "u_"), " and 12 hex digits)")
    ),
    el("p", {}, "The warehouse holds what was ingested up to the site's build: a wallet with no tickets, orders or on-chain activity in the watched set is not in it.")
  );
}

// ---------------------------------------------------------------------------------------------
// Timeline

function refCell(row: BucketRow): Node | string {
  if (row.tx_hash) return polygonscanTx(row.tx_hash);
  if (row.source === "intercom" && row.ref) return lookupLink(row.ref);
  return row.ref ? el("code", {}, row.ref) : "";
}

/** The timeline, newest first: errors in red with the exact error string, chain rows linked. */
export function timelineTable(rows: BucketRow[], {total, limit}: {total: number; limit: number}): HTMLElement {
  if (rows.length === 0) return el("p", {class: "empty", id: "timeline-empty"}, "No events match these filters.");
  const table = el(
    "table",
    {id: "timeline", class: "timeline"},
    el("thead", {}, el("tr", {}, ["Time (UTC)", "Source", "Event", "Detail", "Error", "Reference"].map((h) => el("th", {}, h)))),
    el(
      "tbody",
      {},
      rows.map((row) =>
        el(
          "tr",
          {class: `sev-${row.severity}`, "data-ref": row.ref ?? undefined, "data-source": row.source ?? undefined},
          el("td", {class: "ts"}, formatDateTime(row.ts).replace(" UTC", "")),
          el("td", {}, row.source ?? ""),
          el("td", {}, row.kind, row.count > 1 ? el("span", {class: "count"}, ` ×${formatCount(row.count)}`) : ""),
          el("td", {class: "summary"}, row.summary ?? "", row.address ? [" ", polygonscanAddress(row.address)] : ""),
          el("td", {class: "error"}, row.error ? el("code", {}, row.error) : ""),
          el("td", {class: "ref"}, refCell(row))
        )
      )
    )
  );
  // The table scrolls in its own box under a pinned header, so a person with hundreds of events
  // does not push the rest of the page out of reach.
  return el(
    "div",
    {class: "timeline-wrap"},
    total > rows.length ? el("p", {class: "matched"}, `Showing the newest ${formatCount(rows.length)} of ${formatCount(total)} events (limit ${formatCount(limit)}); narrow the filters to see older ones.`) : "",
    el("div", {class: "timeline-scroll"}, table)
  );
}

// ---------------------------------------------------------------------------------------------
// Balances

/** 6-decimal integer units (a decimal string, possibly negative) as a decimal number string. */
export function formatUnits(units: string): string {
  const negative = units.startsWith("-");
  const digits = (negative ? units.slice(1) : units).padStart(7, "0");
  const whole = digits.slice(0, -6).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const fraction = digits.slice(-6).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** On-chain vs implied per asset; a non-zero difference is explained by a diagnosis or flagged. */
export function balancesTable(rows: BucketRow[]): HTMLElement {
  if (rows.length === 0) return el("p", {class: "empty", id: "balances-empty"}, "No on-chain balances for this person's wallets in the warehouse (no chain ingest for them).");
  return el(
    "table",
    {id: "balances", class: "balances"},
    el("thead", {}, el("tr", {}, ["Wallet", "Asset", "Implied by history", "On chain", "Difference", "Status"].map((h) => el("th", {}, h)))),
    el(
      "tbody",
      {},
      rows.map((row) => {
        const detail = JSON.parse(row.detail ?? "{}") as BalanceDetail;
        const off = detail.difference !== "0";
        const status = !off ? "matches" : detail.explained_by ? `explained: ${detail.explained_by}` : "unexplained: check";
        return el(
          "tr",
          {class: off ? (detail.explained_by ? "sev-warning" : "sev-error") : "", "data-asset": row.kind},
          el("td", {}, row.address ? polygonscanAddress(row.address) : ""),
          el("td", {title: row.kind}, row.summary ?? row.kind),
          el("td", {class: "num"}, formatUnits(detail.implied)),
          el("td", {class: "num"}, formatUnits(detail.on_chain)),
          el("td", {class: "num"}, off ? formatUnits(detail.difference) : "0"),
          el("td", {title: detail.explanation ?? ""}, status)
        );
      })
    )
  );
}

// ---------------------------------------------------------------------------------------------
// Diagnoses

function evidenceLabel(ref: DiagnosisDetail["evidence"][number]): string {
  const key = Object.entries(ref.key)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
  return `${ref.table} ${key}${ref.note ? `: ${ref.note}` : ""}`;
}

/** One card per diagnosis, most confident first: evidence, the customer reply, the next step. */
export function diagnosisCards(rows: BucketRow[]): HTMLElement {
  if (rows.length === 0) {
    return el("p", {class: "empty", id: "diagnoses-empty"}, "No diagnosis: none of the playbooks' patterns shows in this person's data. Read the timeline for anything new.");
  }
  return el(
    "div",
    {id: "diagnoses"},
    rows.map((row) => {
      const d = JSON.parse(row.detail ?? "{}") as DiagnosisDetail;
      return el(
        "div",
        {class: "card diagnosis", "data-code": row.kind},
        el("h3", {}, row.summary ?? row.kind, " ", el("code", {}, row.kind), el("span", {class: "confidence"}, ` confidence ${Math.round(d.confidence * 100)}%`)),
        el("h4", {}, "Evidence"),
        el("ul", {class: "evidence"}, d.evidence.map((e) => el("li", {}, evidenceLabel(e)))),
        el("h4", {}, "Reply to the customer ", copyButton(d.customer_message)),
        el("blockquote", {class: "customer-message"}, d.customer_message),
        el("h4", {}, "Engineering next step"),
        el("p", {class: "next-step"}, d.engineering_next_step),
        el("p", {class: "matched"}, "Playbook: ", el("code", {}, d.playbook), d.ticket_ids.length ? [" · answers ", d.ticket_ids.map((t, i) => [i ? ", " : "", lookupLink(t)])] : "")
      );
    })
  );
}
