// The demo world's population: users with wallets, API credentials and habits, and the support
// organisation (teams and admins) that answers their tickets.
import {getAddress, getContractAddress, keccak256, stringToHex, type Address, type Hex} from "viem";
import {Rng} from "./random.ts";

export type DemoScale = "small" | "medium" | "large";

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
/** The demo window: ten weeks ending 2026-11-22T00:00:00Z. */
export const WINDOW_END = Date.UTC(2026, 10, 22);
export const WINDOW_DAYS = 70;
export const WINDOW_START = WINDOW_END - WINDOW_DAYS * DAY_MS;
/** CLOB V2 (pUSD collateral, V2 order shape) went live on this date. */
export const V2_LAUNCH = Date.UTC(2026, 3, 28);

/** Contract addresses from shared/domain.md (Polygon, chain id 137). */
export const ADDR = {
  usdce: "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174",
  pusd: "0xC011a7E12a19f7B1f670d46F03B03f3342E82DFB",
  conditionalTokens: "0x4D97DCd97eC945f40cF65F87097ACe5EA0476045",
  ctfExchangeV1: "0x4bFb41d5B3570DeFd03C39a9A4D8dE6Bd8B8982E",
  negRiskExchangeV1: "0xC5d563A36AE78145C45a50134d48A1215220f80a",
  ctfExchangeV2: "0xE111180000d2663C0091e4f400237545B87B996B",
  negRiskExchangeV2: "0xe2222d279d744050d28e00520010520000310F59",
  negRiskAdapter: "0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296",
  umaCtfAdapter: "0x6A9D222616C90FcA5754cd1333cFD9b7fb6a4F74",
  proxyFactory: "0xaB45c5A4B0c941a2F231C04C3f49182e1A254052",
  safeFactory: "0xaacFeEa03eb1561C4e67d661e40682Bd20E3541b",
} as const satisfies Record<string, Address>;

/** Demo stand-ins (not the real init code): CREATE2 needs an init-code hash, and the deposit-wallet
 *  factory is not in domain.md. Derived funders are deterministic but not the production addresses. */
export const DEMO_PROXY_INIT_CODE_HASH = keccak256(stringToHex("demo stand-in: polymarket proxy wallet init code"));
export const DEMO_SAFE_INIT_CODE_HASH = keccak256(stringToHex("demo stand-in: gnosis safe proxy init code"));
export const DEMO_DEPOSIT_WALLET_FACTORY = hashAddress("demo stand-in: deposit wallet factory");
export const DEMO_DEPOSIT_WALLET_INIT_CODE_HASH = keccak256(stringToHex("demo stand-in: deposit wallet init code"));

export type Tier = "VIP" | "advanced" | "standard";
export type WalletType = "eoa" | "proxy" | "safe" | "deposit_wallet";
export type TraderKind = "retail" | "api" | "market_maker";
export type SignatureType = 0 | 1 | 2 | 3;

export const SIGNATURE_TYPE: Record<WalletType, SignatureType> = {eoa: 0, proxy: 1, safe: 2, deposit_wallet: 3};

export interface ApiKey {
  id: string; // UUID, sent as POLY_API_KEY and FIX 553
  secret: string; // url-safe base64, HMAC key for POLY_SIGNATURE
  passphrase: string;
}

export interface FixSession {
  senderCompId: string;
  password: string; // FIX 554
  startHour: number; // UTC hour the firm usually logs on
}

export interface User {
  index: number;
  id: string; // external id in Intercom
  contactId: string; // Intercom contact id (24 hex)
  name: string;
  email: string;
  kind: TraderKind;
  tier: Tier;
  walletType: WalletType;
  signatureType: SignatureType;
  eoa: Address;
  funder: Address; // equals eoa for walletType "eoa"
  apiKey: ApiKey;
  clientIp: string;
  userAgent: string;
  onboardedAt: number; // ms; first deposit
  activeDayProb: number;
  requestsPerActiveDay: number; // before scale normalisation
  usesWebSocket: boolean;
  fix: FixSession | null;
  geoblocked: boolean; // every request gets Cloudflare's 403 page
  legacyClientUntil: number | null; // sends V1-shaped orders until this time (ms)
  typicalDeposit: number; // collateral units (whole pUSD)
  /** Root-cause users: their order flow is scripted by scenarios.ts, background traffic is read-only. */
  scripted: boolean;
}

