import { BatchHeader, RecordBatchHeader, batchSizeAt } from '../protocol/records/record-batch.js';
import { dirname } from 'node:path';
import { type FileSystem, nodeFileSystem } from './file-system.js';
import { type LogConfig, defaultLogConfig } from './log-config.js';
import { LogFlusher } from './log-flusher.js';
import { loadLog } from './log-loader.js';
import { LogSegment } from './log-segment.js';
import { commitCleanedSegment, finishSwap } from './segment-swap.js';
import { TailCache } from './tail-cache.js';
import { type LogRecovery, NO_RECOVERY, type StorageLogger, silentLogger } from './storage-logger.js';
import { type ReadInfo, maxTimestampAndOffset, offsetForTimestamp, readSegments, segmentIndexFor } from './segment-reads.js';
import { type RetentionRule, countDeletable, logStartOffsetBreach, retentionMsBreach, retentionSizeBreach } from './log-retention.js';
import { type Scheduler, timerScheduler } from './scheduler.js';
import { SegmentDeleter } from './segment-deleter.js';
import { KafkaStorageError, isDiskFull, isIoError, isKafkaStorageError } from './storage-error.js';
import { ProducerSnapshots } from './producer-snapshots.js';
import type { AbortedTxn } from './transaction-index.js';

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
  /** Where recovery reports what it cut, and retention what it deleted (default: nowhere). */
  logger?: StorageLogger;
  /** Runs the delayed deletion of segment files (default: timers). */
  scheduler?: Scheduler;
  /**
   * Called when a file-system call fails in a way that leaves the log unusable (Kafka's
   * LogDirFailureChannel): the owner takes the whole log directory offline, which calls
   * markOffline() on this log. Without it the log takes only itself offline.
   */
  onLogDirFailure?: (what: string, err: NodeJS.ErrnoException) => void;
}

export interface AppendInfo {
  firstOffset: number;
  lastOffset: number;
  /** Set when flush.messages / flush.ms require an fsync covering this append. */
  flushed: Promise<void> | undefined;
}

export type { ReadInfo };
export type { AbortedTxn };

