/**
 * Versioned schema. `migrations/NNN_name.sql` run once each, in order, recorded in
 * `schema_migrations`; `views/*.sql` hold derived logic (metrics, identity linking) and are
 * re-created on every writable open, so a view edit needs no migration.
 */
import {readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {apiErrorCategoryMacro} from "../taxonomy.ts";
import type {Warehouse} from "./connection.ts";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url).pathname;
const VIEWS_DIR = new URL("./views/", import.meta.url).pathname;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function listMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((file) => /^\d{3}_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 3)),
      name: file.slice(4, -4),
      sql: readFileSync(join(MIGRATIONS_DIR, file), "utf-8")
    }));
}

export async function migrate(warehouse: Warehouse): Promise<Migration[]> {
  await warehouse.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
  const applied = new Set(
    (await warehouse.all<{version: number}>("SELECT version FROM schema_migrations")).map((row) => row.version)
  );
  const pending = listMigrations().filter((migration) => !applied.has(migration.version));
  for (const migration of pending) {
    await warehouse.transaction(async () => {
      await warehouse.run(migration.sql);
      await warehouse.run("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name
      ]);
    });
  }
  return pending;
}

/** The names of the views views/*.sql define, in file order. */
export function listViewNames(): string[] {
  return readdirSync(VIEWS_DIR)
    .filter((file) => file.endsWith(".sql"))
    .sort()
    .flatMap((file) => [...readFileSync(join(VIEWS_DIR, file), "utf-8").matchAll(/CREATE OR REPLACE VIEW (\w+)/gi)].map((m) => m[1]));
}

/**
 * Views are dropped and re-created in file order (later views may read earlier ones), after the
 * macros generated from TypeScript rules (the taxonomy's api_error_category).
 */
export async function refreshViews(warehouse: Warehouse): Promise<void> {
  await warehouse.run(apiErrorCategoryMacro());
  const files = readdirSync(VIEWS_DIR)
    .filter((file) => file.endsWith(".sql"))
    .sort();
  for (const file of files) await warehouse.run(readFileSync(join(VIEWS_DIR, file), "utf-8"));
}
