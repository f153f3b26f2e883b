/**
 * The ticket category taxonomy (docs/taxonomy.md) and the one place categories are assigned.
 *
 * A ticket's category is, in order of precedence:
 *   1. its tags: a tag naming a category (normalised, see normaliseTag) wins; several -> the first
 *      in CATEGORIES order;
 *   2. its text (title + opening message, lower-case): the API's verbatim error strings, then
 *      specific keywords, each tier checked across categories in CATEGORIES order;
 *   3. its linked API errors: the user's most frequent API error in the 24 hours before the ticket,
 *      found through the ticket's wallet (or a wallet the same email gave on another ticket) in
 *      api_requests.address / maker / signer, classified by its message, else its HTTP status;
 *   4. broad hint words in its text;
 *   5. `other`.
 * `recategorize(warehouse)` applies all of it as one SQL UPDATE; `categorize()` is the same rules
 * without step 3, for code that has a ticket in hand.
 */
import type {Warehouse} from "./warehouse/connection.ts";

export const CATEGORY_IDS = [
  "api_auth",
  "balance_allowance",
  "order_validation",
  "rate_limit",
  "engine_restart",
  "api_outage",
  "websocket",
  "fix_session",
  "deposit_withdrawal",
  "positions_redemption",
  "resolution_dispute",
  "account_geoblock",
  "other"
] as const;

export type CategoryId = (typeof CATEGORY_IDS)[number];

export interface Category {
  id: CategoryId;
  label: string;
  description: string;
  /** Tag names that assign the category, normalised (lower-case, non-alphanumeric runs as "_"). */
  tags: string[];
  /** Fragments of the API's own error messages (lower-case), matched anywhere in the text. */
  errors: string[];
  /** Specific phrases, matched as whole words. */
  keywords: string[];
  /** Broad words, matched as whole words, used only after linked API errors found nothing. */
  hints: string[];
  /**
   * HTTP statuses: they classify a linked API error whose message matched nothing, and count as
   * keywords when the text names them as statuses (statusPhrases: "HTTP 425", "425 error", ...).
   */
  statuses: number[];
}