export interface Team {
  id: string;
  name: string;
}

export interface Admin {
  id: string; // digits, as Intercom admin ids
  name: string;
  email: string;
  team: Team;
}

export interface ScaleConfig {
  users: number;
  restLinesPerDay: number;
  wsLinesPerDay: number;
  fixUsers: number;
  ticketsPerUser: number;
}

export const SCALES: Record<DemoScale, ScaleConfig> = {
  small: {users: 2_000, restLinesPerDay: 3_100, wsLinesPerDay: 1_300, fixUsers: 2, ticketsPerUser: 1.45},
  medium: {users: 10_000, restLinesPerDay: 31_000, wsLinesPerDay: 13_000, fixUsers: 4, ticketsPerUser: 1.2},
  large: {users: 30_000, restLinesPerDay: 100_000, wsLinesPerDay: 60_000, fixUsers: 6, ticketsPerUser: 1.0},
};

export interface World {
  seed: number;
  scale: DemoScale;
  config: ScaleConfig;
  users: User[];
  byEoa: Map<string, User>;
  teams: {tier1: Team; advanced: Team; engineering: Team};
  admins: Admin[];
}

let isoDay = NaN;
let isoPrefix = "";
const pad2 = (n: number) => (n < 10 ? "0" : "") + n;

/** ISO-8601 UTC with milliseconds, like Date#toISOString (the day prefix is cached: this is called per line). */
export function iso(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  if (day !== isoDay) [isoDay, isoPrefix] = [day, new Date(day * DAY_MS).toISOString().slice(0, 11)];
  const t = ms - day * DAY_MS;
  const milli = t % 1000;
  return `${isoPrefix}${pad2(Math.floor(t / HOUR_MS))}:${pad2(Math.floor(t / 60_000) % 60)}:` +
    `${pad2(Math.floor(t / 1000) % 60)}.${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}Z`;
}

/** YYYY-MM-DD of a day start, used in file names. */
export function dayStamp(ms: number): string {
  return iso(ms).slice(0, 10);
}

/** Relative activity by UTC hour: a global 24/7 market with a US-afternoon peak. */
export const HOURLY_WEIGHT = [
  0.55, 0.5, 0.45, 0.4, 0.38, 0.4, 0.45, 0.55, 0.7, 0.8, 0.85, 0.9, 0.95, 1.1, 1.3, 1.45, 1.5, 1.45, 1.35, 1.2, 1.05,
  0.9, 0.75, 0.65,
];

/** A random time inside [dayStart, dayStart + 1 day) following HOURLY_WEIGHT. */
export function randomTimeOfDay(rng: Rng, dayStart: number): number {
  const hour = rng.weighted(HOURLY_WEIGHT.map((w, h) => [h, w] as const));
  return dayStart + hour * HOUR_MS + Math.floor(rng.float() * HOUR_MS);
}

export function hashAddress(label: string): Address {
  return getAddress(`0x${keccak256(stringToHex(label)).slice(26)}`);
}

/** Funder for a wallet type, CREATE2-derived from the EOA like the production factories do. */
function deriveFunder(eoa: Address, walletType: WalletType): Address {
  const salt: Hex = keccak256(eoa);
  switch (walletType) {
    case "eoa":
      return eoa;
    case "proxy":
      return getContractAddress({opcode: "CREATE2", from: ADDR.proxyFactory, salt, bytecodeHash: DEMO_PROXY_INIT_CODE_HASH});
    case "safe":
      return getContractAddress({opcode: "CREATE2", from: ADDR.safeFactory, salt, bytecodeHash: DEMO_SAFE_INIT_CODE_HASH});
    case "deposit_wallet":
      return getContractAddress({
        opcode: "CREATE2",
        from: DEMO_DEPOSIT_WALLET_FACTORY,
        salt,
        bytecodeHash: DEMO_DEPOSIT_WALLET_INIT_CODE_HASH,
      });
  }
}

const FIRST = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Priya", "Wei",
  "Diego", "Lena", "Omar", "Yuki", "Nina", "Marco", "Aisha", "Tomás", "Ingrid", "Kofi", "Mei", "Ravi", "Sofia", "Lucas",
  "Hana", "Ivan", "Chloe", "Mateo"];
