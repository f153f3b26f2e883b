// Ticket categories, their Intercom tags, and message templates for background conversations.
// Error strings are quoted verbatim from the CLOB (see ERR in rest-logs.ts).
import {createHash} from "node:crypto";
import type {Rng} from "./random.ts";
import {ERR} from "./rest-logs.ts";

export type Category =
  | "api_auth" | "balance" | "order_validation" | "rate_limit" | "engine_restart" | "api_outage" | "websocket"
  | "fix" | "deposit_withdrawal" | "positions" | "resolution" | "account" | "other";

/** Intercom tag name of each category (docs/truth.md lists the mapping). */
export const CATEGORY_TAG: Record<Category, string> = {
  api_auth: "api-auth-signature",
  balance: "balance-allowance",
  order_validation: "order-validation",
  rate_limit: "rate-limit",
  engine_restart: "matching-engine-restart",
  api_outage: "api-outage-5xx",
  websocket: "websocket",
  fix: "fix-session",
  deposit_withdrawal: "deposit-withdrawal",
  positions: "positions-redemption",
  resolution: "resolution-dispute",
  account: "account-geoblock",
  other: "other",
};

/** Tags that carry no category: workflow markers agents add. */
export const NOISE_TAGS = ["vip-followup", "needs-engineering", "bug-report", "feedback", "duplicate", "macro-used",
  "kb-gap", "refund-request", "spam"];

export interface TextContext {
  wallet: string;
  market: string;
  amount: string;
}

type Template = (c: TextContext) => string;

interface CategoryText {
  subjects: string[];
  openers: Template[];
  followUps: string[];
  replies: Template[];
}

