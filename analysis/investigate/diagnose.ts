/**
 * Runs the rule set (rules/) as one set-based query, for one person or for everyone, and attaches
 * each code's playbook. Confidence: the rule's pattern gives a base (0.6-0.8); a ticket of a
 * supporting category from a day before the pattern to two weeks after it adds 0.25 (capped at 1).
 */
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import {withMarketFacts} from "./market-evidence.ts";
import {playbook, type RootCauseCode} from "./playbooks.ts";
import {ALWAYS_RULES, OPTIONAL_RULES, SCOPE_CTES, type Rule} from "./rules/index.ts";
import type {Diagnosis, EvidenceRef, Identity} from "./types.ts";

/** Evidence rows kept per diagnosis (the earliest ones; the rest are in the timeline). */
export const EVIDENCE_LIMIT = 25;
const TICKET_SUPPORT = 0.25;

async function activeRules(warehouse: Warehouse): Promise<Rule[]> {
  const views = new Set(
    (await warehouse.all<{name: string}>("SELECT table_name AS name FROM information_schema.tables")).map((row) => row.name)
  );
  const optional = OPTIONAL_RULES.filter((o) => o.needs.every((name) => views.has(name)));
  for (const o of optional) await o.prepare(warehouse);
  return [...ALWAYS_RULES, ...optional.map((o) => o.rule)];
}

function diagnosisSql(rules: Rule[]): string {
  const ctes = [SCOPE_CTES, ...rules.map((rule) => rule.ctes).filter((cte) => cte.trim() !== "")].join(",\n");
  return `
WITH ${ctes},
findings AS (${rules.map((rule) => rule.select).join("\nUNION ALL BY NAME\n")}),
supported AS (
  SELECT f.*,
         coalesce((SELECT list(t.ticket_id ORDER BY t.created_at) FROM tix t
                    WHERE t.person_id = f.person_id AND list_contains(f.categories, t.category)
                      AND t.created_at BETWEEN f.first_at - INTERVAL 1 DAY AND f.last_at + INTERVAL 14 DAY), []) AS ticket_ids
    FROM findings f
)
SELECT person_id, code,
       round(max(least(1, base + CASE WHEN len(ticket_ids) > 0 THEN ${TICKET_SUPPORT} ELSE 0 END)), 2)::DOUBLE AS confidence,
       flatten(list(evidence ORDER BY first_at))::VARCHAR[] AS evidence,
       list_distinct(flatten(list(ticket_ids)))::VARCHAR[] AS ticket_ids,
       min(first_at) AS first_at
  FROM supported GROUP BY person_id, code
 ORDER BY person_id, confidence DESC, first_at DESC`;
}

interface DiagnosisRow {
  person_id: string;
  code: RootCauseCode;
  confidence: number;
  evidence: string[];
  ticket_ids: string[];
  [column: string]: unknown;
}

function toDiagnosis(row: DiagnosisRow): Diagnosis {
  const book = playbook(row.code);
  const tickets: EvidenceRef[] = row.ticket_ids.map((ticket_id) => ({table: "tickets", key: {ticket_id}}));
  const evidence = row.evidence.slice(0, EVIDENCE_LIMIT).map((text) => {
    const parsed = JSON.parse(text) as {table: string; key: Record<string, string | number>; note: string | null};
    return parsed.note === null ? {table: parsed.table, key: parsed.key} : {table: parsed.table, key: parsed.key, note: parsed.note};
  });
  return {
    code: row.code,
    title: book.title,
    confidence: row.confidence,
    evidence: [...tickets, ...evidence],
    customer_message: book.customer_message,
    engineering_next_step: book.engineering_next_step,
    playbook: book.doc,
    ticket_ids: row.ticket_ids
  };
}

/** The rule set's rows, each a diagnosis (market resolutions told with the market's facts). */
async function run(warehouse: Warehouse, personId: string | null): Promise<(Diagnosis & {person_id: string})[]> {
  const rows = await warehouse.json<DiagnosisRow>(diagnosisSql(await activeRules(warehouse)), {person: personId});
  const out = [];
  for (const row of rows) out.push({person_id: row.person_id, ...(await withMarketFacts(warehouse, toDiagnosis(row)))});
  return out;
}

/** One person's diagnoses, most confident first. */
export async function diagnose(warehouse: Warehouse, identity: Identity): Promise<Diagnosis[]> {
  return (await run(warehouse, identity.person_id)).map(({person_id: _, ...diagnosis}) => diagnosis);
}

/** Every person's diagnoses (people with none are absent), each list most confident first. */
export async function diagnosePeople(warehouse: Warehouse): Promise<Map<string, Diagnosis[]>> {
  const out = new Map<string, Diagnosis[]>();
  for (const {person_id, ...diagnosis} of await run(warehouse, null)) out.set(person_id, [...(out.get(person_id) ?? []), diagnosis]);
  return out;
}
