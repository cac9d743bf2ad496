import { join } from 'node:path';
import type { AbortedTxnInfo, ActiveProducer } from './cleaned-txn-state.js';
import { type CleanJob, type CleanRunner, type CleanOutcome, type RunningClean, WorkerRunner } from './cleaner-runner.js';
import { type FileSystem, fsyncDir, nodeFileSystem } from './file-system.js';
import { type LogToClean, cleanableOffsets, filthiest, logToClean, maxCompactionDelay } from './log-cleaner-manager.js';
import { compactionDefaults } from './log-config.js';
import type { Log } from './log.js';
import type { LogSegment } from './log-segment.js';
import { type CheckpointedDir, CleanerCheckpoints } from './cleaner-checkpoints.js';
import { OFFSET_MAP_SLOT_BYTES, smallestPrimeAtLeast } from './offset-map.js';
import { type CleanTask, type CleanedGroup, CleaningAbortedError, type CleanerStats, deleteCleanedFiles } from './clean-task.js';
import type { StorageLogger } from './storage-logger.js';

/** Kafka's CleanerConfig (the `log.cleaner.*` broker settings). */
export interface CleanerConfig {
  enable: boolean;
  /** Cleans running at once, each on its own worker thread; 0 cleans nothing. */
  threads: number;
  /** Bytes of offset map shared by the threads. */
  dedupeBufferSize: number;
  ioBufferSize: number;
  /** How full an offset map may get. */
  ioBufferLoadFactor: number;
  /** Read plus write rate of all threads together (Double.MAX_VALUE: no limit). */
  ioMaxBytesPerSecond: number;
  /** Pause when no log needs cleaning. */
  backoffMs: number;
}

/**
 * What the cleaner must know about a log's transactions, from the layer that keeps producer
 * state. A log without it is cleaned as one without transactions.
 */
export interface CleanerLogState {
  /** No offset at or after this is cleaned (the last stable offset). */
  lastStableOffset(): number;
  /** Aborted transactions whose marker lies in [from, to), by first offset. */
  abortedTxns(from: number, to: number): AbortedTxnInfo[];
  /** Producers whose last batch must survive cleaning. */
  activeProducers(): [number, ActiveProducer][];
}

export interface CleanerLogger extends StorageLogger {
  error(fields: Record<string, unknown>, message: string): void;
}

/** One of log.dirs as the cleaner sees it (LogManager.describeLogDirs gives these). */
export interface CleanerLogDir extends CheckpointedDir {
  /** Set while the directory is offline: its logs are not cleaned and its checkpoint not written. */
  readonly failure: unknown;
  readonly logs: readonly Log[];
}

export interface LogCleanerOptions {
  fs?: FileSystem;
  /** Read before every clean, so dynamic changes apply to the next one. */
  config: () => CleanerConfig;
  /** The log directories and their logs, asked anew each time. */
  logDirs: () => readonly CleanerLogDir[];
  state?: (log: Log) => CleanerLogState | undefined;
  logger: CleanerLogger;
  now?: () => number;
  /** Where cleans run (default: a worker thread each); tests run them in process. */
  runner?: () => CleanRunner;
}

/** One clean as the embedded API and the benchmark report it. */
export interface CleanReport {
  partition: string;
  firstDirtyOffset: number;
  endOffset: number;
  stats: CleanerStats;
  mapBytes: number;
}

/** Kafka's LogCleaner and LogCleanerManager gauges, as of now. */
export interface CleanerMetrics {
  /** Fullest offset map among the threads' last cleans, percent. */
  maxBufferUtilizationPercent: number;
  /** Bytes written per byte read by the threads' last cleans, percent (averaged). */
  cleanerRecopyPercent: number;
  /** Longest of the threads' last cleans, seconds. */
  maxCleanTimeSecs: number;
  /** How far past max.compaction.lag.ms the most overdue log was at the last look, seconds. */
  maxCompactionDelaySecs: number;
  /** Threads that died (a worker that crashed is replaced by the next clean). */
  deadThreadCount: number;
  /** Partitions left alone after a failed clean. */
  uncleanablePartitionsCount: number;
  /** The dirtiest compacted log's dirty ratio at the last look, percent. */
  maxDirtyPercent: number;
  /** Since the cleaner last looked for work, ms. */
  timeSinceLastRunMs: number;
}

const noop = (): void => undefined;

