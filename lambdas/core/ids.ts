/**
 * Short, stable ids: the same parts give the same id on every run, on every machine. Two
 * independent 32-bit multiplicative hashes (cyrb53's mixing, kept at 64 bits): not a
 * cryptographic digest, which ids do not need, and several times faster than one, which
 * matters when a scan names a million findings.
 */

/** A hash in progress: two 32-bit lanes. */
export type HashState = readonly [number, number];

// `| 0` keeps the lanes 32-bit integers from the start (0xdeadbeef is above 2^31): the same
// bits, but the engine's loop then never leaves integer arithmetic.
const SEED: HashState = [0xdeadbeef | 0, 0x41c6ce57];

/** Feeds `part` (and a separator, so ("ab", "c") and ("a", "bc") differ) into a hash state. */
export function hashPart(state: HashState, part: string): HashState {
  let h1 = state[0];
  let h2 = state[1];
  for (let i = 0; i < part.length; i++) {
    const ch = part.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  return [Math.imul(h1 ^ 0x1f, 2654435761), Math.imul(h2 ^ 0x1f, 1597334677)];
}

/** Character codes of the hex digits. */
const HEX = Array.from("0123456789abcdef", (digit) => digit.charCodeAt(0));

/**
 * The id for a hash state: `prefix-` and 16 hex digits. Built from character codes in one
 * string: `toString(16)` and `padStart` cost more than the hash itself, a million times a scan.
 */
export function idFromState(prefix: string, state: HashState): string {
  let h1 = state[0];
  let h2 = state[1];
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const codes = new Array<number>(prefix.length + 17);
  let n = 0;
  for (let i = 0; i < prefix.length; i++) codes[n++] = prefix.charCodeAt(i);
  codes[n++] = 0x2d; // "-"
  for (let shift = 28; shift >= 0; shift -= 4) codes[n++] = HEX[(h2 >>> shift) & 15]!;
  for (let shift = 28; shift >= 0; shift -= 4) codes[n++] = HEX[(h1 >>> shift) & 15]!;
  return String.fromCharCode(...codes);
}

/** The state after feeding `parts` in order. */
export function hashParts(...parts: readonly string[]): HashState {
  let state = SEED;
  for (const part of parts) state = hashPart(state, part);
  return state;
}

/** A short, stable id from its parts. */
export function stableId(prefix: string, ...parts: readonly string[]): string {
  return idFromState(prefix, hashParts(...parts));
}
