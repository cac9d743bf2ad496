import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type FileSystem, fsyncDir, nodeFileSystem, writeFileAtomically } from './file-system.js';
import { Log, type TopicPartition } from './log.js';
import { type LogConfig, defaultLogConfig } from './log-config.js';
import { OffsetCheckpointFile, type TopicPartitionOffset } from './offset-checkpoint-file.js';
import { type LogRecovery, type StorageLogger, silentLogger } from './storage-logger.js';

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
  /** Where recovery reports what it cut or deleted (default: nowhere). */
  logger?: StorageLogger;
}

/** What opening the data directory found and did, for the startup banner. */
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

const TAIL_CACHE_MIN = 256 * 1024;
const TAIL_CACHE_MAX = 4 * 1024 * 1024;

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';

/** `<topic>-<partition>`; Kafka's deletion (`…-delete`) and future (`…-future`) folders do not match. */
const PARTITION_DIR = /^(.+)-(\d+)$/;

const key = (topic: string, partition: number): string => `${topic}-${partition}`;

/**
 * Kafka's LogManager for one data directory: finds the partition folders at startup and recovers
 * them (using the recovery-point and log-start-offset checkpoints and the clean-shutdown marker),
 * creates and deletes logs, and writes the checkpoints.
 */
export class LogManager {
  private readonly logs = new Map<string, Log>();
  private readonly creating = new Map<string, Promise<Log>>();
  private readonly found: TopicPartition[] = [];
  private readonly recoveryPoints: OffsetCheckpointFile;
  private readonly logStartOffsets: OffsetCheckpointFile;
  private checkpointChain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly logger: StorageLogger;
  /** Filled in by open(). */
  recovery: RecoverySummary = { logs: 0, records: 0, logsTruncated: 0, cleanShutdown: true, durationMs: 0, segmentsRecovered: 0, bytesTruncated: 0, recordsDropped: 0, segmentsDeleted: 0 };

  private constructor(
    readonly dataDir: string,
    private readonly fs: FileSystem,
    private readonly opts: LogManagerOptions,
  ) {
    this.logger = opts.logger ?? silentLogger;
    this.recoveryPoints = new OffsetCheckpointFile(join(dataDir, RECOVERY_POINT_CHECKPOINT), fs);
    this.logStartOffsets = new OffsetCheckpointFile(join(dataDir, LOG_START_OFFSET_CHECKPOINT), fs);
  }

  static async open(dataDir: string, opts: LogManagerOptions = {}): Promise<LogManager> {
    const fs = opts.fs ?? nodeFileSystem;
    fs.mkdirSync(dataDir);
    const manager = new LogManager(dataDir, fs, opts);
    await manager.loadLogs();
    return manager;
  }

