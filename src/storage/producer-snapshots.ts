import { join } from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { type FileSystem, readWholeFile, writeFully } from './file-system.js';

/**
 * The producer-state snapshots of one partition folder, Kafka's `<20-digit offset>.snapshot`
 * files: each holds the state of the partition's producers after every batch below its offset,
 * so that recovery replays only the log after it. Storage treats the state as an opaque payload
 * (the cluster layer encodes it) and adds the framing: int16 version, uint32 CRC32C of the
 * payload, the payload. A file whose framing or CRC does not check out is deleted when read, and
 * the next older snapshot is used instead.
 *
 * Snapshots live and die with segments, as in Kafka: one is taken at each roll (at the new
 * segment's base offset) and at a clean close (at the log end offset); deleting a segment deletes
 * the snapshot at its base offset, truncation deletes those beyond the new end.
 */
export class ProducerSnapshots {
  static readonly SUFFIX = '.snapshot';
  private static readonly VERSION = 1;
  private static readonly HEADER = 6;

  /** Ascending. */
  private offsets: number[];

  /** `found`: the offsets of the snapshot files in `dir` (the log loader lists the folder once). */
  constructor(
    private readonly dir: string,
    private readonly fs: FileSystem,
    found: readonly number[],
  ) {
    this.offsets = [...found].sort((a, b) => a - b);
  }

  static fileName(offset: number): string {
    return String(offset).padStart(20, '0') + ProducerSnapshots.SUFFIX;
  }

  private path(offset: number): string {
    return join(this.dir, ProducerSnapshots.fileName(offset));
  }

  /** Offsets of the snapshots present, ascending. */
  list(): readonly number[] {
    return this.offsets;
  }

  get latestOffset(): number | undefined {
    return this.offsets[this.offsets.length - 1];
  }

  /**
   * Writes the snapshot at `offset` (replacing one already there) synchronously; the returned
   * promise settles when it is fsynced. A crash before then leaves a torn file that the CRC
   * catches, so callers need not wait unless they promise durability (a clean close).
   */
  write(offset: number, payload: Buffer): Promise<void> {
    const buf = Buffer.allocUnsafe(ProducerSnapshots.HEADER + payload.length);
    buf.writeInt16BE(ProducerSnapshots.VERSION, 0);
    buf.writeUInt32BE(crc32c(payload) >>> 0, 2);
    payload.copy(buf, ProducerSnapshots.HEADER);
    const fd = this.fs.openSync(this.path(offset), 'w');
    try {
      writeFully(this.fs, fd, buf, 0);
    } catch (err) {
      this.fs.closeSync(fd);
      throw err;
    }
    if (!this.offsets.includes(offset)) {
      this.offsets.push(offset);
      this.offsets.sort((a, b) => a - b);
    }
    return this.fs.fdatasync(fd).finally(() => this.fs.closeSync(fd));
  }

  /**
   * The newest snapshot at or below `maxOffset` whose file checks out, or null. Damaged files met
   * on the way are deleted.
   */
  latestAtOrBelow(maxOffset: number): { offset: number; payload: Buffer } | null {
    for (let i = this.offsets.length - 1; i >= 0; i--) {
      const offset = this.offsets[i];
      if (offset > maxOffset) continue;
      const payload = this.read(offset);
      if (payload) return { offset, payload };
      this.delete(offset);
    }
    return null;
  }

  private read(offset: number): Buffer | null {
    let buf: Buffer;
    try {
      buf = readWholeFile(this.fs, this.path(offset));
    } catch {
      return null;
    }
    if (buf.length < ProducerSnapshots.HEADER || buf.readInt16BE(0) !== ProducerSnapshots.VERSION) return null;
    const payload = buf.subarray(ProducerSnapshots.HEADER);
    return (crc32c(payload) >>> 0) === buf.readUInt32BE(2) ? payload : null;
  }

  delete(offset: number): void {
    const i = this.offsets.indexOf(offset);
    if (i < 0) return;
    this.offsets.splice(i, 1);
    try {
      this.fs.unlinkSync(this.path(offset));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /** Deletes the snapshots above `offset` (truncation). */
  deleteAbove(offset: number): void {
    for (const o of [...this.offsets]) if (o > offset) this.delete(o);
  }

  /** Deletes every snapshot. */
  deleteAll(): void {
    for (const o of [...this.offsets]) this.delete(o);
  }

  /**
   * Kafka's removeStraySnapshots at load: a snapshot belongs to a segment (same base offset),
   * except that the newest one may be a stray above the last segment's base offset (taken at a
   * clean close). Everything else, and anything beyond the log end offset, goes.
   */
  removeStrays(segmentBaseOffsets: readonly number[], logEndOffset: number): void {
    const bases = new Set(segmentBaseOffsets);
    const lastBase = segmentBaseOffsets.length > 0 ? segmentBaseOffsets[segmentBaseOffsets.length - 1] : -1;
    const newest = this.latestOffset;
    for (const o of [...this.offsets]) {
      if (o > logEndOffset) this.delete(o);
      else if (!bases.has(o) && !(o === newest && o > lastBase)) this.delete(o);
    }
  }
}
