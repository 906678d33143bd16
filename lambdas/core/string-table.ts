/**
 * A map from strings to values for the identity index: open addressing over typed arrays,
 * with the string hash computed once per key, in JavaScript, and kept beside each slot.
 *
 * Why not `Map`: matching a million credentials against a hundred thousand departures is
 * mostly look-ups of fresh strings (each page of credentials brings new ones), and most of them
 * miss. A `Map` hashes each fresh string, then walks a bucket chain through memory spread over
 * a large heap; here a miss is one probe of an `Int32Array` whose stored hash differs, and a
 * hit compares one string. In front of the slots sits a filter of one 32-bit word per few keys
 * (three bits set per key, all in one word): small enough to stay in the CPU's cache, it answers
 * most misses without touching the slots, which are larger than the cache at a hundred thousand
 * people. The table never shrinks and never deletes: the index is built once per scan and only
 * read after.
 */

/** Slots per key at most: half the slots stay empty, so a probe run is short. */
const LOAD = 2;
/** Keys per filter word at most: 8 bits a key, about one false "maybe" in 30 for an absent key. */
const KEYS_PER_WORD = 4;

/** The 32-bit hash of a string (cyrb53's multiplicative lanes and final mix, as in `ids.ts`). */
export function stringHash(key: string): number {
  let h1 = 0xdeadbeef | 0;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const ch = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  return (Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)) | 0;
}

export class StringTable<V> {
  /**
   * Two numbers per slot, side by side so a probe reads one cache line: the key's hash, then
   * its entry number plus one (0: an empty slot).
   */
  #slots: Int32Array;
  /** Slot count minus one; the slot count is a power of two. */
  #mask: number;
  readonly #keys: string[] = [];
  readonly #values: V[] = [];
  /** Three bits per key, in the word its hash picks; rebuilt when the table grows. */
  #filter: Uint32Array;
  /** Right shift from a mixed hash to its filter word (the word count is a power of two). */
  #filterShift: number;

  /** An empty table sized for `expected` keys (more still fit: it grows). */
  constructor(expected = 8) {
    const capacity = capacityFor(expected);
    this.#slots = new Int32Array(capacity * 2);
    this.#mask = capacity - 1;
    [this.#filter, this.#filterShift] = emptyFilter(capacity);
  }

  get size(): number {
    return this.#keys.length;
  }

  get(key: string): V | undefined {
    const entry = this.#find(key, stringHash(key));
    return entry >= 0 ? this.#values[entry] : undefined;
  }

  /** Adds `key` with `value` unless the key is there; returns the value the key had, if any. */
  setIfAbsent(key: string, value: V): V | undefined {
    const hash = stringHash(key);
    const entry = this.#find(key, hash);
    if (entry >= 0) return this.#values[entry];
    this.#insert(key, hash, value);
    return undefined;
  }

  /** Sets `key` to `value`, replacing what it had. */
  set(key: string, value: V): void {
    const hash = stringHash(key);
    const entry = this.#find(key, hash);
    if (entry >= 0) this.#values[entry] = value;
    else this.#insert(key, hash, value);
  }

  /** Adds a key known to be absent. */
  #insert(key: string, hash: number, value: V): void {
    this.#keys.push(key);
    this.#values.push(value);
    this.#place(hash, this.#keys.length);
    if (this.#keys.length * LOAD > this.#mask + 1) this.#grow();
  }

  /** The entry number of `key`, or -1. */
  #find(key: string, hash: number): number {
    // The filter's word and bits come from the hash remixed, not from the bits that pick a slot.
    const mixed = Math.imul(hash, 0x9e3779b1);
    const bits = filterBits(mixed);
    if ((this.#filter[mixed >>> this.#filterShift]! & bits) !== bits) return -1;
    const slots = this.#slots;
    const mask = this.#mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const entry = slots[2 * i + 1]!;
      if (entry === 0) return -1;
      if (slots[2 * i] === hash && this.#keys[entry - 1] === key) return entry - 1;
    }
  }

  /** Puts entry number `entry` (plus one) in the first empty slot of its probe run. */
  #place(hash: number, entry: number): void {
    const slots = this.#slots;
    const mask = this.#mask;
    let i = hash & mask;
    while (slots[2 * i + 1] !== 0) i = (i + 1) & mask;
    slots[2 * i] = hash;
    slots[2 * i + 1] = entry;
    const mixed = Math.imul(hash, 0x9e3779b1);
    this.#filter[mixed >>> this.#filterShift]! |= filterBits(mixed);
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Int32Array(old.length * 2);
    this.#mask = old.length - 1;
    [this.#filter, this.#filterShift] = emptyFilter(old.length);
    for (let i = 0; i < old.length; i += 2) {
      if (old[i + 1] !== 0) this.#place(old[i]!, old[i + 1]!);
    }
  }
}

/** A filter for a table of `capacity` slots (up to `capacity / LOAD` keys), and its shift. */
function emptyFilter(capacity: number): [Uint32Array, number] {
  let words = 1;
  let shift = 32;
  while (words * KEYS_PER_WORD * LOAD < capacity) {
    words *= 2;
    shift--;
  }
  // `>>> 32` is `>>> 0` in JavaScript: one word takes a shift of 31 and a filter of two words.
  return shift === 32 ? [new Uint32Array(2), 31] : [new Uint32Array(words), shift];
}

/** A key's three bits in its filter word, from the low 15 bits of its mixed hash. */
function filterBits(mixed: number): number {
  return (1 << (mixed & 31)) | (1 << ((mixed >>> 5) & 31)) | (1 << ((mixed >>> 10) & 31));
}

function capacityFor(expected: number): number {
  let capacity = 16;
  while (capacity < expected * LOAD) capacity *= 2;
  return capacity;
}
