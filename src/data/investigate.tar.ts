/**
 * data/investigate.tar: the investigation page's extracts (investigate-extract.ts) as one archive,
 * so one loader process writes all of them. Framework extracts each member the page names
 * (`FileAttachment("investigate/bucket-007.arrow")`, listed in investigate-client.js) into the
 * built site; a browser then fetches only the two members a lookup needs.
 *
 * Diagnoses come from the investigate engine (analysis/investigate, diagnoseAll), computed here
 * once per build so the page only reads them.
 */
import {once} from "node:events";
import {engineFindings, investigateExtract} from "./investigate-extract.ts";
import {extract} from "./lib/warehouse-extract.ts";

const BLOCK = 512;

/** A ustar header for a regular file (mtime 0: the same warehouse gives the same archive). */
function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(BLOCK);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, "ascii");
  const octal = (offset: number, length: number, value: number) => field(offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
  field(0, 100, name);
  octal(100, 8, 0o644); // mode
  octal(108, 8, 0); // uid
  octal(116, 8, 0); // gid
  octal(124, 12, size);
  octal(136, 12, 0); // mtime
  field(148, 8, "        "); // checksum placeholder: spaces while summing
  field(156, 1, "0"); // regular file
  field(257, 8, "ustar\u000000");
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return header;
}

/** Writes to stdout, waiting when the pipe is full (a large extract is never all in memory twice). */
async function write(chunk: Uint8Array): Promise<void> {
  if (!process.stdout.write(chunk)) await once(process.stdout, "drain");
}

async function writeMember(name: string, bytes: Uint8Array): Promise<void> {
  await write(tarHeader(name, bytes.length));
  await write(bytes);
  const padding = (BLOCK - (bytes.length % BLOCK)) % BLOCK;
  if (padding) await write(Buffer.alloc(padding));
}

await extract(async (warehouse) => {
  const findings = await engineFindings(warehouse);
  for await (const file of investigateExtract(warehouse, findings)) await writeMember(file.name, file.bytes);
  await write(Buffer.alloc(2 * BLOCK)); // end of archive
});
