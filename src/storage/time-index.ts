/**
 * Kafka's sparse time index for one segment: entries (timestamp int64, relative offset int32)
 * where the timestamp is the largest batch max-timestamp seen so far in the segment and the
 * offset is the last offset of the batch that carried it. Timestamps strictly increase from one
 * entry to the next, offsets never decrease. In memory as typed arrays, written on seal/close
 * like the offset index. Timestamps are epoch milliseconds, exact in a double.
 */
export class TimeIndex {
  static readonly ENTRY_SIZE = 12;

  private timestamps = new Float64Array(16);
  private relOffsets = new Int32Array(16);
  entries = 0;

  constructor(
    readonly baseOffset: number,
    public maxEntries: number,
  ) {}

  static maxEntriesFor(segmentIndexBytes: number): number {
    return Math.max(1, Math.floor(segmentIndexBytes / TimeIndex.ENTRY_SIZE));
  }

  get isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  /** The last entry, or (-1, baseOffset) when empty. */
  lastEntry(): { timestamp: number; offset: number } {
    if (this.entries === 0) return { timestamp: -1, offset: this.baseOffset };
    return this.entry(this.entries - 1);
  }

  entry(i: number): { timestamp: number; offset: number } {
    return { timestamp: this.timestamps[i], offset: this.baseOffset + this.relOffsets[i] };
  }

  /**
   * Appends when `timestamp` is larger than the last entry's (Kafka's maybeAppend). `force`
   * ignores the full check: the final entry written when a segment is sealed.
   */
  maybeAppend(timestamp: number, offset: number, force = false): void {
    if (this.isFull && !force) return;
    const rel = offset - this.baseOffset;
    if (this.entries > 0 && (timestamp <= this.timestamps[this.entries - 1] || rel < this.relOffsets[this.entries - 1])) return;
    if (timestamp < 0) return;
    if (this.entries === this.timestamps.length) this.grow();
    this.timestamps[this.entries] = timestamp;
    this.relOffsets[this.entries] = rel;
    this.entries++;
  }

  /**
   * The entry with the largest timestamp strictly below `target`, or (-1, baseOffset). Every
   * record at or before the returned offset has a timestamp < target, so a search for the first
   * record with timestamp ≥ target can start there. (Kafka's lookup takes ≤ target and can thus
   * skip records whose timestamp equals the target; strict < does not.)
   */
  lookupBefore(target: number): { timestamp: number; offset: number } {
    let lo = 0;
    let hi = this.entries - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestamps[mid] < target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? { timestamp: -1, offset: this.baseOffset } : this.entry(found);
  }

  /** Drops entries whose offset is ≥ `offset`. */
  truncateTo(offset: number): void {
    const rel = offset - this.baseOffset;
    let n = this.entries;
    while (n > 0 && this.relOffsets[n - 1] >= rel) n--;
    this.entries = n;
  }

  clear(): void {
    this.entries = 0;
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.entries * TimeIndex.ENTRY_SIZE);
    for (let i = 0; i < this.entries; i++) {
      buf.writeBigInt64BE(BigInt(this.timestamps[i]), i * 12);
      buf.writeInt32BE(this.relOffsets[i], i * 12 + 8);
    }
    return buf;
  }

  /** Parses a time index file; null when corrupt (partial entry, not monotonic, offset past `maxOffset`). */
  static fromBuffer(baseOffset: number, buf: Buffer, maxEntries: number, maxOffset: number): TimeIndex | null {
    if (buf.length % TimeIndex.ENTRY_SIZE !== 0) return null;
    const index = new TimeIndex(baseOffset, maxEntries);
    const n = buf.length / TimeIndex.ENTRY_SIZE;
    for (let i = 0; i < n; i++) {
      const ts = Number(buf.readBigInt64BE(i * 12));
      const rel = buf.readInt32BE(i * 12 + 8);
      if (rel < 0 || baseOffset + rel > maxOffset) return null;
      const before = index.entries;
      index.maybeAppend(ts, baseOffset + rel, true);
      if (index.entries === before) return null;
    }
    return index;
  }

  private grow(): void {
    const size = this.timestamps.length * 2;
    const t = new Float64Array(size);
    t.set(this.timestamps);
    this.timestamps = t;
    const r = new Int32Array(size);
    r.set(this.relOffsets);
    this.relOffsets = r;
  }
}
