/**
 * Offline build, step 1: fill Observable Framework's npm cache from node_modules.
 *
 * Framework 1.13 resolves every `npm:` import against registry.npmjs.org and downloads it from
 * cdn.jsdelivr.net at build time, unless `<root>/.observablehq/cache/_npm/<name>@<version>/<file>`
 * already exists; and it takes a version present as a folder in `_npm/` without asking the
 * registry. So this script writes, for every library a page or Framework's runtime can load:
 *
 *   _npm/<name>@<installed version>/_esm.js   an esbuild bundle of the installed package (ESM, browser)
 *   _npm/<name>@<version>/<file>              raw files Framework asks for (DuckDB-WASM's .wasm and workers)
 *   _npm/<name>@0.0.0-offline/                an empty folder for each library Framework's stdlib can
 *                                             load but nothing here uses (it only needs a version)
 *
 * apache-arrow stays ONE module instance: every other bundle imports it through a relative path
 * to `_npm/apache-arrow@<version>/_esm.js`, which Framework follows inside cached files.
 * Folders of other versions are removed (Framework picks the highest version folder it finds).
 * Bundles are rebuilt only when the installed version or this script changes (a stamp file).
 *
 * Usage: tsx scripts/populate-npm-cache.ts [--root src] [--clear-loader-cache]
 *   --clear-loader-cache  also delete Framework's cached data-loader outputs (everything in
 *                         <root>/.observablehq/cache except _npm) when the warehouse, the code
 *                         behind the loaders or the WORKBENCH_* settings changed since they were
 *                         made (scripts/loader-cache.ts). `npm run build` passes it.
 *
 * docs/offline-build.md explains the whole offline build.
 */
import {build, type Plugin} from "esbuild";
import {createHash} from "node:crypto";
import {existsSync, readFileSync} from "node:fs";
import {copyFile, mkdir, readdir, readFile, rm, writeFile} from "node:fs/promises";
import {dirname, extname, join, posix, relative} from "node:path";
import {fileURLToPath} from "node:url";
import {parseArgs} from "node:util";
import {refreshLoaderCache} from "./loader-cache.ts";

/** A library served from the cache, taken from node_modules. */
interface CachedPackage {
  /** The name pages and Framework use: `npm:<name>`. */
  name: string;
  /** The folder under node_modules when it differs from `name` (an npm alias). */
  installedAs?: string;
  /** Files copied verbatim to `_npm/<name>@<version>/<file>`. */
  rawFiles?: string[];
  /** When not installed, leave a version placeholder instead of failing. */
  optional?: boolean;
}

/** One file to produce in a package's cache folder. */
interface CacheEntry {
  /** Path inside `_npm/<name>@<version>/`. */
  target: string;
  /** `bundle`: esbuild `module` into `target`; `copy`: copy `<package dir>/<module>` verbatim. */
  kind: "bundle" | "copy";
  /** For bundles, the specifier esbuild resolves; for copies, the path inside the package. */
  module: string;
}

const PLACEHOLDER_VERSION = "0.0.0-offline";

/** Packages kept as a single shared instance (external, relative import) in every other bundle. */
const SHARED = new Set(["apache-arrow"]);

/** What the pages and Framework's runtime need. Add a library here if it needs raw files. */
const PACKAGES: CachedPackage[] = [
  {name: "apache-arrow"},
  {
    name: "@duckdb/duckdb-wasm",
    installedAs: "duckdb-wasm-129", // package.json: "duckdb-wasm-129": "npm:@duckdb/duckdb-wasm@1.29.0"
    rawFiles: [
      "dist/duckdb-mvp.wasm",
      "dist/duckdb-browser-mvp.worker.js",
      "dist/duckdb-eh.wasm",
      "dist/duckdb-browser-eh.worker.js"
    ]
  },
  {name: "@observablehq/plot"},
  {name: "arquero"},
  {name: "d3-dsv"}, // FileAttachment(...).csv() / .tsv()
  {name: "htl"}, // html`...`, svg`...`, and Observable Inputs
  {name: "isoformat"}, // Observable Inputs
  {name: "d3", optional: true} // the implicit `d3`; installed with Plot
];

