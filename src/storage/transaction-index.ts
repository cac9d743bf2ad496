import { type FileSystem, readWholeFile, writeFully } from './file-system.js';
import { readInt64, writeInt64 } from '../protocol/records/varint.js';

/**
 * One aborted transaction as Kafka's `.txnindex` records it: the producer, the offsets of its first
 * record and of its ABORT marker in this partition, and the last stable offset when the marker was
 * written. A read_committed fetch needs the producer and first offset; the last stable offset
 * lets a search stop early (every later entry was written when the LSO was at least this high).
 */
export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  /** Offset of the ABORT marker. */
  lastOffset: number;
  lastStableOffset: number;
}

const VERSION = 0;

/**
 * Kafka's TransactionIndex: the aborted transactions whose markers live in one segment, in marker
 * order, in a `<base>.txnindex` file of 34-byte entries (int16 version 0, then producer id, first
 * offset, last offset and last stable offset as int64), the same bytes Kafka writes. The entries
 * are also kept in memory (a segment rarely holds many aborts), so fetches never read the file.
 * The file is created by the first append and kept open while the segment lives.
 */
export class TransactionIndex {
  static readonly ENTRY_SIZE = 34;

  private entries: AbortedTxn[] = [];
  private fd: number | null = null;
  private unsynced = false;

  constructor(
    readonly path: string,
    private readonly fs: FileSystem,
    readonly baseOffset: number,
  ) {}

  /**
   * Loads the file (at segment open, before the segment's end is known: truncateTo drops entries
   * beyond it once recovery found it). False (and the index emptied, file included) when the file
   * is damaged: a partial entry, an unknown version, or marker offsets that decrease or fall
   * below the segment. The caller then rebuilds it.
   */
  load(): boolean {
    this.entries = [];
    if (!this.fs.existsSync(this.path)) return true;
    const buf = readWholeFile(this.fs, this.path);
    let sane = buf.length % TransactionIndex.ENTRY_SIZE === 0;
    for (let pos = 0; sane && pos < buf.length; pos += TransactionIndex.ENTRY_SIZE) {
      const txn = {
        producerId: readInt64(buf, pos + 2),
        firstOffset: readInt64(buf, pos + 10),
        lastOffset: readInt64(buf, pos + 18),
        lastStableOffset: readInt64(buf, pos + 26),
      };
      const prev = this.entries[this.entries.length - 1];
      sane =
        buf.readInt16BE(pos) === VERSION &&
        txn.lastOffset >= this.baseOffset &&
        txn.firstOffset <= txn.lastOffset &&
        (prev === undefined || txn.lastOffset > prev.lastOffset);
      if (sane) this.entries.push(txn);
    }
    if (!sane) {
      this.entries = [];
      this.fs.unlinkSync(this.path);
    }
    return sane;
  }

  get size(): number {
    return this.entries.length;
  }

  all(): readonly AbortedTxn[] {
    return this.entries;
  }

  /** Appends an entry; marker offsets must increase (a bug otherwise). */
  append(txn: AbortedTxn): void {
    const prev = this.entries[this.entries.length - 1];
    if (prev && txn.lastOffset <= prev.lastOffset) {
      throw new Error(`txnindex ${this.path}: marker offset ${txn.lastOffset} not after ${prev.lastOffset}`);
    }
    const buf = Buffer.allocUnsafe(TransactionIndex.ENTRY_SIZE);
    buf.writeInt16BE(VERSION, 0);
    writeInt64(buf, txn.producerId, 2);
    writeInt64(buf, txn.firstOffset, 10);
    writeInt64(buf, txn.lastOffset, 18);
    writeInt64(buf, txn.lastStableOffset, 26);
    this.fd ??= this.fs.openSync(this.path, this.fs.existsSync(this.path) ? 'r+' : 'w+');
    writeFully(this.fs, this.fd, buf, this.entries.length * TransactionIndex.ENTRY_SIZE);
    this.entries.push({ ...txn });
    this.unsynced = true;
  }

  /** Removes the entries whose marker is at or after `offset`. */
  truncateTo(offset: number): void {
    let keep = this.entries.length;
    while (keep > 0 && this.entries[keep - 1].lastOffset >= offset) keep--;
    if (keep === this.entries.length) return;
    this.entries.length = keep;
    this.fd ??= this.fs.openSync(this.path, 'r+');
    this.fs.ftruncateSync(this.fd, keep * TransactionIndex.ENTRY_SIZE);
    this.unsynced = true;
  }

  /**
   * Kafka's collectAbortedTxns: adds to `out` the transactions overlapping [fetchOffset,
   * upperBoundOffset); true when no later segment can hold one (an entry written when the last
   * stable offset had already reached the upper bound).
   */
  collect(fetchOffset: number, upperBoundOffset: number, out: AbortedTxn[]): boolean {
    for (const txn of this.entries) {
      if (txn.lastOffset >= fetchOffset && txn.firstOffset < upperBoundOffset) out.push(txn);
      if (txn.lastStableOffset >= upperBoundOffset) return true;
    }
    return false;
  }

  get needsFlush(): boolean {
    return this.unsynced;
  }

  flush(): Promise<void> {
    if (!this.unsynced || this.fd === null) return Promise.resolve();
    this.unsynced = false;
    return this.fs.fdatasync(this.fd).catch((err: unknown) => {
      this.unsynced = true;
      throw err;
    });
  }

  close(): void {
    if (this.fd !== null) this.fs.closeSync(this.fd);
    this.fd = null;
  }

  deleteFile(): void {
    this.close();
    this.entries = [];
    if (this.fs.existsSync(this.path)) this.fs.unlinkSync(this.path);
  }
}
