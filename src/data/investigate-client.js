/**
 * The browser side of the investigation extracts (data/investigate.tar, written by
 * investigate.tar.ts): find an identifier's person in one index shard, then read that person's
 * rows from one bucket, each file fetched once and inserted into the page's DuckDB-WASM as a table.
 *
 * Framework copies into the built site only the attachments it finds in the source, and only as
 * literal names: hence the two lists below, one entry per INDEX_SHARDS / BUCKETS
 * (src/components/investigate.ts; test/investigate-page.test.ts checks they agree).
 */
import {FileAttachment} from "observablehq:stdlib";
import {BUCKETS, INDEX_SHARDS, bucketFileName, indexFileName, indexShard, isPersonId, normalizeIdentifier, personBucket} from "../components/investigate.js";

/** Rows a timeline query returns at most (newest first); filters narrow it further. */
export const TIMELINE_LIMIT = 500;

const INDEX_FILES = [
  FileAttachment("investigate/index-000.arrow"),
  FileAttachment("investigate/index-001.arrow"),
  FileAttachment("investigate/index-002.arrow"),
  FileAttachment("investigate/index-003.arrow"),
  FileAttachment("investigate/index-004.arrow"),
  FileAttachment("investigate/index-005.arrow"),
  FileAttachment("investigate/index-006.arrow"),
  FileAttachment("investigate/index-007.arrow"),
  FileAttachment("investigate/index-008.arrow"),
  FileAttachment("investigate/index-009.arrow"),
  FileAttachment("investigate/index-010.arrow"),
  FileAttachment("investigate/index-011.arrow"),
  FileAttachment("investigate/index-012.arrow"),
  FileAttachment("investigate/index-013.arrow"),
  FileAttachment("investigate/index-014.arrow"),
  FileAttachment("investigate/index-015.arrow"),
  FileAttachment("investigate/index-016.arrow"),
  FileAttachment("investigate/index-017.arrow"),
  FileAttachment("investigate/index-018.arrow"),
  FileAttachment("investigate/index-019.arrow"),
  FileAttachment("investigate/index-020.arrow"),
  FileAttachment("investigate/index-021.arrow"),
  FileAttachment("investigate/index-022.arrow"),
  FileAttachment("investigate/index-023.arrow"),
  FileAttachment("investigate/index-024.arrow"),
  FileAttachment("investigate/index-025.arrow"),
  FileAttachment("investigate/index-026.arrow"),
  FileAttachment("investigate/index-027.arrow"),
  FileAttachment("investigate/index-028.arrow"),
  FileAttachment("investigate/index-029.arrow"),
  FileAttachment("investigate/index-030.arrow"),
  FileAttachment("investigate/index-031.arrow"),
  FileAttachment("investigate/index-032.arrow"),
  FileAttachment("investigate/index-033.arrow"),
  FileAttachment("investigate/index-034.arrow"),
  FileAttachment("investigate/index-035.arrow"),
  FileAttachment("investigate/index-036.arrow"),
  FileAttachment("investigate/index-037.arrow"),
  FileAttachment("investigate/index-038.arrow"),
  FileAttachment("investigate/index-039.arrow"),
  FileAttachment("investigate/index-040.arrow"),
  FileAttachment("investigate/index-041.arrow"),
  FileAttachment("investigate/index-042.arrow"),
  FileAttachment("investigate/index-043.arrow"),
  FileAttachment("investigate/index-044.arrow"),
  FileAttachment("investigate/index-045.arrow"),
  FileAttachment("investigate/index-046.arrow"),
  FileAttachment("investigate/index-047.arrow"),
  FileAttachment("investigate/index-048.arrow"),
  FileAttachment("investigate/index-049.arrow"),
  FileAttachment("investigate/index-050.arrow"),
  FileAttachment("investigate/index-051.arrow"),
  FileAttachment("investigate/index-052.arrow"),
  FileAttachment("investigate/index-053.arrow"),
  FileAttachment("investigate/index-054.arrow"),
  FileAttachment("investigate/index-055.arrow"),
  FileAttachment("investigate/index-056.arrow"),
  FileAttachment("investigate/index-057.arrow"),
  FileAttachment("investigate/index-058.arrow"),
  FileAttachment("investigate/index-059.arrow"),
  FileAttachment("investigate/index-060.arrow"),
  FileAttachment("investigate/index-061.arrow"),
  FileAttachment("investigate/index-062.arrow"),
  FileAttachment("investigate/index-063.arrow"),
];

