import { join } from 'node:path';
import { BatchHeader, RecordBatchHeader } from '../protocol/records/record-batch.js';
import { type FileSystem, readFully, readWholeFile, writeFully } from './file-system.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';
import { TransactionIndex } from './transaction-index.js';

/** What the header walk yields; plain numbers, so the scan buffer can be reused. */
export interface BatchInfo {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

const MAGIC_V2 = 2;
const INT32_MAX = 0x7fffffff;
/** Header walks read this much at a time: many small batches per syscall, one for a large one. */
const SCAN_BLOCK = 16 * 1024;
/** Recovery validates CRCs over blocks this large (batches larger are read on their own). */
const RECOVERY_BLOCK = 1024 * 1024;

export type SegmentFileSuffix = '.log' | '.index' | '.timeindex' | '.txnindex';
/** Every file a segment may have beside its log; deletion renames and removes them all. */
export const SEGMENT_FILE_SUFFIXES: readonly SegmentFileSuffix[] = ['.log', '.index', '.timeindex', '.txnindex'];
/** Kafka's suffix for the files of a segment that left its log and waits file.delete.delay.ms. */
export const DELETED_FILE_SUFFIX = '.deleted';

export function segmentFileName(baseOffset: number, suffix: SegmentFileSuffix): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

export interface SegmentSettings {
  indexIntervalBytes: number;
  segmentIndexBytes: number;
}

interface ScannedBatch {
  header: RecordBatchHeader;
  position: number;
  size: number;
  /** The scan block, and where the batch starts in it when it holds all of the batch (else -1). */
  block: Buffer;
  blockOffset: number;
}

/**
 * One segment of a partition log: `<base>.log` plus its offset and time indexes (Kafka's
 * LogSegment), and the aborted transactions whose markers it holds (`.txnindex`, maintained by the
 * partition above, which alone knows producers). The log file is written with positional writes
 * at `size`; all bookkeeping (size, next offset, max timestamp, indexes) lives in memory and is
 * rebuilt at open.
 */
export class LogSegment {
  /** Exclusive: the offset after the last batch (baseOffset when empty). */
  nextOffset: number;
  size = 0;
  maxTimestampSoFar = -1;
  /** Last offset of the batch that carried maxTimestampSoFar (Kafka's shallow offset). */
  offsetOfMaxTimestampSoFar = -1;
  /** Max timestamp of the first batch: segment.ms counts from it (Kafka's rollingBasedTimestamp). */
  rollingBasedTimestamp = -1;
  /** Set once the segment stopped being the active one and its index files were written. */
  sealed = false;
  offsetIndex: OffsetIndex;
  timeIndex: TimeIndex;
  readonly txnIndex: TransactionIndex;
  /** Set at open when the `.txnindex` file was damaged (and emptied): its owner must rebuild it. */
  txnIndexDamaged = false;
  private bytesSinceLastIndexEntry = 0;
  private pendingIndexFds: number[] = [];
  /** Bytes written (or a truncation) since the last fsync started. */
  private unsynced = false;
  private inFlightSync: Promise<void> | null = null;
  private closed = false;
  /**
   * '' while the segment belongs to its log; DELETED_FILE_SUFFIX once its files await deletion;
   * CLEANED_SUFFIX while the log cleaner writes it as a replacement.
   */
  private fileSuffix: string;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    private readonly fs: FileSystem,
    private readonly fd: number,
    private settings: SegmentSettings,
    /** When the segment object was made: segment.ms fallback when batches carry no timestamps. */
    readonly created: number,
    fileSuffix = '',
  ) {
    this.fileSuffix = fileSuffix;
    this.nextOffset = baseOffset;
    this.offsetIndex = new OffsetIndex(baseOffset, OffsetIndex.maxEntriesFor(settings.segmentIndexBytes));
    this.timeIndex = new TimeIndex(baseOffset, TimeIndex.maxEntriesFor(settings.segmentIndexBytes));
    this.txnIndex = new TransactionIndex(this.path('.txnindex'), fs, baseOffset);
  }

  static create(dir: string, baseOffset: number, settings: SegmentSettings, fs: FileSystem, now: number, fileSuffix = ''): LogSegment {
    for (const suffix of ['.index', '.timeindex', '.txnindex'] as const) unlinkQuietly(fs, join(dir, segmentFileName(baseOffset, suffix) + fileSuffix));
    const fd = fs.openSync(join(dir, segmentFileName(baseOffset, '.log') + fileSuffix), 'w+');
    return new LogSegment(dir, baseOffset, fs, fd, settings, now, fileSuffix);
  }

