/**
 * Any identifier a support engineer has in hand -> the person behind it and all their identities.
 * Each kind of identifier is recognised by its shape, then resolved through the tables that carry
 * it to an identifier the `identities` view links to a person (docs/investigate.md, "Lookup").
 */
import {WorkbenchError} from "../../loaders/errors.ts";
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import type {IdentifierKind, Identity} from "./types.ts";

export class IdentifierNotFoundError extends WorkbenchError {
  constructor(identifier: string, kind: IdentifierKind, searched: string) {
    super(`no person found for ${kind} "${identifier}" (searched ${searched}); check for typos, or try another identifier (email, wallet, ticket id, API key)`);
  }
}

export class AmbiguousIdentifierError extends WorkbenchError {
  constructor(
    identifier: string,
    readonly candidates: {person_id: string; via: string}[]
  ) {
    super(
      `"${identifier}" belongs to ${candidates.length} people: ` +
        candidates.map((c) => `${c.person_id} (via ${c.via})`).join(", ") +
        "; investigate one of them by its person id"
    );
  }
}

export class UnrecognisedIdentifierError extends WorkbenchError {
  constructor(identifier: string) {
    super(
      `"${identifier}" is not an identifier the workbench knows: expected an address or transaction / order hash (0x…), ` +
        "an email, an Intercom conversation id (digits), an API key id (UUID), a request id (req_…), a person id (u_…), " +
        "or a FIX SenderCompID / ClOrdID"
    );
  }
}

