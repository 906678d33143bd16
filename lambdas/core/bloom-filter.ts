/**
 * A Bloom filter over strings: "certainly absent" or "maybe present", from a bit array small
 * enough to stay in the CPU cache. `IdentityIndex` asks it before each map look-up, because
 * most credentials belong to nobody on the departure list, and a miss in a map of hundreds of
 * thousands of names costs several trips to main memory (the look-up dominated B3's profile).
 * A "maybe" is then settled by the map, so an answer is never wrong, only sometimes slower.
 */

/** Bits per key: with three probes, about one "maybe" in 200 for an absent key. */
const BITS_PER_KEY = 16;

/** A set of strings that can only say "certainly not in it" or "maybe in it". */
export class BloomFilter {
  readonly #words: Uint32Array;
  /** Bit count minus one; the bit count is a power of two. */
  readonly #mask: number;

  /** An empty filter sized for `count` keys (more still work, with more "maybe"s). */
  constructor(count: number) {
    let bits = 64;
    while (bits < count * BITS_PER_KEY) bits *= 2;
    this.#words = new Uint32Array(bits / 32);
    this.#mask = bits - 1;
  }

  /** Puts `key` in the filter: `mayContain(key)` is true from now on. */
  add(key: string): void {
    const [a, b] = hash(key);
    for (let i = 0; i < 3; i++) {
      const bit = (a + i * b) & this.#mask;
      this.#words[bit >>> 5]! |= 1 << (bit & 31);
    }
  }

  /** False: `key` is certainly not in the filter. True: it may be. */
  mayContain(key: string): boolean {
    const [a, b] = hash(key);
    for (let i = 0; i < 3; i++) {
      const bit = (a + i * b) & this.#mask;
      if ((this.#words[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

/**
 * Two 32-bit hashes of `key` (the multiplicative lanes and final mix of `ids.ts`), combined as
 * a + i·b for the i-th probe (Kirsch and Mitzenmacher), with b odd so the probes differ.
 */
function hash(key: string): [number, number] {
  let h1 = 0xdeadbeef | 0; // a 32-bit integer from the start, as in `ids.ts`
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const ch = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, (h2 | 1) >>> 0];
}