/**
 * Kafka's LogCleaner and the scheduling half of its LogCleanerManager: picks the dirtiest
 * compacted log (cleanup.policy with compact) past its min.cleanable.dirty.ratio or its
 * max.compaction.lag.ms, cleans it on a worker thread, swaps the cleaned segments in on the main
 * thread, and records where the next clean starts in `cleaner-offset-checkpoint` (Kafka's file,
 * one first dirty offset per partition). Up to `log.cleaner.threads` logs are cleaned at once,
 * never one log twice; when none needs it, it looks again after `log.cleaner.backoff.ms`.
 *
 * A log that fails to clean (a bug, a corrupt batch) is logged and left alone until restart, as
 * Kafka marks it uncleanable. Deleting a log aborts its clean first (abort()).
 */
export class LogCleaner {
  private readonly fs: FileSystem;
  private readonly now: () => number;
  private readonly checkpoints: CleanerCheckpoints;
  private readonly running = new Map<Log, { clean: RunningClean; done: Promise<void> }>();
  private readonly idleRunners: CleanRunner[] = [];
  private runnerCount = 0;
  private readonly uncleanable = new Set<Log>();
  /** Logs being deleted: never picked again. */
  private readonly retired = new WeakSet<Log>();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private loaded = false;
  private stopped = false;
  /** Cleans completed since start, newest last (at most 100 kept). */
  readonly history: CleanReport[] = [];
  /** What the last look for work saw (Kafka's dirtiestLogCleanableRatio, PreCleanStats, timeOfLastRun). */
  private lastLook = { at: 0, maxDirtyRatio: 0, maxCompactionDelayMs: 0 };

  constructor(private readonly o: LogCleanerOptions) {
    this.fs = o.fs ?? nodeFileSystem;
    this.now = o.now ?? Date.now;
    this.checkpoints = new CleanerCheckpoints(this.fs, o.logger);
  }

  /** Loads the checkpoint and starts cleaning (nothing when log.cleaner.enable is false). */
  start(): void {
    if (this.started || !this.o.config().enable) return;
    this.started = true;
    this.loadCheckpoint();
    this.schedule(0);
  }

  private loadCheckpoint(): void {
    if (this.loaded) return;
    this.loaded = true;
    this.checkpoints.load(this.o.logDirs());
  }

  /** The logs of the online directories. */
  private *logs(): Generator<Log> {
    for (const dir of this.o.logDirs()) if (!dir.failure) for (const log of dir.logs) if (!log.offline) yield log;
  }

  /**
   * Cleans the dirtiest log that needs it now, as the background loop would, and resolves once
   * that clean is over (tests and tools; the loop need not run). Undefined when no log needs it.
   */
  async cleanFilthiest(): Promise<CleanReport | undefined> {
    if (this.stopped) return undefined;
    this.loadCheckpoint();
    const next = this.grabFilthiest();
    if (!next) return undefined;
    const before = this.history.length;
    await this.startClean(next, this.o.config());
    return this.history.length > before ? this.history[this.history.length - 1] : undefined;
  }

  /** Looks for work now instead of at the end of the backoff (after a roll, in tests). */
  wake(): void {
    if (this.started && !this.stopped) this.schedule(0);
  }

  /** Kafka's cleaner gauges (see CleanerMetrics). */
  metrics(): CleanerMetrics {
    const last = this.history.slice(-Math.max(1, this.o.config().threads));
    const recopy = last.filter((r) => r.stats.bytesRead > 0).map((r) => r.stats.bytesWritten / r.stats.bytesRead);
    return {
      maxBufferUtilizationPercent: Math.max(0, ...last.map((r) => r.stats.bufferUtilization * 100)),
      cleanerRecopyPercent: recopy.length > 0 ? (recopy.reduce((a, b) => a + b, 0) / recopy.length) * 100 : 0,
      maxCleanTimeSecs: Math.max(0, ...last.map((r) => r.stats.totalMs / 1000)),
      maxCompactionDelaySecs: this.lastLook.maxCompactionDelayMs / 1000,
      deadThreadCount: 0,
      uncleanablePartitionsCount: this.uncleanable.size,
      maxDirtyPercent: this.lastLook.maxDirtyRatio * 100,
      timeSinceLastRunMs: this.lastLook.at > 0 ? Math.max(0, this.now() - this.lastLook.at) : 0,
    };
  }

  /** True while a clean of `log` runs. */
  isCleaning(log: Log): boolean {
    return this.running.has(log);
  }

  /** Where the next clean of `log` starts (its checkpoint), if it was ever cleaned or checked. */
  firstDirtyOffset(log: Log): number | undefined {
    return this.checkpoints.get(log.topicPartition);
  }

