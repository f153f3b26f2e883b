// Binary markets of the demo world, across the V1 (USDC.e) and V2 (pUSD) eras, and their Gamma API
// representation for markets.json.
import {encodePacked, keccak256, stringToHex, type Address, type Hex} from "viem";
import {Rng} from "./random.ts";
import {ADDR, DAY_MS, HOUR_MS, V2_LAUNCH, WINDOW_DAYS, WINDOW_END, WINDOW_START, iso} from "./world.ts";

export type UmaEvent = "proposed" | "disputed" | "reset" | "resolved";

export interface UmaStep {
  event: UmaEvent;
  ts: number;
  /** Proposed or final outcome: "Yes", "No" or "50/50". */
  outcome: string | null;
}

export interface Resolution {
  resolvedAt: number;
  payouts: [number, number]; // CTF payout numerators for [Yes, No]
  uma: UmaStep[];
}

export interface Market {
  index: number;
  id: string; // Gamma id
  question: string;
  slug: string;
  category: string;
  description: string;
  resolutionSource: string;
  questionId: Hex;
  conditionId: Hex;
  tokenIds: [string, string]; // [Yes, No] ERC-1155 position ids (= CLOB asset ids)
  tickSize: number;
  minSize: number;
  negRisk: boolean;
  era: "v1" | "v2";
  collateral: Address;
  exchange: Address;
  createdAt: number;
  endDate: number;
  /** Null while unresolved at the window end. */
  resolution: Resolution | null;
  /** Mid price of the Yes token for each window day (index 0 = WINDOW_START). */
  dailyMid: number[];
  volume: number;
  /** Special roles the scenarios rely on. */
  role: "normal" | "disputed" | "fifty_fifty";
}

const QUESTIONS: [string, string][] = [
  ["Will the Fed cut rates at the December 2026 FOMC meeting?", "Economics"],
  ["Will US CPI year-over-year for October 2026 be above 3.0%?", "Economics"],
  ["Will Bitcoin close above $150,000 on November 30, 2026?", "Crypto"],
  ["Will Ethereum trade above $6,000 by December 31, 2026?", "Crypto"],
  ["Will Solana flip BNB by market cap in 2026?", "Crypto"],
  ["Will the Democrats win the House in the 2026 midterms?", "Politics"],
  ["Will the Republicans hold the Senate after the 2026 midterms?", "Politics"],
  ["Will voter turnout in the 2026 US midterms exceed 50%?", "Politics"],
  ["Will the Lakers win their season opener?", "Sports"],
  ["Will the Dodgers win the 2026 World Series?", "Sports"],
  ["Will Real Madrid win El Clásico on October 25, 2026?", "Sports"],
  ["Will Max Verstappen win the 2026 Mexico City Grand Prix?", "Sports"],
  ["Will a Category 5 hurricane make US landfall in 2026?", "Science"],
  ["Will SpaceX's Starship reach orbit before November 2026?", "Science"],
  ["Will OpenAI release GPT-6 before December 2026?", "Tech"],
  ["Will Apple announce a foldable iPhone in 2026?", "Tech"],
  ["Will NVIDIA be the largest company by market cap on November 1, 2026?", "Tech"],
  ["Will the ECB cut its deposit rate in October 2026?", "Economics"],
  ["Will US unemployment for October 2026 be 4.5% or higher?", "Economics"],
  ["Will gold close above $4,000/oz on October 31, 2026?", "Economics"],
  ["Will the Chiefs win Super Bowl LXI?", "Sports"],
  ["Will Taylor Swift announce a new album in 2026?", "Culture"],
  ["Will 'Dune: Part Three' gross over $100M opening weekend?", "Culture"],
  ["Will the UK hold a general election before 2027?", "Politics"],
  ["Will Germany's DAX close above 25,000 on November 13, 2026?", "Economics"],
  ["Will the USDC market cap exceed $100B in 2026?", "Crypto"],
  ["Will a spot SOL ETF see $1B inflows by October 2026?", "Crypto"],
  ["Will the Eagles beat the Cowboys on November 1, 2026?", "Sports"],
  ["Will the 2026 Nobel Peace Prize go to an organization?", "Culture"],
  ["Will Tesla deliver over 500k vehicles in Q3 2026?", "Tech"],
  ["Will Japan's Nikkei close above 50,000 on October 30, 2026?", "Economics"],
  ["Will Argentina's monthly inflation for September 2026 be below 2%?", "Economics"],
  ["Will the Celtics win the 2026 NBA Cup?", "Sports"],
  ["Will the Federal government shut down before November 15, 2026?", "Politics"],
  ["Will Bitcoin dominance exceed 60% on November 15, 2026?", "Crypto"],
  ["Will the 2026 Atlantic season have more than 18 named storms?", "Science"],
  ["Will Google announce Gemini 4 before November 2026?", "Tech"],
  ["Will Brazil's Selic rate be cut in September 2026?", "Economics"],
  ["Will Canada's Liberal Party lead national polls on October 1, 2026?", "Politics"],
  ["Will the S&P 500 close above 7,500 on November 20, 2026?", "Economics"],
];

