import { BatchHeader, RecordBatchHeader, batchSizeAt } from '../protocol/records/record-batch.js';
import { type FileSystem, nodeFileSystem } from './file-system.js';
import type { LogConfig } from './log-config.js';
import { LogFlusher } from './log-flusher.js';
import { loadLog } from './log-loader.js';
import { LogSegment } from './log-segment.js';
import { TailCache } from './tail-cache.js';
import { type LogRecovery, type StorageLogger, silentLogger } from './storage-logger.js';
import { firstRecordAtOrAfter, offsetOfTimestamp } from './record-timestamps.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface LogOpenOptions {
  fs?: FileSystem;
  /** Clock for segment.ms and retention (epoch ms). */
  now?: () => number;
  recoveryPoint?: number;
  logStartOffset?: number;
  cleanShutdown?: boolean;
  /** Bytes of recently appended batches kept in memory for reads (default 4 MiB). */
  tailCacheBytes?: number;
  /** Where recovery reports what it cut (default: nowhere). */
  logger?: StorageLogger;
}

export interface AppendInfo {
  firstOffset: number;
  lastOffset: number;
  /** Set when flush.messages / flush.ms require an fsync covering this append. */
  flushed: Promise<void> | undefined;
}

export interface ReadInfo {
  batches: Buffer[];
  size: number;
}

const DEFAULT_TAIL_CACHE_BYTES = 4 * 1024 * 1024;
const INT32_MAX = 0x7fffffff;
const noop = (): void => undefined;

/**
 * One partition's log (Kafka's UnifiedLog over LocalLog): an ordered list of segments, the last
 * one active. All mutations are synchronous so that the event loop serialises them; only fsync
 * (flush, close) is asynchronous. Invariants: logStartOffset ≤ logEndOffset; recoveryPoint ≤
 * logEndOffset and everything below it has been fsynced; segments[0].baseOffset ≤ logStartOffset.
 */
export class Log {
  logStartOffset: number;
  /** Exclusive: the next offset to assign. */
  logEndOffset: number;
  /** Everything below this offset is on disk (fsynced). */
  recoveryPoint: number;
  private readonly fs: FileSystem;
  private readonly now: () => number;
  private readonly cache: TailCache;
  private readonly flusher: LogFlusher;
  private closed = false;
  /** What recovery did when this log was opened. */
  readonly recovery: LogRecovery;

  private constructor(
    readonly dir: string,
    readonly topicPartition: TopicPartition,
    private config: LogConfig,
    private segments: LogSegment[],
    state: { logStartOffset: number; logEndOffset: number; recoveryPoint: number; recovery: LogRecovery },
    opts: LogOpenOptions,
  ) {
    this.recovery = state.recovery;
    this.fs = opts.fs ?? nodeFileSystem;
    this.now = opts.now ?? Date.now;
    this.cache = new TailCache(opts.tailCacheBytes ?? DEFAULT_TAIL_CACHE_BYTES);
    this.logStartOffset = state.logStartOffset;
    this.logEndOffset = state.logEndOffset;
    this.recoveryPoint = state.recoveryPoint;
    this.flusher = new LogFlusher(this, () => this.segments, this.now);
  }

  /** Opens (creating if needed) the partition folder `dir` and recovers it. */
  static async open(dir: string, topicPartition: TopicPartition, config: LogConfig, opts: LogOpenOptions = {}): Promise<Log> {
    const fs = opts.fs ?? nodeFileSystem;
    const loaded = loadLog({
      dir,
      fs,
      now: (opts.now ?? Date.now)(),
      settings: config,
      recoveryPoint: opts.recoveryPoint ?? 0,
      logStartOffset: opts.logStartOffset ?? 0,
      cleanShutdown: opts.cleanShutdown ?? false,
      name: `${topicPartition.topic}-${topicPartition.partition}`,
      logger: opts.logger ?? silentLogger,
    });
    return new Log(dir, { ...topicPartition }, config, loaded.segments, loaded, opts);
  }

