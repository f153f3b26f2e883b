// Seeded, deterministic randomness for the demo world. Every random choice in demo/ goes through
// an Rng created here, so the same seed and scale always produce byte-identical files.

/** cyrb128: hashes a string into four 32-bit words, used to seed sfc32. */
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

const HEX = "0123456789abcdef";
const BYTE_HEX = Array.from({length: 256}, (_, b) => HEX[b >> 4] + HEX[b & 15]);
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** sfc32 generator. Create one per independent stream with `Rng.from(seed, ...labels)`, so a stream's
 *  values do not depend on how much randomness other streams consumed. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(words: [number, number, number, number]) {
    [this.a, this.b, this.c, this.d] = words;
    for (let i = 0; i < 12; i++) this.u32(); // warm up: early sfc32 outputs are correlated with the seed
  }

  static from(seed: number, ...labels: (string | number)[]): Rng {
    return new Rng(cyrb128([seed, ...labels].join("|")));
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from empty list");
    return items[Math.floor(this.float() * items.length)];
  }

  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let x = this.float() * total;
    for (const [item, w] of items) {
      x -= w;
      if (x < 0) return item;
    }
    return items[items.length - 1][0];
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median; sigma is the spread of log(x). */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }

  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda > 40) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.float();
    while (p > limit) {
      k++;
      p *= this.float();
    }
    return k;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** `bytes` random bytes as lowercase hex, without 0x (four bytes per draw: signatures are frequent). */
  hex(bytes: number): string {
    let out = "";
    for (let i = 0; i < bytes; i += 4) {
      const w = this.u32();
      out += BYTE_HEX[w & 255] + BYTE_HEX[(w >>> 8) & 255] + BYTE_HEX[(w >>> 16) & 255] + BYTE_HEX[w >>> 24];
    }
    return out.slice(0, bytes * 2);
  }

  /** Random characters from an alphabet (used for base64-looking secrets and ids). */
  chars(alphabet: string, length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[this.u32() % alphabet.length];
    return out;
  }

  /** Standard base64 of `bytes` random bytes, with padding. */
  base64(bytes: number): string {
    const chars = Math.ceil((bytes * 8) / 6);
    const padded = Math.ceil(bytes / 3) * 4;
    return this.chars(B64, chars) + "=".repeat(padded - chars);
  }

  /** URL-safe base64 of `bytes` random bytes, with padding (as the CLOB issues API secrets). */
  base64url(bytes: number): string {
    const chars = Math.ceil((bytes * 8) / 6);
    const padded = Math.ceil(bytes / 3) * 4;
    return this.chars(B64URL, chars) + "=".repeat(padded - chars);
  }

  uuid(): string {
    const h = this.hex(16);
    const variant = HEX[8 + (parseInt(h[16], 16) & 3)];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