/** In precedence order: the first category whose rule matches wins within each step. */
export const CATEGORIES: readonly Category[] = [
  {
    id: "engine_restart",
    label: "Matching-engine restart / trading halt",
    description:
      "HTTP 425 while the matching engine restarts (weekly, about 90 s, then two minutes post-only), " +
      "and 503 trading disabled / cancel-only.",
    tags: ["engine_restart", "matching_engine", "matching_engine_restart", "restart", "425", "trading_halt", "trading_disabled", "cancel_only", "maintenance"],
    errors: ["trading is currently disabled", "trading is currently cancel-only"],
    keywords: [
      "too early", "matching engine", "engine restart", "engine restarting", "restarting", "trading halted",
      "trading disabled", "cancel-only", "cancel only"
    ],
    hints: ["maintenance", "downtime"],
    statuses: [425, 503]
  },
  {
    id: "api_outage",
    label: "API outage / 5xx",
    description: "Server errors (500, 502, 504), timeouts and unplanned unavailability of the REST API outside a matching-engine restart.",
    tags: ["api_outage", "api_outage_5xx", "outage", "5xx", "server_error", "incident"],
    errors: ["internal server error", "bad gateway", "gateway timeout"],
    keywords: ["5xx", "server error", "internal error", "outage", "timed out", "timeouts", "timeout", "is down", "api down"],
    hints: ["down", "unavailable", "not responding"],
    statuses: [500, 502, 504]
  },
  {
    id: "rate_limit",
    label: "Rate limit",
    description: "HTTP 429 / `Too Many Requests`, Cloudflare throttling of bursts.",
    tags: ["rate_limit", "rate_limits", "ratelimit", "rate_limited", "throttling"],
    errors: ["too many requests"],
    keywords: ["rate limit", "rate limits", "rate limited", "rate-limit", "rate-limited", "ratelimit", "throttled", "throttling"],
    hints: ["throttle"],
    statuses: [429]
  },
  {
    id: "fix_session",
    label: "FIX session",
    description: "FIX logon rejects, sequence gaps and resend storms, heartbeats, checksum/body-length errors.",
    tags: ["fix_session", "fix", "fix_api", "fix_connectivity", "fix_logon"],
    errors: [],
    keywords: [
      "fix session", "fix logon", "fix api", "fix connection", "fix gateway", "fix protocol", "fix engine", "fixt.1.1",
      "35=a", "logon", "resendrequest", "resend request", "sequencereset", "sequence reset", "msgseqnum", "seqnum",
      "sequence gap", "heartbtint", "testrequest", "sendercompid", "targetcompid", "quickfix"
    ],
    hints: [],
    statuses: []
  },
  {
    id: "websocket",
    label: "WebSocket",
    description: "Market / user channel: silent sockets with PONGs but no data, missing initial book, 1006/1008 closes.",
    tags: ["websocket", "websockets", "ws", "wss", "market_data", "market_data_feed"],
    errors: [],
    keywords: [
      "websocket", "websockets", "web socket", "ws/market", "ws/user", "wss", "price_change", "last_trade_price",
      "tick_size_change", "close code", "code 1006", "1006 close", "close 1006", "code 1008", "1008 close", "close 1008",
      "stopped receiving"
    ],
    hints: ["socket", "subscribe", "subscription", "feed", "ping", "pong", "stream"],
    statuses: []
  },
  {
    id: "account_geoblock",
    label: "Account / geoblock",
    description: "Cloudflare 403 (`Attention Required!`), geo/IP blocking, banned or closed-only addresses, login and KYC.",
    tags: ["account_geoblock", "geoblock", "geo_block", "geoblocking", "geoblocked", "account", "account_access", "kyc", "login"],
    errors: ["address banned", "address in closed only mode", "attention required"],
    keywords: [
      "geoblock", "geoblocked", "geo-block", "geo-blocked", "geo block", "geo-restricted", "restricted region",
      "restricted country", "vpn", "cloudflare", "forbidden", "banned", "closed only mode", "close only mode",
      "kyc", "account locked", "account suspended", "account disabled", "locked out", "2fa", "two-factor"
    ],
    hints: ["login", "log in", "sign in", "account", "country", "region"],
    statuses: [403]
  },
  {
    id: "api_auth",
    label: "API auth / signature",
    description:
      "401s, L1/L2 headers, API keys (new creds invalid for about two minutes), order signatures: signature " +
      "type / funder / signer mismatches (`invalid signature`, `maker address not allowed...`).",
    tags: ["api_auth", "auth", "authentication", "api_key", "api_keys", "signature", "invalid_signature", "api_auth_signature", "l2_auth"],
    errors: [
      "invalid api key", "invalid l1 request headers", "has to be the owner of the api key",
      "has to be the address of the api key", "invalid signature", "maker address not allowed"
    ],
    keywords: [
      "unauthorized", "unauthorised", "api key", "api keys", "api creds", "api credentials", "signature type",
      "signaturetype", "signature_type", "poly_signature", "poly_address", "poly_api_key", "hmac", "passphrase",
      "l1 headers", "l2 headers", "derive api key", "create api key"
    ],
    hints: ["auth", "authentication", "signature", "credentials", "signer", "funder"],
    statuses: [401]
  },
  {
    id: "balance_allowance",
    label: "Balance / allowance",
    description: "`not enough balance / allowance`, balance showing 0 (wrong funder, missing approval, stale cache).",
    tags: ["balance_allowance", "balance", "allowance", "balance_zero"],
    errors: ["not enough balance"],
    keywords: [
      "allowance", "allowances", "balance-allowance", "balance allowance", "balance shows 0", "balance is 0",
      "balance of 0", "balance 0", "zero balance", "balance is zero", "insufficient balance", "insufficient funds",
      "setapprovalforall"
    ],
    hints: ["balance", "approve", "approval"],
    statuses: []
  },
  {
    id: "order_validation",
    label: "Order validation",
    description: "Orders rejected by the API: tick size, minimum size, precision, post-only, FOK/FAK, expiration, nonce, V1 -> V2 order version.",
    tags: ["order_validation", "order_rejected", "order_error", "orders", "invalid_order", "tick_size", "precision"],
    errors: [
      "invalid order payload", "breaks minimum tick size rule", "lower than the minimum", "is invalid. duplicated",
      "invalid nonce", "invalid expiration", "invalid post-only order", "crosses book", "fully filled or killed",
      "partially filled or killed", "too many orders in payload", "invalid amounts", "max accuracy",
      "invalid order version", "order canceled in the ctf exchange contract", "order match delayed",
      "not yet ready to process new orders"
    ],
    keywords: [
      "tick size", "tick_size", "min_order_size", "minimum size", "minimum order", "invalid order", "order rejected",
      "rejected order", "post-only", "post only", "fok", "fak", "gtd", "expiration", "nonce", "precision",
      "decimals", "order version", "makeramount", "takeramount"
    ],
    hints: ["order", "orders", "price", "size", "fill", "filled"],
    statuses: [400]
  },
  {
    id: "resolution_dispute",
    label: "Market resolution dispute",
    description: "A market resolved wrongly or not at all: UMA proposals and disputes, 50/50s, clarifications, rules.",
    tags: ["resolution_dispute", "resolution", "dispute", "disputes", "market_resolution", "uma"],
    errors: [],
    keywords: [
      "dispute", "disputed", "disputing", "uma", "oracle", "resolved incorrectly", "incorrectly resolved",
      "wrong outcome", "wrong resolution", "resolved wrong", "misresolved", "mis-resolved", "resolution source",
      "50/50", "clarification", "market rules"
    ],
    hints: ["resolution", "resolved", "resolve", "outcome", "rules"],
    statuses: []
  },
  {
    id: "positions_redemption",
    label: "Positions and redemption",
    description: "Missing or wrong positions, redeeming winning shares, merges and splits.",
    tags: ["positions_redemption", "positions", "position", "redemption", "redemptions", "redeem"],
    errors: [],
    keywords: [
      "redeem", "redeemed", "redeeming", "redemption", "redeemable", "winnings", "claim", "payout", "paid out",
      "position missing", "missing position", "positions missing", "missing shares", "shares missing", "merge", "split"
    ],
    hints: ["position", "positions", "shares"],
    statuses: []
  },
  {
    id: "deposit_withdrawal",
    label: "Deposit / withdrawal",
    description: "Funds not arriving or not leaving: deposits, withdrawals, bridges, USDC.e / pUSD transfers.",
    tags: ["deposit_withdrawal", "deposit", "deposits", "withdrawal", "withdrawals", "withdraw", "bridge", "funding"],
    errors: [],
    keywords: ["deposit", "deposits", "deposited", "withdraw", "withdrawal", "withdrawals", "withdrew", "bridge", "bridged", "usdc.e"],
    hints: ["usdc", "pusd", "funds", "transfer", "transaction", "tx"],
    statuses: []
  },
  {
    id: "other",
    label: "Other",
    description: "Everything else (feature requests, general questions).",
    tags: ["other", "general", "misc"],
    errors: [],
    keywords: [],
    hints: [],
    statuses: []
  }
];

