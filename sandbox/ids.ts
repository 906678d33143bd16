const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * Deterministic id generator: the same sequence of calls after a `reset` yields the same
 * ids, so scenarios, snapshots and benchmarks are repeatable. Ids look like AWS's
 * (`AKIA` + 16 base32 characters) but carry no meaning.
 */
export class IdGenerator {
  #counter = 0;

  constructor(private readonly seed = 0x9e3779b1) {}

  /** Starts the sequence again. */
  reset(): void {
    this.#counter = 0;
  }

  /** `prefix` followed by `length` pseudo-random base32 characters. */
  next(prefix: string, length: number): string {
    this.#counter += 1;
    const rand = mulberry32(this.seed ^ Math.imul(this.#counter, 0x85ebca6b));
    let out = prefix;
    for (let i = 0; i < length; i++) out += BASE32[Math.floor(rand() * 32)];
    return out;
  }

  /** A lowercase hex string of `length` characters (request ids, version ids, secrets). */
  hex(length: number): string {
    this.#counter += 1;
    const rand = mulberry32(this.seed ^ Math.imul(this.#counter, 0xc2b2ae35));
    let out = "";
    for (let i = 0; i < length; i++) out += Math.floor(rand() * 16).toString(16);
    return out;
  }

  /** A random-looking secret of `length` characters from the base64 alphabet. */
  secret(length: number): string {
    this.#counter += 1;
    const rand = mulberry32(this.seed ^ Math.imul(this.#counter, 0x27d4eb2f));
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(rand() * 64)];
    return out;
  }
}

/** A small, fast, seedable PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
