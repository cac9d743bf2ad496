import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type FileSystem, fsyncDir, nodeFileSystem } from './file-system.js';
import { Log, type TopicPartition } from './log.js';
import { type LogConfig, defaultLogConfig } from './log-config.js';
import { LogDir } from './log-dir.js';
import { type Scheduler, timerScheduler } from './scheduler.js';
import { KafkaStorageError, isDiskFull, isIoError, isKafkaStorageError } from './storage-error.js';
import { type LogRecovery, type StorageLogger, silentLogger } from './storage-logger.js';

export { CLEAN_SHUTDOWN_FILE, LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT } from './log-dir.js';

export interface LogManagerOptions {
  fs?: FileSystem;
  now?: () => number;
  /** Config used to recover the logs found at open, until getOrCreateLog gives the real one. */
  defaultConfig?: LogConfig;
  /**
   * Memory for the tail caches of all logs together (see Log). Each log gets an equal share,
   * between 256 KiB and 4 MiB, so a broker with many partitions stays within its budget while
   * a few busy ones still serve consumers that keep up from memory. Default 256 MiB.
   */
  tailCacheTotalBytes?: number;
  /** Where recovery, retention and directory failures are reported (default: nowhere). */
  logger?: StorageLogger;
  /** Runs delayed file deletions (default: timers). */
  scheduler?: Scheduler;
  /** Directories the caller could not create or lock: offline from the start, never touched. */
  unusableDirs?: ReadonlyMap<string, NodeJS.ErrnoException>;
  /**
   * A directory the broker cannot run without (the first of log.dirs, which holds the metadata
   * files): an I/O error loading it makes open() throw that error instead of taking it offline.
   */
  requiredDir?: string;
}

/** What opening the data directories found and did, for the startup banner. */
export interface RecoverySummary extends LogRecovery {
  /** Partition logs found. */
  logs: number;
  /** Offsets held by those logs after recovery (log end minus log start, summed). */
  records: number;
  /** Logs recovery cut or deleted data from. */
  logsTruncated: number;
  /** The previous stop was clean: indexes were trusted and nothing needed validating. */
  cleanShutdown: boolean;
  durationMs: number;
}

/** One log directory as DescribeLogDirs reports it. */
export interface LogDirDescription {
  readonly path: string;
  /** Why it is offline; undefined while it serves. */
  readonly failure: KafkaStorageError | undefined;
  /** The logs it holds (none while offline). */
  readonly logs: readonly Log[];
}

/** Two copies of one partition in two log directories: the broker cannot choose (Kafka refuses to start too). */
export class DuplicateLogError extends Error {
  override readonly name = 'DuplicateLogError';
}

const TAIL_CACHE_MIN = 256 * 1024;
const TAIL_CACHE_MAX = 4 * 1024 * 1024;

/** `<topic>-<partition>`; Kafka's deleted (`….<id>-delete`), stray (`-stray`) and future (`-future`) folders do not match. */
const PARTITION_DIR = /^(.+)-(\d+)$/;
const DELETED_DIR = /^.+-\d+\.[0-9a-f]{32}-delete$/;
const STRAY_DIR = /^.+-\d+\.[0-9a-f]{32}-stray$/;

const key = (topic: string, partition: number): string => `${topic}-${partition}`;
/** Kafka's logDirNameWithSuffix: `<topic>-<partition>.<uuid without dashes><suffix>`. */
const renamedDirName = (name: string, suffix: '-delete' | '-stray'): string => `${name}.${randomBytes(16).toString('hex')}${suffix}`;

/**
 * Kafka's LogManager over every directory of log.dirs: finds the partition folders at startup
 * and recovers them (with each directory's checkpoints and clean-shutdown marker), places new
 * logs in the online directory holding the fewest, deletes logs, writes the checkpoints and runs
 * retention. A directory whose disk fails (an I/O error while loading, writing, syncing, rolling
 * or deleting; a full disk only where the write could not be undone) goes offline with every log
 * in it, as Kafka's LogDirFailureChannel does: its partitions answer KAFKA_STORAGE_ERROR until a
 * restart, the other directories keep serving, and the failure is logged once.
 */