const BY_ID = new Map(CATEGORIES.map((category) => [category.id, category]));

/**
 * API answers that are trading outcomes, not problems: a user complaining about them says so in
 * the text (step 2), but as background traffic they would drown the errors that do explain a ticket.
 */
export const BENIGN_API_OUTCOMES = [
  "order match delayed",
  "fok orders are fully filled or killed",
  "fak orders are partially filled or killed",
  "no orders found to match with fak order"
];

export function category(id: CategoryId): Category {
  return BY_ID.get(id)!;
}

/** "Category: API Auth" -> "api_auth"; prefixes category/cat/topic/type are dropped. */
export function normaliseTag(tag: string): string {
  return tag
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .replace(/^(category|cat|topic|type)_/, "");
}

const SQL_NORMALISE_TAG = (expr: string) =>
  `regexp_replace(regexp_replace(regexp_replace(lower(${expr}), '[^a-z0-9]+', '_', 'g'), '^_+|_+$', '', 'g'), '^(category|cat|topic|type)_', '')`;

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");

/** One regex for a list of phrases: `errors` match anywhere, words on word boundaries. */
function pattern(phrases: string[], wholeWords: boolean): string | undefined {
  if (phrases.length === 0) return undefined;
  const parts = phrases.map((phrase) => {
    const body = escapeRegex(phrase.toLowerCase());
    if (!wholeWords) return body;
    return `${/^\w/.test(phrase) ? "\\b" : ""}${body}${/\w$/.test(phrase) ? "\\b" : ""}`;
  });
  return `(?:${parts.join("|")})`;
}

type Tier = "errors" | "keywords" | "hints";
const TIER_WHOLE_WORDS: Record<Tier, boolean> = {errors: false, keywords: true, hints: true};

/** How text names a status code ("500 USDC" must not read as HTTP 500). */
export function statusPhrases(status: number): string[] {
  return [
    `http ${status}`, `${status} error`, `error ${status}`, `error code ${status}`, `status ${status}`, `status code ${status}`,
    `code ${status}`, `returns ${status}`, `returned ${status}`, `returning ${status}`, `got ${status}`, `get ${status}`,
    `getting ${status}`, `got a ${status}`, `${status} response`, `${status} responses`, `${status}s`
  ];
}

/** [category, regex source] pairs of one tier, in precedence order. */
function tierPatterns(tier: Tier): [CategoryId, string][] {
  const out: [CategoryId, string][] = [];
  for (const cat of CATEGORIES) {
    const phrases = tier === "keywords" ? [...cat.keywords, ...cat.statuses.flatMap(statusPhrases)] : cat[tier];
    const source = pattern(phrases, TIER_WHOLE_WORDS[tier]);
    if (source) out.push([cat.id, source]);
  }
  return out;
}