const LAST = ["Nguyen", "Smith", "Garcia", "Kim", "Patel", "Müller", "Rossi", "Silva", "Cohen", "Okafor", "Tanaka",
  "Novak", "Larsen", "Dubois", "Haddad", "Ivanova", "Moreau", "Schmidt", "Chen", "Kowalski", "Fischer", "Alvarez",
  "Brown", "Singh", "Yamamoto", "Costa", "Andersen", "Weber", "Lopez", "Reyes"];
const MAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example", "users.example"];
const FIRM_NAMES = ["Acme Capital", "Northwind Trading", "Blue Harbor Markets", "Kestrel Quant", "Lattice Liquidity",
  "Meridian Alpha", "Orchid Systematic", "Parallax MM", "Quillon Labs", "Sable Arbitrage", "Tidal Edge", "Vantage Flow"];

const BROWSER_AGENTS = [
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (X11; Linux x86_64; rv:144.0) Gecko/20100101 Firefox/144.0",
];
const SDK_AGENTS = ["py_clob_client/0.28.0", "py_clob_client/0.25.0", "@polymarket/clob-client/5.2.1",
  "@polymarket/clob-client-v2/1.4.0", "rs-clob-client/0.3.2", "python-requests/2.32.5", "Go-http-client/2.0"];
/** Old SDK that still builds V1 orders (rejected with "invalid order version"). */
export const LEGACY_AGENT = "py_clob_client/0.21.0";