  /**
   * Opens an existing segment without reading it; follow with loadIndexes() or recover().
   * `hasTxnIndex`: whether a `.txnindex` file is there (the loader's folder listing says);
   * `fileSuffix`: the files' suffix while they are not the log's yet (`.swap` in recovery).
   */
  static open(dir: string, baseOffset: number, settings: SegmentSettings, fs: FileSystem, now: number, hasTxnIndex = true, fileSuffix = ''): LogSegment {
    const fd = fs.openSync(join(dir, segmentFileName(baseOffset, '.log') + fileSuffix), 'r+');
    const segment = new LogSegment(dir, baseOffset, fs, fd, settings, now, fileSuffix);
    segment.size = fs.fstatSize(fd);
    if (hasTxnIndex) segment.txnIndexDamaged = !segment.txnIndex.load();
    return segment;
  }

  /** Where the file is now (with `.deleted` once the segment awaits deletion). */
  path(suffix: SegmentFileSuffix): string {
    return join(this.dir, segmentFileName(this.baseOffset, suffix) + this.fileSuffix);
  }

  /** True once markDeleted() renamed the files. */
  get markedDeleted(): boolean {
    return this.fileSuffix === DELETED_FILE_SUFFIX;
  }

  updateSettings(settings: SegmentSettings): void {
    this.settings = settings;
    if (!this.sealed) {
      this.offsetIndex.maxEntries = OffsetIndex.maxEntriesFor(settings.segmentIndexBytes);
      this.timeIndex.maxEntries = TimeIndex.maxEntriesFor(settings.segmentIndexBytes);
    }
  }

  /** Writes whole batches (offsets already assigned) at the end of the file and indexes them. */
  append(batches: Buffer): void {
    const start = this.size;
    try {
      writeFully(this.fs, this.fd, batches, start);
    } catch (err) {
      // A short write must not leave a torn batch that later appends would follow. When that
      // fails too, the file no longer matches the segment's state: the truncation's error is the
      // one thrown, so that the caller takes the directory offline (recovery cuts the tail at the
      // next start) rather than treat the write as cleanly refused.
      try {
        this.fs.ftruncateSync(this.fd, start);
      } catch (undoErr) {
        throw Object.assign(undoErr as Error, { cause: err });
      }
      throw err;
    }
    this.size += batches.length;
    this.unsynced = true;
    let pos = 0;
    while (pos < batches.length) {
      const h = new RecordBatchHeader(batches, pos);
      const size = h.sizeInBytes;
      this.indexBatch(start + pos, size, h.lastOffset, h.maxTimestamp);
      pos += size;
    }
  }