export class LogManager {
  private readonly logs = new Map<string, Log>();
  private readonly creating = new Map<string, Promise<Log>>();
  private readonly found: TopicPartition[] = [];
  private readonly dirs: LogDir[];
  private readonly fs: FileSystem;
  private readonly scheduler: Scheduler;
  private readonly logger: StorageLogger;
  /** Removals of deleted partition folders not yet run: folder -> cancel. */
  private readonly pendingFolderDeletions = new Map<string, () => void>();
  private checkpointChain: Promise<void> = Promise.resolve();
  private closed = false;
  /** The log cleaner, told before a log is deleted so that its clean stops first. */
  private cleaner: { abort(log: Log): Promise<void> } | undefined;
  /** Filled in by open(). */
  recovery: RecoverySummary = { logs: 0, records: 0, logsTruncated: 0, cleanShutdown: true, durationMs: 0, segmentsRecovered: 0, bytesTruncated: 0, recordsDropped: 0, segmentsDeleted: 0 };

  private constructor(
    dirs: readonly string[],
    private readonly opts: LogManagerOptions,
  ) {
    this.fs = opts.fs ?? nodeFileSystem;
    this.scheduler = opts.scheduler ?? timerScheduler;
    this.logger = opts.logger ?? silentLogger;
    this.dirs = dirs.map((d) => new LogDir(d, this.fs));
  }

  /**
   * Opens every directory (created if missing) and recovers the logs in it. A directory that
   * cannot be created or read, or whose logs fail with an I/O error while recovering, is offline
   * from the start (logged); the caller decides whether the broker can run without it. The same
   * partition in two directories is a DuplicateLogError.
   */
  static async open(dirs: string | readonly string[], opts: LogManagerOptions = {}): Promise<LogManager> {
    const manager = new LogManager(typeof dirs === 'string' ? [dirs] : dirs, opts);
    try {
      await manager.loadLogs();
    } catch (err) {
      // Nothing was written yet: the descriptors go, the files stay for the next start.
      for (const log of manager.logs.values()) log.abandon();
      throw err;
    }
    return manager;
  }

  /** The path of the first directory (where Brook keeps its metadata files). */
  get dataDir(): string {
    return this.dirs[0].path;
  }

  private async loadLogs(): Promise<void> {
    const started = performance.now();
    const summary = { ...this.recovery };
    let lastYield = started;
    const yieldSometimes = async (): Promise<void> => {
      // Recovery is synchronous per log; every 20 ms the event loop turns between logs, so a
      // signal sent during a long recovery is handled (the CLI exits; recovery is crash-safe).
      // Yielding after every log instead cost ~10 µs each: 0.1 s for 10,000 partitions.
      if (performance.now() - lastYield >= 20) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    };
    for (const dir of this.dirs) {
      const unusable = this.opts.unusableDirs?.get(dir.path);
      if (unusable) {
        this.handleLogDirFailure(dir.path, 'creating and locking the directory', unusable);
        continue;
      }
      try {
        this.fs.mkdirSync(dir.path);
        const state = dir.readCheckpoints(this.logger);
        if (!state.cleanShutdown) summary.cleanShutdown = false;
        for (const name of this.fs.readdirSync(dir.path).sort()) {
          const path = join(dir.path, name);
          if (DELETED_DIR.test(name)) {
            this.scheduleFolderDeletion(path, 0);
            continue;
          }
          if (STRAY_DIR.test(name)) {
            this.logger.warn({ dir: dir.path, folder: name }, `${path}: a stray log set aside earlier is kept; delete it when its data is no longer needed`);
            continue;
          }
          const m = PARTITION_DIR.exec(name);
          if (!m || !this.fs.isDirectory(path)) continue;
          const previous = this.logs.get(name);
          if (previous) {
            throw new DuplicateLogError(
              `partition ${name} is in two log directories, ${previous.dir} and ${path}; remove the copy that is out of date (the one on the disk that failed most recently) and start again`,
            );
          }
          const tp = { topic: m[1], partition: Number(m[2]) };
          const log = await Log.open(path, tp, this.opts.defaultConfig ?? defaultLogConfig, {
            ...this.logOptions(dir),
            recoveryPoint: state.recoveryPoints.get(name) ?? 0,
            logStartOffset: state.logStartOffsets.get(name) ?? 0,
            cleanShutdown: state.cleanShutdown,
          });
          this.logs.set(name, log);
          this.found.push(tp);
          addRecovery(summary, log);
          await yieldSometimes();
        }
        await dir.clearCleanShutdown();
      } catch (err) {
        if (!isIoError(err) || dir.path === this.opts.requiredDir) throw err;
        this.handleLogDirFailure(dir.path, 'loading the logs', err);
      }
    }
    this.rebalanceTailCaches();
    summary.durationMs = performance.now() - started;
    this.recovery = summary;
  }

