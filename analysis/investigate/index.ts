/**
 * The investigate API (docs/investigate.md): from any identifier to the person, their timeline, the
 * reconciliation of their balances and the diagnosed root causes with evidence and playbooks.
 * Used by `workbench investigate`, the investigate page's data loaders and the outreach list.
 */
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import {lookup} from "./lookup.ts";
import type {Diagnosis, InvestigateOptions, Investigation} from "./types.ts";
import {diagnose, diagnosePeople} from "./diagnose.ts";
import {reconcile} from "./reconcile.ts";
import {timeline} from "./timeline.ts";

export type * from "./types.ts";
export {AmbiguousIdentifierError, IdentifierNotFoundError, UnrecognisedIdentifierError, lookup} from "./lookup.ts";
export {ROOT_CAUSE_CODES, playbook, playbookForError, playbooks, type Playbook, type RootCauseCode} from "./playbooks.ts";

export async function investigate(warehouse: Warehouse, identifier: string, options: InvestigateOptions = {}): Promise<Investigation> {
  const identity = await lookup(warehouse, identifier);
  const diagnoses = await diagnose(warehouse, identity);
  const discrepancies = await reconcile(warehouse, identity, diagnoses);
  const {entries, omitted} = await timeline(warehouse, identity, options.timelineLimit);
  return {query: identifier, identity, diagnoses, discrepancies, timeline: entries, timeline_omitted: omitted};
}

/** Diagnoses for every person with a ticket or an API error, in one set-based pass (the page precomputes these). */
export async function diagnoseAll(warehouse: Warehouse): Promise<Map<string, Diagnosis[]>> {
  return diagnosePeople(warehouse);
}
