/**
 * Kafka's sparse offset index for one segment: entries map an offset (the last offset of a
 * batch, stored relative to the segment's base offset as int32) to the file position of that
 * batch (int32). Entries are strictly increasing in both fields. Kept in memory as typed arrays
 * (Node has no mmap); the on-disk form is the same 8-byte big-endian entries, written when the
 * segment is sealed (roll) or closed. The active segment's file is rebuilt by recovery after a
 * crash, so it never needs to be current on disk.
 */
export class OffsetIndex {
  static readonly ENTRY_SIZE = 8;

  private relOffsets = new Int32Array(16);
  private positions = new Int32Array(16);
  entries = 0;

  constructor(
    readonly baseOffset: number,
    public maxEntries: number,
  ) {}

  static maxEntriesFor(segmentIndexBytes: number): number {
    return Math.max(1, Math.floor(segmentIndexBytes / OffsetIndex.ENTRY_SIZE));
  }

  get isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  /** Absolute offset of the last entry, or the base offset when empty. */
  get lastOffset(): number {
    return this.entries === 0 ? this.baseOffset : this.baseOffset + this.relOffsets[this.entries - 1];
  }

  get lastPosition(): number {
    return this.entries === 0 ? 0 : this.positions[this.entries - 1];
  }

  entry(i: number): { offset: number; position: number } {
    return { offset: this.baseOffset + this.relOffsets[i], position: this.positions[i] };
  }

  /** Appends `offset` (absolute) at `position`; ignored unless both are beyond the last entry. */
  append(offset: number, position: number): void {
    const rel = offset - this.baseOffset;
    if (this.entries > 0 && (rel <= this.relOffsets[this.entries - 1] || position <= this.positions[this.entries - 1])) return;
    if (this.entries === this.relOffsets.length) this.grow();
    this.relOffsets[this.entries] = rel;
    this.positions[this.entries] = position;
    this.entries++;
  }

  /**
   * The entry with the largest offset ≤ `target`, or (baseOffset, 0). The batch holding `target`
   * starts at or after the returned position.
   */
  lookup(target: number): { offset: number; position: number } {
    const i = this.floorIndex(target - this.baseOffset);
    return i < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(i);
  }

  /** Drops entries whose offset is ≥ `offset`. */
  truncateTo(offset: number): void {
    this.entries = this.floorIndex(offset - this.baseOffset - 1) + 1;
  }

  clear(): void {
    this.entries = 0;
  }

  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(this.entries * OffsetIndex.ENTRY_SIZE);
    for (let i = 0; i < this.entries; i++) {
      buf.writeInt32BE(this.relOffsets[i], i * 8);
      buf.writeInt32BE(this.positions[i], i * 8 + 4);
    }
    return buf;
  }

  /**
   * Parses an index file; returns null when it is corrupt: a partial entry, entries not strictly
   * increasing, a position at or past `logSize`, or too many entries.
   */
  static fromBuffer(baseOffset: number, buf: Buffer, maxEntries: number, logSize: number): OffsetIndex | null {
    if (buf.length % OffsetIndex.ENTRY_SIZE !== 0) return null;
    const index = new OffsetIndex(baseOffset, maxEntries);
    const n = buf.length / OffsetIndex.ENTRY_SIZE;
    for (let i = 0; i < n; i++) {
      const rel = buf.readInt32BE(i * 8);
      const pos = buf.readInt32BE(i * 8 + 4);
      if (rel < 0 || pos < 0 || pos >= logSize) return null;
      const before = index.entries;
      index.append(baseOffset + rel, pos);
      if (index.entries === before) return null;
    }
    return index;
  }

  private floorIndex(rel: number): number {
    let lo = 0;
    let hi = this.entries - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.relOffsets[mid] <= rel) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  private grow(): void {
    const size = this.relOffsets.length * 2;
    const r = new Int32Array(size);
    r.set(this.relOffsets);
    this.relOffsets = r;
    const p = new Int32Array(size);
    p.set(this.positions);
    this.positions = p;
  }
}
