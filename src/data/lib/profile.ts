/**
 * Build profiles (docs/deploy.md). `WORKBENCH_PROFILE=internal` (the default) builds every page with
 * full detail into dist/, to be served only behind the company's identity-aware SSO proxy;
 * `WORKBENCH_PROFILE=leadership` builds the leadership site into dist-leadership/: aggregates and
 * pseudonymous ids only, without the internal pages and without their data.
 *
 * Framework 1.13 builds every .md page under src/ whatever the sidebar lists (a page is skipped only
 * by a static `draft: true` in its front matter), so the leadership build (1) lists and routes only
 * leadership pages (observablehq.config.ts) and (2) after `observable build`, removes the internal
 * pages and every file and module no remaining page reaches (`tsx src/data/lib/profile.ts prune DIR`).
 *
 * Also here: the Content-Security-Policy every page carries (a <meta> in `head`) and scripts/serve.ts
 * sends as a header.
 */
import {existsSync, readdirSync, readFileSync, rmSync, statSync} from "node:fs";
import {dirname, join, relative, resolve, sep} from "node:path";
import {pathToFileURL} from "node:url";

export type Profile = "internal" | "leadership";

export class ProfileError extends Error {}

/** The profile of this build, from $WORKBENCH_PROFILE. */
export function buildProfile(env: NodeJS.ProcessEnv = process.env): Profile {
  const value = env.WORKBENCH_PROFILE || "internal";
  if (value !== "internal" && value !== "leadership") {
    throw new ProfileError(`WORKBENCH_PROFILE=${value}: expected "internal" or "leadership"`);
  }
  return value;
}

/** Where each profile's site is written (WORKBENCH_SITE_OUTPUT overrides it for tests). */
export const OUTPUT_DIR: Record<Profile, string> = {internal: "dist", leadership: "dist-leadership"};

/**
 * Pages the leadership site publishes (a path, or a folder ending in "/"): aggregates and pseudonymous
 * ids only. Everything else (investigate, outreach, markets with their per-user boxes, the ingest
 * quarantine with its raw rejected records) is internal.
 */
export const LEADERSHIP_PAGES: readonly string[] = ["/", "/index", "/health", "/escalations", "/incidents/", "/feedback", "/404"];

/** Whether the page at `path` (/health, /incidents/INC-1, /) is part of `profile`'s site. */
export function publishes(profile: Profile, path: string): boolean {
  if (profile === "internal") return true;
  return LEADERSHIP_PAGES.some((page) => (page.endsWith("/") && page !== "/" ? path.startsWith(page) : path === page));
}

/**
 * Same-origin everything. Framework puts each page's code in an inline module script ('unsafe-inline':
 * inline, but never from another origin); DuckDB-WASM compiles WebAssembly ('wasm-unsafe-eval') in a
 * worker started from a blob: URL; Plot and Inputs set inline styles; the favicon is a data: URL.
 * `frame-ancestors` is only honoured as a header, so the <meta> omits it.
 */
const POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "connect-src 'self' blob: data:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'"
];
export const CONTENT_SECURITY_POLICY_META = POLICY.join("; ");
export const CONTENT_SECURITY_POLICY_HEADER = [...POLICY, "frame-ancestors 'none'"].join("; ");

/** A built file's path in a page or module: `./_file/data/x.1a2b.json`, `../_import/components/y.3c4d.js`. */
const SITE_PATH = /_(?:file|import)\/[^"'`\s)?#]+/g;
/** A module's relative import of another module: `from "./format.5e6f.js"`. */
const RELATIVE_IMPORT = /["'](\.\.?\/[^"'`\s?#]+\.js)["']/g;

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

/**
 * Removes from the built site `dir` the pages `profile` does not publish, then every file under
 * _file/ and _import/ that no remaining page reaches (directly or through a reached module).
 * Returns the removed paths, relative to `dir`.
 */
export function prunePages(dir: string, profile: Profile): string[] {
  if (profile === "internal") return []; // the internal site publishes everything it built
  const root = resolve(dir);
  const removed: string[] = [];
  const remove = (path: string) => {
    rmSync(path);
    removed.push(relative(root, path));
  };
  const files = [...walk(root)];
  const pages = files.filter((path) => path.endsWith(".html"));
  for (const page of pages) {
    const path = `/${relative(root, page).slice(0, -".html".length).split(sep).join("/")}`;
    if (!publishes(profile, path)) remove(page);
  }
  // Reachability: page HTML -> _file/ and _import/ paths -> (modules) further paths.
  const reached = new Set<string>();
  const queue = pages.filter((page) => existsSync(page));
  const reach = (target: string) => {
    const inside = relative(root, target).split(sep).join("/");
    if (reached.has(inside)) return;
    reached.add(inside);
    if (target.endsWith(".js") && existsSync(target)) queue.push(target);
  };
  for (const from of queue) {
    const text = readFileSync(from, "utf-8");
    for (const [path] of text.matchAll(SITE_PATH)) reach(join(root, path));
    if (from.endsWith(".js")) for (const [, path] of text.matchAll(RELATIVE_IMPORT)) reach(resolve(dirname(from), path));
  }
  for (const path of files) {
    const inside = relative(root, path).split(sep).join("/");
    if ((inside.startsWith("_file/") || inside.startsWith("_import/")) && !reached.has(inside)) remove(path);
  }
  return removed;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [command, dir] = process.argv.slice(2);
  if (command !== "prune" || !dir) {
    console.error("usage: tsx src/data/lib/profile.ts prune DIR   (profile from $WORKBENCH_PROFILE)");
    process.exit(2);
  }
  const profile = buildProfile();
  const removed = prunePages(dir, profile);
  console.log(`profile ${profile}: ${removed.length} internal page(s) and file(s) removed from ${dir}`);
}
