// docs/schema.md documents every table, view and column a fresh warehouse has.
import assert from "node:assert/strict";
import {mkdtempSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {test} from "node:test";
import {Warehouse} from "../loaders/warehouse/connection.ts";

/** `## \`name\`` headings, each followed by a table whose rows start with `| column |`. */
function documented(markdown: string): Map<string, Set<string>> {
  const sections = new Map<string, Set<string>>();
  let current: Set<string> | undefined;
  for (const line of markdown.split("\n")) {
    const heading = /^##+ `(\w+)`/.exec(line);
    if (heading) sections.set(heading[1], (current = new Set()));
    const row = /^\| `?(\w+)`? \|/.exec(line);
    if (row && current) current.add(row[1]);
  }
  return sections;
}

test("every table, view and column is documented in docs/schema.md", async () => {
  const dir = mkdtempSync(join(tmpdir(), "schema-doc-"));
  const warehouse = await Warehouse.open(join(dir, "w.duckdb"));
  try {
    const columns = await warehouse.all<{table_name: string; column_name: string}>(
      "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' AND NOT internal ORDER BY table_name, column_index"
    );
    const docs = documented(readFileSync("docs/schema.md", "utf-8"));
    const missing = columns
      .filter(({table_name, column_name}) => !docs.get(table_name)?.has(column_name))
      .map(({table_name, column_name}) => `${table_name}.${column_name}`);
    assert.deepEqual(missing, [], "add these to docs/schema.md");
    const tables = new Set(columns.map((column) => column.table_name));
    const stale = [...docs.keys()].filter((name) => !tables.has(name));
    assert.deepEqual(stale, [], "documented but not in the warehouse");
  } finally {
    warehouse.close();
    rmSync(dir, {recursive: true, force: true});
  }
});
