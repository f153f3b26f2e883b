/** sha256 (16 hex digits) over the files under `paths` (relative to `root`), in a stable order, skipping `skip`. */
import {createHash} from "node:crypto";
import {existsSync, readdirSync, readFileSync, statSync} from "node:fs";
import {join} from "node:path";

export function hashTree(root: string, paths: string[], skip: Set<string> = new Set()): string {
  const hash = createHash("sha256");
  const visit = (relativePath: string) => {
    const path = join(root, relativePath);
    if (skip.has(relativePath) || !existsSync(path)) return;
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path).sort()) visit(join(relativePath, entry));
    else hash.update(relativePath).update(readFileSync(path));
  };
  for (const path of paths) visit(path);
  return hash.digest("hex").slice(0, 16);
}