  /**
   * Stops the clean of `log` if one runs and waits until it has (its files are gone); drops the
   * log's checkpoint when `forget` (the log is being deleted).
   */
  async abort(log: Log, forget = true): Promise<void> {
    if (forget) this.retired.add(log);
    const r = this.running.get(log);
    if (r) {
      r.clean.abort();
      await r.done;
    }
    this.uncleanable.delete(log);
    if (forget && this.checkpoints.delete(log.topicPartition)) await this.writeCheckpoint();
  }

  /** Aborts every clean, waits for them, closes the threads and writes the checkpoint. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const r of this.running.values()) r.clean.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
    await Promise.all(this.idleRunners.splice(0).map((r) => r.close()));
    if (this.started) await this.writeCheckpoint().catch(noop);
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, delayMs);
    this.timer.unref();
  }

  /** Starts cleans while threads are free and logs need them; otherwise waits for the backoff. */
  private pump(): void {
    if (this.stopped) return;
    const config = this.o.config();
    if (!config.enable) return this.schedule(config.backoffMs);
    while (this.running.size < config.threads) {
      const next = this.grabFilthiest();
      if (!next) break;
      void this.startClean(next, config);
    }
    if (this.running.size === 0) this.schedule(config.backoffMs);
  }

  /** Kafka's grabFilthiestCompactedLog. */
  private grabFilthiest(): LogToClean | undefined {
    const now = this.now();
    const candidates: LogToClean[] = [];
    let maxDelay = 0;
    for (const log of this.logs()) {
      if (!log.settings.compact || this.running.has(log) || this.uncleanable.has(log) || this.retired.has(log)) continue;
      try {
        const lso = this.o.state?.(log)?.lastStableOffset() ?? log.logEndOffset;
        const offsets = cleanableOffsets(log, this.checkpoints.get(log.topicPartition), lso, now);
        if (offsets.forceUpdateCheckpoint) {
          this.checkpoints.set(log.topicPartition, offsets.firstDirtyOffset);
          void this.writeCheckpoint().catch(noop);
        }
        const delay = maxCompactionDelay(log, offsets.firstDirtyOffset, now);
        maxDelay = Math.max(maxDelay, delay);
        candidates.push(logToClean(log, offsets, delay > 0));
      } catch (err) {
        this.markUncleanable(log, err, 'failed to compute what to clean');
      }
    }
    const withBytes = candidates.filter((c) => c.totalBytes > 0);
    this.lastLook = { at: now, maxDirtyRatio: Math.max(0, ...withBytes.map((c) => c.cleanableRatio)), maxCompactionDelayMs: maxDelay };
    return filthiest(candidates);
  }

  /** Starts the clean of `ltc` on a free runner; the promise settles when it is over (never rejects). */
  private startClean(ltc: LogToClean, config: CleanerConfig): Promise<void> {
    const { log } = ltc;
    const segments = ltc.segments.filter((s) => s.baseOffset < ltc.firstUncleanableOffset);
    const byBase = new Map<number, LogSegment>(segments.map((s) => [s.baseOffset, s]));
    const job = this.job(ltc, segments, config);
    const runner = this.idleRunners.pop() ?? this.newRunner();
    const clean = runner.run(job, (group) => this.swap(log, group, byBase));
    const done = clean.done.then(
      (outcome) => this.finished(log, ltc, outcome),
      (err: unknown) => {
        if (!(err instanceof CleaningAbortedError)) this.markUncleanable(log, err, 'cleaning failed');
      },
    ).finally(() => {
      this.running.delete(log);
      if (this.stopped || this.runnerCount > this.o.config().threads) {
        this.runnerCount--;
        void runner.close();
      } else {
        this.idleRunners.push(runner);
      }
      if (this.started && !this.stopped) this.schedule(0);
    });
    this.running.set(log, { clean, done });
    return done;
  }

  private newRunner(): CleanRunner {
    this.runnerCount++;
    return this.o.runner ? this.o.runner() : new WorkerRunner();
  }