  private logOptions(dir: LogDir): { fs: FileSystem; now?: () => number; tailCacheBytes: number; logger: StorageLogger; scheduler: Scheduler; onLogDirFailure: (what: string, err: NodeJS.ErrnoException) => void } {
    return {
      fs: this.fs,
      ...(this.opts.now ? { now: this.opts.now } : {}),
      tailCacheBytes: this.tailCacheShare(this.logs.size + 1),
      logger: this.logger,
      scheduler: this.scheduler,
      onLogDirFailure: (what, err) => this.handleLogDirFailure(dir.path, what, err),
    };
  }

  private tailCacheShare(logs: number): number {
    const total = this.opts.tailCacheTotalBytes ?? 256 * 1024 * 1024;
    return Math.min(TAIL_CACHE_MAX, Math.max(TAIL_CACHE_MIN, Math.floor(total / Math.max(1, logs))));
  }

  /** Gives every log its share again after the number of logs changed. */
  private rebalanceTailCaches(): void {
    const share = this.tailCacheShare(this.logs.size);
    for (const log of this.logs.values()) log.setTailCacheBytes(share);
  }

  /**
   * Kafka's LogDirFailureChannel and handleLogDirFailure: the directory goes offline with every
   * log in it, once; said at error level with what failed and what it means.
   */
  private handleLogDirFailure(path: string, what: string, err: NodeJS.ErrnoException): void {
    const dir = this.dirs.find((d) => d.path === path);
    if (!dir || dir.failure) return;
    const error = new KafkaStorageError(`log directory ${path} is offline: ${what} failed: ${err.message}`, true, { cause: err });
    dir.failure = error;
    const affected = [...this.logs.values()].filter((l) => l.parentDir === path);
    for (const log of affected) log.markOffline(error);
    const online = this.dirs.filter((d) => d.online).length;
    this.logger.error(
      { dir: path, what, code: err.code, err, partitions: affected.length, onlineLogDirs: online },
      `log directory ${path} is offline: ${what} failed (${err.code}). Its ${affected.length} partition(s) answer KAFKA_STORAGE_ERROR until Brook restarts; ${online === 0 ? 'no log directory is left online' : `${online} other log director${online === 1 ? 'y keeps' : 'ies keep'} serving`}. Fix or replace the disk (or free space), then restart: recovery repairs the logs`,
    );
  }

  /** Every directory of log.dirs, in order, with its state and logs. */
  describeLogDirs(): LogDirDescription[] {
    return this.dirs.map((d) => ({ path: d.path, failure: d.failure, logs: d.online ? [...this.logs.values()].filter((l) => l.parentDir === d.path) : [] }));
  }

  /** Why `path` (one of log.dirs) is offline; undefined when it serves or is not one of them. */
  logDirFailure(path: string): KafkaStorageError | undefined {
    return this.dirs.find((d) => d.path === path)?.failure;
  }

  /** The partitions whose folders were found at open. */
  existingLogs(): TopicPartition[] {
    return this.found.map((tp) => ({ ...tp }));
  }

  /** Gives the log cleaner (see LogCleaner.abort) a say before logs are deleted. */
  setCleaner(cleaner: { abort(log: Log): Promise<void> }): void {
    this.cleaner = cleaner;
  }

  getLog(topic: string, partition: number): Log | undefined {
    return this.logs.get(key(topic, partition));
  }

  /**
   * Kafka's nextLogDirs: the online directories, fewest logs first (ties in log.dirs order, where
   * Kafka's order is a hash map's).
   */
  private nextLogDirs(): LogDir[] {
    const counts = new Map<string, number>();
    for (const log of this.logs.values()) counts.set(log.parentDir, (counts.get(log.parentDir) ?? 0) + 1);
    return this.dirs.filter((d) => d.online).sort((a, b) => (counts.get(a.path) ?? 0) - (counts.get(b.path) ?? 0));
  }

