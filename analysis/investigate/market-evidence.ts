/**
 * Diagnoses about a market's resolution (`disputed_resolution`, `unredeemed_winnings`) told with
 * the dispute desk's facts (analysis/markets): the evidence names the user's position and the
 * market's resolution timeline in words, and the customer reply is the desk's draft, which quotes
 * the rules and the on-chain record. The rule's `market_positions` evidence row says which
 * position and wallet; without markets ingested the playbook's reply and the rule's rows stay.
 */
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import {disputeReply, marketFacts, MarketNotFoundError, type HolderPosition, type MarketFacts, type TimelineStage} from "../markets/index.ts";
import type {Diagnosis, EvidenceRef} from "./types.ts";

export const MARKET_CODES: ReadonlySet<string> = new Set(["disputed_resolution", "unredeemed_winnings"]);

const usd = (value: number) => `$${value.toFixed(2)}`;
const minute = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

function positionNote(facts: MarketFacts, p: HolderPosition): string {
  const cost = p.paidUsdc > 0 ? ` (cost ${usd(p.paidUsdc)})` : "";
  const pays = p.payoutUsdc === null ? "" : `; the market resolved ${facts.payoutWords}, so they pay ${usd(p.payoutUsdc)}`;
  const fate = p.redeemed ? `; redeemed ${minute(p.redeemedAt!)}` : p.sharesNow > 0 ? `; never redeemed, ${p.sharesNow} still held` : "; no longer held";
  return `${p.sharesBeforeResolution} ${p.outcome} shares of "${facts.question}" before resolution${cost}${pays}${fate}`;
}

function stageNote(stage: TimelineStage): string {
  // Oracle events carry the question's whole ancillary data as text: only a clarification's is news.
  const text = stage.stage === "clarified" && stage.text ? `"${stage.text}"` : null;
  const what = [stage.stage.replace(/_/g, " "), stage.outcome, text].filter(Boolean).join(" ");
  return `${minute(stage.at)}: ${what} (${stage.event})`;
}

/** The diagnosis with the market's facts in its evidence and the dispute desk's reply. */
export async function withMarketFacts(warehouse: Warehouse, diagnosis: Diagnosis): Promise<Diagnosis> {
  const cited = diagnosis.evidence.find((e) => e.table === "market_positions");
  if (!MARKET_CODES.has(diagnosis.code) || !cited) return diagnosis;
  const tokenId = String(cited.key.token_id);
  let facts: MarketFacts;
  try {
    facts = await marketFacts(warehouse, tokenId, String(cited.key.address));
  } catch (error) {
    if (error instanceof MarketNotFoundError) return diagnosis; // no Gamma markets ingested: the chain's rows still stand
    throw error;
  }
  const position = facts.positions.find((p) => p.tokenId === tokenId);
  const positionRef: EvidenceRef = position
    ? {table: "market_positions", key: {market_id: facts.marketId, token_id: tokenId, address: position.address}, note: positionNote(facts, position)}
    : cited;
  const stages = facts.timeline.map((stage): EvidenceRef => ({table: "market_resolution_timeline", key: {market_id: facts.marketId, step: stage.step}, note: stageNote(stage)}));
  const tickets = diagnosis.evidence.filter((e) => e.table === "tickets");
  const rest = diagnosis.evidence.filter((e) => e.table !== "tickets" && e !== cited);
  return {...diagnosis, evidence: [...tickets, positionRef, ...stages, ...rest], customer_message: disputeReply(facts)};
}