  private job(ltc: LogToClean, segments: readonly LogSegment[], config: CleanerConfig): CleanJob {
    const { log } = ltc;
    const settings = log.settings;
    let firstDirtyPosition = 0;
    for (const s of segments) if (s.baseOffset <= ltc.firstDirtyOffset) firstDirtyPosition = s.offsetIndex.lookup(ltc.firstDirtyOffset).position;
    const state = this.o.state?.(log);
    const task: CleanTask = {
      dir: log.dir,
      segments: segments.map((s) => ({ baseOffset: s.baseOffset, size: s.size, offsetIndexBytes: s.offsetIndex.entries * 8, timeIndexBytes: s.timeIndex.entries * 12 })),
      firstDirtyOffset: ltc.firstDirtyOffset,
      firstDirtyPosition,
      firstUncleanableOffset: ltc.firstUncleanableOffset,
      now: this.now(),
      deleteRetentionMs: settings.deleteRetentionMs ?? compactionDefaults.deleteRetentionMs,
      segmentBytes: settings.segmentBytes,
      segmentIndexBytes: settings.segmentIndexBytes,
      indexIntervalBytes: settings.indexIntervalBytes,
      abortedTxns: segments.length > 0 && state ? state.abortedTxns(segments[0].baseOffset, ltc.firstUncleanableOffset) : [],
      activeProducers: state ? state.activeProducers() : [],
    };
    const threads = Math.max(1, config.threads);
    const loadFactor = config.ioBufferLoadFactor;
    // The thread's share of the dedupe buffer, but no more than the dirty offsets can fill (the
    // map's slots are a prime number of them, at most its memory).
    const needed = smallestPrimeAtLeast(Math.ceil((ltc.firstUncleanableOffset - ltc.firstDirtyOffset + 1) / loadFactor) + 1) * OFFSET_MAP_SLOT_BYTES;
    return {
      task,
      mapBytes: Math.max(2 * OFFSET_MAP_SLOT_BYTES, Math.min(Math.floor(config.dedupeBufferSize / threads), needed)),
      loadFactor,
      ioBufferSize: config.ioBufferSize,
      bytesPerSecond: config.ioMaxBytesPerSecond / threads,
    };
  }

  /** On the main thread, between two groups of a clean: the swap itself (see Log.replaceSegments). */
  private swap(log: Log, group: CleanedGroup, byBase: ReadonlyMap<number, LogSegment>): boolean {
    const replaced = group.replaced.map((b) => byBase.get(b));
    let swapped = false;
    try {
      swapped = !this.stopped && replaced.every((s) => s !== undefined) && log.replaceSegments(group.baseOffset, replaced as LogSegment[]);
    } finally {
      // Refused or failed before the commit: the cleaned files are of no use (after it they are
      // `.swap` files, which this leaves to recovery).
      if (!swapped) deleteCleanedFiles(this.fs, log.dir, group.baseOffset);
    }
    if (swapped) void fsyncDir(this.fs, log.dir).catch(noop);
    return swapped;
  }

  private async finished(log: Log, ltc: LogToClean, outcome: CleanOutcome): Promise<void> {
    const name = key(log.topicPartition);
    this.checkpoints.set(log.topicPartition, outcome.endOffset);
    const s = outcome.stats;
    const report: CleanReport = { partition: name, firstDirtyOffset: ltc.firstDirtyOffset, endOffset: outcome.endOffset, stats: s, mapBytes: outcome.mapBytes };
    this.history.push(report);
    if (this.history.length > 100) this.history.shift();
    const mb = (b: number): number => Math.round((b / 1048576) * 10) / 10;
    this.o.logger.info(
      { partition: name, from: ltc.firstDirtyOffset, to: outcome.endOffset, bytesRead: s.bytesRead, bytesWritten: s.bytesWritten, messagesRead: s.messagesRead, messagesWritten: s.messagesWritten, ms: Math.round(s.totalMs), mapMs: Math.round(s.mapMs), bufferUtilization: s.bufferUtilization },
      `cleaned ${name} (dirty section [${ltc.firstDirtyOffset}, ${outcome.endOffset})): ${mb(s.bytesRead)} MB read, ${mb(s.bytesWritten)} MB written, ${s.messagesRead} -> ${s.messagesWritten} records in ${Math.round(s.totalMs)} ms`,
    );
    if (s.invalidMessages > 0) this.o.logger.warn({ partition: name, records: s.invalidMessages }, `${name}: the cleaner dropped ${s.invalidMessages} record(s) without a key`);
    await this.writeCheckpoint().catch((err: unknown) => this.o.logger.error({ err }, `cannot write the cleaner checkpoint: ${String(err)}`));
  }

  private markUncleanable(log: Log, err: unknown, what: string): void {
    this.uncleanable.add(log);
    const name = key(log.topicPartition);
    this.o.logger.error({ partition: name, err }, `${name}: ${what}; the log is not cleaned again until restart (${(err as Error)?.message ?? String(err)})`);
  }

  private writeCheckpoint(): Promise<void> {
    return this.checkpoints.write(this.o.logDirs());
  }
}

function key(tp: { topic: string; partition: number }): string {
  return `${tp.topic}-${tp.partition}`;
}
