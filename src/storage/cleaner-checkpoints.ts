import { join } from 'node:path';
import type { FileSystem } from './file-system.js';
import type { TopicPartition } from './log.js';
import { OffsetCheckpointFile, type TopicPartitionOffset } from './offset-checkpoint-file.js';
import type { StorageLogger } from './storage-logger.js';

export const CLEANER_CHECKPOINT = 'cleaner-offset-checkpoint';

/** A log directory with the partitions it holds and whether it serves. */
export interface CheckpointedDir {
  readonly path: string;
  /** Set while the directory is offline: its file is neither read nor written. */
  readonly failure: unknown;
  readonly logs: readonly { readonly topicPartition: TopicPartition }[];
}

/**
 * Kafka's `cleaner-offset-checkpoint` files, one per log directory: where the next clean of each
 * partition starts (its first dirty offset). Read once at start (an unreadable file costs a
 * clean from the start, never a refusal to start); rewritten atomically after each clean, with
 * the partitions the directory still holds, one write at a time.
 */
export class CleanerCheckpoints {
  private readonly firstDirty = new Map<string, number>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly fs: FileSystem,
    private readonly logger: StorageLogger,
  ) {}

  load(dirs: readonly CheckpointedDir[]): void {
    for (const dir of dirs) {
      if (dir.failure) continue;
      const file = this.fileOf(dir.path);
      try {
        for (const e of file.read()) this.firstDirty.set(key(e), e.offset);
      } catch (err) {
        this.logger.warn({ file: file.path, err: String(err) }, `cannot read ${file.path} (${String(err)}): its compacted logs are cleaned from their start`);
      }
    }
  }

  get(tp: TopicPartition): number | undefined {
    return this.firstDirty.get(key(tp));
  }

  set(tp: TopicPartition, offset: number): void {
    this.firstDirty.set(key(tp), offset);
  }

  /** True when there was an entry. */
  delete(tp: TopicPartition): boolean {
    return this.firstDirty.delete(key(tp));
  }

  /** Writes the file of every online directory (after the writes already asked for). */
  write(dirs: readonly CheckpointedDir[]): Promise<void> {
    const run = this.chain
      .catch(() => undefined)
      .then(async () => {
        for (const dir of dirs) {
          if (dir.failure) continue;
          const entries: TopicPartitionOffset[] = [];
          for (const log of dir.logs) {
            const offset = this.get(log.topicPartition);
            if (offset !== undefined) entries.push({ ...log.topicPartition, offset });
          }
          const file = this.fileOf(dir.path);
          if (entries.length > 0 || this.fs.existsSync(file.path)) await file.write(entries);
        }
      });
    this.chain = run;
    return run;
  }

  private fileOf(dir: string): OffsetCheckpointFile {
    return new OffsetCheckpointFile(join(dir, CLEANER_CHECKPOINT), this.fs);
  }
}

function key(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}