const V1_MARKETS = 8;

function slugify(q: string): string {
  return q.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 70);
}

/** Gamma encodes arrays as JSON strings with ", " separators. */
function gammaList(items: readonly string[]): string {
  return `[${items.map((x) => JSON.stringify(x)).join(", ")}]`;
}

export function roundToTick(price: number, tick: number): number {
  const steps = Math.round(price / tick);
  return Number((steps * tick).toFixed(tick < 0.01 ? 3 : 2));
}

/** Demo stand-in for CTF position ids: the real id needs the alt_bn128 collection-id derivation. */
function positionId(collateral: Address, conditionId: Hex, indexSet: number): string {
  return BigInt(keccak256(encodePacked(["address", "bytes32", "uint256"], [collateral, conditionId, BigInt(indexSet)]))).toString();
}

function disputedTimeline(end: number): Resolution {
  const p1 = end + 2 * HOUR_MS;
  const d1 = p1 + 75 * 60_000;
  const p2 = d1 + 5 * HOUR_MS;
  const d2 = p2 + 95 * 60_000;
  const resolved = d2 + 60 * HOUR_MS; // second dispute goes to the UMA token-holder vote (48-72 h)
  return {
    resolvedAt: resolved,
    payouts: [0, 1],
    uma: [
      {event: "proposed", ts: p1, outcome: "Yes"},
      {event: "disputed", ts: d1, outcome: null},
      {event: "reset", ts: d1, outcome: null},
      {event: "proposed", ts: p2, outcome: "No"},
      {event: "disputed", ts: d2, outcome: null},
      {event: "resolved", ts: resolved, outcome: "No"},
    ],
  };
}

function plainTimeline(end: number, payouts: [number, number], rng: Rng): Resolution {
  const proposed = end + rng.int(30, 240) * 60_000;
  const resolved = proposed + 2 * HOUR_MS + rng.int(1, 30) * 60_000; // two-hour liveness
  const outcome = payouts[0] === payouts[1] ? "50/50" : payouts[0] === 1 ? "Yes" : "No";
  return {
    resolvedAt: resolved,
    payouts,
    uma: [{event: "proposed", ts: proposed, outcome}, {event: "resolved", ts: resolved, outcome}],
  };
}

export function buildMarkets(seed: number): Market[] {
  const rng = Rng.from(seed, "markets");
  // V2 markets resolving inside the window, spread so resolutions land between day 12 and day 58.
  const resolvingV2 = [12, 18, 24, 29, 35, 41, 47, 52, 58];
  const disputedSlot = 3; // resolvingV2[3]
  const fiftySlot = 6;
  const markets: Market[] = [];
  QUESTIONS.forEach(([question, category], index) => {
    const era = index < V1_MARKETS ? "v1" : "v2";
    const v2Index = index - V1_MARKETS;
    const resolveSlot = era === "v2" && v2Index < resolvingV2.length ? v2Index : -1;
    const role = resolveSlot === disputedSlot ? "disputed" : resolveSlot === fiftySlot ? "fifty_fifty" : "normal";
    let createdAt: number;
    let endDate: number;
    if (era === "v1") {
      createdAt = Date.UTC(2025, 11, 1) + rng.int(0, 80) * DAY_MS;
      endDate = Math.min(createdAt + rng.int(20, 60) * DAY_MS, V2_LAUNCH - 5 * DAY_MS);
    } else if (resolveSlot >= 0) {
      endDate = WINDOW_START + resolvingV2[resolveSlot] * DAY_MS + rng.int(14, 22) * HOUR_MS;
      createdAt = Math.min(endDate - 30 * DAY_MS, WINDOW_START - rng.int(5, 60) * DAY_MS);
    } else {
      // Still open at the window end; a few are listed during the window.
      createdAt = v2Index % 6 === 5 ? WINDOW_START + rng.int(5, 50) * DAY_MS : V2_LAUNCH + rng.int(10, 130) * DAY_MS;
      endDate = WINDOW_END + rng.int(10, 120) * DAY_MS;
    }
    const collateral: Address = era === "v1" ? ADDR.usdce : ADDR.pusd;
    const negRisk = index % 5 === 4;
    const exchange: Address = era === "v1"
      ? (negRisk ? ADDR.negRiskExchangeV1 : ADDR.ctfExchangeV1)
      : (negRisk ? ADDR.negRiskExchangeV2 : ADDR.ctfExchangeV2);
    const questionId = keccak256(stringToHex(`${seed}:question:${index}`));
    const oracle: Address = negRisk ? ADDR.negRiskAdapter : ADDR.umaCtfAdapter;
    const conditionId = keccak256(encodePacked(["address", "bytes32", "uint256"], [oracle, questionId, 2n]));
    const yesWins = rng.chance(0.5);
    const payouts: [number, number] = role === "fifty_fifty" ? [1, 1] : yesWins ? [1, 0] : [0, 1];
    const resolution = era === "v1" || resolveSlot >= 0
      ? role === "disputed" ? disputedTimeline(endDate) : plainTimeline(endDate, payouts, rng)
      : null;
    const tickSize = index % 3 === 2 ? 0.001 : 0.01;
    // Price path: a logistic random walk that converges on the outcome before a resolution.
    const target = resolution ? (resolution.payouts[0] === resolution.payouts[1] ? 0.5 : resolution.payouts[0]) : null;
    let logit = rng.normal() * 1.2;
    const dailyMid: number[] = [];
    for (let d = 0; d < WINDOW_DAYS; d++) {
      logit += rng.normal() * 0.18;
      let mid = 1 / (1 + Math.exp(-logit));
      if (target !== null && resolution) {
        const daysLeft = (resolution.resolvedAt - (WINDOW_START + d * DAY_MS)) / DAY_MS;
        const pull = Math.max(0, Math.min(1, 1 - daysLeft / 10));
        mid = mid * (1 - pull * 0.9) + target * pull * 0.9;
      }
      dailyMid.push(Math.min(0.97, Math.max(0.03, roundToTick(mid, tickSize))));
    }
    markets.push({
      index,
      id: String(500_000 + index * 137 + rng.int(0, 100)),
      question,
      slug: slugify(question),
      category,
      description: `This market resolves to "Yes" if the answer to "${question}" is yes according to the ` +
        `resolution source by ${iso(endDate).slice(0, 10)} 23:59 ET, and to "No" otherwise. ` +
        "If the outcome cannot be determined from the resolution source, the market resolves 50-50.",
      resolutionSource: category === "Crypto" ? "https://www.binance.com" : "https://www.reuters.com",
      questionId,
      conditionId,
      tokenIds: [positionId(collateral, conditionId, 1), positionId(collateral, conditionId, 2)],
      tickSize,
      minSize: rng.pick([5, 5, 5, 15]),
      negRisk,
      era,
      collateral,
      exchange,
      createdAt,
      endDate,
      resolution,
      dailyMid,
      volume: Math.round(rng.logNormal(800_000, 1.2) * 100) / 100,
      role,
    });
  });
  return markets;
}

