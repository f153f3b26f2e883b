/**
 * data/tickets-weekly.arrow: support tickets per ISO week (Monday, UTC) and category, as Arrow IPC.
 * The home page loads it into DuckDB-WASM (`sql:` front matter) and charts it with Plot.
 * Tickets without a category yet are counted as "uncategorised".
 */
import {arrowTable, extract, writeArrow} from "./lib/warehouse-extract.ts";

interface WeekRow extends Record<string, unknown> {
  week: bigint;
  category: string;
  tickets: bigint;
}

await extract(async (warehouse) => {
  const rows = await warehouse.all<WeekRow>(
    `SELECT epoch_ms(date_trunc('week', created_at)) AS week,
            coalesce(nullif(trim(category), ''), 'uncategorised') AS category,
            count(*) AS tickets
     FROM tickets
     GROUP BY ALL
     ORDER BY week, category`
  );
  writeArrow(arrowTable(rows, {week: "timestamp", category: "utf8", tickets: "int32"}));
});
