// Entry point of the demo world generator: a seeded, deterministic world written day by day, so memory
// stays bounded at every scale. Same seed + scale => byte-identical files.
import {mkdirSync, rmSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {ChainLog, scheduleChainLife} from "./chain-actions.ts";
import {fixDay} from "./fix.ts";
import {backgroundTicketSpecs, buildConversation, tagIdMap, type TicketSpec} from "./intercom.ts";
import {buildMarkets, gammaMarket} from "./markets.ts";
import {Rng} from "./random.ts";
import {RestGateway, backgroundRequests, requestMultiplier} from "./rest-logs.ts";
import {incidentRetries, incidentTickets, planScenarios} from "./scenarios.ts";
import {Schedule} from "./schedule.ts";
import {LineSink} from "./sink.ts";
import {buildTruth, type ExpectedReject} from "./truth.ts";
import {WINDOW_DAYS, WINDOW_START, DAY_MS, buildWorld, dayStamp, type DemoScale} from "./world.ts";
import {backgroundSessions, sessionLines} from "./ws-logs.ts";

export type {DemoScale};

export interface DemoOptions {
  seed: number;
  scale: DemoScale;
  out: string;
  onProgress?: (done: number, total: number, label: string) => void;
}

export interface DemoSummary {
  out: string;
  files: {path: string; records: number}[];
  truth: string; // path of truth.json
}

/** The demo's own subdirectories of `out` (besides markets.json and truth.json). */
const OUTPUT_DIRS = ["intercom", "api-logs", "fix", "chain"];

/** Cuts a JSON line short, so it is no longer valid JSON (a planted `invalid_json` record). */
function truncate(line: string): string {
  return line.slice(0, Math.floor(line.length * 0.6));
}

export async function generateDemo(options: DemoOptions): Promise<DemoSummary> {
  const {seed, scale, out} = options;
  // Replace an earlier demo in `out` entirely: which days have FIX files depends on the seed.
  for (const entry of [...OUTPUT_DIRS, "markets.json", "truth.json"]) rmSync(join(out, entry), {recursive: true, force: true});
  mkdirSync(out, {recursive: true});
  const world = buildWorld(seed, scale);
  const markets = buildMarkets(seed);
  const schedule = new Schedule();
  const plan = planScenarios(world, markets, schedule);
  scheduleChainLife(schedule, world.users, markets, seed, plan);
  const files: {path: string; records: number}[] = [];
  const rejects: ExpectedReject[] = [];
  const steps = WINDOW_DAYS + 2;
  const progress = (done: number, label: string) => options.onProgress?.(done, steps, label);

  writeFileSync(join(out, "markets.json"), JSON.stringify(markets.map(gammaMarket), null, 2) + "\n");
  files.push({path: "markets.json", records: markets.length});

  const chainSink = new LineSink(out, "chain/actions.jsonl");
  const chain = new ChainLog(chainSink, Rng.from(seed, "chain-tx"));
  // Onboarding and V1-era history before the window: chain events only.
  for (const event of schedule.take(-1)) if (event.kind === "chain") event.run(chain);
  await chain.flush();

  const gateway = new RestGateway(world, markets, chain, plan);
  const multiplier = requestMultiplier(world);
  // A day's files finish compressing while the next day is generated; at most two days are in flight.
  let closing: Promise<{path: string; records: number}[]> = Promise.resolve([]);
  for (let day = 0; day < WINDOW_DAYS; day++) {
    const stamp = dayStamp(WINDOW_START + day * DAY_MS);
    gateway.beginDay(day);
    const background = backgroundRequests(world, day, multiplier);
    const retries = incidentRetries(background, plan.incidents, Rng.from(seed, "retries", day));
    const events = [...schedule.take(day), ...background, ...retries].sort((a, b) => a.at - b.at);

    const rest = new LineSink(out, `api-logs/rest-${stamp}.ndjson.gz`);
    for (const event of events) {
      if (event.kind === "chain") {
        event.run(chain);
        continue;
      }
      const line = gateway.handle(event);
      let text = JSON.stringify(line);
      // Plant one truncated line: an ordinary successful GET, so no incident or scenario loses evidence.
      if (day === plan.restRejectDay && !rejects.some((r) => r.file === rest.path) && rest.lines >= 500
        && line.status === 200 && line.method === "GET" && !event.user.scripted) {
        text = truncate(text);
        rejects.push({source: "api-logs", file: rest.path, line: rest.lines + 1, reason: "invalid_json"});
      }
      await rest.write(text);
    }
    const closes = [rest.close()];
    await chain.flush();

    const ws = new LineSink(out, `api-logs/ws-${stamp}.ndjson.gz`);
    const sessions = [...backgroundSessions(world, markets, day), ...(plan.wsSessions.get(day) ?? [])];
    for (let text of sessionLines(seed, day, sessions, plan.incidents)) {
      if (day === plan.wsRejectDay && !rejects.some((r) => r.file === ws.path) && ws.lines >= 200 && text.includes('"event":"ping"')) {
        text = truncate(text);
        rejects.push({source: "api-logs", file: ws.path, line: ws.lines + 1, reason: "invalid_json"});
      }
      await ws.write(text);
    }
    closes.push(ws.close());

    const fix = fixDay(world, markets, day, {
      gap: plan.fixGap.day === day ? plan.fixGap : undefined,
      reject: plan.fixRejects.get(day),
    });
    if (fix.lines.length) {
      const sink = new LineSink(out, fix.file);
      for (const text of fix.lines) await sink.write(text);
      closes.push(sink.close());
      rejects.push(...fix.rejects.map((r) => ({source: "fix" as const, file: fix.file, line: r.line, reason: r.reason})));
      if (fix.gap) plan.fixGap.onEvidence(fix.gap);
    }
    files.push(...(await closing));
    closing = Promise.all(closes);
    progress(day + 1, stamp);
  }
  files.push(...(await closing), await chainSink.close());

  // Tickets: the root causes' own, some from incident-affected users, and everyday background.
  const specs: {spec: TicketSpec; assign: (id: string) => void}[] = [
    ...plan.rootCauses.map((rc) => ({spec: rc.ticket(), assign: (id: string) => void (rc.ticketId = id)})),
    ...incidentTickets(world, plan, Rng.from(seed, "incident-tickets")).map(({incident, spec}) =>
      ({spec, assign: (id: string) => void incident.ticketIds.push(id)})),
  ];
  const wanted = Math.round(world.users.length * world.config.ticketsPerUser);
  for (const spec of backgroundTicketSpecs(world, markets, Math.max(0, wanted - specs.length))) {
    specs.push({spec, assign: () => undefined});
  }
  specs.sort((a, b) => a.spec.createdAt - b.spec.createdAt);
  const idRng = Rng.from(seed, "conversation-ids");
  let partId = 31_000_000_000;
  const ctx = {world, tagIds: tagIdMap(seed), nextPartId: () => String((partId += idRng.int(1, 9)))};
  const intercom = new LineSink(out, "intercom/conversations.jsonl");
  for (const [i, {spec, assign}] of specs.entries()) {
    const id = String(215_000_000_000 + i * 10 + idRng.int(0, 9));
    assign(id);
    await intercom.write(JSON.stringify(buildConversation(id, spec, ctx, Rng.from(seed, "conversation", i))));
  }
  files.push(await intercom.close());
  progress(WINDOW_DAYS + 1, "intercom");

  const truthPath = join(out, "truth.json");
  const truth = buildTruth(seed, scale, plan, chain.ledger, rejects, files);
  writeFileSync(truthPath, JSON.stringify(truth, null, 2) + "\n");
  progress(steps, "truth");
  return {out, files, truth: truthPath};
}