  /**
   * The log of the partition, created empty if new (in the online directory with the fewest
   * logs; a directory that cannot take it is skipped); an existing log takes `config`. With
   * `isNew: false` (a partition the metadata says exists) a missing log while some directory is
   * offline is presumed to be on that directory: the partition gets an offline log rather than an
   * empty one that would reuse its offsets (Kafka's rule). Throws KafkaStorageError when no
   * directory can take a new log.
   */
  async getOrCreateLog(topic: string, partition: number, config: LogConfig, opts: { isNew?: boolean } = {}): Promise<Log> {
    if (this.closed) throw new Error('LogManager is closed');
    const k = key(topic, partition);
    const existing = this.logs.get(k) ?? (await this.creating.get(k));
    if (existing) {
      existing.updateConfig(config);
      return existing;
    }
    const offline = this.dirs.filter((d) => !d.online).map((d) => d.path);
    if (opts.isNew === false && offline.length > 0) {
      const log = Log.offline({ topic, partition }, new KafkaStorageError(`Can not create log for ${k} because log directories ${offline.join(',')} are offline`, true));
      this.logs.set(k, log);
      return log;
    }
    const creation = this.createLog(topic, partition, config);
    this.creating.set(k, creation);
    try {
      const log = await creation;
      this.logs.set(k, log);
      this.rebalanceTailCaches();
      return log;
    } finally {
      this.creating.delete(k);
    }
  }

  private async createLog(topic: string, partition: number, config: LogConfig): Promise<Log> {
    const k = key(topic, partition);
    const tried: string[] = [];
    let lastError: unknown;
    for (const dir of this.nextLogDirs()) {
      const folder = join(dir.path, k);
      tried.push(dir.path);
      let log: Log | undefined;
      try {
        log = await Log.open(folder, { topic, partition }, config, this.logOptions(dir));
        await fsyncDir(this.fs, dir.path);
        // The directory failed (through another log) while this one was being made.
        if (dir.failure) log.markOffline(dir.failure);
        return log;
      } catch (err) {
        if (!isIoError(err) && !isKafkaStorageError(err)) throw err;
        lastError = err;
        // Nothing of the new log may stay behind; a full disk leaves the directory online.
        try {
          await log?.closeForDeletion();
          this.fs.rmSync(folder);
        } catch (cleanupErr) {
          if (isIoError(cleanupErr)) this.handleLogDirFailure(dir.path, `creating the log of ${k}`, cleanupErr);
        }
        if (isIoError(err) && !isDiskFull(err)) this.handleLogDirFailure(dir.path, `creating the log of ${k}`, err);
      }
    }
    const why = lastError instanceof Error ? `: ${lastError.message}` : '';
    throw new KafkaStorageError(`No log directories available for ${k}. Tried ${tried.length > 0 ? tried.join(', ') : 'none (all offline)'}${why}`, false, { cause: lastError });
  }

  /**
   * Closes the log and removes its folder: renamed `<name>.<id>-delete` at once (a crash leaves
   * that name, removed at the next start, never a folder that looks like a live partition) and
   * removed file.delete.delay.ms later. A log on an offline directory stays there (after a
   * restart it is found as a stray). Its checkpoint entries go with the next checkpoint. With
   * `now`, for a log nobody ever read (a creation undone, an empty stray), the folder goes at once.
   */
  async deleteLog(topic: string, partition: number, opts: { now?: boolean } = {}): Promise<void> {
    const k = key(topic, partition);
    const log = this.logs.get(k) ?? (await this.creating.get(k)?.catch(() => undefined));
    // A clean in progress would write into the folder being removed.
    if (log && this.cleaner) await this.cleaner.abort(log);
    this.logs.delete(k);
    this.rebalanceTailCaches();
    if (!log) return;
    await log.closeForDeletion();
    if (log.offline) {
      this.logger.warn({ partition: k }, `${k}: deleted while its log directory is offline; its folder stays there (after a restart it is found as a stray log and set aside)`);
      return;
    }
    const parent = log.parentDir;
    if (opts.now) {
      try {
        this.fs.rmSync(log.dir);
      } catch (err) {
        if (isIoError(err)) this.handleLogDirFailure(parent, `deleting the log of ${k}`, err);
        throw err;
      }
      return;
    }
    const renamed = join(parent, renamedDirName(k, '-delete'));
    try {
      this.fs.renameSync(log.dir, renamed);
      await fsyncDir(this.fs, parent);
    } catch (err) {
      if (isIoError(err)) this.handleLogDirFailure(parent, `deleting the log of ${k}`, err);
      throw err;
    }
    this.scheduleFolderDeletion(renamed, (this.opts.defaultConfig ?? defaultLogConfig).fileDeleteDelayMs ?? 60_000);
  }

