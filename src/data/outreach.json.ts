/**
 * data/outreach.json: the proactive-outreach page (internal), from analysis/escalations/outreach.ts
 * under config/outreach.json. Person ids and wallets shortened to 0x1234…abcd; never emails.
 */
import {buildOutreach, loadOutreachConfig, shortWallet} from "../../analysis/escalations/outreach.ts";
import {extract, writeJson} from "./lib/warehouse-extract.ts";

await extract(async (warehouse) => {
  const outreach = await buildOutreach(warehouse, loadOutreachConfig());
  writeJson({
    ...outreach,
    portfolio: outreach.portfolio.map((p) => ({...p, wallet: shortWallet(p.wallet)})),
    spikes: outreach.spikes.map((s) => ({...s, wallet: shortWallet(s.wallet)}))
  });
});
