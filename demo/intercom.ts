// Intercom conversations (GET /conversations/{id} objects) built from ticket specs by simulating the
// conversation's life: routing, replies, escalation, closes, reopens, snoozes, ratings and SLAs.
// Everything after the window end is cut off, and `statistics` is computed from the parts that remain.
// The demo workspace's office hours are 24/7, so office-hours durations equal calendar durations.
import type {Market} from "./markets.ts";
import {Rng} from "./random.ts";
import {CATEGORY_TAG, CLOSING_REPLIES, NOISE_TAGS, pastedCredentials, pickTicketText, type Category} from "./ticket-text.ts";
import {DAY_MS, HOUR_MS, WINDOW_DAYS, WINDOW_END, WINDOW_START, randomTimeOfDay, type Admin, type Team, type Tier,
  type TraderKind, type User, type World} from "./world.ts";

export interface TicketSpec {
  user: User;
  createdAt: number; // ms
  category: Category;
  subject: string;
  message: string;
  followUps: string[];
  /** Agent replies in order; the first answers the opening message. */
  replies: string[];
  wallet: string; // custom attribute "Wallet": the address the user gave
  escalate: boolean; // handed to the engineering team with an internal note
  note: string | null;
  /** Upper bound for the first admin reply (scenarios need the advice given before the fix). */
  maxFirstReplyMs?: number;
  /** Earliest time (ms) of the user's first follow-up: scenarios make it follow the fix in the logs. */
  firstFollowUpAt?: number;
  /** "bad" tickets (unresolvable complaints) rate low and reopen more often. */
  mood: "normal" | "bad";
  extraTags: string[];
}

export const SLA: Record<Tier, {name: string; targetS: number; medianReplyS: number}> = {
  VIP: {name: "VIP 30m first response", targetS: 30 * 60, medianReplyS: 9 * 60},
  advanced: {name: "Advanced 4h first response", targetS: 4 * 3600, medianReplyS: 50 * 60},
  standard: {name: "Standard 24h first response", targetS: 24 * 3600, medianReplyS: 4 * 3600},
};

type Author = {id: string; type: "admin" | "user" | "bot"; name: string; email: string};
type PartType = "comment" | "note" | "assignment" | "close" | "open" | "snoozed";

interface Part {
  at: number; // ms
  partType: PartType;
  author: Author;
  body: string | null;
  assignedTo: {type: "admin" | "team"; id: string} | null;
}

const BOT: Author = {id: "6012345", type: "bot", name: "Operator", email: "operator+demo@intercom.io"};

function html(text: string): string {
  const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return escaped.split("\n").map((p) => `<p>${p}</p>`).join("");
}

function secs(ms: number): number {
  return Math.floor(ms / 1000);
}

function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : Math.round((s[mid - 1] + s[mid]) / 2);
}

/** Intercom `statistics`, derived only from the source message and the parts. */
export function conversationStatistics(createdAt: number, parts: readonly {created_at: number; part_type: string;
  author: {type: string; id: string}}[]) {
  const adminReplies = parts.filter((p) => p.part_type === "comment" && p.author.type === "admin");
  const contactReplies = parts.filter((p) => p.part_type === "comment" && p.author.type === "user");
  const assignments = parts.filter((p) => p.part_type === "assignment");
  const closes = parts.filter((p) => p.part_type === "close");
  let closed = false;
  let reopens = 0;
  for (const p of parts) {
    if (p.part_type === "close") closed = true;
    else if (p.part_type === "open" && closed) {
      reopens++;
      closed = false;
    }
  }
  // Reply time: from the first contact message still waiting to each admin reply.
  const waits: number[] = [];
  let waitingSince: number | null = createdAt;
  for (const p of parts) {
    if (p.part_type !== "comment") continue;
    if (p.author.type === "user" && waitingSince === null) waitingSince = p.created_at;
    if (p.author.type === "admin" && waitingSince !== null) {
      waits.push(p.created_at - waitingSince);
      waitingSince = null;
    }
  }
  const lastAssignment = assignments.at(-1);
  const afterLastAssignment = lastAssignment && adminReplies.find((p) => p.created_at >= lastAssignment.created_at);
  const since = (t: number | undefined) => (t === undefined ? null : t - createdAt);
  return {
    type: "conversation_statistics",
    time_to_assignment: since(assignments[0]?.created_at),
    time_to_admin_reply: since(adminReplies[0]?.created_at),
    time_to_first_close: since(closes[0]?.created_at),
    time_to_last_close: since(closes.at(-1)?.created_at),
    median_time_to_reply: median(waits),
    first_contact_reply_at: createdAt,
    first_assignment_at: assignments[0]?.created_at ?? null,
    first_admin_reply_at: adminReplies[0]?.created_at ?? null,
    first_close_at: closes[0]?.created_at ?? null,
    last_assignment_at: lastAssignment?.created_at ?? null,
    last_assignment_admin_reply_at: afterLastAssignment ? afterLastAssignment.created_at : null,
    last_contact_reply_at: contactReplies.at(-1)?.created_at ?? createdAt,
    last_admin_reply_at: adminReplies.at(-1)?.created_at ?? null,
    last_close_at: closes.at(-1)?.created_at ?? null,
    last_closed_by_id: closes.at(-1)?.author.id ?? null,
    count_reopens: reopens,
    count_assignments: assignments.length,
    count_conversation_parts: parts.length,
  };
}