  private get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1];
  }

  /** Resizes the in-memory tail (LogManager shares one budget among all logs). */
  setTailCacheBytes(bytes: number): void {
    this.cache.resize(bytes);
  }

  /** Number of segments (for tests and metrics). */
  get numberOfSegments(): number {
    return this.segments.length;
  }

  /** Total bytes of all segments. */
  get size(): number {
    let total = 0;
    for (const s of this.segments) total += s.size;
    return total;
  }

  /**
   * Appends whole v2 batches, assigning offsets from the log end offset by patching each batch's
   * baseOffset in place (outside the CRC, so nothing is re-checksummed). The caller has validated
   * the bytes; a buffer that is not whole batches is a bug and throws.
   */
  append(batches: Buffer): AppendInfo {
    if (this.closed) throw new Error(`log ${this.dir} is closed`);
    const firstOffset = this.logEndOffset;
    let next = firstOffset;
    let maxTimestamp = -1;
    let pos = 0;
    while (pos < batches.length) {
      const size = batchSizeAt(batches, pos);
      if (size < BatchHeader.SIZE || pos + size > batches.length) throw new Error('append: buffer does not hold whole record batches');
      const h = new RecordBatchHeader(batches, pos);
      h.setBaseOffset(next);
      next += h.lastOffsetDelta + 1;
      if (h.maxTimestamp > maxTimestamp) maxTimestamp = h.maxTimestamp;
      pos += size;
    }
    if (pos === 0) throw new Error('append: no record batch');
    const lastOffset = next - 1;
    this.maybeRoll(batches.length, maxTimestamp, lastOffset).append(batches);
    this.logEndOffset = next;
    this.cache.append(batches);
    return { firstOffset, lastOffset, flushed: this.flusher.afterAppend(this.config.flushIntervalMessages, this.config.flushIntervalMs) };
  }

  /** Kafka's shouldRoll: size, age (segment.ms), full indexes, offsets beyond int32 of the base. */
  private maybeRoll(messagesSize: number, maxTimestamp: number, lastOffset: number): LogSegment {
    const segment = this.activeSegment;
    if (segment.size === 0) return segment;
    const waited = segment.rollingBasedTimestamp >= 0 ? maxTimestamp - segment.rollingBasedTimestamp : this.now() - segment.created;
    if (
      segment.size + messagesSize > this.config.segmentBytes ||
      waited > this.config.segmentMs ||
      segment.offsetIndex.isFull ||
      segment.timeIndex.isFull ||
      lastOffset - segment.baseOffset > INT32_MAX
    ) {
      this.roll();
    }
    return this.activeSegment;
  }

  /** Starts a new active segment at the log end offset; the old one is sealed and fsynced in the background. */
  roll(): void {
    const active = this.activeSegment;
    if (active.size === 0 && active.baseOffset === this.logEndOffset) return;
    if (active.size === 0) {
      this.segments.pop();
      void active.deleteFiles().catch(noop);
    } else {
      active.seal();
    }
    this.segments.push(LogSegment.create(this.dir, this.logEndOffset, this.config, this.fs, this.now()));
    // Like Kafka's flush of the rolled segment: bounds what recovery must scan after a crash.
    this.flush().catch(noop);
  }

  /** fsyncs everything appended so far and advances the recovery point (see LogFlusher). */
  flush(): Promise<void> {
    return this.flusher.flush();
  }

  /**
   * Whole batches from the one holding `offset`: at most `maxBytes` in total, except that with
   * `minOneBatch` (default true) the first batch comes whole even if larger. Nothing at or beyond
   * `maxOffset` (default: the log end offset). null when `offset` is out of range.
   */
  read(offset: number, maxBytes: number, opts: { maxOffset?: number; minOneBatch?: boolean } = {}): ReadInfo | null {
    if (offset < this.logStartOffset || offset > this.logEndOffset || this.segments.length === 0) return null;
    const maxOffset = Math.min(opts.maxOffset ?? this.logEndOffset, this.logEndOffset);
    const minOneBatch = opts.minOneBatch ?? true;
    if (offset >= maxOffset) return { batches: [], size: 0 };
    const cached = this.cache.read(offset, maxBytes, maxOffset, minOneBatch);
    if (cached) return cached;

    const batches: Buffer[] = [];
    let size = 0;
    for (let i = this.segmentIndexFor(offset); i < this.segments.length; i++) {
      const segment = this.segments[i];
      const first = segment.translateOffset(offset);
      if (!first) continue;
      if (first.lastOffset >= maxOffset) break;
      const rest = segment.size - first.position;
      let want = Math.min(maxBytes - size, rest);
      if (first.size > want) {
        if (!(minOneBatch && batches.length === 0)) break;
        want = first.size;
      }
      const buf = segment.readAt(first.position, want);
      let pos = 0;
      let stop = false;
      while (pos < buf.length) {
        const batchSize = batchSizeAt(buf, pos);
        if (batchSize < BatchHeader.SIZE || pos + batchSize > buf.length) break;
        if (new RecordBatchHeader(buf, pos).lastOffset >= maxOffset) {
          stop = true;
          break;
        }
        batches.push(buf.subarray(pos, pos + batchSize));
        size += batchSize;
        pos += batchSize;
      }
      if (stop || pos < rest) break;
    }
    return { batches, size };
  }

  /** Index of the segment holding `offset` (the last one whose base offset is ≤ it). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid].baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** ListOffsets by timestamp: the first offset (≥ logStartOffset) whose record timestamp is ≥ `ts`. */
  offsetForTimestamp(ts: number): { offset: number; timestamp: number } | null {
    for (let i = this.segmentIndexFor(this.logStartOffset); i < this.segments.length; i++) {
      const segment = this.segments[i];
      if (segment.maxTimestampSoFar < ts) continue;
      // Records up to the time index entry's offset are all older than `ts`.
      const from = Math.max(segment.timeIndex.lookupBefore(ts).offset, this.logStartOffset);
      for (const b of segment.headersFrom(segment.offsetIndex.lookup(from).position)) {
        if (b.lastOffset < this.logStartOffset || b.maxTimestamp < ts) continue;
        const found = firstRecordAtOrAfter(segment.readAt(b.position, b.size), ts, this.logStartOffset);
        if (found) return found;
      }
    }
    return null;
  }

  /** ListOffsets MAX_TIMESTAMP: the record with the largest timestamp (first one on ties); -1/-1 when empty. */
  maxTimestampAndOffset(): { offset: number; timestamp: number } {
    let best: LogSegment | undefined;
    for (const s of this.segments) if (s.maxTimestampSoFar >= 0 && (!best || s.maxTimestampSoFar > best.maxTimestampSoFar)) best = s;
    if (!best) return { offset: -1, timestamp: -1 };
    const timestamp = best.maxTimestampSoFar;
    const batch = best.translateOffset(best.offsetOfMaxTimestampSoFar);
    const offset = batch ? offsetOfTimestamp(best.readAt(batch.position, batch.size), timestamp) : best.offsetOfMaxTimestampSoFar;
    return { offset, timestamp };
  }

  /** DeleteRecords: moves logStartOffset up to `offset` and deletes the segments wholly below it. */
  deleteRecordsBefore(offset: number): void {
    if (offset > this.logEndOffset) throw new RangeError(`deleteRecordsBefore(${offset}) beyond log end offset ${this.logEndOffset}`);
    if (offset <= this.logStartOffset) return;
    this.logStartOffset = offset;
    this.deleteSegmentsWhile((_, next) => next.baseOffset <= this.logStartOffset);
  }

  /**
   * Kafka's deleteOldSegments: by retention.ms (segment max timestamp older than now minus it),
   * then retention.bytes (oldest segments while the log stays above it), then segments below the
   * log start offset. The active segment is never deleted. Nothing when cleanup.policy lacks delete.
   */
  enforceRetention(now: number): void {
    if (this.config.delete === false) return;
    const { retentionMs, retentionBytes } = this.config;
    if (retentionMs >= 0) {
      this.deleteSegmentsWhile((s) => now - (s.maxTimestampSoFar >= 0 ? s.maxTimestampSoFar : s.created) > retentionMs);
    }
    if (retentionBytes >= 0) {
      let excess = this.size - retentionBytes;
      this.deleteSegmentsWhile((s) => {
        if (excess - s.size < 0) return false;
        excess -= s.size;
        return true;
      });
    }
    this.deleteSegmentsWhile((_, next) => next.baseOffset <= this.logStartOffset);
  }

  /** Deletes segments from the oldest while `predicate` holds, never the active one. */
  private deleteSegmentsWhile(predicate: (segment: LogSegment, next: LogSegment) => boolean): void {
    let n = 0;
    while (n < this.segments.length - 1 && predicate(this.segments[n], this.segments[n + 1])) n++;
    if (n === 0) return;
    for (const s of this.segments.splice(0, n)) void s.deleteFiles().catch(noop);
    this.logStartOffset = Math.max(this.logStartOffset, this.segments[0].baseOffset);
    if (this.recoveryPoint < this.logStartOffset) this.recoveryPoint = Math.min(this.logStartOffset, this.logEndOffset);
  }

  /**
   * Removes everything from `offset` on (at batch granularity: the batch holding `offset` goes
   * too, so the log end offset may land below `offset` if it is inside a batch).
   */
  truncateTo(offset: number): void {
    if (offset < 0) throw new RangeError(`truncateTo(${offset})`);
    if (offset >= this.logEndOffset) return;
    this.flusher.truncated();
    this.cache.clear();
    if (offset < this.logStartOffset) {
      for (const s of this.segments) void s.deleteFiles().catch(noop);
      this.segments = [LogSegment.create(this.dir, offset, this.config, this.fs, this.now())];
      this.logStartOffset = offset;
    } else {
      while (this.segments.length > 1 && this.activeSegment.baseOffset > offset) {
        void this.segments.pop()!.deleteFiles().catch(noop);
      }
      const active = this.activeSegment;
      active.reactivate();
      active.truncateTo(offset);
    }
    this.logEndOffset = this.activeSegment.nextOffset;
    if (this.logStartOffset > this.logEndOffset) this.logStartOffset = this.logEndOffset;
    this.recoveryPoint = Math.min(this.recoveryPoint, this.logEndOffset);
  }

  updateConfig(config: LogConfig): void {
    this.config = config;
    this.activeSegment.updateSettings(config);
  }

  /** Flushes, writes the active segment's indexes, closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flusher.closeWith(async () => {
        await this.flush();
        for (const s of this.segments) await s.close();
        this.recoveryPoint = this.logEndOffset;
      });
    } finally {
      this.cache.clear();
    }
  }

  /** Closes the files and removes the partition folder. */
  async delete(): Promise<void> {
    this.closed = true;
    this.flusher.cancel();
    const flushing = this.flusher.inFlight;
    if (flushing) await flushing.catch(noop);
    await Promise.all(this.segments.map((s) => s.deleteFiles()));
    this.segments = [];
    this.cache.clear();
    this.fs.rmSync(this.dir);
  }

  /** Test hook for crash simulation: drop the file descriptors without flushing or writing indexes. */
  abandon(): void {
    this.closed = true;
    this.flusher.cancel();
    for (const s of this.segments) s.closeFd();
  }
}
