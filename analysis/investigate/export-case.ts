/**
 * A regression case from an escalation (docs/investigate.md, "Regression cases"): the person's raw
 * source records around the evidence, redacted, in each loader's own format, plus the chain rows
 * (the chain loader needs an RPC, so chain tables travel as CSV), and `expected.json` naming the
 * diagnosis. `test/investigate-cases.test.ts` replays every case through ingestion and diagnosis.
 */
import {mkdirSync, writeFileSync} from "node:fs";
import {join, resolve} from "node:path";
import {WorkbenchError} from "../../loaders/errors.ts";
import {readLines} from "../../loaders/input/lines.ts";
import {SOH, fixChecksum} from "../../loaders/fix/parse.ts";
import {redactText, redactValue} from "../../loaders/redact.ts";
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import type {Investigation} from "./types.ts";

/** Chain tables a case carries, with the rows that concern the person (`$1`: their addresses). */
export const CASE_CHAIN_TABLES: Record<string, string> = {
  chain_contracts: "SELECT * FROM chain_contracts",
  chain_address_sets: "SELECT * FROM chain_address_sets WHERE address IN (SELECT unnest($1::VARCHAR[]))",
  chain_wallet_links: "SELECT * FROM chain_wallet_links WHERE owner IN (SELECT unnest($1::VARCHAR[])) OR funder IN (SELECT unnest($1::VARCHAR[]))",
  chain_transfers: "SELECT * FROM chain_transfers WHERE from_address IN (SELECT unnest($1::VARCHAR[])) OR to_address IN (SELECT unnest($1::VARCHAR[]))",
  chain_position_transfers:
    "SELECT * FROM chain_position_transfers WHERE from_address IN (SELECT unnest($1::VARCHAR[])) OR to_address IN (SELECT unnest($1::VARCHAR[]))",
  chain_fills: "SELECT * FROM chain_fills WHERE maker IN (SELECT unnest($1::VARCHAR[]))",
  chain_splits: "SELECT * FROM chain_splits WHERE stakeholder IN (SELECT unnest($1::VARCHAR[]))",
  chain_redemptions: "SELECT * FROM chain_redemptions WHERE redeemer IN (SELECT unnest($1::VARCHAR[]))",
  chain_balances: "SELECT * FROM chain_balances WHERE address IN (SELECT unnest($1::VARCHAR[]))",
  chain_positions: `SELECT * FROM chain_positions WHERE condition_id IN (SELECT p.condition_id FROM chain_positions p
      JOIN chain_position_transfers t ON t.token_id = p.token_id
     WHERE t.from_address IN (SELECT unnest($1::VARCHAR[])) OR t.to_address IN (SELECT unnest($1::VARCHAR[])))`,
  chain_resolutions: `SELECT * FROM chain_resolutions WHERE condition_id IN (SELECT p.condition_id FROM chain_positions p
      JOIN chain_position_transfers t ON t.token_id = p.token_id
     WHERE t.from_address IN (SELECT unnest($1::VARCHAR[])) OR t.to_address IN (SELECT unnest($1::VARCHAR[])))`
};

/** NULL as \N, so an empty string (a collateral balance's token_id) survives the round trip. */
const CSV_OPTIONS = "(HEADER, NULLSTR '\\N')";

export class EmptyCaseError extends WorkbenchError {
  constructor(identifier: string) {
    super(`nothing to export for "${identifier}": no diagnosis, so there is no expected outcome to pin (investigate it first)`);
  }
}

/** Lines `wanted` (1-based) of a log file, in file order. */
async function pickLines(file: string, wanted: Set<number>): Promise<string[]> {
  const out: string[] = [];
  for await (const {line, text} of readLines(file)) {
    if (wanted.has(line)) out.push(text);
    if (out.length === wanted.size) break;
  }
  return out;
}

async function linesByFile(rows: {source_file: string; source_line: number}[]): Promise<string[]> {
  const byFile = new Map<string, Set<number>>();
  for (const row of rows) byFile.set(row.source_file, (byFile.get(row.source_file) ?? new Set()).add(Number(row.source_line)));
  const out: string[] = [];
  for (const [file, wanted] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) out.push(...(await pickLines(file, wanted)));
  return out;
}

const redactJsonLine = (text: string) => JSON.stringify(redactValue(JSON.parse(text) as unknown));

/**
 * A FIX log line with its password (554) redacted, re-framed so BodyLength (9) and CheckSum (10)
 * match the redacted text: otherwise the replay would quarantine the Logon the identities hang on.
 */
export function redactFixLine(line: string): string {
  const redacted = redactText(line);
  if (redacted === line) return line;
  const start = redacted.indexOf("8=");
  const separator = redacted.includes(SOH) ? SOH : "|";
  const fields = redacted.slice(start).split(separator).filter((field) => field !== "");
  const body = `${fields.filter((field, i) => i > 0 && !/^(9|10)=/.test(field)).join(SOH)}${SOH}`;
  const framed = `${fields[0]}${SOH}9=${Buffer.byteLength(body)}${SOH}${body}`;
  return `${redacted.slice(0, start)}${`${framed}10=${fixChecksum(framed)}${SOH}`.replaceAll(SOH, separator)}`;
}

