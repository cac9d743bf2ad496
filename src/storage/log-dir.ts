import { join } from 'node:path';
import { type FileSystem, fsyncDir, writeFileAtomically } from './file-system.js';
import type { Log } from './log.js';
import { OffsetCheckpointFile, type TopicPartitionOffset } from './offset-checkpoint-file.js';
import type { KafkaStorageError } from './storage-error.js';
import type { StorageLogger } from './storage-logger.js';

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';

/** What a log directory's checkpoint files and clean-shutdown marker said at startup. */
export interface LogDirCheckpoints {
  cleanShutdown: boolean;
  /** `<topic>-<partition>` -> offset. */
  recoveryPoints: Map<string, number>;
  logStartOffsets: Map<string, number>;
}

const key = (topic: string, partition: number): string => `${topic}-${partition}`;

/**
 * One entry of log.dirs, with the files Kafka keeps in each (beside `.lock` and
 * `meta.properties`, which the broker handles): the recovery-point and log-start-offset
 * checkpoints of the partitions stored there, and the clean-shutdown marker. A directory whose
 * disk failed is offline (`failure`) until the broker restarts; nothing is written to it then.
 */
export class LogDir {
  /** Why the directory is offline; undefined while it serves. */
  failure: KafkaStorageError | undefined;
  private readonly recoveryPoints: OffsetCheckpointFile;
  private readonly logStartOffsets: OffsetCheckpointFile;

  constructor(
    readonly path: string,
    private readonly fs: FileSystem,
  ) {
    this.recoveryPoints = new OffsetCheckpointFile(join(path, RECOVERY_POINT_CHECKPOINT), fs);
    this.logStartOffsets = new OffsetCheckpointFile(join(path, LOG_START_OFFSET_CHECKPOINT), fs);
  }

  get online(): boolean {
    return this.failure === undefined;
  }

  /** Reads the checkpoints and the marker; an unreadable checkpoint costs a full recovery, never a refusal to start (as Kafka). */
  readCheckpoints(logger: StorageLogger): LogDirCheckpoints {
    const read = (file: OffsetCheckpointFile): Map<string, number> => {
      let entries: TopicPartitionOffset[];
      try {
        entries = file.read();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== undefined) throw err; // I/O: the directory fails
        logger.warn({ file: file.path, err: String(err) }, `cannot read ${file.path} (${String(err)}): every log is recovered from its beginning`);
        return new Map();
      }
      return new Map(entries.map((e) => [key(e.topic, e.partition), e.offset]));
    };
    return {
      cleanShutdown: this.fs.existsSync(join(this.path, CLEAN_SHUTDOWN_FILE)),
      recoveryPoints: read(this.recoveryPoints),
      logStartOffsets: read(this.logStartOffsets),
    };
  }

  /** From here on a crash is unclean, until markCleanShutdown(). */
  async clearCleanShutdown(): Promise<void> {
    const marker = join(this.path, CLEAN_SHUTDOWN_FILE);
    if (!this.fs.existsSync(marker)) return;
    this.fs.unlinkSync(marker);
    await fsyncDir(this.fs, this.path);
  }

  /** Writes both checkpoint files for the (online) logs stored in this directory. */
  async writeCheckpoints(logs: Iterable<Log>): Promise<void> {
    const recovery: TopicPartitionOffset[] = [];
    const start: TopicPartitionOffset[] = [];
    for (const log of logs) {
      const { topic, partition } = log.topicPartition;
      recovery.push({ topic, partition, offset: log.recoveryPoint });
      start.push({ topic, partition, offset: log.logStartOffset });
    }
    await this.recoveryPoints.write(recovery);
    await this.logStartOffsets.write(start);
  }

  async markCleanShutdown(): Promise<void> {
    await writeFileAtomically(this.fs, join(this.path, CLEAN_SHUTDOWN_FILE), Buffer.alloc(0));
  }
}