/** The question's UMA ancillary data, in the adapter's format (title, rules, price map, initializer). */
export function ancillaryData(m: Market): string {
  return `q: title: ${m.question}, description: ${m.description} res_data: p1: 0, p2: 1, p3: 0.5. ` +
    "Where p1 corresponds to No, p2 to Yes, p3 to unknown/50-50.,initializer:" + ADDR.umaCtfAdapter.slice(2).toLowerCase();
}

/** Whether the market accepts orders at `ts` (listed, not past its end date, not resolved). */
export function isTradable(m: Market, ts: number): boolean {
  const stop = Math.min(m.endDate, m.resolution?.resolvedAt ?? Infinity);
  return m.era === "v2" && ts >= m.createdAt && ts < stop;
}

export function midPrice(m: Market, ts: number): number {
  const d = Math.max(0, Math.min(WINDOW_DAYS - 1, Math.floor((ts - WINDOW_START) / DAY_MS)));
  return m.dailyMid[d];
}

/** The market as the Gamma API returns it (state as of the window end). */
export function gammaMarket(m: Market): Record<string, unknown> {
  const r = m.resolution;
  const resolved = r !== null && r.resolvedAt <= WINDOW_END;
  const last = m.dailyMid[WINDOW_DAYS - 1];
  const prices = !resolved ? [String(last), String(roundToTick(1 - last, m.tickSize))]
    : r.payouts[0] === r.payouts[1] ? ["0.5", "0.5"] : r.payouts.map(String);
  const statuses = m.resolution?.uma.filter((s) => s.event !== "reset" && s.ts <= WINDOW_END).map((s) => s.event) ?? [];
  return {
    id: m.id,
    question: m.question,
    conditionId: m.conditionId,
    slug: m.slug,
    resolutionSource: m.resolutionSource,
    endDate: iso(m.endDate),
    startDate: iso(m.createdAt),
    createdAt: iso(m.createdAt),
    category: m.category,
    description: m.description,
    outcomes: gammaList(["Yes", "No"]),
    outcomePrices: gammaList(prices),
    volume: m.volume.toFixed(2),
    active: !resolved,
    closed: resolved,
    archived: false,
    acceptingOrders: isTradable(m, WINDOW_END - 1),
    enableOrderBook: true,
    orderPriceMinTickSize: m.tickSize,
    orderMinSize: m.minSize,
    negRisk: m.negRisk,
    questionID: m.questionId,
    clobTokenIds: gammaList(m.tokenIds),
    umaResolutionStatus: statuses.length ? statuses[statuses.length - 1] : null,
    umaResolutionStatuses: gammaList(statuses),
    closedTime: resolved ? iso(r.resolvedAt) : null,
    updatedAt: iso(Math.max(m.createdAt, ...(m.resolution?.uma.filter((s) => s.ts <= WINDOW_END).map((s) => s.ts) ?? []))),
  };
}