export interface IntercomContext {
  world: World;
  tagIds: Map<string, string>;
  nextPartId: () => string;
}

export function tagIdMap(seed: number): Map<string, string> {
  const rng = Rng.from(seed, "intercom-tags");
  return new Map([...Object.values(CATEGORY_TAG), ...NOISE_TAGS].map((name) => [name, String(rng.int(7_000_000, 9_999_999))]));
}

function adminAuthor(a: Admin): Author {
  return {id: a.id, type: "admin", name: a.name, email: a.email};
}

/** Simulates one conversation and renders it as Intercom's GET /conversations/{id} object. */
export function buildConversation(id: string, spec: TicketSpec, ctx: IntercomContext, rng: Rng): Record<string, unknown> {
  const {world} = ctx;
  const user = spec.user;
  const userAuthor: Author = {id: user.contactId, type: "user", name: user.name, email: user.email};
  const team: Team = user.tier === "standard" ? world.teams.tier1 : world.teams.advanced;
  const teamAdmins = world.admins.filter((a) => a.team === team);
  const engineers = world.admins.filter((a) => a.team === world.teams.engineering);
  const sla = SLA[user.tier];
  const parts: Part[] = [];
  const add = (at: number, partType: PartType, author: Author, body: string | null = null,
    assignedTo: Part["assignedTo"] = null) => parts.push({at, partType, author, body: body === null ? null : html(body), assignedTo});

  let t = spec.createdAt + rng.int(2, 20) * 1000;
  add(t, "assignment", BOT, null, {type: "team", id: team.id});
  let admin = rng.pick(teamAdmins);
  let firstReply = rng.logNormal(sla.medianReplyS, 1) * 1000;
  if (spec.maxFirstReplyMs !== undefined) firstReply = Math.min(firstReply, spec.maxFirstReplyMs);
  t = spec.createdAt + Math.max(60_000, firstReply);
  add(t - rng.int(10, 120) * 1000, "assignment", adminAuthor(admin), null, {type: "admin", id: admin.id});
  const spam = spec.extraTags.includes("spam");
  if (spam) {
    add(t, "close", adminAuthor(admin)); // closed without a reply: the SLA is cancelled
  } else {
    add(t, "comment", adminAuthor(admin), spec.replies[0]);
    if (spec.escalate && engineers.length) {
      t += rng.int(2, 20) * 60_000;
      add(t, "note", adminAuthor(admin), spec.note ?? "Escalating to engineering, see logs.");
      const engineer = rng.pick(engineers);
      add(t + 5_000, "assignment", adminAuthor(admin), null, {type: "team", id: world.teams.engineering.id});
      t += rng.logNormal(40, 0.7) * 60_000;
      add(t, "assignment", adminAuthor(engineer), null, {type: "admin", id: engineer.id});
      admin = engineer;
    }
    const replies = spec.replies.slice(1);
    for (let i = 0; i < Math.max(spec.followUps.length, replies.length); i++) {
      if (spec.followUps[i]) {
        t += rng.logNormal(35, 1) * 60_000;
        if (i === 0 && spec.firstFollowUpAt !== undefined) t = Math.max(t, spec.firstFollowUpAt);
        add(t, "comment", userAuthor, spec.followUps[i]);
      }
      t += rng.logNormal(sla.medianReplyS * 0.7, 0.8) * 1000;
      add(t, "comment", adminAuthor(admin), replies[i] ?? rng.pick(CLOSING_REPLIES));
    }
    const recent = WINDOW_END - spec.createdAt < 7 * 86_400_000;
    if (recent && rng.chance(0.25)) {
      add(t + rng.int(1, 30) * 60_000, "snoozed", adminAuthor(admin)); // waiting on the customer
    } else {
      t += rng.int(1, 45) * 60_000;
      add(t, "close", adminAuthor(admin));
      if (rng.chance(spec.mood === "bad" ? 0.35 : 0.07)) {
        t += rng.logNormal(18, 1) * 3_600_000;
        add(t, "open", userAuthor);
        add(t, "comment", userAuthor, spec.mood === "bad" ? "This is still not resolved." : "Sorry, one more question about this.");
        t += rng.logNormal(sla.medianReplyS, 0.8) * 1000;
        add(t, "comment", adminAuthor(admin), rng.pick(CLOSING_REPLIES));
        t += rng.int(1, 30) * 60_000;
        add(t, "close", adminAuthor(admin));
      }
    }
  }

  // Only what happened by the window end is visible.
  const visible = parts.filter((p) => p.at <= WINDOW_END).sort((a, b) => a.at - b.at);
  const stateChanges = visible.filter((p) => p.partType === "close" || p.partType === "open" || p.partType === "snoozed");
  const last = stateChanges.at(-1)?.partType;
  const state = last === "close" ? "closed" : last === "snoozed" ? "snoozed" : "open";
  const assignments = visible.filter((p) => p.partType === "assignment");
  const adminAssignee = [...assignments].reverse().find((p) => p.assignedTo?.type === "admin");
  const teamAssignee = [...assignments].reverse().find((p) => p.assignedTo?.type === "team");
  const created = secs(spec.createdAt);

  const renderedParts = visible.map((p) => ({
    type: "conversation_part",
    id: ctx.nextPartId(),
    part_type: p.partType,
    body: p.body,
    created_at: secs(p.at),
    updated_at: secs(p.at),
    notified_at: secs(p.at),
    assigned_to: p.assignedTo,
    author: p.author,
    attachments: [],
  }));
  const statistics = conversationStatistics(created, renderedParts);

  const firstAdminReply = statistics.first_admin_reply_at;
  let slaStatus: "hit" | "missed" | "cancelled" | "active";
  if (spam) slaStatus = "cancelled";
  else if (firstAdminReply !== null) slaStatus = firstAdminReply - created <= sla.targetS ? "hit" : "missed";
  else slaStatus = secs(WINDOW_END) - created > sla.targetS ? "missed" : "active";
  const slaApplied = rng.chance(0.03) ? null : {type: "conversation_sla_summary", sla_name: sla.name, sla_status: slaStatus};

  let rating: Record<string, unknown> | null = null;
  const closedBy = world.admins.find((a) => a.id === statistics.last_closed_by_id);
  const ratedAt = (statistics.last_close_at ?? 0) + rng.int(60, 3 * 3600);
  if (state === "closed" && !spam && closedBy && ratedAt <= secs(WINDOW_END) && rng.chance(0.45)) {
    const scores: [number, number][] = spec.mood === "bad" ? [[1, 35], [2, 30], [3, 20], [4, 10], [5, 5]]
      : slaStatus === "missed" ? [[1, 8], [2, 10], [3, 17], [4, 30], [5, 35]] : [[1, 2], [2, 3], [3, 6], [4, 24], [5, 65]];
    const score = rng.weighted(scores);
    const remarks = score <= 2 ? ["Took far too long.", "My problem was not solved.", null]
      : score === 3 ? ["OK but slow.", null] : ["Quick and helpful!", "Great support, thanks.", null, null];
    rating = {rating: score, remark: rng.pick(remarks), created_at: ratedAt,
      contact: {type: "contact", id: user.contactId, external_id: user.id}, teammate: {type: "admin", id: closedBy.id}};
  }

  const tagAt = statistics.first_admin_reply_at ?? created;
  const tagger = world.admins.find((a) => a.id === adminAssignee?.assignedTo?.id) ?? teamAdmins[0];
  const tags = [CATEGORY_TAG[spec.category], ...spec.extraTags].map((name) => ({
    type: "tag", id: ctx.tagIds.get(name) ?? "0", name, applied_at: tagAt, applied_by: {type: "admin", id: tagger.id},
  }));
  const updated = Math.max(created, ...renderedParts.map((p) => p.created_at), rating ? (rating.created_at as number) : 0);

  return {
    type: "conversation",
    id,
    created_at: created,
    updated_at: updated,
    title: spec.subject,
    state,
    open: state !== "closed",
    read: true,
    priority: user.tier === "VIP" ? "priority" : "not_priority",
    admin_assignee_id: adminAssignee?.assignedTo ? Number(adminAssignee.assignedTo.id) : null,
    team_assignee_id: teamAssignee?.assignedTo?.id ?? null,
    source: {
      type: "conversation",
      id: String(Number(id) * 10 + 1),
      delivered_as: "customer_initiated",
      subject: spec.subject,
      body: html(spec.message),
      author: userAuthor,
      attachments: [],
      url: null,
    },
    contacts: {type: "contact.list", contacts: [{type: "contact", id: user.contactId, external_id: user.id}]},
    tags: {type: "tag.list", tags},
    custom_attributes: {Tier: user.tier, Wallet: spec.wallet},
    conversation_rating: rating,
    sla_applied: slaApplied,
    statistics,
    conversation_parts: {type: "conversation_part.list", conversation_parts: renderedParts, total_count: renderedParts.length},
  };
}

