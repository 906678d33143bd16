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
 * `String.fromCharCode` call: `toString(16)` and `padStart` cost more than the hash itself, a
 * million times a scan, and for the one-letter prefixes of findings the codes go in as
 * arguments, not through an array (a third of the time again).
 */
export function idFromState(prefix: string, state: HashState): string {
  let h1 = state[0];
  let h2 = state[1];
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  if (prefix.length === 1) {
    // biome-ignore format: the 16 digits, in order, read best in two rows of eight.
    return String.fromCharCode(
      prefix.charCodeAt(0), 0x2d,
      hex(h2, 28), hex(h2, 24), hex(h2, 20), hex(h2, 16), hex(h2, 12), hex(h2, 8), hex(h2, 4), hex(h2, 0),
      hex(h1, 28), hex(h1, 24), hex(h1, 20), hex(h1, 16), hex(h1, 12), hex(h1, 8), hex(h1, 4), hex(h1, 0),
    );
  }
  const codes = new Array<number>(prefix.length + 17);
  let n = 0;
  for (let i = 0; i < prefix.length; i++) codes[n++] = prefix.charCodeAt(i);
  codes[n++] = 0x2d; // "-"
  for (let shift = 28; shift >= 0; shift -= 4) codes[n++] = hex(h2, shift);
  for (let shift = 28; shift >= 0; shift -= 4) codes[n++] = hex(h1, shift);
  return String.fromCharCode(...codes);
}

/** The character code of the hex digit of `lane` at bit `shift`. */
function hex(lane: number, shift: number): number {
  return HEX[(lane >>> shift) & 15]!;
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
