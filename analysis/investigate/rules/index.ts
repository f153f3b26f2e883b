/** The one rule set: every rule that maps warehouse evidence to a root-cause code. */
import type {Warehouse} from "../../../loaders/warehouse/connection.ts";
import {depositToEoaRule, disputedResolutionRule, unredeemedWinningsRule} from "./chain.ts";
import {errorBurstRule} from "./error-bursts.ts";
import {fixChecksumRule, fixSequenceGapRule} from "./fix.ts";
import {INCIDENT_VIEWS, incidentRule, prepareIncidentPeople} from "./incidents.ts";
import type {Rule} from "./scope.ts";

export {SCOPE_CTES, type Rule} from "./scope.ts";

export const ALWAYS_RULES: Rule[] = [
  errorBurstRule,
  depositToEoaRule,
  unredeemedWinningsRule,
  disputedResolutionRule,
  fixSequenceGapRule,
  fixChecksumRule
];

/** Rules that read views another module owns: used when the warehouse has them, after `prepare`. */
export const OPTIONAL_RULES: {rule: Rule; needs: string[]; prepare: (warehouse: Warehouse) => Promise<void>}[] = [
  {rule: incidentRule, needs: INCIDENT_VIEWS, prepare: prepareIncidentPeople}
];