const projectDir = process.cwd();
const nodeModules = join(projectDir, "node_modules");
const frameworkDist = join(nodeModules, "@observablehq", "framework", "dist");
const scriptHash = createHash("sha256")
  .update(readFileSync(fileURLToPath(import.meta.url)))
  .digest("hex")
  .slice(0, 16);

class CacheError extends Error {}

function fail(message: string): never {
  throw new CacheError(message);
}

function installedVersion(dir: string): string | undefined {
  const file = join(dir, "package.json");
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, "utf-8")) as {version: string}).version;
}

function frameworkSource(file: string): string {
  const path = join(frameworkDist, file);
  if (!existsSync(path)) fail(`cannot find ${relative(projectDir, path)}: is @observablehq/framework installed?`);
  return readFileSync(path, "utf-8");
}

/** The DuckDB-WASM version Framework's client is written against (`DUCKDB_WASM_VERSION`). */
function frameworkDuckDBVersion(): string {
  const match = /\bDUCKDB_WASM_VERSION = "([^"]+)"/.exec(frameworkSource("duckdb.js"));
  if (!match) fail("cannot find DUCKDB_WASM_VERSION in @observablehq/framework/dist/duckdb.js");
  return match[1];
}

/**
 * Every library Framework's client stdlib may import (`"npm:<name>..."` in dist/client), minus
 * the `npm:@observablehq/...` names Framework serves itself (its builtins).
 */