export interface ExportedCase {
  dir: string;
  files: {path: string; records: number}[];
}

/**
 * Writes the case for the investigation's top diagnosis. REST lines: the person's requests from an
 * hour before the first cited row to an hour after the last, plus each API key's first request (so
 * the replayed identities link up); FIX: the whole day's log of each cited session.
 */
export async function exportCase(warehouse: Warehouse, investigation: Investigation, dir: string): Promise<ExportedCase> {
  const top = investigation.diagnoses[0];
  if (!top) throw new EmptyCaseError(investigation.query);
  const out = resolve(dir);
  const files: ExportedCase["files"] = [];
  const write = (path: string, lines: string[]) => {
    if (lines.length === 0) return;
    mkdirSync(join(out, path, ".."), {recursive: true});
    writeFileSync(join(out, path), `${lines.join("\n")}\n`);
    files.push({path, records: lines.length});
  };
  const {identity} = investigation;
  const params = {addresses: JSON.stringify(identity.addresses), keys: JSON.stringify(identity.api_keys), tickets: JSON.stringify(top.ticket_ids)};

  const ticketIds = new Set(identity.ticket_ids);
  const conversations: string[] = [];
  for (const {path} of await warehouse.all<{path: string}>("SELECT path FROM ingest_files WHERE source = 'intercom' ORDER BY path")) {
    for await (const {text} of readLines(path)) {
      const id = /"id":"(\d+)"/.exec(text)?.[1];
      if (id && ticketIds.has(id)) conversations.push(redactJsonLine(text));
    }
  }
  write("intercom/conversations.jsonl", conversations);

  const requestIds = top.evidence.filter((e) => e.table === "api_requests" && e.key.request_id).map((e) => String(e.key.request_id));
  const rest = await warehouse.all<{source_file: string; source_line: number}>(
    `WITH person AS (SELECT * FROM api_requests WHERE coalesce(maker, address) IN (SELECT unnest($addresses::VARCHAR[]))),
          span AS (SELECT min(ts) - INTERVAL 1 HOUR AS start, max(ts) + INTERVAL 1 HOUR AS stop FROM person WHERE request_id IN (SELECT unnest($ids::VARCHAR[])))
     SELECT source_file, source_line FROM person, span WHERE ts BETWEEN span.start AND span.stop
     UNION SELECT arg_min(source_file, ts), arg_min(source_line, ts) FROM api_requests WHERE api_key_id IN (SELECT unnest($keys::VARCHAR[])) GROUP BY api_key_id`,
    {addresses: params.addresses, keys: params.keys, ids: JSON.stringify(requestIds)}
  );
  write("api-logs/rest.ndjson", (await linesByFile(rest)).map(redactJsonLine));

  const fix = await warehouse.all<{source_file: string; source_line: number}>(
    `SELECT m.source_file, m.source_line FROM fix_messages m
      WHERE m.session_id IN (SELECT unnest($1::VARCHAR[]))
        AND m.source_file IN (SELECT source_file FROM fix_sequence_gaps WHERE session_id IN (SELECT unnest($1::VARCHAR[])))`,
    [JSON.stringify(top.code.startsWith("fix_") ? identity.fix_sessions : [])]
  );
  write("fix/session.log", (await linesByFile(fix)).map(redactFixLine));

  for (const [table, sql] of Object.entries(CASE_CHAIN_TABLES)) {
    if (table === "chain_contracts") continue; // written below when any chain table is
    const rows = await warehouse.all(`SELECT count(*) AS n FROM (${sql})`, [params.addresses]);
    if (Number(rows[0].n) === 0) continue;
    mkdirSync(join(out, "chain"), {recursive: true});
    await warehouse.run(`COPY (${sql.replaceAll("$1", `'${params.addresses.replace(/'/g, "''")}'`)}) TO '${join(out, "chain", `${table}.csv`)}' ${CSV_OPTIONS}`);
    files.push({path: `chain/${table}.csv`, records: Number(rows[0].n)});
  }
  if (files.some((f) => f.path.startsWith("chain/"))) {
    await warehouse.run(`COPY (${CASE_CHAIN_TABLES.chain_contracts}) TO '${join(out, "chain", "chain_contracts.csv")}' ${CSV_OPTIONS}`);
    files.push({path: "chain/chain_contracts.csv", records: Number((await warehouse.all("SELECT count(*) AS n FROM chain_contracts"))[0].n)});
  }

  const expected = {identifier: top.ticket_ids[0] ?? identity.addresses[0], code: top.code, ticket_ids: top.ticket_ids};
  writeFileSync(join(out, "expected.json"), `${JSON.stringify(expected, null, 2)}\n`);
  return {dir: out, files};
}

/** Loads a case's chain CSVs into a warehouse (the replay side of `exportCase`). */
export async function loadCaseChain(warehouse: Warehouse, dir: string, tables: string[]): Promise<void> {
  for (const table of Object.keys(CASE_CHAIN_TABLES).filter((name) => tables.includes(`${name}.csv`)))
    await warehouse.run(`COPY ${table} FROM '${join(resolve(dir), "chain", `${table}.csv`)}' ${CSV_OPTIONS}`);
}
