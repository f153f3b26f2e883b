/**
 * Framework re-runs a page data loader only when the loader's own file is newer than its cached
 * output: it cannot see the warehouse, nor the modules a loader imports. So before a build, this
 * keys the cached outputs on what they really depend on (every ingest run recorded in the
 * warehouse, the read-side code and config, the WORKBENCH_* settings such as the build profile)
 * and clears them only when that key changed. A rebuild of an unchanged warehouse re-runs nothing.
 */
import {createHash} from "node:crypto";
import {existsSync, readFileSync} from "node:fs";
import {mkdir, readdir, rm, writeFile} from "node:fs/promises";
import {join, resolve} from "node:path";
import {DEFAULT_WAREHOUSE, Warehouse} from "../loaders/warehouse/connection.ts";
import {hashTree} from "./hash-tree.ts";

/** Code and config a page data loader's output can depend on besides its own file. */
const LOADER_INPUTS = ["src/data", "src/components", "analysis", "loaders/warehouse", "config"];

async function warehouseState(path: string): Promise<string> {
  if (!existsSync(path)) return "missing"; // the loaders themselves say how to create one
  const warehouse = await Warehouse.open(path, {readOnly: true, waitSeconds: 30});
  try {
    const runs = await warehouse.all("SELECT run_id, source, status, finished_at::VARCHAR AS finished_at, read, loaded, rejected FROM ingest_runs ORDER BY run_id");
    return JSON.stringify(runs, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
  } finally {
    warehouse.close();
  }
}

export async function loaderCacheKey(projectDir: string): Promise<string> {
  const warehouse = resolve(process.env.WORKBENCH_DB ?? DEFAULT_WAREHOUSE);
  const settings = Object.entries(process.env)
    .filter(([name]) => name.startsWith("WORKBENCH_") && name !== "WORKBENCH_SITE_OUTPUT")
    .sort(([a], [b]) => a.localeCompare(b));
  return createHash("sha256")
    .update(warehouse)
    .update(await warehouseState(warehouse))
    .update(hashTree(projectDir, LOADER_INPUTS))
    .update(JSON.stringify(settings))
    .digest("hex");
}

/**
 * Deletes Framework's cached loader outputs (everything in <root>/.observablehq/cache except _npm)
 * unless they were made from the same key. Returns what it did, for the build log.
 */
export async function refreshLoaderCache(projectDir: string, root: string): Promise<string> {
  const cacheDir = join(root, ".observablehq", "cache");
  const stampFile = join(root, ".observablehq", "loader-cache-key");
  const key = await loaderCacheKey(projectDir);
  if (existsSync(stampFile) && readFileSync(stampFile, "utf-8") === key) return "loader outputs reused: warehouse, code and settings unchanged since they were made";
  const removed: string[] = [];
  if (existsSync(cacheDir)) {
    for (const entry of await readdir(cacheDir)) {
      if (entry === "_npm") continue;
      await rm(join(cacheDir, entry), {recursive: true, force: true});
      removed.push(entry);
    }
  }
  await mkdir(join(root, ".observablehq"), {recursive: true});
  await writeFile(stampFile, key);
  return `loader outputs cleared (${removed.join(", ") || "none cached"}): the warehouse, code or settings changed, loaders re-run`;
}