function randomIp(rng: Rng): string {
  // 100.64.0.0/10 (carrier-grade NAT space): realistic-looking, never a real customer's address.
  return `100.${rng.int(64, 127)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

function pickOnboarding(rng: Rng, walletType: WalletType): number {
  const eraStart = Date.UTC(2025, 10, 1);
  const era = walletType === "deposit_wallet" ? rng.weighted([["v2", 0.8], ["window", 0.2]] as const)
    : rng.weighted([["v1", 0.3], ["v2", 0.55], ["window", 0.15]] as const);
  const [from, to] = era === "v1" ? [eraStart, V2_LAUNCH - DAY_MS] : era === "v2" ? [V2_LAUNCH + 14 * DAY_MS, WINDOW_START]
    : [WINDOW_START, WINDOW_END - 10 * DAY_MS];
  return from + Math.floor(rng.float() * (to - from));
}

function buildUser(seed: number, index: number, kind: TraderKind): User {
  const rng = Rng.from(seed, "user", index);
  const walletType: WalletType =
    kind === "market_maker" ? rng.weighted([["eoa", 0.6], ["safe", 0.4]] as const)
      : kind === "api" ? rng.weighted([["eoa", 0.35], ["safe", 0.35], ["proxy", 0.2], ["deposit_wallet", 0.1]] as const)
        : rng.weighted([["proxy", 0.45], ["safe", 0.45], ["eoa", 0.05], ["deposit_wallet", 0.05]] as const);
  const tier: Tier = kind === "market_maker" ? "VIP"
    : kind === "api" ? (rng.chance(0.15) ? "VIP" : "advanced")
      : rng.weighted([["standard", 0.965], ["advanced", 0.03], ["VIP", 0.005]] as const);
  const first = rng.pick(FIRST);
  const last = rng.pick(LAST);
  const firm = kind === "retail" ? null : rng.pick(FIRM_NAMES);
  const handle = `${first}.${last}`.toLowerCase().normalize("NFD").replace(/[^a-z.]/g, "");
  const email = firm
    ? `${handle}@${firm.toLowerCase().replace(/[^a-z]/g, "")}.example`
    : `${handle}${rng.int(1, 999)}@${rng.pick(MAIL_DOMAINS)}`;
  const eoa = hashAddress(`${seed}:eoa:${index}`);
  const profile = {
    retail: {p: rng.logNormal(0.2, 0.5), rate: rng.logNormal(10, 0.6), deposit: rng.logNormal(250, 1)},
    api: {p: Math.min(0.95, rng.logNormal(0.55, 0.3)), rate: rng.logNormal(120, 0.8), deposit: rng.logNormal(6_000, 0.8)},
    market_maker: {p: 0.97, rate: rng.logNormal(900, 0.5), deposit: rng.logNormal(400_000, 0.4)},
  }[kind];
  return {
    index,
    id: `usr_${String(index + 1).padStart(6, "0")}`,
    contactId: rng.hex(12),
    name: firm && kind === "market_maker" ? `${first} ${last} (${firm})` : `${first} ${last}`,
    email,
    kind,
    tier,
    walletType,
    signatureType: SIGNATURE_TYPE[walletType],
    eoa,
    funder: deriveFunder(eoa, walletType),
    apiKey: {id: rng.uuid(), secret: rng.base64url(32), passphrase: rng.hex(32)},
    clientIp: randomIp(rng),
    userAgent: kind === "retail" ? rng.pick(BROWSER_AGENTS) : rng.pick(SDK_AGENTS),
    onboardedAt: pickOnboarding(rng, walletType),
    activeDayProb: Math.min(1, profile.p),
    requestsPerActiveDay: profile.rate,
    usesWebSocket: kind === "market_maker" || (kind === "api" && rng.chance(0.5)),
    fix: null,
    geoblocked: false,
    legacyClientUntil: null,
    typicalDeposit: Math.max(20, Math.round(profile.deposit)),
    scripted: false,
  };
}

function buildSupport(seed: number): Pick<World, "teams" | "admins"> {
  const rng = Rng.from(seed, "support");
  const team = (name: string): Team => ({id: String(rng.int(5_000_000, 9_999_999)), name});
  const teams = {tier1: team("Tier 1"), advanced: team("Advanced Support"), engineering: team("Escalations – Engineering")};
  const people: [string, Team][] = [
    ["Dana Whitfield", teams.tier1], ["Kenji Mori", teams.tier1], ["Fatima Zahra", teams.tier1],
    ["Lucas Brandt", teams.tier1], ["Olivia Park", teams.advanced], ["Marcus Obi", teams.advanced],
    ["Elena Sokolova", teams.advanced], ["Ray Castillo", teams.engineering], ["Ines Duarte", teams.engineering],
  ];
  const admins = people.map(([name, t]) => ({
    id: String(rng.int(4_000_000, 8_999_999)),
    name,
    email: `${name.split(" ")[0].toLowerCase()}@support.example`,
    team: t,
  }));
  return {teams, admins};
}

export function buildWorld(seed: number, scale: DemoScale): World {
  const config = SCALES[scale];
  const rng = Rng.from(seed, "world");
  const makers = Math.max(4, Math.round(config.users * 0.005));
  const apiTraders = Math.round(config.users * 0.08);
  const users: User[] = [];
  for (let i = 0; i < config.users; i++) {
    const kind: TraderKind = i < makers ? "market_maker" : i < makers + apiTraders ? "api" : "retail";
    users.push(buildUser(seed, i, kind));
  }
  // Market makers provide liquidity from day one, so they must be onboarded before the window.
  for (const u of users.slice(0, makers)) u.onboardedAt = Math.min(u.onboardedAt, WINDOW_START - 30 * DAY_MS);

  const vipApi = users.filter((u) => u.kind === "api" && u.tier === "VIP" && u.onboardedAt < WINDOW_START);
  rng.shuffle(vipApi).slice(0, config.fixUsers).forEach((u, i) => {
    const firm = u.email.split("@")[1].split(".")[0].toUpperCase().slice(0, 8);
    u.fix = {senderCompId: `${firm}_FIX${i + 1}`, password: rng.base64(18), startHour: rng.int(12, 15)};
  });
  const retail = users.filter((u) => u.kind === "retail" && u.onboardedAt < WINDOW_START);
  for (const u of rng.shuffle(retail).slice(0, Math.max(3, Math.round(config.users / 500)))) u.geoblocked = true;
  const api = users.filter((u) => u.kind === "api" && !u.fix && u.onboardedAt < WINDOW_START);
  for (const u of rng.shuffle(api).slice(0, Math.max(2, Math.round(config.users / 700)))) {
    u.legacyClientUntil = WINDOW_START + rng.int(5, 40) * DAY_MS;
  }
  return {seed, scale, config, users, byEoa: new Map(users.map((u) => [u.eoa, u])), ...buildSupport(seed)};
}