const CATEGORY_MIX: Record<TraderKind, [Category, number][]> = {
  retail: [["deposit_withdrawal", 22], ["positions", 14], ["balance", 12], ["resolution", 8], ["order_validation", 7],
    ["account", 4], ["api_auth", 3], ["other", 20]],
  api: [["api_auth", 18], ["order_validation", 16], ["balance", 12], ["websocket", 12], ["rate_limit", 9],
    ["deposit_withdrawal", 8], ["positions", 4], ["resolution", 4], ["other", 10]],
  market_maker: [["api_auth", 12], ["order_validation", 14], ["websocket", 18], ["rate_limit", 16], ["balance", 8],
    ["deposit_withdrawal", 10], ["other", 8]],
};
const KIND_WEIGHT: Record<TraderKind, number> = {retail: 1, api: 3, market_maker: 4};

/** Everyday tickets: who writes, when, about what. Geoblocked users each write about their block. */
export function backgroundTicketSpecs(world: World, markets: readonly Market[], count: number): TicketSpec[] {
  const rng = Rng.from(world.seed, "background-tickets");
  const users = world.users.filter((u) => !u.scripted);
  const cumulative: number[] = [];
  let total = 0;
  for (const u of users) cumulative.push((total += KIND_WEIGHT[u.kind]));
  const pickUser = () => {
    const x = rng.float() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return users[lo];
  };
  const v2 = markets.filter((m) => m.era === "v2");
  const specs: TicketSpec[] = [];
  const make = (user: User, createdAt: number, category: Category) => {
    const wallet = rng.chance(0.85) ? user.funder : user.eoa; // users quote whichever address they know
    const text = pickTicketText(rng, category, {wallet, market: rng.pick(v2).question,
      amount: String(Math.round(rng.logNormal(300, 1)))});
    const api = ["api_auth", "order_validation", "websocket", "rate_limit", "fix"].includes(category);
    // now and then an API user pastes credentials into the ticket (redaction at ingest must catch them)
    const message = category === "api_auth" && specs.length % 11 === 5 ? `${text.message} ${pastedCredentials(user)}` : text.message;
    specs.push({user, createdAt, category, subject: text.subject, message, followUps: text.followUps,
      replies: [text.reply], wallet, escalate: api && rng.chance(0.15),
      note: null, mood: category === "resolution" && rng.chance(0.4) ? "bad" : "normal",
      extraTags: rng.chance(0.01) ? ["spam"] : rng.chance(0.25) ? [rng.pick(NOISE_TAGS.filter((t) => t !== "spam"))] : []});
  };
  const randomTime = () => {
    const day = rng.weighted(Array.from({length: WINDOW_DAYS}, (_, d) => [d, d % 7 === 0 || d % 7 === 6 ? 0.75 : 1] as const));
    return randomTimeOfDay(rng, WINDOW_START + day * DAY_MS);
  };
  for (const user of users.filter((u) => u.geoblocked)) make(user, Math.max(randomTime(), user.onboardedAt + DAY_MS), "account");
  while (specs.length < count) {
    const user = pickUser();
    const createdAt = randomTime();
    if (createdAt < user.onboardedAt + HOUR_MS) continue;
    const mix = user.fix ? [...CATEGORY_MIX[user.kind], ["fix", 10] as [Category, number]] : CATEGORY_MIX[user.kind];
    make(user, createdAt, rng.weighted(mix));
  }
  return specs;
}