const JS_PATTERNS = {
  errors: tierPatterns("errors").map(([id, source]) => [id, new RegExp(source)] as const),
  keywords: tierPatterns("keywords").map(([id, source]) => [id, new RegExp(source)] as const),
  hints: tierPatterns("hints").map(([id, source]) => [id, new RegExp(source)] as const)
};

function matchTier(tier: Tier, text: string): CategoryId | undefined {
  const lower = text.toLowerCase();
  return JS_PATTERNS[tier].find(([, regex]) => regex.test(lower))?.[0];
}

export function categoryForTags(tags: readonly string[]): CategoryId | undefined {
  const normalised = new Set(tags.map(normaliseTag));
  return CATEGORIES.find((cat) => cat.tags.some((tag) => normalised.has(tag)))?.id;
}

/** Step 2: error strings, then keywords. */
export function categoryForText(text: string): CategoryId | undefined {
  return matchTier("errors", text) ?? matchTier("keywords", text);
}

/** Step 3's classifier: an API error message, else its HTTP status. */
export function categoryForApiError(message: string | null | undefined, status: number | null | undefined): CategoryId | undefined {
  const byText = message ? categoryForText(message) : undefined;
  if (byText) return byText;
  return CATEGORIES.find((cat) => status !== null && status !== undefined && cat.statuses.includes(status))?.id;
}

/** Steps 1, 2, 4 and 5 (no API linking) for a ticket in hand. */
export function categorize(ticket: {tags?: readonly string[] | null; title?: string | null; first_message?: string | null}): CategoryId {
  const text = `${ticket.title ?? ""} ${ticket.first_message ?? ""}`;
  return categoryForTags(ticket.tags ?? []) ?? categoryForText(text) ?? matchTier("hints", text) ?? "other";
}

// ---- SQL

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

function sqlTextCase(tiers: Tier[], expr: string): string {
  const whens = tiers.flatMap((tier) =>
    tierPatterns(tier).map(([id, source]) => `WHEN regexp_matches(${expr}, ${quote(source)}) THEN ${quote(id)}`)
  );
  return `CASE ${whens.join(" ")} END`;
}

function sqlTagCase(expr: string): {cat: string; rank: string} {
  const whens = CATEGORIES.map((cat, rank) => [`${expr} IN (${cat.tags.map(quote).join(", ")})`, cat.id, rank] as const);
  return {
    cat: `CASE ${whens.map(([cond, id]) => `WHEN ${cond} THEN ${quote(id)}`).join(" ")} END`,
    rank: `CASE ${whens.map(([cond, , rank]) => `WHEN ${cond} THEN ${rank}`).join(" ")} END`
  };
}

function sqlStatusCase(expr: string): string {
  const whens = CATEGORIES.flatMap((cat) => cat.statuses.map((status) => `WHEN ${expr} = ${status} THEN ${quote(cat.id)}`));
  return `CASE ${whens.join(" ")} END`;
}

/**
 * The taxonomy's API-error classifier as a SQL macro, so views classify errors with the very rules
 * categoryForApiError applies (error strings and keywords, then the HTTP status). schema.ts
 * creates it before the views.
 */
export function apiErrorCategoryMacro(): string {
  const text = "lower(coalesce(message, ''))";
  return `CREATE OR REPLACE MACRO api_error_category(message, status) AS coalesce(${sqlTextCase(["errors", "keywords"], text)}, ${sqlStatusCase("status")}, 'other')`;
}

export interface RecategorizeScope {
  /** Only tickets written by this ingest run (plus any ticket still uncategorised). */
  runId?: number;
}

/**
 * Assigns every ticket in scope its category in one UPDATE (idempotent; rows whose category does
 * not change are not written). Works whether or not api_requests has rows. Returns rows changed.
 */