const TEXT: Record<Category, CategoryText> = {
  api_auth: {
    subjects: ["API key not working", "401 on every request", "invalid signature when posting orders"],
    openers: [
      () => `Every authenticated call returns 401 "${ERR.invalidApiKey}". I created the key an hour ago with create_or_derive_api_creds.`,
      (c) => `Posting orders fails with "${ERR.invalidSignature}". Wallet ${c.wallet}. What signature_type should I use?`,
      () => `I rotated my API key and now the old bot gets "${ERR.invalidApiKey}". Do keys take time to activate?`,
    ],
    followUps: ["Still failing after regenerating the key.", "It works now, thanks. What was wrong?"],
    replies: [
      () => "New API credentials can take about two minutes to become valid. Please also check that POLY_ADDRESS is the signer (EOA) the key was derived from.",
      () => "That error usually means the signature type does not match your wallet: browser-wallet accounts use signature_type 2 with your Polymarket profile address as the funder.",
    ],
  },
  balance: {
    subjects: ["Balance shows 0", "not enough balance / allowance", "Can't place orders, balance missing"],
    openers: [
      (c) => `My orders fail with "${ERR.balance}" but I have ${c.amount} pUSD in ${c.wallet}.`,
      () => "The balance-allowance endpoint returns 0 even though the site shows my cash. What am I missing?",
    ],
    followUps: ["I called the update endpoint and it shows the right number now.", "Still zero."],
    replies: [
      () => "The CLOB caches your on-chain balance. Please call GET /balance-allowance/update once, then retry.",
      () => "Orders need both the balance and an allowance for the exchange contract. Your funder has to approve the exchange once.",
    ],
  },
  order_validation: {
    subjects: ["Order rejected", "tick size error", "Minimum size error on small orders"],
    openers: [
      () => `My limit order is rejected with "${ERR.tickSize("0x…", "0.555", 0.01)}". The UI accepts the same price?`,
      () => `I keep getting "${ERR.amountsPrecision}". I round to 2 decimals already.`,
      () => `Getting "${ERR.orderVersion}" since this morning.`,
    ],
    followUps: ["Rounding the price fixed it.", "Which client version do I need?"],
    replies: [
      () => "Prices must be a multiple of the market's tick size (GET /tick-size), and amounts are limited to 4 decimals for collateral and 2 for shares.",
      () => "Please upgrade to the latest clob-client: orders in the old (V1) format are no longer accepted.",
    ],
  },
  rate_limit: {
    subjects: ["Too Many Requests", "Getting throttled"],
    openers: [() => `My market-making bot gets 429 "${ERR.tooMany}" a few times a day. What are the limits?`],
    followUps: ["We added backoff, looks better."],
    replies: [() => "POST /order allows 3,500 requests per 10 s in bursts and 36,000 per 10 minutes; please back off on 429 and use batch orders."],
  },
  engine_restart: {
    subjects: ["425 errors on all orders", "Orders rejected with 425 Too Early"],
    openers: [() => "All my order requests returned HTTP 425 for a few minutes. Was there maintenance?"],
    followUps: ["Will there be notice next time?"],
    replies: [() => "The matching engine restarted briefly; during a restart order routes answer 425. Please retry with backoff."],
  },
  api_outage: {
    subjects: ["POST /order returning 500", "Trading disabled?", "Server errors on order placement"],
    openers: [
      () => `POST /order has been failing with 500 "${ERR.internal}" for the last 20 minutes.`,
      () => `I get "${ERR.tradingDisabled}". Is the exchange down?`,
    ],
    followUps: ["Working again now. Were any of my orders placed?"],
    replies: [() => "We had an incident affecting order placement. It is resolved; orders that got a 5xx were not placed."],
  },
  websocket: {
    subjects: ["WebSocket stopped sending data", "No book updates on the market channel"],
    openers: [
      () => "My market-channel socket stays connected and PONGs arrive, but no price_change or book messages for a long time.",
      () => "The socket closes with code 1008 right after I connect.",
    ],
    followUps: ["Reconnecting fixed it."],
    replies: [
      () => "Please send PING only after a valid subscription (otherwise the server closes with 1008), and reconnect if no message arrives for a while.",
    ],
  },
  fix: {
    subjects: ["FIX logon rejected", "FIX session questions"],
    openers: [() => "Our FIX session disconnects after logon. HeartBtInt is 30. Can you check the acceptor logs?"],
    followUps: ["Reset the sequence numbers and it's fine now."],
    replies: [() => "Please send ResetSeqNumFlag (141=Y) on logon and keep heartbeats at the agreed interval."],
  },
  deposit_withdrawal: {
    subjects: ["Deposit not showing", "Withdrawal pending", "Where is my deposit?"],
    openers: [
      (c) => `I deposited ${c.amount} pUSD two hours ago and it is not in my balance. Wallet ${c.wallet}.`,
      (c) => `My withdrawal of ${c.amount} has been pending since yesterday.`,
    ],
    followUps: ["It arrived, thank you.", "Here is the transaction hash from my exchange."],
    replies: [() => "Deposits are credited once the transfer to your Polymarket wallet is confirmed on Polygon. Can you share the transaction hash?"],
  },
  positions: {
    subjects: ["Winnings not credited", "How do I redeem?", "Position missing"],
    openers: [(c) => `The market "${c.market}" resolved but I don't see my winnings.`],
    followUps: ["Found the claim button, thanks."],
    replies: [() => "Winning positions are paid out when they are redeemed; use Claim on the portfolio page."],
  },
  resolution: {
    subjects: ["Market resolved incorrectly", "Resolution dispute"],
    openers: [(c) => `I believe "${c.market}" was resolved wrong. The source clearly says otherwise.`],
    followUps: ["I still disagree with this outcome."],
    replies: [() => "Markets resolve through the UMA optimistic oracle according to the rules text. I have attached the resolution timeline."],
  },
  account: {
    subjects: ["Access blocked", "Sorry, you have been blocked", "Account restricted"],
    openers: [() => "I get a Cloudflare page \"Attention Required!\" and cannot use the API or the site."],
    followUps: ["I'm not using a VPN."],
    replies: [() => "That page means your connection comes from a region where the service is not available. We cannot lift geographic restrictions."],
  },
  other: {
    subjects: ["Question about fees", "Feature request", "General question"],
    openers: [() => "Do you charge trading fees on the CLOB?", () => "Could you add CSV export of my trade history?"],
    followUps: ["Thanks!"],
    replies: [() => "Thanks for reaching out! I've passed this on to the product team."],
  },
};

export function pickTicketText(rng: Rng, category: Category, c: TextContext) {
  const t = TEXT[category];
  return {
    subject: rng.pick(t.subjects),
    message: rng.pick(t.openers)(c),
    followUps: rng.chance(0.5) ? [rng.pick(t.followUps)] : [],
    reply: rng.pick(t.replies)(c),
  };
}

export const CLOSING_REPLIES = ["Glad that's sorted! I'll close this conversation; just reply if anything else comes up.",
  "I'll mark this as resolved. Feel free to write back any time.", "Closing this for now, happy trading!"];

/** Credentials a user pastes into a ticket (it happens): a wallet private key, a bearer token, the API
 *  secret and passphrase. Redaction at ingest must remove every one; test/leak-scan.test.ts looks for
 *  them in the built sites. Derived from the user, so the world stays deterministic without new draws. */
export function pastedCredentials(user: {id: string; apiKey: {secret: string; passphrase: string}}): string {
  const digest = (label: string) => createHash("sha256").update(`${label}|${user.id}`).digest();
  const privateKey = `0x${digest("private-key").toString("hex")}`;
  const token = digest("bearer").toString("base64url");
  return `In case it helps: my bot sends "Authorization: Bearer ${token}", secret: ${user.apiKey.secret}, ` +
    `passphrase: ${user.apiKey.passphrase}. My private key is ${privateKey} if you need to check the wallet.`;
}
