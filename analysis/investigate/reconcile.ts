/**
 * The person's balances on chain vs what their history implies, from the `reconciliation` view
 * (views/040_chain.sql). Each difference is explained by a diagnosis whose evidence cites it (or
 * cites the transfer behind it), otherwise flagged for an engineer.
 */
import type {Warehouse} from "../../loaders/warehouse/connection.ts";
import type {Diagnosis, Discrepancy, Identity} from "./types.ts";

/** What each code says about a difference it explains. */
const EXPLANATIONS: Partial<Record<Diagnosis["code"], string>> = {
  deposit_to_eoa: "collateral sent to the EOA instead of the funder: it is in the EOA, not in the trading wallet",
  unredeemed_winnings: "winning shares not redeemed yet: the payout appears in collateral once they are redeemed"
};

function explainer(row: {user: string; asset: string}, diagnoses: Diagnosis[]): Diagnosis | undefined {
  const isPosition = /^\d+$/.test(row.asset);
  return diagnoses.find((d) => {
    if (d.code === "unredeemed_winnings") return d.evidence.some((e) => e.table === "reconciliation" && e.key.user === row.user);
    if (d.code === "deposit_to_eoa") return !isPosition && d.evidence.some((e) => e.table === "chain_transfers" && e.note?.startsWith(`${row.asset} `));
    return false;
  });
}

export async function reconcile(warehouse: Warehouse, identity: Identity, diagnoses: Diagnosis[]): Promise<Discrepancy[]> {
  const rows = await warehouse.json<{user: string; asset: string; implied: string; on_chain: string; difference: string}>(
    `SELECT "user", asset, implied::VARCHAR AS implied, on_chain::VARCHAR AS on_chain, difference::VARCHAR AS difference
       FROM reconciliation WHERE "user" IN (SELECT unnest($1::VARCHAR[])) ORDER BY "user", asset`,
    [JSON.stringify(identity.addresses)]
  );
  return rows.map((row) => {
    const by = explainer(row, diagnoses);
    return {
      ...row,
      explained_by: by?.code ?? null,
      explanation: by ? EXPLANATIONS[by.code]! : "unexplained: no diagnosis accounts for it; check the collateral and position ledgers"
    };
  });
}
