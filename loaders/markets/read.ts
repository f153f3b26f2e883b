/**
 * Market items of a Gamma markets file, each with the line it starts on: a JSON array (what
 * `GET /markets` returns), `{"markets": [...]}` / `{"data": [...]}`, or JSON lines. The array is
 * split item by item, so one broken item is quarantined with its line instead of failing the file.
 */

export interface FileItem {
  /** 1-based line where the item starts. */
  line: number;
  /** 1-based position in the list. */
  item: number;
  text: string;
}

/** Top-level items of the JSON array that starts at `open` (the index of its `[`). */
function arrayItems(text: string, open: number, firstLine: number): FileItem[] {
  const items: FileItem[] = [];
  let line = firstLine;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  let startLine = line;
  const close = (end: number) => {
    const body = text.slice(start, end).trim();
    if (body) items.push({line: startLine, item: items.length + 1, text: body});
    start = -1;
  };
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === "[" || c === "{") {
      depth++;
      if (depth === 1) continue; // the list itself
    } else if (c === "]" || c === "}") {
      depth--;
      if (depth === 0) {
        if (start >= 0) close(i);
        return items;
      }
    } else if (c === "," && depth === 1) {
      if (start >= 0) close(i);
      continue;
    }
    if (depth >= 1 && start < 0 && !/\s/.test(c)) {
      start = i;
      startLine = line;
    }
  }
  if (start >= 0) close(text.length); // unterminated list: the last item is whatever is left
  return items;
}

export function fileItems(text: string): FileItem[] {
  const first = text.search(/\S/);
  if (first < 0) return [];
  const lineAt = (index: number) => text.slice(0, index).split("\n").length;
  if (text[first] === "[") return arrayItems(text, first, lineAt(first));
  // An object wrapping the list ({"markets": [...]}) or JSON lines.
  const wrapped = /^\{\s*"(markets|data)"\s*:\s*\[/.exec(text.slice(first));
  if (wrapped) {
    const open = first + wrapped[0].length - 1;
    return arrayItems(text, open, lineAt(open));
  }
  return text
    .split("\n")
    .map((body, i) => ({line: i + 1, item: 0, text: body.trim()}))
    .filter((entry) => entry.text)
    .map((entry, i) => ({...entry, item: i + 1}));
}