const BUCKET_FILES = [
  FileAttachment("investigate/bucket-000.arrow"),
  FileAttachment("investigate/bucket-001.arrow"),
  FileAttachment("investigate/bucket-002.arrow"),
  FileAttachment("investigate/bucket-003.arrow"),
  FileAttachment("investigate/bucket-004.arrow"),
  FileAttachment("investigate/bucket-005.arrow"),
  FileAttachment("investigate/bucket-006.arrow"),
  FileAttachment("investigate/bucket-007.arrow"),
  FileAttachment("investigate/bucket-008.arrow"),
  FileAttachment("investigate/bucket-009.arrow"),
  FileAttachment("investigate/bucket-010.arrow"),
  FileAttachment("investigate/bucket-011.arrow"),
  FileAttachment("investigate/bucket-012.arrow"),
  FileAttachment("investigate/bucket-013.arrow"),
  FileAttachment("investigate/bucket-014.arrow"),
  FileAttachment("investigate/bucket-015.arrow"),
  FileAttachment("investigate/bucket-016.arrow"),
  FileAttachment("investigate/bucket-017.arrow"),
  FileAttachment("investigate/bucket-018.arrow"),
  FileAttachment("investigate/bucket-019.arrow"),
  FileAttachment("investigate/bucket-020.arrow"),
  FileAttachment("investigate/bucket-021.arrow"),
  FileAttachment("investigate/bucket-022.arrow"),
  FileAttachment("investigate/bucket-023.arrow"),
  FileAttachment("investigate/bucket-024.arrow"),
  FileAttachment("investigate/bucket-025.arrow"),
  FileAttachment("investigate/bucket-026.arrow"),
  FileAttachment("investigate/bucket-027.arrow"),
  FileAttachment("investigate/bucket-028.arrow"),
  FileAttachment("investigate/bucket-029.arrow"),
  FileAttachment("investigate/bucket-030.arrow"),
  FileAttachment("investigate/bucket-031.arrow"),
  FileAttachment("investigate/bucket-032.arrow"),
  FileAttachment("investigate/bucket-033.arrow"),
  FileAttachment("investigate/bucket-034.arrow"),
  FileAttachment("investigate/bucket-035.arrow"),
  FileAttachment("investigate/bucket-036.arrow"),
  FileAttachment("investigate/bucket-037.arrow"),
  FileAttachment("investigate/bucket-038.arrow"),
  FileAttachment("investigate/bucket-039.arrow"),
  FileAttachment("investigate/bucket-040.arrow"),
  FileAttachment("investigate/bucket-041.arrow"),
  FileAttachment("investigate/bucket-042.arrow"),
  FileAttachment("investigate/bucket-043.arrow"),
  FileAttachment("investigate/bucket-044.arrow"),
  FileAttachment("investigate/bucket-045.arrow"),
  FileAttachment("investigate/bucket-046.arrow"),
  FileAttachment("investigate/bucket-047.arrow"),
  FileAttachment("investigate/bucket-048.arrow"),
  FileAttachment("investigate/bucket-049.arrow"),
  FileAttachment("investigate/bucket-050.arrow"),
  FileAttachment("investigate/bucket-051.arrow"),
  FileAttachment("investigate/bucket-052.arrow"),
  FileAttachment("investigate/bucket-053.arrow"),
  FileAttachment("investigate/bucket-054.arrow"),
  FileAttachment("investigate/bucket-055.arrow"),
  FileAttachment("investigate/bucket-056.arrow"),
  FileAttachment("investigate/bucket-057.arrow"),
  FileAttachment("investigate/bucket-058.arrow"),
  FileAttachment("investigate/bucket-059.arrow"),
  FileAttachment("investigate/bucket-060.arrow"),
  FileAttachment("investigate/bucket-061.arrow"),
  FileAttachment("investigate/bucket-062.arrow"),
  FileAttachment("investigate/bucket-063.arrow"),
];

