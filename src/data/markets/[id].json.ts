/**
 * data/markets/<id>.json: one market's dispute-desk page (src/markets/[id].md): the facts from
 * analysis/markets (rules, timeline, payout in words), each outcome's holders summary, and every
 * holder's position with the reply draft for that holder (the page's "for a user" box, ?user=).
 * Internal profile only: it names wallets (docs/deploy.md).
 */
import {parseArgs} from "node:util";
import {disputeReply, holderPositions, marketFacts, type HolderPosition} from "../../../analysis/markets/index.ts";
import {extract, writeJson} from "../lib/warehouse-extract.ts";

const {values} = parseArgs({options: {id: {type: "string"}}});

await extract(async (warehouse) => {
  const facts = await marketFacts(warehouse, values.id ?? "");
  const positions = await holderPositions(warehouse, facts.marketId);
  const byWallet = new Map<string, HolderPosition[]>();
  for (const position of positions) {
    const list = byWallet.get(position.tradingWallet) ?? [];
    list.push(position);
    byWallet.set(position.tradingWallet, list);
  }
  const outcomes = facts.outcomes.map((outcome) => {
    const held = positions.filter((p) => p.outcome === outcome && p.sharesBeforeResolution > 0);
    return {
      outcome,
      holders: new Set(held.map((p) => p.tradingWallet)).size,
      shares_before_resolution: held.reduce((sum, p) => sum + p.sharesBeforeResolution, 0),
      payout_usdc: held.reduce((sum, p) => sum + (p.payoutUsdc ?? 0), 0),
      unredeemed_payout_usdc: held.filter((p) => !p.redeemed && p.sharesNow > 0).reduce((sum, p) => sum + (p.payoutUsdc ?? 0), 0)
    };
  });
  const holders = [...byWallet].map(([wallet, list]) => ({
    wallet,
    addresses: [...new Set(list.map((p) => p.address))],
    positions: list,
    // Before resolution the draft does not depend on the holder: the page shows the general one.
    reply: facts.payoutNumerators ? disputeReply({...facts, positions: list}) : null
  }));
  writeJson({facts, outcomes, holders, reply: disputeReply(facts)});
});