export async function recategorize(warehouse: Warehouse, scope: RecategorizeScope = {}): Promise<number> {
  const hasApi = await warehouse.one(
    "SELECT 1 FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'api_requests'"
  );
  const tag = sqlTagCase(SQL_NORMALISE_TAG("tag"));
  const where = scope.runId === undefined ? "true" : `category IS NULL OR run_id = ${Number(scope.runId)}`;
  const benign = BENIGN_API_OUTCOMES.map((text) => `contains(lower(coalesce(r.error_message, '')), ${quote(text)})`).join(" OR ");
  const isError = `(r.status >= 400 OR coalesce(r.error_message, '') <> '') AND NOT (${benign})`;
  const linked = (column: string) =>
    `SELECT w.ticket_id, r.request_id, r.ts, r.status, r.error_message FROM wallets w
       JOIN api_requests r ON r.${column} = w.wallet AND r.ts >= w.created_at - INTERVAL 24 HOUR AND r.ts < w.created_at
       WHERE ${isError}`;
  const apiSteps = hasApi
    ? `
    need_api AS (
      SELECT s.ticket_id, s.created_at, s.user_wallet, s.email FROM scope s
      LEFT JOIN by_tag USING (ticket_id) LEFT JOIN by_text USING (ticket_id)
      WHERE by_tag.cat IS NULL AND by_text.strong IS NULL),
    wallets AS (
      SELECT ticket_id, created_at, user_wallet AS wallet FROM need_api WHERE user_wallet IS NOT NULL
      UNION
      SELECT n.ticket_id, n.created_at, o.user_wallet FROM need_api n
        JOIN tickets o ON lower(o.user_email) = n.email AND o.user_wallet IS NOT NULL
        WHERE n.user_wallet IS NULL AND n.email IS NOT NULL),
    linked AS (${linked("address")} UNION ${linked("maker")} UNION ${linked("signer")}),
    error_counts AS (
      SELECT ticket_id, coalesce(nullif(error_message, ''), 'HTTP ' || status) AS error_key,
        any_value(error_message) AS message, mode(status) AS status, count(*) AS n, max(ts) AS last_ts
      FROM linked GROUP BY ticket_id, error_key),
    top_error AS (
      SELECT * FROM error_counts
      QUALIFY row_number() OVER (PARTITION BY ticket_id ORDER BY n DESC, last_ts DESC, error_key) = 1),
    by_api AS (
      SELECT ticket_id, coalesce(${sqlTextCase(["errors", "keywords"], "lower(coalesce(message, ''))")},
        ${sqlStatusCase("status")}) AS cat
      FROM top_error),`
    : `
    by_api AS (SELECT NULL::VARCHAR AS ticket_id, NULL::VARCHAR AS cat WHERE false),`;
  const rows = await warehouse.all<{Count: bigint}>(`
    UPDATE tickets SET category = c.category FROM (
      WITH
      scope AS (
        SELECT ticket_id, created_at, tags, user_wallet, lower(user_email) AS email,
          lower(coalesce(title, '') || ' ' || coalesce(first_message, '')) AS text
        FROM tickets WHERE ${where}),
      by_tag AS (
        SELECT ticket_id, arg_min(cat, rank) AS cat FROM (
          SELECT ticket_id, ${tag.cat} AS cat, ${tag.rank} AS rank FROM scope, unnest(tags) AS u(tag))
        WHERE cat IS NOT NULL GROUP BY ticket_id),
      by_text AS (
        SELECT ticket_id, ${sqlTextCase(["errors", "keywords"], "text")} AS strong, ${sqlTextCase(["hints"], "text")} AS hint
        FROM scope),
      ${apiSteps}
      categorised AS (
        SELECT s.ticket_id, coalesce(by_tag.cat, by_text.strong, by_api.cat, by_text.hint, 'other') AS category
        FROM scope s
        LEFT JOIN by_tag USING (ticket_id) LEFT JOIN by_text USING (ticket_id) LEFT JOIN by_api USING (ticket_id))
      SELECT * FROM categorised
    ) c
    WHERE tickets.ticket_id = c.ticket_id AND tickets.category IS DISTINCT FROM c.category`);
  return Number(rows[0]?.Count ?? 0);
}

// ---- documentation

/**
 * The rule tables of docs/taxonomy.md, generated from CATEGORIES (a test keeps the page in step).
 * Regenerate: npx tsx -e 'import("./loaders/taxonomy.ts").then((m) => console.log(m.taxonomyMarkdown()))'
 */
export function taxonomyMarkdown(): string {
  const code = (items: readonly (string | number)[]) => (items.length ? items.map((item) => `\`${item}\``).join(", ") : "-");
  const lines = [
    "| id | category | what belongs here |",
    "|---|---|---|",
    ...CATEGORIES.map((cat) => `| \`${cat.id}\` | ${cat.label} | ${cat.description.replace(/\|/g, "\\|")} |`),
    "",
    "| id | tags (normalised) | API error strings | keywords | hints | HTTP statuses |",
    "|---|---|---|---|---|---|",
    ...CATEGORIES.map(
      (cat) =>
        `| \`${cat.id}\` | ${code(cat.tags)} | ${code(cat.errors)} | ${code(cat.keywords)} | ${code(cat.hints)} | ${code(cat.statuses)} |`
    )
  ];
  return lines.join("\n");
}