if (INDEX_FILES.length !== INDEX_SHARDS || BUCKET_FILES.length !== BUCKETS) {
  throw new Error(`investigate-client.js lists ${INDEX_FILES.length} index and ${BUCKET_FILES.length} bucket files; expected ${INDEX_SHARDS} and ${BUCKETS}`);
}

/** Rows of a DuckDB-WASM result as plain objects. */
const rowsOf = (table) => Array.from(table, (row) => row.toJSON());

/** Timeline filters, as in the URL: source, kind, and severity ("" = all, "problems" = errors and warnings). */
function timelineWhere(personId, {source = "", kind = "", severity = ""} = {}) {
  const clauses = ["person_id = ?", "section = 'event'"];
  const params = [personId];
  for (const [column, value] of [["source", source], ["kind", kind]]) {
    if (value) {
      clauses.push(`${column} = ?`);
      params.push(value);
    }
  }
  if (severity === "problems") clauses.push("severity <> 'info'");
  return {where: clauses.join(" AND "), params};
}

export class InvestigateExtract {
  /** @param db the page's DuckDBClient (one DuckDB-WASM for every lookup) */
  constructor(db) {
    this.db = db;
    this.tables = new Map(); // table name -> promise of its insert (each file fetched once)
  }

  /** Fetches an extract file once and inserts it as `name`; resolves to the table name. */
  table(file, name) {
    if (!this.tables.has(name)) {
      this.tables.set(name, (async () => {
        const bytes = new Uint8Array(await file.arrayBuffer());
        // DuckDBClient has no public "add a table later": insert through its AsyncDuckDB (_db)
        const connection = await this.db._db.connect();
        try {
          await connection.insertArrowFromIPCStream(bytes, {name, schema: "main", create: true});
        } finally {
          await connection.close();
        }
        return name;
      })());
    }
    return this.tables.get(name);
  }

  /** The people an identifier belongs to: [{kind, person_id}], read from its index shard. */
  async lookup(query) {
    const key = normalizeIdentifier(query);
    const shard = indexShard(key);
    const table = await this.table(INDEX_FILES[shard], `index_${shard}`);
    const matches = rowsOf(await this.db.query(`SELECT DISTINCT kind, person_id FROM "${table}" WHERE key = ? ORDER BY person_id, kind`, [key]));
    return {query, key, matches, files: [indexFileName(shard)]};
  }

  async bucket(personId) {
    if (!isPersonId(personId)) throw new Error(`not a person id: ${personId}`);
    const bucket = personBucket(personId);
    return this.table(BUCKET_FILES[bucket], `bucket_${bucket}`);
  }

  /** Everything about a person except the timeline: identity, balance and diagnosis rows, event counts. */
  async person(personId) {
    const table = await this.bucket(personId);
    const rows = rowsOf(await this.db.query(`SELECT * FROM "${table}" WHERE person_id = ? AND section <> 'event' ORDER BY section, ts DESC, kind`, [personId]));
    const counts = rowsOf(
      await this.db.query(
        `SELECT source, kind, count(*)::INTEGER AS rows, sum(count)::INTEGER AS records, count(*) FILTER (WHERE severity <> 'info')::INTEGER AS problems
         FROM "${table}" WHERE person_id = ? AND section = 'event' GROUP BY ALL ORDER BY source, kind`,
        [personId]
      )
    );
    const section = (name) => rows.filter((row) => row.section === name);
    return {
      person_id: personId,
      file: bucketFileName(personBucket(personId)),
      identity: section("identity"),
      balances: section("balance"),
      diagnoses: section("diagnosis").sort((a, b) => JSON.parse(b.detail).confidence - JSON.parse(a.detail).confidence),
      counts
    };
  }

  /** The person's timeline, newest first, filtered; `total` counts every row the filters match. */
  async timeline(personId, filters) {
    const table = await this.bucket(personId);
    const {where, params} = timelineWhere(personId, filters);
    const [rows, total] = await Promise.all([
      this.db.query(`SELECT * FROM "${table}" WHERE ${where} ORDER BY ts DESC, kind, ref LIMIT ${TIMELINE_LIMIT}`, params),
      this.db.queryRow(`SELECT count(*)::INTEGER AS n FROM "${table}" WHERE ${where}`, params)
    ]);
    return {rows: rowsOf(rows), total: total.n, limit: TIMELINE_LIMIT};
  }
}