  private indexBatch(position: number, size: number, lastOffset: number, maxTimestamp: number): void {
    if (position === 0) this.rollingBasedTimestamp = maxTimestamp;
    if (maxTimestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = maxTimestamp;
      this.offsetOfMaxTimestampSoFar = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.settings.indexIntervalBytes) {
      this.offsetIndex.append(lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
    this.nextOffset = lastOffset + 1;
  }

  /**
   * The batches from `position` to the end of the segment, read in blocks of SCAN_BLOCK bytes;
   * stops at an incomplete one. `header` is a view into `block` (valid until the next step).
   */
  private *scan(position: number): Generator<ScannedBatch> {
    const block = Buffer.allocUnsafe(SCAN_BLOCK);
    let blockStart = 0;
    let blockLen = 0;
    let pos = position;
    while (this.size - pos >= BatchHeader.SIZE) {
      if (pos < blockStart || pos + BatchHeader.SIZE > blockStart + blockLen) {
        blockStart = pos;
        blockLen = readFully(this.fs, this.fd, block, Math.min(SCAN_BLOCK, this.size - pos), pos);
        if (blockLen < BatchHeader.SIZE) return;
      }
      const header = new RecordBatchHeader(block, pos - blockStart);
      const size = header.sizeInBytes;
      if (size < BatchHeader.SIZE || pos + size > this.size) return;
      yield { header, position: pos, size, block, blockOffset: pos - blockStart + size <= blockLen ? pos - blockStart : -1 };
      pos += size;
    }
  }

  /** Batch headers from `position` to the end of the segment; stops at an incomplete one. */
  *headersFrom(position: number): Generator<BatchInfo> {
    for (const { header: h, position: at, size } of this.scan(position)) {
      yield { position: at, size, baseOffset: h.baseOffset, lastOffset: h.lastOffset, maxTimestamp: h.maxTimestamp };
    }
  }

  /**
   * Visits the batches from `position` to the end with a view of their header (valid during the
   * call only); `whole()` gives the batch's bytes, from the scan block when they are in it. Lets
   * the partition rebuild its producer state from headers without reading record bodies.
   */
  scanBatches(position: number, visit: (header: RecordBatchHeader, whole: () => Buffer) => void): void {
    for (const b of this.scan(position)) {
      visit(b.header, () => (b.blockOffset >= 0 ? b.block.subarray(b.blockOffset, b.blockOffset + b.size) : this.readAt(b.position, b.size)));
    }
  }

  /** The first batch whose last offset is ≥ `offset`, or null when the segment ends before. */
  translateOffset(offset: number): BatchInfo | null {
    for (const b of this.headersFrom(this.offsetIndex.lookup(offset).position)) {
      if (b.lastOffset >= offset) return b;
    }
    return null;
  }

  /** Reads `length` bytes at `position` into a fresh buffer. */
  readAt(position: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    const n = readFully(this.fs, this.fd, buf, length, position);
    return n === length ? buf : buf.subarray(0, n);
  }

  /**
   * Loads the index files and checks them against the log (Kafka's sanityCheck); false when an
   * index is missing or corrupt, and the caller then runs recover(). On success the tail after the
   * last index entry is walked to find the next offset and the max timestamp.
   */
  loadIndexes(): boolean {
    const offsetPath = this.path('.index');
    const timePath = this.path('.timeindex');
    if (!this.fs.existsSync(offsetPath) || !this.fs.existsSync(timePath)) return false;
    const offsetIndex = OffsetIndex.fromBuffer(this.baseOffset, readWholeFile(this.fs, offsetPath), OffsetIndex.maxEntriesFor(this.settings.segmentIndexBytes), this.size);
    if (!offsetIndex) return false;
    if (offsetIndex.entries > 0) {
      // The last entry must name a real batch: catches an index left longer than its log.
      const last = offsetIndex.entry(offsetIndex.entries - 1);
      const header = this.readAt(last.position, BatchHeader.SIZE);
      if (header.length < BatchHeader.SIZE || new RecordBatchHeader(header, 0).lastOffset !== last.offset) return false;
    }
    this.offsetIndex = offsetIndex;
    this.scanTail();
    const timeIndex = TimeIndex.fromBuffer(this.baseOffset, readWholeFile(this.fs, timePath), TimeIndex.maxEntriesFor(this.settings.segmentIndexBytes), this.nextOffset - 1);
    if (!timeIndex) return false;
    this.timeIndex = timeIndex;
    const lastTime = timeIndex.lastEntry();
    if (lastTime.timestamp > this.maxTimestampSoFar) {
      this.maxTimestampSoFar = lastTime.timestamp;
      this.offsetOfMaxTimestampSoFar = lastTime.offset;
    }
    if (this.rollingBasedTimestamp < 0 && this.size >= BatchHeader.SIZE) {
      this.rollingBasedTimestamp = new RecordBatchHeader(this.readAt(0, BatchHeader.SIZE), 0).maxTimestamp;
    }
    return true;
  }

  /**
   * Rebuilds the state the indexes do not hold (next offset, bytes since the last index entry,
   * max timestamp past the last time index entry) by walking the batches after the last offset
   * index entry. The index must already match the log.
   */
  private scanTail(): void {
    this.nextOffset = this.baseOffset;
    this.bytesSinceLastIndexEntry = 0;
    for (const b of this.headersFrom(this.offsetIndex.lastPosition)) {
      // Invariant kept by every caller: the first batch's max timestamp (unchanged by truncation).
      if (b.position === 0) this.rollingBasedTimestamp = b.maxTimestamp;
      if (b.maxTimestamp > this.maxTimestampSoFar) {
        this.maxTimestampSoFar = b.maxTimestamp;
        this.offsetOfMaxTimestampSoFar = b.lastOffset;
      }
      this.bytesSinceLastIndexEntry += b.size;
      this.nextOffset = b.lastOffset + 1;
    }
  }

  /**
   * Kafka's LogSegment.recover: validates every batch (size, magic, CRC32C, offsets increasing
   * and within int32 of the base), rebuilds both indexes, and truncates the file at the first
   * invalid byte. Returns what was cut: bytes, and records of the whole batches among them.
   */
  recover(): { bytes: number; records: number } {
    this.offsetIndex.clear();
    this.timeIndex.clear();
    this.bytesSinceLastIndexEntry = 0;
    this.maxTimestampSoFar = -1;
    this.offsetOfMaxTimestampSoFar = -1;
    this.rollingBasedTimestamp = -1;
    this.nextOffset = this.baseOffset;
    const fileSize = this.size;
    let valid = 0;
    let block: Buffer = Buffer.alloc(0);
    let blockStart = 0;
    for (;;) {
      if (fileSize - valid < BatchHeader.LOG_OVERHEAD) break;
      if (valid + BatchHeader.LOG_OVERHEAD > blockStart + block.length) {
        blockStart = valid;
        block = this.readAt(valid, Math.min(RECOVERY_BLOCK, fileSize - valid));
      }
      let size = BatchHeader.LOG_OVERHEAD + block.readInt32BE(valid - blockStart + BatchHeader.BATCH_LENGTH);
      if (size < BatchHeader.SIZE || valid + size > fileSize) break;
      let buf = block;
      let at = valid - blockStart;
      if (at + size > block.length) {
        if (size > RECOVERY_BLOCK) {
          buf = this.readAt(valid, size);
          at = 0;
        } else {
          blockStart = valid;
          block = this.readAt(valid, Math.min(RECOVERY_BLOCK, fileSize - valid));
          buf = block;
          at = 0;
        }
        if (at + size > buf.length) break;
      }
      const h = new RecordBatchHeader(buf, at);
      size = h.sizeInBytes;
      if (h.magic !== MAGIC_V2 || h.lastOffsetDelta < 0 || h.baseOffset < this.nextOffset) break;
      if (h.lastOffset - this.baseOffset > INT32_MAX || !h.isCrcValid()) break;
      this.indexBatch(valid, size, h.lastOffset, h.maxTimestamp);
      valid += size;
    }
    const truncated = fileSize - valid;
    if (truncated === 0) return { bytes: 0, records: 0 };
    const records = this.recordsFrom(valid);
    this.fs.ftruncateSync(this.fd, valid);
    this.size = valid;
    this.unsynced = true;
    this.txnIndex.truncateTo(this.nextOffset);
    return { bytes: truncated, records };
  }

  /**
   * Records in the batches from `position` to the end that look whole (magic 2, a size that
   * fits), whether or not their CRC holds: what recovery reports as dropped. A torn batch
   * counts none.
   */
  recordsFrom(position: number): number {
    let records = 0;
    let pos = position;
    while (this.size - pos >= BatchHeader.SIZE) {
      const h = new RecordBatchHeader(this.readAt(pos, BatchHeader.SIZE), 0);
      const size = h.sizeInBytes;
      if (size < BatchHeader.SIZE || pos + size > this.size || h.magic !== MAGIC_V2) break;
      // A record takes at least 7 bytes; a count beyond the batch size is garbage.
      if (h.recordsCount > 0 && h.recordsCount <= size / 7) records += h.recordsCount;
      pos += size;
    }
    return records;
  }

  /**
   * Removes the batch holding `offset` and everything after it (Kafka truncates at the batch
   * boundary). Returns the bytes removed.
   */
  truncateTo(offset: number): number {
    const batch = offset <= this.baseOffset ? null : this.translateOffset(offset);
    const position = offset <= this.baseOffset ? 0 : batch ? batch.position : this.size;
    if (position >= this.size) return 0;
    const removed = this.size - position;
    this.fs.ftruncateSync(this.fd, position);
    this.size = position;
    this.offsetIndex.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
    // Time index timestamps increase, so the last entry left is the max up to its offset.
    const hasTimeEntry = this.timeIndex.entries > 0;
    const lastTime = this.timeIndex.lastEntry();
    this.maxTimestampSoFar = lastTime.timestamp;
    this.offsetOfMaxTimestampSoFar = hasTimeEntry ? lastTime.offset : -1;
    if (position === 0) this.rollingBasedTimestamp = -1;
    this.scanTail();
    this.txnIndex.truncateTo(this.nextOffset);
    this.unsynced = true;
    return removed;
  }

  /**
   * The segment stops being active: add the final time index entry and write both index files
   * (their fsync happens with the next flush of this segment).
   */
  seal(): void {
    if (this.sealed) return;
    this.sealed = true;
    this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar, true);
    this.writeIndexFiles();
  }

  /** Makes a sealed segment active again (truncation removed the segments after it). */
  reactivate(): void {
    this.sealed = false;
    this.updateSettings(this.settings);
  }

  /**
   * Undoes a seal() whose index files could not be written (a full disk during a roll): the
   * segment stays the active one and its index files go (recovery rebuilds missing ones). The
   * final time index entry seal() added stays; it is a true entry, only earlier than usual.
   */
  unseal(): void {
    for (const fd of this.pendingIndexFds) this.fs.closeSync(fd);
    this.pendingIndexFds = [];
    for (const suffix of ['.index', '.timeindex'] as const) unlinkQuietly(this.fs, this.path(suffix));
    this.reactivate();
  }

  private writeIndexFiles(): void {
    for (const fd of this.pendingIndexFds) this.fs.closeSync(fd);
    this.pendingIndexFds = [];
    for (const [suffix, data] of [['.index', this.offsetIndex.toBuffer()], ['.timeindex', this.timeIndex.toBuffer()]] as const) {
      const fd = this.fs.openSync(this.path(suffix), 'w');
      try {
        writeFully(this.fs, fd, data, 0);
      } catch (err) {
        this.fs.closeSync(fd);
        throw err;
      }
      this.pendingIndexFds.push(fd);
    }
  }

  /** True when flush() has something to make durable. */
  get needsFlush(): boolean {
    return this.unsynced || this.pendingIndexFds.length > 0 || this.txnIndex.needsFlush;
  }

  /** fdatasync the log, plus the index files written at seal and not yet synced. */
  flush(): Promise<void> {
    const indexFds = this.pendingIndexFds;
    this.pendingIndexFds = [];
    const syncLog = this.unsynced;
    this.unsynced = false;
    const syncs = indexFds.map((fd) => this.fs.fdatasync(fd));
    if (syncLog) syncs.push(this.fs.fdatasync(this.fd));
    if (this.txnIndex.needsFlush) syncs.push(this.txnIndex.flush());
    const done = Promise.all(syncs)
      .then(
        () => undefined,
        (err: unknown) => {
          if (syncLog) this.unsynced = true;
          throw err;
        },
      )
      .finally(() => {
        for (const fd of indexFds) this.fs.closeSync(fd);
        if (this.inFlightSync === settled) this.inFlightSync = null;
      });
    const settled: Promise<void> = done.catch(() => undefined);
    this.inFlightSync = settled;
    return done;
  }

  /** Clean close: seal the indexes, sync what is not yet durable, close the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.seal();
    if (this.inFlightSync) await this.inFlightSync;
    if (this.needsFlush) await this.flush();
    this.closeFd();
  }

  /**
   * Kafka's changeFileSuffixes("", ".deleted"): renames the files for deletion later. The
   * descriptor stays open and the content unchanged, so whoever still holds the segment reads it
   * until deleteFiles(); startup removes `.deleted` files a crash left. `.log` goes first: a crash
   * after it leaves index files without their log, which startup removes as well.
   */
  markDeleted(): void {
    if (this.markedDeleted) return;
    for (const suffix of SEGMENT_FILE_SUFFIXES) {
      const from = this.path(suffix);
      try {
        this.fs.renameSync(from, from + DELETED_FILE_SUFFIX);
      } catch (err) {
        // An active segment has no index files yet.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    this.fileSuffix = DELETED_FILE_SUFFIX;
  }

  /** Unlinks the files; the descriptor is closed once any in-flight fsync on it has settled. */
  deleteFiles(): Promise<void> {
    for (const suffix of SEGMENT_FILE_SUFFIXES) unlinkQuietly(this.fs, this.path(suffix));
    return this.release();
  }

  /** Closes the descriptors, without syncing, once any in-flight fsync on them has settled. */
  release(): Promise<void> {
    for (const fd of this.pendingIndexFds) this.fs.closeSync(fd);
    this.pendingIndexFds = [];
    const pending = this.inFlightSync;
    if (!pending) {
      this.closeFd();
      return Promise.resolve();
    }
    return pending.then(() => this.closeFd());
  }

  /** Closes the descriptor without syncing (crash simulation, or after deleteFiles). */
  closeFd(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of this.pendingIndexFds) this.fs.closeSync(fd);
    this.pendingIndexFds = [];
    this.txnIndex.close();
    this.fs.closeSync(this.fd);
  }
}

function unlinkQuietly(fs: FileSystem, path: string): void {
  try {
    fs.unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
