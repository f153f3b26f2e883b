/**
 * Redaction at ingest: secrets never reach the warehouse, a page, a report or a log.
 * API key ids and addresses are identifiers, not secrets, and are kept.
 */
export const REDACTED = "[REDACTED]";

/** Header and JSON field names whose values are secrets (compared case-insensitively). */
export const SECRET_FIELDS = [
  "poly_signature",
  "poly_passphrase",
  "authorization",
  "cookie",
  "set-cookie",
  "x-api-key-secret",
  "secret",
  "api_secret",
  "apisecret",
  "passphrase",
  "signature",
  "password",
  "private_key",
  "privatekey"
];
const SECRET_FIELD_SET = new Set(SECRET_FIELDS);

export function isSecretField(name: string): boolean {
  return SECRET_FIELD_SET.has(name.toLowerCase());
}

/** Deep copy of a parsed JSON value with every secret field's value replaced. */
export function redactValue<T>(value: T): T {
  if (Array.isArray(value)) return value.map(redactValue) as T;
  if (value === null || typeof value !== "object") return value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) copy[key] = isSecretField(key) ? REDACTED : redactValue(inner);
  return copy as T;
}

const fieldAlternation = SECRET_FIELDS.map((name) => name.replace(/[-_]/g, "[-_]?")).join("|");
const TEXT_PATTERNS: [RegExp, string][] = [
  // "POLY_SIGNATURE": "...", 'secret': '...', passphrase=...
  [new RegExp(`(["']?(?:${fieldAlternation})["']?\\s*[:=]\\s*)("[^"]*"|'[^']*'|(?:Bearer|Basic)\\s+[^\\s'",;]+|[^\\s,;&|}'"]+)`, "gi"), `$1"${REDACTED}"`],
  // Authorization: Bearer <token>
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`],
  // FIX Password (554) and RawData (96), with SOH or | separators
  // eslint-disable-next-line no-control-regex -- SOH (0x01) is FIX's field separator
  [/(^|[\x01|])(554|96)=[^\x01|]*/g, `$1$2=${REDACTED}`],
  // a wallet private key or seed named as such ("my private key is 0x..."); a bare 32-byte hex is a tx hash
  [/\b(private[\s_-]?key|priv[\s_-]?key|secret[\s_-]?key)\b([^0-9a-fA-F]{0,40})(0x)?[0-9a-fA-F]{64}\b/gi, `$1$2${REDACTED}`],
  // an EIP-712 / ECDSA signature pasted on its own (65 bytes)
  [/\b0x[0-9a-fA-F]{130}\b/g, REDACTED]
];

/** Redacts secrets inside free text: log lines, pasted messages, quarantined raw records. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of TEXT_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