const ADDRESS = /^0x[0-9a-f]{40}$/;
const HASH = /^0x[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** SQL giving (node_kind, node_value, via) rows: identifiers the identities view knows, for `$1`. */
interface Resolver {
  kind: IdentifierKind;
  searched: string;
  sql: string;
}

const fromAddresses = (select: string) => `SELECT 'address' AS node_kind, a AS node_value FROM (${select}) t(a) WHERE a IS NOT NULL`;

const TX_ADDRESSES = `
  SELECT from_address FROM chain_transfers WHERE tx_hash = $1 UNION SELECT to_address FROM chain_transfers WHERE tx_hash = $1
  UNION SELECT from_address FROM chain_position_transfers WHERE tx_hash = $1 UNION SELECT to_address FROM chain_position_transfers WHERE tx_hash = $1
  UNION SELECT maker FROM chain_fills WHERE tx_hash = $1 UNION SELECT stakeholder FROM chain_splits WHERE tx_hash = $1
  UNION SELECT redeemer FROM chain_redemptions WHERE tx_hash = $1`;

function resolverFor(identifier: string): {value: string; resolvers: Resolver[]} {
  const lower = identifier.trim().toLowerCase();
  if (ADDRESS.test(lower))
    return {
      value: lower,
      resolvers: [
        {kind: "address", searched: "identities", sql: fromAddresses("SELECT $1")},
        // a funder seen only on chain (never as an order maker): its EOA, linked by CREATE2 derivation
        {kind: "address", searched: "chain_wallets", sql: fromAddresses("SELECT address FROM chain_wallets WHERE trading_wallet = $1")}
      ]
    };
  if (HASH.test(lower))
    return {
      value: lower,
      resolvers: [
        {
          kind: "order",
          // a rejected order has no orderID: its hash is only in the error ("order 0x… is invalid. …")
          searched: "api_requests.order_id and error messages, chain_fills.order_hash",
          sql: fromAddresses(`SELECT coalesce(maker, address) FROM api_requests WHERE order_id = $1 OR contains(error_message, $1)
                              UNION SELECT maker FROM chain_fills WHERE order_hash = $1`)
        },
        {kind: "transaction", searched: "chain transfers, fills, splits, redemptions", sql: fromAddresses(TX_ADDRESSES)}
      ]
    };
  if (lower.includes("@")) return {value: lower, resolvers: [{kind: "email", searched: "identities", sql: "SELECT 'email', $1"}]};
  if (/^u_[0-9a-f]{12}$/.test(lower)) return {value: lower, resolvers: [{kind: "person", searched: "users", sql: "SELECT 'person', $1"}]};
  if (/^\d+$/.test(lower))
    return {
      value: lower,
      resolvers: [
        {
          kind: "ticket",
          searched: "tickets",
          sql: `SELECT 'email', lower(user_email) FROM tickets WHERE ticket_id = $1 AND user_email IS NOT NULL
                UNION ALL SELECT 'address', user_wallet FROM tickets WHERE ticket_id = $1 AND user_wallet IS NOT NULL`
        }
      ]
    };
  if (UUID.test(lower)) return {value: lower, resolvers: [{kind: "api_key", searched: "identities", sql: "SELECT 'api_key', $1"}]};
  if (/^req_/i.test(identifier.trim()))
    return {
      value: identifier.trim(),
      resolvers: [{kind: "request", searched: "api_requests", sql: fromAddresses("SELECT address FROM api_requests WHERE request_id = $1 UNION SELECT maker FROM api_requests WHERE request_id = $1")}]
    };
  if (/^[A-Za-z0-9_.-]+$/.test(identifier.trim()))
    return {
      value: identifier.trim(),
      resolvers: [
        {kind: "fix_session", searched: "identities (FIX sessions)", sql: "SELECT 'fix_session', $1"},
        {
          kind: "fix_cl_ord_id",
          searched: "fix_messages.cl_ord_id",
          sql: "SELECT DISTINCT 'fix_session', session_id FROM fix_messages WHERE cl_ord_id = $1 OR orig_cl_ord_id = $1"
        }
      ]
    };
  throw new UnrecognisedIdentifierError(identifier);
}

type Match = {
  person_id: string;
  kind: IdentifierKind;
  via: string;
};

/** The person an identifier belongs to. Throws IdentifierNotFoundError / AmbiguousIdentifierError. */
export async function resolvePerson(warehouse: Warehouse, identifier: string): Promise<{person_id: string; kind: IdentifierKind; value: string}> {
  const {value, resolvers} = resolverFor(identifier);
  for (const resolver of resolvers) {
    const matches =
      resolver.kind === "person"
        ? await warehouse.all<Match>("SELECT DISTINCT person_id, 'person' AS kind, person_id AS via FROM identities WHERE person_id = $1", [value])
        : await warehouse.all<Match>(
            `WITH nodes AS (${resolver.sql})
             SELECT i.person_id, min(i.kind || ' ' || i.value) AS via FROM nodes n(node_kind, node_value)
               JOIN identities i ON i.kind = n.node_kind AND i.value = n.node_value GROUP BY i.person_id ORDER BY i.person_id`,
            [value]
          );
    if (matches.length === 1) return {person_id: matches[0].person_id, kind: resolver.kind, value};
    if (matches.length > 1) throw new AmbiguousIdentifierError(identifier, matches.map((m) => ({person_id: m.person_id, via: m.via})));
  }
  throw new IdentifierNotFoundError(identifier, resolvers[0].kind, resolvers.map((r) => r.searched).join("; "));
}

/** signatureType each wallet type (as the users view names it) requires. */
const SIGNATURE_TYPES: Record<string, number> = {EOA: 0, proxy: 1, Safe: 2, "deposit wallet": 3};
/** chain_wallet_links.wallet_type as the users view names it. */
const LINKED_WALLET_TYPES: Record<string, string> = {proxy: "proxy", safe: "Safe", deposit_wallet: "deposit wallet"};

/**
 * The person's identities. The wallet type is the users view's (views/010_users.sql: the CREATE2
 * link of the funder to the EOA when the chain loader derived one, else the signatureType of the
 * funder's accepted orders). A funder seen only on chain (linked to one of the person's addresses
 * in chain_wallets, never in an order or ticket) is not among the view's identities: its link's
 * type is taken here.
 */
export async function loadIdentity(warehouse: Warehouse, match: {person_id: string; kind: IdentifierKind; value: string}): Promise<Identity> {
  const row = await warehouse.one<{
    emails: string[] | null;
    eoas: string[] | null;
    funders: string[] | null;
    addresses: string[] | null;
    api_keys: string[] | null;
    fix_sessions: string[] | null;
    wallet_type: string | null;
    tier: string | null;
  }>("SELECT emails, eoas, funders, addresses, api_keys, fix_sessions, wallet_type, tier FROM users WHERE person_id = $1", [match.person_id]);
  if (!row) throw new IdentifierNotFoundError(match.value, match.kind, "users");
  const linked = await warehouse.all<{address: string; funder: string; wallet_type: string | null}>(
    `SELECT DISTINCT w.address, w.trading_wallet AS funder, l.wallet_type FROM chain_wallets w
       LEFT JOIN chain_wallet_links l ON l.funder = w.trading_wallet AND l.owner = w.address
      WHERE w.address IN (SELECT unnest($1::VARCHAR[])) AND w.trading_wallet <> w.address ORDER BY 1, 2`,
    [JSON.stringify(row.addresses ?? [])]
  );
  const addresses = [...new Set([...(row.addresses ?? []), ...linked.map((l) => l.funder)])].sort();
  const funder = row.funders?.[0] ?? linked[0]?.funder ?? addresses.find((a) => !(row.eoas ?? []).includes(a)) ?? null;
  const eoa = row.eoas?.[0] ?? linked[0]?.address ?? funder;
  const chainOnly = linked.find((l) => l.funder === funder && !(row.addresses ?? []).includes(l.funder));
  const walletType = row.wallet_type ?? LINKED_WALLET_TYPES[chainOnly?.wallet_type ?? ""] ?? null;
  const tickets = await warehouse.all<{ticket_id: string}>(
    `SELECT ticket_id FROM tickets WHERE lower(user_email) IN (SELECT unnest($1::VARCHAR[])) OR user_wallet IN (SELECT unnest($2::VARCHAR[]))
      ORDER BY created_at DESC`,
    [JSON.stringify(row.emails ?? []), JSON.stringify(addresses)]
  );
  return {
    person_id: match.person_id,
    eoa,
    funder,
    wallet_type: walletType,
    expected_signature_type: walletType ? SIGNATURE_TYPES[walletType] : null,
    emails: row.emails ?? [],
    addresses,
    api_keys: row.api_keys ?? [],
    fix_sessions: row.fix_sessions ?? [],
    tier: row.tier,
    ticket_ids: tickets.map((t) => t.ticket_id),
    matched: {kind: match.kind, value: match.value}
  };
}

export async function lookup(warehouse: Warehouse, identifier: string): Promise<Identity> {
  return loadIdentity(warehouse, await resolvePerson(warehouse, identifier));
}
