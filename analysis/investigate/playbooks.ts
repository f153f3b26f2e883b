/**
 * Root-cause codes and their playbooks. The prose lives once, in docs/playbooks/<code>.md; this
 * module reads each playbook's title, customer reply and engineering next step from there, so the
 * docs and what the workbench tells an agent cannot drift apart.
 */
import {readFileSync} from "node:fs";
import {fileURLToPath} from "node:url";
import {WorkbenchError} from "../../loaders/errors.ts";

export const ROOT_CAUSE_CODES = [
  "signature_type_mismatch",
  "missing_allowance",
  "stale_balance_cache",
  "tick_size_precision",
  "min_size",
  "fok_killed",
  "post_only_crossing",
  "matching_engine_restart",
  "order_outage",
  "rate_limited",
  "geoblocked",
  "api_key_not_yet_valid",
  "ws_silent_feed",
  "fix_sequence_gap",
  "fix_checksum_error",
  "deposit_to_eoa",
  "unredeemed_winnings",
  "disputed_resolution",
  "legacy_client_version"
] as const;

export type RootCauseCode = (typeof ROOT_CAUSE_CODES)[number];

export interface Playbook {
  code: RootCauseCode;
  title: string;
  customer_message: string;
  engineering_next_step: string;
  /** Repository-relative path of the prose playbook. */
  doc: string;
}

export class PlaybookFormatError extends WorkbenchError {
  constructor(doc: string, missing: string) {
    super(`${doc}: playbook has no "${missing}" (see docs/playbooks/README.md for the sections every playbook needs)`);
  }
}

export class UnknownRootCauseError extends WorkbenchError {
  constructor(code: string) {
    super(`unknown root-cause code "${code}"; known codes: ${ROOT_CAUSE_CODES.join(", ")}`);
  }
}

const PLAYBOOK_DIR = fileURLToPath(new URL("../../docs/playbooks/", import.meta.url));

/** `## Heading` -> the text under it, up to the next `## ` heading. */
function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const chunk of markdown.split(/^## /m).slice(1)) {
    const newline = chunk.indexOf("\n");
    out.set(chunk.slice(0, newline).trim().toLowerCase(), chunk.slice(newline + 1).trim());
  }
  return out;
}

/** Markdown prose as plain text: quote markers gone, hard-wrapped lines joined, paragraphs kept. */
const prose = (text: string) =>
  text
    .replace(/^> ?/gm, "")
    .trim()
    .replace(/([^\n])\n(?!\n)/g, "$1 ");

function parsePlaybook(code: RootCauseCode): Playbook {
  const doc = `docs/playbooks/${code}.md`;
  const markdown = readFileSync(`${PLAYBOOK_DIR}${code}.md`, "utf8");
  const title = /^# (.+)$/m.exec(markdown)?.[1].trim();
  if (!title) throw new PlaybookFormatError(doc, "# title");
  const parts = sections(markdown);
  const reply = parts.get("customer reply");
  if (!reply) throw new PlaybookFormatError(doc, "## Customer reply");
  const next = parts.get("engineering next step");
  if (!next) throw new PlaybookFormatError(doc, "## Engineering next step");
  return {code, title, customer_message: prose(reply), engineering_next_step: prose(next), doc};
}

let cache: Map<RootCauseCode, Playbook> | undefined;

export function playbooks(): Map<RootCauseCode, Playbook> {
  cache ??= new Map(ROOT_CAUSE_CODES.map((code) => [code, parsePlaybook(code)]));
  return cache;
}

export function isRootCauseCode(code: string): code is RootCauseCode {
  return (ROOT_CAUSE_CODES as readonly string[]).includes(code);
}

export function playbook(code: string): Playbook {
  if (!isRootCauseCode(code)) throw new UnknownRootCauseError(code);
  return playbooks().get(code)!;
}

/**
 * Which playbook an exact gateway error string belongs to (REST `error` / `errorMsg`, or the
 * `error_message` column). Fragments are matched case-sensitively as substrings, first match wins;
 * `errorCodeSql` turns the same list into SQL so the rules classify errors identically.
 */
export const ERROR_PLAYBOOKS: readonly {code: RootCauseCode; fragments: readonly string[]}[] = [
  {code: "signature_type_mismatch", fragments: ["invalid signature", "maker address not allowed, please use the deposit wallet flow", "the order signer address has to be the address of the API KEY", "the order owner has to be the owner of the API KEY"]},
  {code: "missing_allowance", fragments: ["not enough balance / allowance"]},
  {code: "tick_size_precision", fragments: ["breaks minimum tick size rule", "invalid amounts, the "]},
  {code: "min_size", fragments: ["lower than the minimum"]},
  {code: "fok_killed", fragments: ["FOK orders are fully filled or killed", "FAK orders are partially filled or killed"]},
  {code: "post_only_crossing", fragments: ["invalid post-only order: order crosses book"]},
  {code: "matching_engine_restart", fragments: ["the matching engine is restarting"]},
  {code: "order_outage", fragments: ["Trading is currently disabled", "Internal Server Error"]},
  {code: "rate_limited", fragments: ["Too Many Requests"]},
  {code: "geoblocked", fragments: ["Cloudflare 403"]},
  {code: "api_key_not_yet_valid", fragments: ["Unauthorized/Invalid api key"]},
  {code: "legacy_client_version", fragments: ["invalid order version, please use the latest clob-client"]}
];

export function playbookForError(errorMessage: string | null | undefined): RootCauseCode | null {
  if (!errorMessage) return null;
  return ERROR_PLAYBOOKS.find((entry) => entry.fragments.some((fragment) => errorMessage.includes(fragment)))?.code ?? null;
}

/** A SQL CASE expression giving `playbookForError(column)` (NULL when nothing matches). */
export function errorCodeSql(column: string): string {
  const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
  const whens = ERROR_PLAYBOOKS.flatMap((entry) =>
    entry.fragments.map((fragment) => `WHEN contains(${column}, ${quote(fragment)}) THEN ${quote(entry.code)}`)
  );
  return `CASE ${whens.join(" ")} END`;
}