  private async loadLogs(): Promise<void> {
    const started = performance.now();
    const marker = join(this.dataDir, CLEAN_SHUTDOWN_FILE);
    const cleanShutdown = this.fs.existsSync(marker);
    // An unreadable checkpoint costs a full recovery, never a refusal to start (as Kafka).
    const recoveryPoints = toMap(this.readOrEmpty(this.recoveryPoints));
    const logStartOffsets = toMap(this.readOrEmpty(this.logStartOffsets));
    const summary = { ...this.recovery, cleanShutdown };
    let lastYield = started;
    for (const name of this.fs.readdirSync(this.dataDir).sort()) {
      const m = PARTITION_DIR.exec(name);
      if (!m || !this.fs.isDirectory(join(this.dataDir, name))) continue;
      const tp = { topic: m[1], partition: Number(m[2]) };
      const log = await Log.open(join(this.dataDir, name), tp, this.opts.defaultConfig ?? defaultLogConfig, {
        ...this.logOptions(),
        recoveryPoint: recoveryPoints.get(name) ?? 0,
        logStartOffset: logStartOffsets.get(name) ?? 0,
        cleanShutdown,
      });
      this.logs.set(name, log);
      this.found.push(tp);
      addRecovery(summary, log);
      // Recovery is synchronous per log; every 20 ms the event loop turns between logs, so a
      // signal sent during a long recovery is handled (the CLI exits; recovery is crash-safe).
      // Yielding after every log instead cost ~10 µs each: 0.1 s for 10,000 partitions.
      if (performance.now() - lastYield >= 20) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    this.rebalanceTailCaches();
    // From here on a crash is unclean until close() writes the marker again.
    if (cleanShutdown) {
      this.fs.unlinkSync(marker);
      await fsyncDir(this.fs, this.dataDir);
    }
    summary.durationMs = performance.now() - started;
    this.recovery = summary;
  }

  private readOrEmpty(file: OffsetCheckpointFile): TopicPartitionOffset[] {
    try {
      return file.read();
    } catch (err) {
      this.logger.warn({ file: file.path, err: String(err) }, `cannot read ${file.path} (${String(err)}): every log is recovered from its beginning`);
      return [];
    }
  }

  private logOptions(): { fs: FileSystem; now?: () => number; tailCacheBytes: number; logger: StorageLogger } {
    return { fs: this.fs, ...(this.opts.now ? { now: this.opts.now } : {}), tailCacheBytes: this.tailCacheShare(this.logs.size + 1), logger: this.logger };
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

  /** The partitions whose folders were found at open. */
  existingLogs(): TopicPartition[] {
    return this.found.map((tp) => ({ ...tp }));
  }

  getLog(topic: string, partition: number): Log | undefined {
    return this.logs.get(key(topic, partition));
  }

  /** The log of the partition, created empty if new; an existing log takes `config`. */
  async getOrCreateLog(topic: string, partition: number, config: LogConfig): Promise<Log> {
    if (this.closed) throw new Error('LogManager is closed');
    const k = key(topic, partition);
    const existing = this.logs.get(k) ?? (await this.creating.get(k));
    if (existing) {
      existing.updateConfig(config);
      return existing;
    }
    const creation = (async () => {
      const log = await Log.open(join(this.dataDir, k), { topic, partition }, config, this.logOptions());
      await fsyncDir(this.fs, this.dataDir);
      return log;
    })();
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

  /** Closes the log and removes its folder; its checkpoint entries go with the next checkpoint. */
  async deleteLog(topic: string, partition: number): Promise<void> {
    const k = key(topic, partition);
    const log = this.logs.get(k) ?? (await this.creating.get(k)?.catch(() => undefined));
    this.logs.delete(k);
    this.rebalanceTailCaches();
    if (log) await log.delete();
    else this.fs.rmSync(join(this.dataDir, k));
  }

  /** Writes both checkpoint files (serialised: concurrent calls run one after the other). */
  checkpoint(): Promise<void> {
    const run = this.checkpointChain.catch(() => undefined).then(() => this.writeCheckpoints());
    this.checkpointChain = run;
    return run;
  }

  private async writeCheckpoints(): Promise<void> {
    const recovery: TopicPartitionOffset[] = [];
    const start: TopicPartitionOffset[] = [];
    for (const log of this.logs.values()) {
      const { topic, partition } = log.topicPartition;
      recovery.push({ topic, partition, offset: log.recoveryPoint });
      start.push({ topic, partition, offset: log.logStartOffset });
    }
    await this.recoveryPoints.write(recovery);
    await this.logStartOffsets.write(start);
  }

  /** Flushes and closes every log, checkpoints, then marks the shutdown clean. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.creating.values()].map((p) => p.catch(() => undefined)));
    await Promise.all([...this.logs.values()].map((log) => log.close()));
    await this.checkpoint();
    await writeFileAtomically(this.fs, join(this.dataDir, CLEAN_SHUTDOWN_FILE), Buffer.alloc(0));
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

function toMap(entries: TopicPartitionOffset[]): Map<string, number> {
  return new Map(entries.map((e) => [key(e.topic, e.partition), e.offset]));
}
