/**
 * Redaction as DuckDB SQL expressions, for values that never pass through JS on the fast path.
 * Same field list as loaders/redact.ts (SECRET_FIELDS, with its `[-_]?` spelling variants), so
 * a name added there is redacted here too. Values of secret fields become "[REDACTED]".
 */
import {REDACTED, SECRET_FIELDS} from "../redact.ts";

const NAMES = SECRET_FIELDS.map((name) => name.replace(/[-_]/g, "[-_]?")).join("|");
const sqlString = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** JSON text: `"...signature": <string|number|bool>` -> `"...signature":"[REDACTED]"` (keys ending in a secret name). */
const JSON_SCALAR = `("[^"\\\\]*(?:${NAMES})"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"|-?[0-9][0-9.eE+-]*|true|false)`;
/** A secret field holding an object or array: regex cannot redact it safely, JS must (redactValue). */
const JSON_NESTED = `"[^"\\\\]*(?:${NAMES})"\\s*:\\s*[\\[{]`;

export function sqlRedactJson(expr: string): string {
  return `regexp_replace(${expr}, ${sqlString(`(?i)${JSON_SCALAR}`)}, ${sqlString(`\\1"${REDACTED}"`)}, 'g')`;
}

/** True when the JSON text holds a secret field whose value is an object or array. */
export function sqlJsonNeedsDeepRedaction(expr: string): string {
  return `regexp_matches(${expr}, ${sqlString(`(?i)${JSON_NESTED}`)})`;
}

/** URL query strings: `signature=...&x=1` -> `signature=[REDACTED]&x=1`. */
export function sqlRedactQuery(expr: string): string {
  return `regexp_replace(${expr}, ${sqlString(`(?i)((?:^|[&?;])[^&=;]*(?:${NAMES})=)[^&;]*`)}, ${sqlString(`\\1${REDACTED}`)}, 'g')`;
}

/** Free text (error messages, close reasons): the same patterns as redactText. */
export function sqlRedactText(expr: string): string {
  let out = expr;
  out = `regexp_replace(${out}, ${sqlString(`(?i)(["']?(?:${NAMES})["']?\\s*[:=]\\s*)("[^"]*"|'[^']*'|[^\\s,;&|}]+)`)}, ${sqlString(`\\1"${REDACTED}"`)}, 'g')`;
  out = `regexp_replace(${out}, ${sqlString(`\\b(Bearer|Basic)\\s+[A-Za-z0-9._~+/=-]{8,}`)}, ${sqlString(`\\1 ${REDACTED}`)}, 'g')`;
  out = `regexp_replace(${out}, ${sqlString(`\\b0x[0-9a-fA-F]{130}\\b`)}, ${sqlString(REDACTED)}, 'g')`;
  return out;
}
