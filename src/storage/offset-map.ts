import { murmur3x86x128 } from './key-hash.js';

/** Bytes per slot: a 128-bit key hash and the offset (Kafka's SkimpyOffsetMap uses 16 + 8 too). */
export const OFFSET_MAP_SLOT_BYTES = 24;
const WORDS = 6;

/**
 * Kafka's SkimpyOffsetMap: key hash -> latest offset, in a fixed block of memory sized once, so
 * the cleaner's memory is bounded whatever the log holds. Keys are never stored, only their
 * 128-bit hash (see key-hash.ts), so a slot costs 24 bytes. Open addressing with double hashing
 * over a prime number of slots: every probe sequence visits every slot, and at the 0.9 load the
 * cleaner stops at an unsuccessful lookup costs about 10 probes on average.
 *
 * An offset is stored plus one, so an all-zero slot is empty. Offsets stay below 2^53.
 */
export class OffsetMap {
  readonly slots: number;
  private readonly table: Uint32Array;
  private readonly hash = new Uint32Array(4);
  private readonly seed: number;
  private entries = 0;
  /** The largest offset put since the last clear (-1 when none): Kafka's latestOffset. */
  latestOffset = -1;

  /** A map of at most `memoryBytes` (at least one slot). `seed` varies the hash (random by default). */
  constructor(memoryBytes: number, seed = (Math.random() * 0x100000000) >>> 0) {
    this.slots = largestPrimeAtMost(Math.max(2, Math.floor(memoryBytes / OFFSET_MAP_SLOT_BYTES)));
    this.table = new Uint32Array(this.slots * WORDS);
    this.seed = seed;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.table.byteLength;
  }

  get size(): number {
    return this.entries;
  }

  /** Fraction of slots in use (Kafka's utilization). */
  get utilization(): number {
    return this.entries / this.slots;
  }

  clear(): void {
    this.table.fill(0);
    this.entries = 0;
    this.latestOffset = -1;
  }

  /** Maps the key `buf[start, end)` to `offset` (replacing an older offset for the same hash). */
  put(buf: Uint8Array, start: number, end: number, offset: number): void {
    murmur3x86x128(buf, start, end, this.seed, this.hash);
    const at = this.find();
    if (at < 0) throw new RangeError('offset map is full');
    const t = this.table;
    if (t[at + 4] === 0 && t[at + 5] === 0) {
      t[at] = this.hash[0];
      t[at + 1] = this.hash[1];
      t[at + 2] = this.hash[2];
      t[at + 3] = this.hash[3];
      this.entries++;
    }
    const stored = offset + 1;
    t[at + 4] = Math.floor(stored / 0x100000000);
    t[at + 5] = stored >>> 0;
    this.latestOffset = offset;
  }

  /** The offset last put for the key `buf[start, end)`, or -1. */
  get(buf: Uint8Array, start: number, end: number): number {
    murmur3x86x128(buf, start, end, this.seed, this.hash);
    const at = this.find();
    if (at < 0) return -1;
    const t = this.table;
    const stored = t[at + 4] * 0x100000000 + t[at + 5];
    return stored - 1;
  }

  /** Kafka's updateLatestOffset: the map covers offsets up to here even where no key was put. */
  updateLatestOffset(offset: number): void {
    this.latestOffset = offset;
  }

  /** Word index of the slot holding `this.hash`, or of the empty slot where it would go; -1 when neither exists (full). */
  private find(): number {
    const [a, b, c, d] = this.hash;
    const t = this.table;
    const n = this.slots;
    let slot = a % n;
    const step = 1 + (b % (n - 1));
    for (let probes = 0; probes < n; probes++) {
      const at = slot * WORDS;
      if (t[at + 4] === 0 && t[at + 5] === 0) return at;
      if (t[at] === a && t[at + 1] === b && t[at + 2] === c && t[at + 3] === d) return at;
      slot += step;
      if (slot >= n) slot -= n;
    }
    return -1;
  }
}

/** The largest prime ≤ n (n ≥ 2); trial division is fine for the few million slots of a map. */
export function largestPrimeAtMost(n: number): number {
  for (let c = Math.max(2, Math.floor(n)); c > 2; c--) {
    if (isPrime(c)) return c;
  }
  return 2;
}

/** The smallest prime ≥ n. */
export function smallestPrimeAtLeast(n: number): number {
  let c = Math.max(2, Math.ceil(n));
  while (!isPrime(c)) c++;
  return c;
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}
