/**
 * Intercom message bodies are HTML (`<p>`, `<br>`, `<a>`, `<pre><code>`, entities). The warehouse
 * keeps plain text: block elements become line breaks, tags go, entities are decoded, runs of
 * spaces collapse (except inside <pre>), and the result is trimmed.
 */
const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  bull: "•",
  middot: "·",
  copy: "©",
  reg: "®",
  trade: "™",
  euro: "€",
  times: "×"
};

const BLOCK = /^(p|div|br|li|ul|ol|tr|table|h[1-6]|blockquote|pre|section|article|header|footer|hr)$/;

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[name.toLowerCase()] ?? whole;
  });
}

const SLOW_PATH = /<(?:pre|script|style|!--)/i;
const BLOCK_NAMES = new Set(["p", "div", "br", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "article", "header", "footer", "hr"]);

export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return tidy(html, false);
  if (!SLOW_PATH.test(html)) return tidyLines(scan(html));
  let out = "";
  let pre = 0;
  const tag = /<!--[\s\S]*?-->|<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>|<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>/g;
  let last = 0;
  for (let match = tag.exec(html); match; match = tag.exec(html)) {
    out += text(html.slice(last, match.index), pre > 0);
    last = tag.lastIndex;
    const name = match[3]?.toLowerCase();
    if (!name) continue; // comment, script or style
    const closing = match[2] === "/";
    if (name === "pre") pre = Math.max(0, pre + (closing ? -1 : 1));
    if (name === "li") out += closing ? "" : "\n- ";
    else if (BLOCK.test(name)) out += "\n";
  }
  out += text(html.slice(last), pre > 0);
  return tidy(out, true);
}

/** Text between tags: outside <pre>, whitespace (including source newlines) is one space. */
function text(chunk: string, preformatted: boolean): string {
  const decoded = decodeEntities(preformatted ? chunk : chunk.replace(/\s+/g, " "));
  // Protect <pre> layout from tidy(): newlines, spaces and tabs come back at the end.
  return preformatted ? decoded.replace(/\n/g, "\u0000").replace(/ /g, "\u0001").replace(/\t/g, "\u0002") : decoded;
}

function tidy(text: string, fromHtml: boolean): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const kept: string[] = [];
  for (const line of lines) {
    const clean = fromHtml ? line.replace(/[ \t\u00a0]+/g, " ").trim() : line.replace(/[ \t]+$/, "");
    if (clean === "" && (kept.length === 0 || kept[kept.length - 1] === "")) continue;
    kept.push(clean);
  }
  while (kept.length && kept[kept.length - 1] === "") kept.pop();
  return kept.join("\n").trim().replaceAll("\u0000", "\n").replaceAll("\u0001", " ").replaceAll("\u0002", "\t");
}

/** Trims each line and drops blank lines at the ends and runs of more than one blank line. */
function tidyLines(text: string): string {
  const lines = text.split("\n");
  let out = "";
  let blank = false;
  for (const raw of lines) {
    const line = raw.indexOf("\u00a0") === -1 ? raw.trim() : raw.replace(/\u00a0/g, " ").trim();
    if (line === "") {
      blank = out !== "";
      continue;
    }
    out += out === "" ? line : blank ? `\n\n${line}` : `\n${line}`;
    blank = false;
  }
  return out.replace(/ {2,}/g, " ");
}

/**
 * The common case (paragraphs, breaks, lists, inline markup) in one pass: whitespace runs become
 * one space, block tags a line break, <li> "- ", other tags nothing; entities decoded at the end.
 */
function scan(html: string): string {
  let out = "";
  let start = 0;
  let space = false;
  const n = html.length;
  for (let i = 0; i < n; i++) {
    const c = html.charCodeAt(i);
    if (c === 60 /* < */) {
      const close = html.indexOf(">", i + 1);
      if (close === -1) break;
      let j = i + 1;
      if (html.charCodeAt(j) === 47 /* / */) j++;
      let k = j;
      while (k < close) {
        const d = html.charCodeAt(k) | 32;
        if ((d >= 97 && d <= 122) || (d >= 48 && d <= 57 && k > j)) k++;
        else break;
      }
      if (k === j) {
        space = false; // "a < b": not a tag
        continue;
      }
      out += html.slice(start, i);
      const name = html.slice(j, k).toLowerCase();
      if (name === "li") out += j === i + 1 ? "\n- " : "";
      else if (BLOCK_NAMES.has(name)) out += "\n";
      i = close;
      start = close + 1;
      space = false;
    } else if (c === 32 || c === 10 || c === 13 || c === 9 || c === 12) {
      if (space) {
        out += html.slice(start, i);
        start = i + 1;
      } else if (c !== 32) {
        out += `${html.slice(start, i)} `;
        start = i + 1;
      }
      space = true;
    } else space = false;
  }
  if (start < n) out += html.slice(start);
  return out.includes("&") ? decodeEntities(out) : out;
}
