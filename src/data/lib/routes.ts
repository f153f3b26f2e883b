/**
 * The parameterized pages the build must produce. Framework 1.13 builds a `[param].md` page only
 * for the paths its config lists (`dynamicPaths`); they come from the warehouse: one page per
 * detected incident and per market. A relation a warehouse lacks (an empty or older warehouse)
 * simply yields no pages.
 */
import {existsSync} from "node:fs";
import {Warehouse} from "../../../loaders/warehouse/connection.ts";
import {warehousePath} from "./warehouse-extract.ts";

interface Route {
  /** The page's URL prefix: `/incidents/` + id -> src/incidents/[id].md (skipped while that file does not exist). */
  prefix: string;
  /** One row per page; the first column is the parameter. */
  sql: string;
}

const ROUTES: Route[] = [
  {prefix: "/incidents/", sql: "SELECT id FROM incidents ORDER BY id"},
  {prefix: "/markets/", sql: "SELECT id FROM markets ORDER BY id"}
];

export async function* dynamicPaths(): AsyncGenerator<string> {
  const path = warehousePath();
  if (!existsSync(path)) return;
  const warehouse = await Warehouse.open(path, {readOnly: true, waitSeconds: 30});
  try {
    for (const route of ROUTES) {
      if (!existsSync(`src${route.prefix}[id].md`)) continue;
      let rows: Record<string, unknown>[];
      try {
        rows = await warehouse.all(route.sql);
      } catch {
        continue; // the relation does not exist in this warehouse
      }
      for (const row of rows) yield `${route.prefix}${encodeURIComponent(String(Object.values(row)[0]))}`;
    }
  } finally {
    warehouse.close();
  }
}