const DEFAULT_TAIL_CACHE_BYTES = 4 * 1024 * 1024;
/** Kafka's file.delete.delay.ms default. */
const DEFAULT_FILE_DELETE_DELAY_MS = 60_000;
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
  /** Whether the log was opened after a clean shutdown (its tail was trusted, not recovered). */
  readonly openedClean: boolean;
  /**
   * Set at open: the `.txnindex` of the segment at this base offset (and so everything from here
   * on) was damaged and must be rebuilt by the owner of the producer state. Infinity when sane.
   */
  readonly txnIndexRebuildFrom: number;
  /** Producer-state snapshots beside the segments (see ProducerSnapshots). */
  private readonly snapshots: ProducerSnapshots;
  /** Gives the payload of a producer snapshot; set by the partition (see setProducerSnapshotSource). */
  private snapshotSource: (() => Buffer) | undefined;
  private readonly fs: FileSystem;
  private readonly now: () => number;
  private readonly cache: TailCache;
  private readonly flusher: LogFlusher;
  private readonly deleter: SegmentDeleter;
  private readonly logger: StorageLogger;
  private readonly onLogDirFailure: ((what: string, err: NodeJS.ErrnoException) => void) | undefined;
  private closed = false;
  private readonly wrappedFlushes = new WeakMap<Promise<void>, Promise<void>>();
  /** Set when the log's directory failed: every operation throws it until a restart. */
  private offlineError: KafkaStorageError | undefined;
  /** What recovery did when this log was opened. */
  readonly recovery: LogRecovery;

  private constructor(
    readonly dir: string,
    readonly topicPartition: TopicPartition,
    private config: LogConfig,
    private segments: LogSegment[],
    state: { logStartOffset: number; logEndOffset: number; recoveryPoint: number; recovery: LogRecovery; txnIndexRebuildFrom?: number; snapshotOffsets?: readonly number[] },
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
    this.logger = opts.logger ?? silentLogger;
    this.onLogDirFailure = opts.onLogDirFailure;
    this.deleter = new SegmentDeleter(opts.scheduler ?? timerScheduler, (err) => this.ioFailure('delete segment files of', err));
    this.openedClean = opts.cleanShutdown ?? false;
    this.txnIndexRebuildFrom = state.txnIndexRebuildFrom ?? Infinity;
    this.snapshots = new ProducerSnapshots(dir, this.fs, state.snapshotOffsets ?? []);
    if (dir !== '') {
      this.snapshots.removeStrays(
        segments.map((s) => s.baseOffset),
        this.logEndOffset,
      );
    }
  }

  /**
   * A partition whose log cannot be opened because its directory is offline (found so at
   * startup): every operation throws KAFKA_STORAGE_ERROR; offsets read 0.
   */
  static offline(topicPartition: TopicPartition, error: KafkaStorageError): Log {
    const log = new Log('', { ...topicPartition }, defaultLogConfig, [], { logStartOffset: 0, logEndOffset: 0, recoveryPoint: 0, recovery: NO_RECOVERY }, {});
    log.offlineError = error;
    log.closed = true;
    return log;
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

  /** The log directory (the parent of the partition folder); '' for an offline placeholder. */
  get parentDir(): string {
    return this.dir === '' ? '' : dirname(this.dir);
  }

  /** The error every operation throws since the log's directory failed; undefined while online. */
  get offline(): KafkaStorageError | undefined {
    return this.offlineError;
  }

  private get name(): string {
    return `${this.topicPartition.topic}-${this.topicPartition.partition}`;
  }

  private checkOnline(): void {
    if (this.offlineError) throw this.offlineError;
  }

  /**
   * Maps an error of a file-system call to what the caller throws (Kafka's
   * maybeHandleIOException). A bug (not an I/O error) passes through. A disk-full error of an
   * operation that was undone is a refusal: KAFKA_STORAGE_ERROR, the directory stays online.
   * Anything else leaves the files in a state only recovery can judge: the directory goes
   * offline (every log in it, through onLogDirFailure) until a restart.
   */
  private ioFailure(what: string, err: unknown, undone = false): Error {
    if (isKafkaStorageError(err)) return err;
    if (!isIoError(err)) return err as Error;
    if (undone && isDiskFull(err)) return new KafkaStorageError(`${what} ${this.name} failed: ${err.message}`, false, { cause: err });
    if (!this.offlineError) {
      this.onLogDirFailure?.(`${what} ${this.name}`, err);
      // Without an owner (or one whose directory had already failed) the log goes alone.
      if (!this.offlineError) this.markOffline(new KafkaStorageError(`${what} ${this.name} failed: ${err.message}`, true, { cause: err }));
    }
    return this.offlineError ?? err;
  }

  /**
   * The log's directory failed: from now on every operation throws `error`. Descriptors are
   * closed (after any fsync in flight), nothing is flushed or written; appends waiting for an
   * fsync are failed. Files stay as they are for recovery at the next start.
   */
  markOffline(error: KafkaStorageError): void {
    if (this.offlineError) return;
    this.offlineError = error;
    this.flusher.fail(error);
    this.cache.clear();
    this.deleter.abandon();
    for (const s of this.segments) void s.release().catch(noop);
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
    this.checkOnline();
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
    const segment = this.maybeRoll(batches.length, maxTimestamp, lastOffset);
    try {
      segment.append(batches);
    } catch (err) {
      // LogSegment.append cut a partial write back, or threw the error of failing to.
      throw this.ioFailure('append to', err, true);
    }
    this.logEndOffset = next;
    this.cache.append(batches);
    const flushed = this.flusher.afterAppend(this.config.flushIntervalMessages, this.config.flushIntervalMs);
    return { firstOffset, lastOffset, flushed: flushed && this.failOnFlushError(flushed) };
  }

  /**
   * A failed fsync takes the directory offline: what the OS dropped cannot be known. Appends
   * sharing a flush share the wrapped promise too.
   */
  private failOnFlushError(flush: Promise<void>): Promise<void> {
    let wrapped = this.wrappedFlushes.get(flush);
    if (!wrapped) {
      wrapped = flush.catch((err: unknown) => {
        throw this.ioFailure('fsync of', err);
      });
      this.wrappedFlushes.set(flush, wrapped);
    }
    return wrapped;
  }

  /**
   * Kafka's shouldRoll: size, age (segment.ms, or max.compaction.lag.ms when shorter on a
   * compacted log, since the active segment is never cleaned), full indexes, offsets beyond int32
   * of the base.
   */
  private maybeRoll(messagesSize: number, maxTimestamp: number, lastOffset: number): LogSegment {
    const segment = this.activeSegment;
    if (segment.size === 0) return segment;
    const waited = segment.rollingBasedTimestamp >= 0 ? maxTimestamp - segment.rollingBasedTimestamp : this.now() - segment.created;
    const { compact, maxCompactionLagMs } = this.config;
    const maxSegmentMs = compact && maxCompactionLagMs !== undefined && maxCompactionLagMs > 0 ? Math.min(this.config.segmentMs, maxCompactionLagMs) : this.config.segmentMs;
    if (
      segment.size + messagesSize > this.config.segmentBytes ||
      waited > maxSegmentMs ||
      segment.offsetIndex.isFull ||
      segment.timeIndex.isFull ||
      lastOffset - segment.baseOffset > INT32_MAX
    ) {
      this.roll();
    }
    return this.activeSegment;
  }

  /**
   * Starts a new active segment at the log end offset; the old one is sealed and fsynced in the
   * background. A full disk while creating the new segment or writing the old one's indexes
   * undoes the roll and throws KAFKA_STORAGE_ERROR with the directory still online.
   */
  roll(): void {
    this.checkOnline();
    const active = this.activeSegment;
    // Invariant: the log end offset is the active segment's next offset, so an empty active
    // segment already starts at the log end.
    if (active.size === 0) return;
    let next: LogSegment;
    try {
      next = LogSegment.create(this.dir, this.logEndOffset, this.config, this.fs, this.now());
    } catch (err) {
      throw this.ioFailure('roll of', err, true);
    }
    try {
      active.seal();
    } catch (err) {
      try {
        next.closeFd();
        this.fs.unlinkSync(next.path('.log'));
        active.unseal();
      } catch (undoErr) {
        throw this.ioFailure('roll of', undoErr);
      }
      throw this.ioFailure('roll of', err, true);
    }
    this.segments.push(next);
    // As Kafka: a producer snapshot at the new segment's base offset, so that recovery can start
    // at any segment boundary; it is fsynced in the background like the rolled segment.
    this.takeProducerSnapshot().catch((err: unknown) => this.snapshotFailed(err));
    // Like Kafka's flush of the rolled segment: bounds what recovery must scan after a crash.
    this.flush().catch(noop);
  }

  /**
   * Makes `source` the provider of producer-state snapshots: it is called (synchronously) at each
   * roll and at close, and must describe the state after every batch below the log end offset.
   */
  setProducerSnapshotSource(source: () => Buffer): void {
    this.snapshotSource = source;
  }

  /** Writes a producer snapshot at the log end offset; settles once it is fsynced. No-op without a source. */
  takeProducerSnapshot(): Promise<void> {
    if (!this.snapshotSource || this.closed || this.offlineError) return Promise.resolve();
    try {
      return this.snapshots.write(this.logEndOffset, this.snapshotSource());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** A snapshot that could not be written costs only a longer replay after a crash: warn, go on. */
  private snapshotFailed(err: unknown): void {
    this.logger.warn({ partition: this.name, err: String(err) }, `${this.name}: producer snapshot at offset ${this.logEndOffset} failed (${String(err)}); recovery after a crash replays from an older one`);
  }

  /**
   * The newest intact producer snapshot at or below `maxOffset` (offset and payload), or null;
   * damaged ones are deleted on the way.
   */
  latestProducerSnapshot(maxOffset: number): { offset: number; payload: Buffer } | null {
    return this.snapshots.latestAtOrBelow(maxOffset);
  }

  /** Offsets of the producer snapshots on disk, ascending (tests, tools). */
  producerSnapshotOffsets(): readonly number[] {
    return this.snapshots.list();
  }

  /**
   * Visits every batch from the one holding `offset` to the log end, with its header view and a
   * way to get its bytes (see LogSegment.scanBatches): recovery of producer state reads headers
   * only, and the bytes of the few batches it must look into (transaction markers).
   */
  scanBatches(offset: number, visit: (header: RecordBatchHeader, whole: () => Buffer) => void): void {
    this.checkOnline();
    if (offset >= this.logEndOffset) return;
    try {
      for (let i = segmentIndexFor(this.segments, offset); i < this.segments.length; i++) {
        const segment = this.segments[i];
        const first = offset > segment.baseOffset ? segment.translateOffset(offset) : null;
        segment.scanBatches(first ? first.position : 0, visit);
      }
    } catch (err) {
      throw this.ioFailure('read of', err);
    }
  }

  /** Records an aborted transaction in the `.txnindex` of the segment holding its marker. */
  appendAbortedTxn(txn: AbortedTxn): void {
    this.checkOnline();
    try {
      this.segments[segmentIndexFor(this.segments, txn.lastOffset)].txnIndex.append(txn);
    } catch (err) {
      throw this.ioFailure('transaction index append of', err);
    }
  }

  /** Drops the aborted transactions whose marker is at or after `offset` (before rebuilding them). */
  truncateAbortedTxns(offset: number): void {
    this.checkOnline();
    try {
      for (let i = segmentIndexFor(this.segments, offset); i < this.segments.length; i++) this.segments[i].txnIndex.truncateTo(offset);
    } catch (err) {
      throw this.ioFailure('transaction index truncation of', err);
    }
  }

  /**
   * Kafka's collectAbortedTransactions: the aborted transactions overlapping [fetchOffset,
   * upperBoundOffset), searching the segments from the one holding `fetchOffset` until an entry
   * shows that no later one can overlap. In memory: fetches never read `.txnindex` files.
   */
  collectAbortedTxns(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    this.checkOnline();
    const out: AbortedTxn[] = [];
    for (let i = segmentIndexFor(this.segments, fetchOffset); i < this.segments.length; i++) {
      if (this.segments[i].txnIndex.collect(fetchOffset, upperBoundOffset, out)) break;
    }
    return out;
  }

  /** fsyncs everything appended so far and advances the recovery point (see LogFlusher). */
  flush(): Promise<void> {
    if (this.offlineError) return Promise.reject(this.offlineError);
    return this.failOnFlushError(this.flusher.flush());
  }

  /**
   * Whole batches from the one holding `offset`: at most `maxBytes` in total, except that with
   * `minOneBatch` (default true) the first batch comes whole even if larger. Nothing at or beyond
   * `maxOffset` (default: the log end offset). null when `offset` is out of range.
   */
  read(offset: number, maxBytes: number, opts: { maxOffset?: number; minOneBatch?: boolean } = {}): ReadInfo | null {
    this.checkOnline();
    if (offset < this.logStartOffset || offset > this.logEndOffset || this.segments.length === 0) return null;
    const maxOffset = Math.min(opts.maxOffset ?? this.logEndOffset, this.logEndOffset);
    const minOneBatch = opts.minOneBatch ?? true;
    if (offset >= maxOffset) return { batches: [], size: 0 };
    const cached = this.cache.read(offset, maxBytes, maxOffset, minOneBatch);
    if (cached) return cached;
    try {
      return readSegments(this.segments, offset, maxBytes, maxOffset, minOneBatch);
    } catch (err) {
      throw this.ioFailure('read of', err);
    }
  }

  /** ListOffsets by timestamp: the first offset (≥ logStartOffset) whose record timestamp is ≥ `ts`. */
  offsetForTimestamp(ts: number): { offset: number; timestamp: number } | null {
    this.checkOnline();
    try {
      return offsetForTimestamp(this.segments, this.logStartOffset, ts);
    } catch (err) {
      throw this.ioFailure('read of', err);
    }
  }

  /** ListOffsets MAX_TIMESTAMP: the record with the largest timestamp (first one on ties); -1/-1 when empty. */
  maxTimestampAndOffset(): { offset: number; timestamp: number } {
    this.checkOnline();
    try {
      return maxTimestampAndOffset(this.segments);
    } catch (err) {
      throw this.ioFailure('read of', err);
    }
  }

  /** DeleteRecords: moves logStartOffset up to `offset` and deletes the segments wholly below it. */
  deleteRecordsBefore(offset: number): void {
    this.checkOnline();
    if (offset > this.logEndOffset) throw new RangeError(`deleteRecordsBefore(${offset}) beyond log end offset ${this.logEndOffset}`);
    if (offset <= this.logStartOffset) return;
    this.logStartOffset = offset;
    this.deleteOldSegmentsBy(logStartOffsetBreach(offset));
  }

  /**
   * Kafka's deleteOldSegments, run every log.retention.check.interval.ms: segments wholly below
   * the log start offset, then (when cleanup.policy has delete) the oldest segments while the log
   * exceeds retention.bytes, then those whose largest record timestamp is older than
   * retention.ms. The active segment is included: when every record has expired the log rolls
   * and empties, keeping its offsets (log start = log end). Returns the segments deleted; their
   * files go after file.delete.delay.ms (see deleteSegmentFiles).
   */
  deleteOldSegments(now: number): number {
    this.checkOnline();
    let deleted = this.deleteOldSegmentsBy(logStartOffsetBreach(this.logStartOffset));
    if (this.config.delete === false) return deleted;
    const bySize = retentionSizeBreach(this.size, this.config.retentionBytes);
    if (bySize) deleted += this.deleteOldSegmentsBy(bySize);
    const byTime = retentionMsBreach(now, this.config.retentionMs);
    if (byTime) deleted += this.deleteOldSegmentsBy(byTime);
    return deleted;
  }

  private deleteOldSegmentsBy(rule: RetentionRule): number {
    let n = countDeletable(this.segments, rule.predicate);
    if (n === 0) return 0;
    // A log always has a segment: when all go, a new one starts at the log end offset first,
    // so offsets continue where they were. A full disk may refuse the roll (the old segment's
    // indexes must be written): then all but the active segment go, which frees space.
    if (n === this.segments.length) {
      try {
        this.roll();
      } catch (err) {
        if (!isKafkaStorageError(err) || err.logDirOffline) throw err;
        n--;
        if (n === 0) return 0;
      }
    }
    const removed = this.segments.splice(0, n);
    for (const s of removed) this.snapshots.delete(s.baseOffset);
    this.logStartOffset = Math.max(this.logStartOffset, this.segments[0].baseOffset);
    if (this.recoveryPoint < this.logStartOffset) this.recoveryPoint = Math.min(this.logStartOffset, this.logEndOffset);
    this.logger.info(
      { partition: this.name, segments: removed.map((s) => s.baseOffset), bytes: removed.reduce((b, s) => b + s.size, 0), logStartOffset: this.logStartOffset },
      `${this.name}: deleting ${n} segment(s) from offset ${removed[0].baseOffset} to ${removed[n - 1].nextOffset - 1} due to ${rule.reason}; log start offset now ${this.logStartOffset}`,
    );
    this.deleteSegmentFiles(removed);
    return n;
  }

  /**
   * Kafka's asynchronous deleteSegmentFiles, for segments the caller has already taken out of
   * this log's segment list (retention, truncation, and the cleaner's swap): their files are
   * renamed `<name>.deleted` now and removed file.delete.delay.ms later. Until then their
   * descriptors stay open, so a reader that took a segment before it left still reads it, and a
   * crash leaves only `.deleted` files, which the next start removes. The renames happen in the
   * order given (oldest first for retention, newest first for truncation), so a crash between
   * two of them leaves a log without holes. A failed rename takes the directory offline.
   */
  deleteSegmentFiles(segments: readonly LogSegment[]): void {
    try {
      this.deleter.deleteLater(segments, this.config.fileDeleteDelayMs ?? DEFAULT_FILE_DELETE_DELAY_MS);
    } catch (err) {
      throw this.ioFailure('delete segment files of', err);
    }
  }

  /** Segments renamed `.deleted` whose files are not removed yet (tests). */
  get segmentsPendingDeletion(): number {
    return this.deleter.pendingSegments;
  }

  /**
   * Removes everything from `offset` on (at batch granularity: the batch holding `offset` goes
   * too, so the log end offset may land below `offset` if it is inside a batch). Later segments
   * are deleted newest first and the one holding `offset` is cut last, so a crash at any point
   * leaves a log whose offsets run without a gap.
   */
  truncateTo(offset: number): void {
    this.checkOnline();
    if (offset < 0) throw new RangeError(`truncateTo(${offset})`);
    if (offset >= this.logEndOffset) return;
    this.flusher.truncated();
    this.cache.clear();
    try {
      if (offset < this.logStartOffset) {
        const all = this.segments.reverse();
        this.segments = [];
        this.deleteSegmentFiles(all);
        this.snapshots.deleteAll();
        this.segments = [LogSegment.create(this.dir, offset, this.config, this.fs, this.now())];
        this.logStartOffset = offset;
      } else {
        const later: LogSegment[] = [];
        while (this.segments.length > 1 && this.activeSegment.baseOffset > offset) later.push(this.segments.pop()!);
        this.deleteSegmentFiles(later);
        const active = this.activeSegment;
        active.reactivate();
        active.truncateTo(offset);
      }
    } catch (err) {
      throw this.ioFailure('truncation of', err);
    }
    this.logEndOffset = this.activeSegment.nextOffset;
    if (this.logStartOffset > this.logEndOffset) this.logStartOffset = this.logEndOffset;
    this.recoveryPoint = Math.min(this.recoveryPoint, this.logEndOffset);
    // Snapshots beyond the new end describe batches that are gone.
    try {
      this.snapshots.deleteAbove(this.logEndOffset);
    } catch (err) {
      throw this.ioFailure('truncation of', err);
    }
  }

  /** The settings the log obeys now (the cleaner reads the compaction ones). */
  get settings(): LogConfig {
    return this.config;
  }

  /**
   * The log cleaner's read path: the non-active segments, oldest first (the objects themselves:
   * the cleaner hands the ones it cleaned back to replaceSegments, which checks they are still
   * there), and the active segment. Nothing here may be changed by the caller.
   */
  cleanableSegments(): { segments: readonly LogSegment[]; active: LogSegment } {
    return { segments: this.segments.slice(0, -1), active: this.activeSegment };
  }

  /**
   * Swaps in the cleaned segment written at `base` (`<base>.log.cleaned` and its indexes,
   * fsynced) for `replaced`, the consecutive non-active segments it was cleaned from (Kafka's
   * replaceSegments; the steps and their crash safety are in segment-swap.ts). Synchronous, so
   * no read or append sees a half-done swap. Returns false, changing nothing, when the log no
   * longer holds exactly those segments (retention, truncation or deletion got there first); the
   * caller then discards the cleaned files.
   */
  replaceSegments(base: number, replaced: readonly LogSegment[]): boolean {
    if (this.closed || this.offlineError || replaced.length === 0 || replaced[0].baseOffset !== base) return false;
    const first = this.segments.indexOf(replaced[0]);
    if (first < 0 || first + replaced.length >= this.segments.length) return false;
    for (let i = 1; i < replaced.length; i++) if (this.segments[first + i] !== replaced[i]) return false;
    let cleaned: LogSegment;
    try {
      commitCleanedSegment(this.fs, this.dir, base);
      // The replaced segments leave like retention's: renamed `.deleted`, removed later.
      this.deleteSegmentFiles(replaced);
      finishSwap(this.fs, this.dir, base);
      cleaned = LogSegment.open(this.dir, base, this.config, this.fs, replaced[replaced.length - 1].created);
      if (!cleaned.loadIndexes()) cleaned.recover();
    } catch (err) {
      // The directory goes offline; the next start finishes or drops the swap (segment-swap.ts).
      throw this.ioFailure('swap of a cleaned segment into', err);
    }
    cleaned.sealed = true;
    this.segments.splice(first, replaced.length, cleaned);
    // Producer snapshots at the bases of the segments merged away (Kafka's deleteProducerSnapshots).
    for (const s of replaced.slice(1)) this.snapshots.delete(s.baseOffset);
    // The tail cache may still hold batches the clean removed; reads below its end go to disk.
    const cached = this.cache.startOffset;
    if (cached !== undefined && cached < cleaned.nextOffset) this.cache.clear();
    return true;
  }

  updateConfig(config: LogConfig): void {
    const retime = config.flushIntervalMs !== this.config.flushIntervalMs;
    this.config = config;
    if (!this.offlineError) this.activeSegment.updateSettings(config);
    if (retime && !this.closed && !this.offlineError) this.flusher.retime(config.flushIntervalMs);
  }

  /**
   * Flushes, writes the active segment's indexes, closes the files, and removes the files of
   * deleted segments still waiting (no reader is left). An offline log only lets go of its
   * descriptors: nothing is written to a failed directory.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.offlineError) return;
    try {
      await this.flusher.closeWith(async () => {
        await this.flush();
        // Kafka's snapshot at a clean close: the next start replays nothing.
        if (this.snapshotSource && this.snapshots.latestOffset !== this.logEndOffset) {
          try {
            await this.snapshots.write(this.logEndOffset, this.snapshotSource());
          } catch (err) {
            this.snapshotFailed(err);
          }
        }
        for (const s of this.segments) await s.close();
        this.recoveryPoint = this.logEndOffset;
      });
      await this.deleter.deleteAllNow();
    } catch (err) {
      throw this.ioFailure('close of', err);
    } finally {
      this.cache.clear();
    }
  }

  /**
   * For deleting the partition: closes the descriptors without flushing anything (the owner
   * removes the folder). Appends waiting for a timed flush are released.
   */
  async closeForDeletion(): Promise<void> {
    this.closed = true;
    this.flusher.cancel();
    this.deleter.abandon();
    this.cache.clear();
    if (this.offlineError) return;
    const flushing = this.flusher.inFlight;
    if (flushing) await flushing.catch(noop);
    await Promise.all(this.segments.map((s) => s.release()));
  }

  /** Test hook for crash simulation: drop the file descriptors without flushing or writing indexes. */
  abandon(): void {
    this.closed = true;
    this.flusher.cancel();
    this.deleter.abandon();
    for (const s of this.segments) s.closeFd();
  }
}
