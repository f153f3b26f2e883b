// The demo world's chain history, replayed onto anvil and read back by the real loader
// (`workbench demo`): the reconciliation view lists exactly truth.json's discrepancies.
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {test} from "node:test";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {demoWorld} from "./helpers/demo-world.ts";

test("the demo's chain replay: every action on chain, and the reconciliation shows exactly the planted discrepancies", async () => {
  const world = await demoWorld();
  const warehouse = await Warehouse.open(world.db, {readOnly: true});
  try {
    const rows = await warehouse.all<{user: string; asset: string; implied_units: bigint; on_chain_units: bigint}>(
      `SELECT "user", asset, implied_units, on_chain_units FROM reconciliation ORDER BY "user", asset`
    );
    const expected = world.truth.discrepancies
      .map((d) => ({user: d.user.toLowerCase(), asset: d.asset, implied_units: BigInt(d.expected), on_chain_units: BigInt(d.actual)}))
      .sort((a, b) => (a.user === b.user ? (a.asset < b.asset ? -1 : 1) : a.user < b.user ? -1 : 1));
    assert.ok(expected.length > 0, "truth.json plants discrepancies");
    assert.deepEqual(rows, expected);

    // Every action is on chain: one fill -> the maker's and the taker's OrderFilled and one OrdersMatched.
    const actions = readFileSync(join(world.dir, "chain", "actions.jsonl"), "utf-8").trim().split("\n").map((line) => JSON.parse(line) as {kind: string});
    const count = (kind: string) => actions.filter((action) => action.kind === kind).length;
    const stored = await warehouse.one<{fills: bigint; matches: bigint; redemptions: bigint; resolutions: bigint; splits: bigint}>(
      `SELECT (SELECT count(*) FROM chain_fills) AS fills, (SELECT count(*) FROM chain_matches) AS matches,
              (SELECT count(*) FROM chain_redemptions) AS redemptions, (SELECT count(*) FROM chain_resolutions) AS resolutions,
              (SELECT count(*) FROM chain_splits) AS splits`
    );
    assert.deepEqual(stored, {
      fills: BigInt(2 * count("fill")),
      matches: BigInt(count("fill")),
      redemptions: BigInt(count("redemption")),
      resolutions: BigInt(count("resolution")),
      splits: BigInt(count("split") + count("merge"))
    });
    const rejects = await warehouse.one<{n: bigint}>("SELECT count(*) AS n FROM rejects WHERE source = 'chain'");
    assert.equal(rejects!.n, 0n);
  } finally {
    warehouse.close();
  }
});