async function frameworkLibraries(): Promise<Set<string>> {
  const builtins = new Set(
    Array.from(frameworkSource("resolvers.js").matchAll(/\["npm:([^"]+)", "\/_observablehq\//g), (m) => m[1])
  );
  const names = new Set<string>();
  const clientDir = join(frameworkDist, "client");
  for (const file of await readdir(clientDir, {recursive: true})) {
    if (!file.endsWith(".js")) continue;
    const source = await readFile(join(clientDir, file), "utf-8");
    for (const [, specifier] of source.matchAll(/["'`]npm:([^"'`]+)["'`]/g)) {
      const {name} = parseSpecifier(specifier);
      if (!builtins.has(name)) names.add(name);
    }
  }
  return names;
}

interface Specifier {
  name: string;
  range?: string;
  path?: string;
}

/** `@scope/name@range/sub/path` -> parts (Framework's own parsing rules). */
function parseSpecifier(specifier: string): Specifier {
  const parts = specifier.split("/");
  const nameRange = specifier.startsWith("@") ? `${parts.shift()}/${parts.shift()}` : (parts.shift() ?? "");
  const at = nameRange.indexOf("@", 1);
  return {
    name: at > 0 ? nameRange.slice(0, at) : nameRange,
    range: at > 0 ? nameRange.slice(at + 1) : undefined,
    path: parts.length > 0 ? parts.join("/") : undefined
  };
}

/** Where Framework looks for `npm:<name>/<path>` inside the package's cache folder. */
function cacheTarget(path: string | undefined): Pick<CacheEntry, "target" | "kind"> {
  if (path === undefined || path === "+esm") return {target: "_esm.js", kind: "bundle"};
  const ext = extname(path);
  if (ext === ".js" || ext === ".mjs") return {target: path, kind: "bundle"};
  if (ext) return {target: path, kind: "copy"};
  return {target: `${path.replace(/\/\+esm$/, "")}._esm.js`, kind: "bundle"};
}

/** Every `npm:` specifier in the site's pages and client modules, with the file that uses it. */
async function pageImports(root: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const files = await readdir(root, {recursive: true});
  for (const file of files) {
    const parts = file.split(/[\\/]/);
    if (parts.some((part) => part === ".observablehq" || part === "node_modules")) continue;
    // page data loaders (src/data/**) run in Node: their imports come from node_modules directly
    if (parts[0] === "data" || !/\.(md|js|jsx|ts|tsx)$/.test(file)) continue;
    const source = await readFile(join(root, file), "utf-8");
    for (const [, specifier] of source.matchAll(/["'`]npm:([^"'`\s]+)["'`]/g)) {
      if (!found.has(specifier)) found.set(specifier, join(root, file));
    }
  }
  return found;
}

/** `_npm/<name>@<version>/<target>` as an absolute cache path (POSIX, leading slash). */
function npmPath(name: string, version: string, target: string): string {
  return `/_npm/${name}@${version}/${target}`;
}

/** Rewrites imports of shared packages to the one cached copy, relative to the importing file. */
function sharedImports(importer: string, versions: Map<string, string>): Plugin {
  return {
    name: "workbench-shared-imports",
    setup(pluginBuild) {
      pluginBuild.onResolve({filter: /^[^./]/}, (args) => {
        if (args.kind === "entry-point") return undefined;
        const {name, path} = parseSpecifier(args.path);
        const version = versions.get(name);
        if (!SHARED.has(name) || version === undefined) return undefined;
        if (path !== undefined) fail(`${importer} imports ${args.path}: only the main entry of a shared package is supported`);
        let target = posix.relative(posix.dirname(importer), npmPath(name, version, "_esm.js"));
        if (!target.startsWith(".")) target = `./${target}`;
        return {path: target, external: true};
      });
    }
  };
}

async function bundle(entry: string, output: string, importer: string, versions: Map<string, string>): Promise<void> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: projectDir,
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "eof",
    define: {"process.env.NODE_ENV": '"production"'},
    logLevel: "error",
    plugins: [sharedImports(importer, versions)]
  });
  await mkdir(dirname(output), {recursive: true});
  await writeFile(output, result.outputFiles[0].contents);
}

interface Plan {
  name: string;
  version: string;
  /** node_modules folder. */
  dir: string;
  /** The specifier esbuild resolves for the package's main entry. */
  resolveAs: string;
  entries: CacheEntry[];
}

async function plan(root: string): Promise<{plans: Plan[]; placeholders: string[]}> {
  const versions = new Map<string, string>();
  const plans = new Map<string, Plan>();
  for (const pkg of PACKAGES) {
    const resolveAs = pkg.installedAs ?? pkg.name;
    const dir = join(nodeModules, resolveAs);
    const version = installedVersion(dir);
    if (version === undefined) {
      if (pkg.optional) continue;
      fail(`${resolveAs} is not installed (run npm ci): the offline build needs it for npm:${pkg.name}`);
    }
    versions.set(pkg.name, version);
    const entries: CacheEntry[] = [{target: "_esm.js", kind: "bundle", module: resolveAs}];
    for (const file of pkg.rawFiles ?? []) entries.push({target: file, kind: "copy", module: file});
    plans.set(pkg.name, {name: pkg.name, version, dir, resolveAs, entries});
  }

  const pinned = frameworkDuckDBVersion();
  const duckdb = versions.get("@duckdb/duckdb-wasm");
  if (duckdb !== pinned) {
    fail(
      `@observablehq/framework is written for @duckdb/duckdb-wasm@${pinned} but node_modules/duckdb-wasm-129 ` +
        `holds ${duckdb}. Install the exact version under the alias: ` +
        `npm install --save-exact duckdb-wasm-129@npm:@duckdb/duckdb-wasm@${pinned}`
    );
  }

  // Libraries the pages import explicitly (npm:name, npm:name/sub/path) are served from node_modules too.
  for (const [specifier, file] of await pageImports(root)) {
    const {name, range, path} = parseSpecifier(specifier);
    let entry = plans.get(name);
    if (!entry) {
      const dir = join(nodeModules, name);
      const version = installedVersion(dir);
      if (version === undefined) {
        fail(`${relative(projectDir, file)} imports npm:${specifier}, but ${name} is not installed: npm install --save-exact ${name}`);
      }
      versions.set(name, version);
      entry = {name, version, dir, resolveAs: name, entries: [{target: "_esm.js", kind: "bundle", module: name}]};
      plans.set(name, entry);
    }
    if (range !== undefined && range !== entry.version) {
      fail(
        `${relative(projectDir, file)} imports npm:${specifier}, but ${name}@${entry.version} is installed. ` +
          `Write npm:${name}${path ? `/${path}` : ""} without a version: package.json pins it.`
      );
    }
    const {target, kind} = cacheTarget(path);
    if (!entry.entries.some((e) => e.target === target)) {
      entry.entries.push({target, kind, module: kind === "copy" ? (path ?? "") : `${entry.resolveAs}/${path}`});
    }
  }

  const placeholders = [...(await frameworkLibraries())].filter((name) => !plans.has(name)).sort();
  return {plans: [...plans.values()], placeholders};
}

/** A stamp that changes when the package version, its entries or this script change. */
function stampOf(p: Plan): string {
  return JSON.stringify({script: scriptHash, version: p.version, entries: p.entries});
}

const STAMP_FILE = ".workbench-offline-stamp";

async function populate(root: string): Promise<void> {
  const started = performance.now();
  const npmDir = join(root, ".observablehq", "cache", "_npm");
  const {plans, placeholders} = await plan(root);
  const versions = new Map(plans.map((p) => [p.name, p.version]));
  const wanted = new Set([
    ...plans.map((p) => `${p.name}@${p.version}`),
    ...placeholders.map((name) => `${name}@${PLACEHOLDER_VERSION}`)
  ]);

  // Remove every folder Framework would otherwise consider: other versions, leftovers, strays.
  await mkdir(npmDir, {recursive: true});
  for (const entry of await readdir(npmDir, {withFileTypes: true})) {
    const folders = entry.name.startsWith("@") && entry.isDirectory()
      ? (await readdir(join(npmDir, entry.name))).map((sub) => `${entry.name}/${sub}`)
      : [entry.name];
    for (const folder of folders) {
      if (wanted.has(folder)) continue;
      await rm(join(npmDir, folder), {recursive: true, force: true});
      console.log(`remove  _npm/${folder} (not managed, or another version)`);
    }
  }

  let written = 0;
  for (const p of plans) {
    const folder = join(npmDir, `${p.name}@${p.version}`);
    const stampPath = join(folder, STAMP_FILE);
    const stamp = stampOf(p);
    const fresh =
      existsSync(stampPath) &&
      readFileSync(stampPath, "utf-8") === stamp &&
      p.entries.every((e) => existsSync(join(folder, e.target)));
    if (fresh) continue;
    await rm(folder, {recursive: true, force: true});
    for (const e of p.entries) {
      const output = join(folder, e.target);
      if (e.kind === "copy") {
        const source = join(p.dir, e.module);
        if (!existsSync(source)) fail(`${p.resolveAs} ${p.version} has no ${e.module}`);
        await mkdir(dirname(output), {recursive: true});
        await copyFile(source, output);
      } else {
        await bundle(e.module, output, npmPath(p.name, p.version, e.target), versions);
      }
      console.log(`${e.kind.padEnd(7)} _npm/${p.name}@${p.version}/${e.target}`);
      written++;
    }
    await writeFile(stampPath, stamp);
  }
  for (const name of placeholders) await mkdir(join(npmDir, `${name}@${PLACEHOLDER_VERSION}`), {recursive: true});

  const ms = Math.round(performance.now() - started);
  console.log(
    `npm cache ${relative(projectDir, npmDir)}: ${plans.length} packages (${written} files written), ` +
      `${placeholders.length} version placeholders, ${ms} ms`
  );
}

/** Deletes Framework's cached loader outputs (and its client bundles), keeping only `_npm`. */
async function main(): Promise<void> {
  const {values} = parseArgs({
    options: {root: {type: "string", default: "src"}, "clear-loader-cache": {type: "boolean", default: false}},
    allowPositionals: false
  });
  const root = values.root;
  if (!existsSync(root)) fail(`no such site root: ${root}`);
  if (values["clear-loader-cache"]) console.log(await refreshLoaderCache(projectDir, root));
  await populate(root);
}

main().catch((error: unknown) => {
  if (error instanceof CacheError) {
    console.error(`populate-npm-cache: ${error.message}`);
    process.exitCode = 1;
  } else {
    console.error(error);
    process.exitCode = 70;
  }
});