  private scheduleFolderDeletion(path: string, delayMs: number): void {
    const run = (): void => {
      if (!this.pendingFolderDeletions.delete(path)) return;
      try {
        this.fs.rmSync(path);
      } catch (err) {
        const dir = this.dirs.find((d) => d.path === dirname(path));
        if (dir && isIoError(err)) this.handleLogDirFailure(dir.path, `removing ${path}`, err);
      }
    };
    this.pendingFolderDeletions.set(path, this.scheduler.scheduleOnce(delayMs, run));
  }

  /**
   * Sets a log aside that no topic claims (Kafka's stray log): closed, and its folder renamed
   * `<name>.<id>-stray`, never deleted, so an operator can look at it or move it back. Returns
   * the new path.
   */
  async setAsideStrayLog(topic: string, partition: number): Promise<string> {
    const k = key(topic, partition);
    const log = this.logs.get(k);
    if (!log) throw new Error(`no log ${k}`);
    this.logs.delete(k);
    this.rebalanceTailCaches();
    await log.close();
    const renamed = join(log.parentDir, renamedDirName(k, '-stray'));
    this.fs.renameSync(log.dir, renamed);
    await fsyncDir(this.fs, log.parentDir);
    return renamed;
  }

  /** Kafka's cleanupLogs (every log.retention.check.interval.ms): retention over every online log. Returns segments deleted. */
  deleteOldSegments(now: number): number {
    let deleted = 0;
    for (const log of this.logs.values()) {
      if (log.offline) continue;
      try {
        deleted += log.deleteOldSegments(now);
      } catch (err) {
        // A failed deletion took its directory offline and was logged there.
        if (!isKafkaStorageError(err)) throw err;
      }
    }
    return deleted;
  }

  /**
   * Writes each online directory's checkpoint files (serialised: concurrent calls run one after
   * the other). A failed write takes its directory offline, except on a full disk (the old
   * checkpoint stays; the next one may succeed), which rejects.
   */
  checkpoint(): Promise<void> {
    const run = this.checkpointChain.catch(() => undefined).then(() => this.writeCheckpoints());
    this.checkpointChain = run;
    return run;
  }

  private async writeCheckpoints(): Promise<void> {
    let diskFull: unknown;
    for (const dir of this.dirs) {
      if (!dir.online) continue;
      try {
        await dir.writeCheckpoints([...this.logs.values()].filter((l) => l.parentDir === dir.path && !l.offline));
      } catch (err) {
        if (!isIoError(err)) throw err;
        if (isDiskFull(err)) diskFull ??= err;
        else this.handleLogDirFailure(dir.path, 'writing the checkpoints', err);
      }
    }
    if (diskFull) throw diskFull;
  }

  /** Flushes and closes every log, checkpoints, then marks each online directory's shutdown clean. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.creating.values()].map((p) => p.catch(() => undefined)));
    const failures: unknown[] = [];
    await Promise.all(
      [...this.logs.values()].map((log) =>
        log.close().catch((err: unknown) => {
          // A failed close took the log's directory offline; that directory is not marked clean.
          if (!isKafkaStorageError(err)) failures.push(err);
        }),
      ),
    );
    for (const [path, cancel] of [...this.pendingFolderDeletions]) {
      cancel();
      this.pendingFolderDeletions.delete(path);
      try {
        this.fs.rmSync(path);
      } catch {
        // removed at the next start
      }
    }
    try {
      await this.checkpoint();
    } catch (err) {
      // A full disk: without fresh checkpoints the next start must not trust the old ones.
      this.logger.error({ err }, `cannot write the checkpoints at shutdown (${String(err)}): the next start recovers every log`);
      failures.push(undefined);
    }
    if (failures.length === 0) {
      for (const dir of this.dirs) if (dir.online) await dir.markCleanShutdown();
    }
    const bug = failures.find((f) => f !== undefined);
    if (bug) throw bug;
  }
}

function addRecovery(summary: RecoverySummary, log: Log): void {
  const r = log.recovery;
  summary.logs++;
  summary.records += log.logEndOffset - log.logStartOffset;
  summary.segmentsRecovered += r.segmentsRecovered;
  summary.bytesTruncated += r.bytesTruncated;
  summary.recordsDropped += r.recordsDropped;
  summary.segmentsDeleted += r.segmentsDeleted;
  if (r.bytesTruncated > 0 || r.segmentsDeleted > 0) summary.logsTruncated++;
}
