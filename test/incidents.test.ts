// Incident detection and impact (views/060_incidents.sql, analysis/incidents/, `workbench report
// incidents`) against the demo world's truth.json: every planted incident found, its window,
// routes, failed requests, affected people and tickets, and no other incident. Then the
// thresholds and the merging on small hand-made traffic, where each rule can be made to fail.
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {copyFileSync, mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, test} from "node:test";
import {Warehouse} from "../loaders/warehouse/connection.ts";
import {refreshDerived} from "../loaders/warehouse/derived.ts";
import {listIncidents, loadIncident, type IncidentDetail, type IncidentSummary} from "../analysis/incidents/incidents.ts";
import {demoWorld, type DemoWorld, type Truth} from "./helpers/demo-world.ts";

type TruthIncident = Truth["incidents"][number];
const FIVE_MINUTES = 5 * 60_000;

describe("on the demo world", () => {
  let world: DemoWorld;
  let warehouse: Warehouse;
  let incidents: IncidentSummary[];
  /** truth incident id -> the detected incident whose window matches it */
  const matched = new Map<string, IncidentSummary>();
  const details = new Map<string, IncidentDetail>();

  before(async () => {
    world = await demoWorld();
    warehouse = await Warehouse.open(world.db, {readOnly: true});
    incidents = await listIncidents(warehouse);
    for (const planted of world.truth.incidents) {
      const found = incidents.find(
        (i) => Math.abs(Date.parse(i.start) - Date.parse(planted.start)) <= FIVE_MINUTES && Math.abs(Date.parse(i.end) - Date.parse(planted.end)) <= FIVE_MINUTES
      );
      if (found) matched.set(planted.id, found);
    }
    for (const found of matched.values()) details.set(found.id, await loadIncident(warehouse, found.id));
  });

  after(() => warehouse?.close());

  const each = (check: (planted: TruthIncident, found: IncidentSummary) => Promise<void> | void) => async () => {
    for (const planted of world.truth.incidents) await check(planted, matched.get(planted.id)!);
  };

  test("every planted incident is found with start and end within 5 minutes, and nothing else", () => {
    assert.equal(world.truth.incidents.length, 3);
    for (const planted of world.truth.incidents) {
      assert.ok(matched.has(planted.id), `${planted.id} ${planted.kind} ${planted.start} – ${planted.end} not detected; found ${incidents.map((i) => `${i.id} ${i.start} – ${i.end}`).join(", ")}`);
    }
    assert.deepEqual(incidents.map((i) => i.id).sort(), [...matched.values()].map((i) => i.id).sort(), "an incident the demo did not plant");
  });

  test("ids name the start minute (stable across re-ingests) and the kind is the planted one", each((planted, found) => {
    const start = new Date(found.start);
    const minute = start.toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
    assert.equal(found.id, `INC-${minute}`);
    assert.equal(found.kind, planted.kind);
  }));

  test("routes: the planted routes that saw traffic in the window", each(async (planted, found) => {
    // DELETE /cancel-all is in INC-1's planted routes but nobody called it in those 3 minutes: no
    // log line can show it failing, so a detector cannot name it.
    const called = await warehouse.json<{route: string}>(
      `SELECT DISTINCT method || ' ' || route AS route FROM api_requests WHERE ts >= $start::TIMESTAMPTZ AND ts < $end::TIMESTAMPTZ`,
      {start: planted.start, end: planted.end}
    );
    const seen = new Set(called.map((r) => r.route));
    const expected = planted.routes.filter((route) => route.startsWith("WS ") || seen.has(route)).sort();
    assert.ok(expected.length > 0);
    assert.deepEqual([...found.routes].sort(), expected, planted.id);
  }));

  test("failed requests equal the planted count for REST incidents; none for the silent feed", each((planted, found) => {
    assert.equal(found.failed_requests, planted.failed_requests, planted.id);
    if (planted.kind === "ws_silent_feed") assert.equal(found.failed_orders, 0);
    else assert.ok(found.failed_orders >= found.failed_requests * 0.9 && found.failed_order_notional_usdc > 0, planted.id);
  }));

  test("affected people are the planted users (compared by their funder wallets), VIP by their tier", async () => {
    const rows = await warehouse.json<{incident_id: string; funders: string[]; people: number; vip: number}>(
      `SELECT a.incident_id, list(DISTINCT f ORDER BY f) AS funders, count(DISTINCT a.person_id)::INTEGER AS people,
         count(DISTINCT a.person_id) FILTER (WHERE u.tier = 'VIP')::INTEGER AS vip
       FROM incident_affected_users a JOIN users u USING (person_id), unnest(u.funders) AS t(f) GROUP BY a.incident_id`
    );
    for (const planted of world.truth.incidents) {
      const found = matched.get(planted.id)!;
      const row = rows.find((r) => r.incident_id === found.id);
      const expected = planted.affected_users.map((address) => address.toLowerCase()).sort();
      assert.deepEqual(row?.funders, expected, planted.id);
      assert.equal(found.affected_users, expected.length, `${planted.id}: one person per planted user`);
      assert.equal(row?.people, expected.length);
      assert.equal(found.affected_vip_users, row?.vip, `${planted.id}: VIP = affected people whose tier is VIP`);
      assert.ok(found.active_users >= found.affected_users);
      assert.equal(found.affected_share, found.affected_users / found.active_users);
    }
  });

  test("exactly the planted tickets are linked", each(async (planted, found) => {
    const detail = details.get(found.id)!;
    assert.deepEqual(detail.linked_tickets.map((t) => t.ticket_id).sort(), [...planted.ticket_ids].sort(), planted.id);
    assert.equal(found.tickets, planted.ticket_ids.length);
    for (const ticket of detail.linked_tickets) {
      assert.ok(ticket.by_affected_user && ticket.category_match, `${ticket.ticket_id} linked by ${JSON.stringify(ticket)}`);
      assert.match(ticket.person_id ?? "", /^u_[0-9a-f]{12}$/);
    }
  }));

  test("severity follows the documented bands of the affected share", each((planted, found) => {
    const share = found.affected_share ?? 0;
    assert.equal(found.severity, share >= 0.5 ? "SEV1" : share >= 0.2 ? "SEV2" : "SEV3", planted.id);
  }));

  test("the page's series: the affected routes' minutes around the window, failures inside it", each(async (planted, found) => {
    const detail = details.get(found.id)!;
    if (planted.kind === "ws_silent_feed") {
      const market = detail.channel_minutes.filter((m) => m.route === "WS /ws/market");
      const inside = market.filter((m) => Date.parse(m.minute) > Date.parse(found.start) && Date.parse(m.minute) + 60_000 <= Date.parse(found.end));
      assert.ok(inside.length > 30 && inside.every((m) => m.message_lines === 0 && m.pongs > 0), "PONGs but no messages inside");
      assert.ok(market.some((m) => m.minute < found.start && m.message_lines > 0), "messages before");
    } else {
      const failedInSeries = detail.route_minutes.reduce((sum, m) => sum + m.failed, 0);
      assert.equal(failedInSeries, found.failed_requests, "every failure of the window is in the chart's minutes");
      assert.ok(detail.route_minutes.some((m) => m.minute < found.start.slice(0, 16) && m.failed === 0), "healthy minutes before");
    }
    const charted = new Set([...detail.route_minutes, ...detail.channel_minutes].map((m) => m.route));
    assert.deepEqual([...charted].sort(), [...found.routes].sort(), "one series per affected route");
  }));

  test("the draft customer update and the impact statement state the figures", each((_planted, found) => {
    const {title, status, body} = found.customer_update;
    assert.ok(title.length > 0);
    assert.equal(status, "Resolved");
    const hhmmss = (iso: string) => iso.slice(11, 19);
    assert.match(body, new RegExp(`^Between ${hhmmss(found.start)} and ${hhmmss(found.end)} UTC on \\d+ \\w+ 2026 \\(`));
    assert.match(body, new RegExp(`\\(${found.affected_users} accounts?\\)`));
    assert.match(body, new RegExp(`About ${Math.round((found.affected_share ?? 0) * 100)}% of customers`));
    assert.doesNotMatch(body, /VIP|ticket|0x[0-9a-f]{6}|u_[0-9a-f]{12}/i, "the public update names no tier, ticket or person");
    if (found.failed_requests > 0) {
      assert.match(body, new RegExp(`${found.failed_requests.toLocaleString("en-US")} requests failed and ${found.failed_orders.toLocaleString("en-US")} orders \\(\\$[\\d,]+\\.\\d\\d notional\\) were not placed`));
    }
    const statement = found.impact_statement;
    assert.match(statement, new RegExp(`^${found.id} \\(${found.severity}, `));
    assert.match(statement, new RegExp(`including ${found.affected_vip_users} VIP and ${found.affected_api_users} API users?`));
    assert.match(statement, new RegExp(`${found.tickets} support tickets? linked`));
    assert.match(statement, new RegExp(`of the ${found.active_users} active during the window`));
  }));

  test("a period selects the incidents overlapping it", async () => {
    const inc2 = matched.get("INC-2")!;
    const only = await listIncidents(warehouse, {from: "2026-10-21T00:00:00Z", to: "2026-10-22T00:00:00Z"});
    assert.deepEqual(only.map((i) => i.id), [inc2.id]);
    const overlapping = await listIncidents(warehouse, {from: new Date(Date.parse(inc2.end) - 1000).toISOString(), to: "2026-11-01T00:00:00Z"});
    assert.deepEqual(overlapping.map((i) => i.id), [inc2.id]);
    assert.deepEqual(await listIncidents(warehouse, {from: "2026-12-01T00:00:00Z"}), []);
  });

  test("workbench report incidents: JSON fields, a period, md, and a bad --from", () => {
    const dir = mkdtempSync(join(tmpdir(), "incidents-cli-"));
    try {
      const db = join(dir, "w.duckdb");
      copyFileSync(world.db, db); // the CLI opens for writing; the shared cache stays untouched
      const run = (...args: string[]) => spawnSync(process.execPath, ["bin/workbench.mjs", "--db", db, "report", "incidents", ...args], {encoding: "utf-8", env: {...process.env, WORKBENCH_DB: ""}});
      const json = run("--format", "json");
      assert.equal(json.status, 0, json.stderr);
      const report = JSON.parse(json.stdout) as {from: null; to: null; incidents: Record<string, unknown>[]};
      assert.equal(report.incidents.length, world.truth.incidents.length);
      for (const planted of world.truth.incidents) {
        const found = matched.get(planted.id)!;
        const row = report.incidents.find((i) => i.id === found.id)!;
        for (const field of ["id", "start", "end", "routes", "failed_requests", "affected_users", "affected_vip_users", "tickets", "severity"] as const) {
          assert.deepEqual(row[field], found[field], `${found.id}.${field}`);
        }
        assert.equal(row.tickets, planted.ticket_ids.length);
        assert.equal((row.customer_update as {body: string}).body, found.customer_update.body);
      }
      const period = run("--from", "2026-11-01", "--to", "2026-11-30T00:00:00Z", "--format", "json");
      assert.equal(period.status, 0, period.stderr);
      assert.deepEqual(JSON.parse(period.stdout).incidents.map((i: {id: string}) => i.id), [matched.get("INC-3")!.id]);
      const md = run("--format", "md");
      assert.equal(md.status, 0, md.stderr);
      assert.match(md.stdout, /^# Incidents/);
      for (const i of incidents) assert.match(md.stdout, new RegExp(`## ${i.id}\\n\\n\\*\\*Impact\\.\\*\\* ${i.id} \\(`));
      const bad = run("--from", "last tuesday");
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--from must be an ISO 8601 date/);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});

describe("thresholds and merging on hand-made traffic", () => {
  let dir: string;
  let warehouse: Warehouse;
  let incidents: IncidentSummary[];
  const DAY = "2026-03-10";
  const BASELINE_START = "2026-03-07T00:00:00Z";

  /** `count` requests on one route, evenly from `start`, `everyMs` apart, from four users. */
  async function traffic(start: string, count: number, everyMs: number, request: {method: string; route: string; status: number; latency?: number}) {
    await warehouse.run(
      `INSERT INTO api_requests (request_id, ts, api_key_id, address, method, path, route, status, latency_ms)
       SELECT $id || '-' || n, $start::TIMESTAMPTZ + to_milliseconds(n * $every), 'key-' || (n % 4), '0x' || lpad((n % 4)::VARCHAR, 40, '0'),
         $method, $route, $route, $status, $latency
       FROM range($count) t(n)`,
      {id: `${request.method}${request.route}@${start}`, start, every: everyMs, count, method: request.method, route: request.route, status: request.status, latency: request.latency ?? 20}
    );
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "incidents-thresholds-"));
    warehouse = await Warehouse.open(join(dir, "w.duckdb"));
    // three quiet days of healthy traffic: the baseline
    await traffic(BASELINE_START, 3 * 1440 * 2, 30_000, {method: "POST", route: "/order", status: 200});
    await traffic(BASELINE_START, 3 * 1440, 60_000, {method: "GET", route: "/book", status: 200});
    // a lone background 500, and a minute with two: under min_failed_requests
    await traffic(`${DAY}T09:00:10Z`, 1, 1, {method: "POST", route: "/order", status: 500});
    await traffic(`${DAY}T09:30:10Z`, 2, 1000, {method: "POST", route: "/order", status: 500});
    // a burst of 4xx: the clients' problem, never an incident
    await traffic(`${DAY}T10:00:00Z`, 60, 5000, {method: "POST", route: "/order", status: 400});
    // two 425 bursts 3 minutes apart: one incident; a 503 outage an hour later: another
    await traffic(`${DAY}T11:00:05Z`, 36, 5000, {method: "POST", route: "/order", status: 425});
    await traffic(`${DAY}T11:06:05Z`, 24, 5000, {method: "POST", route: "/order", status: 425});
    await traffic(`${DAY}T12:00:05Z`, 120, 5000, {method: "POST", route: "/order", status: 503, latency: 3000});
    // slow but successful book requests for 5 minutes: a latency degradation
    await traffic(`${DAY}T14:00:00Z`, 60, 5000, {method: "GET", route: "/book", status: 200, latency: 2500});
    await refreshDerived(warehouse); // rows written by hand, not by an ingest run
    incidents = await listIncidents(warehouse);
  });

  after(() => {
    warehouse?.close();
    rmSync(dir, {recursive: true, force: true});
  });

  test("exactly the bursts, the outage and the slowdown are incidents", () => {
    assert.deepEqual(
      incidents.map((i) => [i.id, i.kind, i.routes]),
      [
        ["INC-20260310-1100", "matching_engine_restart", ["POST /order"]],
        ["INC-20260310-1200", "order_outage", ["POST /order"]],
        ["INC-20260310-1400", "latency_degradation", ["GET /book"]]
      ]
    );
  });

  test("merged bursts span both, with every failure counted", () => {
    const [restart, outage] = incidents;
    assert.equal(restart.start, "2026-03-10T11:00:05.000Z");
    assert.equal(restart.end, "2026-03-10T11:08:00.000Z");
    assert.equal(restart.failed_requests, 60);
    assert.equal(restart.affected_users, 4);
    assert.equal(outage.failed_requests, 120);
    assert.equal(outage.end, "2026-03-10T12:10:00.000Z");
  });
});
