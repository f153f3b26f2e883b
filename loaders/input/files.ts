/**
 * Turns what a user typed after --file into a sorted list of files: plain files, directories
 * (walked recursively) and globs (`*`, `?`, `**`). Node 20 has no fs.glob, hence the small matcher.
 * `accept` filters what directories and globs contribute (e.g. by extension); a file named
 * explicitly is always read, whatever its name.
 */
import {existsSync, readdirSync, statSync} from "node:fs";
import {join, resolve, sep} from "node:path";
import {InputError} from "../errors.ts";

const GLOB_CHARS = /[*?[]/;

export function expandInputs(inputs: string[], accept: (path: string) => boolean = () => true): string[] {
  const files = new Set<string>();
  for (const input of inputs) {
    const matched = GLOB_CHARS.test(input) ? expandGlob(input) : expandPath(input);
    const named = !GLOB_CHARS.test(input) && statSync(resolve(input)).isFile();
    const accepted = named ? matched : matched.filter((file) => accept(file));
    if (accepted.length === 0) throw new InputError(input, undefined, "no input files match");
    for (const file of accepted) files.add(file);
  }
  return [...files].sort();
}

function expandPath(input: string): string[] {
  const path = resolve(input);
  if (!existsSync(path)) throw new InputError(input, undefined, "no such file or directory");
  return statSync(path).isDirectory() ? walk(path) : [path];
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

function expandGlob(pattern: string): string[] {
  const absolute = resolve(pattern);
  const parts = absolute.split(sep);
  const firstGlob = parts.findIndex((part) => GLOB_CHARS.test(part));
  const base = parts.slice(0, firstGlob).join(sep) || sep;
  if (!existsSync(base)) return [];
  const matcher = globToRegExp(absolute);
  return walk(base).filter((file) => matcher.test(file));
}

export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === "*" && glob[i + 1] === "*") {
      source += ".*";
      i++;
      if (glob[i + 1] === "/") i++;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}
