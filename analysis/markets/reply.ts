/**
 * A reply draft for a user disputing how a market resolved: acknowledges the frustration, quotes
 * the rules text, states the on-chain record (proposals, disputes, the vote, the payout vector and
 * the transaction), says what the user's own position paid and whether it is redeemed, and what
 * they can do next. It never promises a different outcome: a resolution reported on chain is final.
 * A holder whose shares all pay is told how redemption pays them instead.
 */
import type {MarketFacts} from "./facts.ts";

const usd = (value: number) => `$${value.toLocaleString("en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2})}`;
const shares = (value: number) => value.toLocaleString("en-US", {maximumFractionDigits: 6});
const when = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

function payoutSentence(facts: MarketFacts): string {
  if (facts.payoutWords === "50-50") return "resolved 50-50: every share of either outcome redeems for $0.50";
  return `resolved ${facts.payoutWords}: each ${facts.payoutWords === "YES" ? "Yes" : facts.payoutWords === "NO" ? "No" : facts.payoutWords} share redeems for $1.00 and the other outcome's shares for $0`;
}

function timelineSentences(facts: MarketFacts): string[] {
  const lines: string[] = [];
  for (const stage of facts.timeline) {
    if (stage.stage === "proposed") lines.push(`- ${when(stage.at)}: an outcome of ${stage.outcome} was proposed to the UMA Optimistic Oracle.`);
    else if (stage.stage === "disputed") lines.push(`- ${when(stage.at)}: that proposal was disputed.`);
    else if (stage.stage === "reset") lines.push(`- ${when(stage.at)}: the question was reset and put to the oracle again.`);
    else if (stage.stage === "clarified") lines.push(`- ${when(stage.at)}: a clarification was posted on chain: "${stage.text ?? ""}"`);
    else if (stage.stage === "settled") lines.push(`- ${when(stage.at)}: the oracle settled on ${stage.outcome}${facts.disputes > 1 ? " after the UMA token-holder vote" : ""}.`);
    else if (stage.stage === "manually_resolved") lines.push(`- ${when(stage.at)}: the market was resolved manually after being flagged.`);
    else if (stage.stage === "payouts_reported") lines.push(`- ${when(stage.at)}: the payouts were reported to the ConditionalTokens contract (transaction ${stage.txHash}).`);
  }
  return lines;
}

function positionSentences(facts: MarketFacts): string[] {
  const held = facts.positions.filter((p) => p.sharesBeforeResolution > 0);
  if (held.length === 0) return [];
  const lines = held.map((p) => {
    const pays = p.payoutUsdc === null ? "" : `, which pays ${usd(p.payoutUsdc)} under this resolution`;
    const cost = p.paidUsdc > 0 ? ` (net cost ${usd(p.paidUsdc)})` : "";
    return `- ${shares(p.sharesBeforeResolution)} ${p.outcome} shares before resolution${cost}${pays}.`;
  });
  const unredeemed = held.filter((p) => !p.redeemed && (p.payoutUsdc ?? 0) > 0 && p.sharesNow > 0);
  if (held.some((p) => p.redeemed)) lines.push(`Your position was redeemed on ${when(held.find((p) => p.redeemed)!.redeemedAt!)}.`);
  else if (unredeemed.length)
    lines.push("These shares have not been redeemed yet: you can redeem them from your portfolio at any time and the payout goes to your wallet.");
  return lines;
}

export interface ReplyOptions {
  /** The user's first name, when known. */
  name?: string;
}

export function disputeReply(facts: MarketFacts, options: ReplyOptions = {}): string {
  const greeting = options.name ? `Hi ${options.name},` : "Hi,";
  if (facts.payoutNumerators === null) {
    return [
      greeting,
      "",
      `Thank you for reaching out about "${facts.question}". I understand how much rides on this market.`,
      `It has not resolved yet (status: ${facts.status.replace(/_/g, " ")}). It will resolve by its rules:`,
      "",
      `> ${facts.rules ?? "(no rules text on record)"}`,
      "",
      "Proposals go to the UMA Optimistic Oracle with a two-hour challenge window; anyone may dispute a proposal " +
        "by posting a bond, and a second dispute goes to a vote of UMA token holders. We will follow up once it resolves.",
      "",
      "Best regards"
    ].join("\n");
  }
  const position = positionSentences(facts);
  // A holder whose every share pays is asking about winnings, not contesting the outcome.
  const held = facts.positions.filter((p) => p.sharesBeforeResolution > 0);
  const won = held.length > 0 && held.every((p) => (p.payoutUsdc ?? 0) > 0);
  return [
    greeting,
    "",
    `Thank you for reaching out about "${facts.question}"` +
      (won ? ". " : ", and I am sorry the result is not the one you expected. ") +
      "I have gone through the rules and the on-chain record so you can see exactly how it was decided.",
    "",
    "The market's rules say:",
    "",
    `> ${facts.rules ?? "(no rules text on record)"}`,
    ...(facts.resolutionSource ? ["", `Resolution source: ${facts.resolutionSource}`] : []),
    "",
    "What happened on chain:",
    ...timelineSentences(facts),
    "",
    `The market ${payoutSentence(facts)} (payout vector [${facts.payoutNumerators.join(", ")}]).`,
    ...(position.length ? ["", "Your position:", ...position] : []),
    "",
    won
      ? "Winning shares are paid when they are redeemed, not automatically at resolution. If redeeming does not work, reply with what you see and I will look into it."
      : "Resolutions are decided by the UMA oracle process under the rules above" +
        (facts.disputes ? ", including the disputes and the token-holder vote shown here" : "") +
        ". Once the payouts are reported on chain they are final, so we are not able to change the outcome or offer compensation for it. " +
        "If you have evidence that the resolution source said otherwise by the deadline, please send it and I will pass it to the markets team for review.",
    "",
    "Best regards"
  ].join("\n");
}
