import { type FileSystem, readWholeFile, writeFileAtomically } from './file-system.js';

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

const VERSION = 0;

/**
 * Kafka's OffsetCheckpointFile (`recovery-point-offset-checkpoint`, `log-start-offset-checkpoint`):
 * a text file with a version line, a count line, then one "topic partition offset" line per
 * partition. Topic names cannot contain spaces, so a space is a safe separator. Replaced
 * atomically on every write.
 */
export class OffsetCheckpointFile {
  constructor(
    readonly path: string,
    private readonly fs: FileSystem,
  ) {}

  async write(entries: readonly TopicPartitionOffset[]): Promise<void> {
    const lines = [String(VERSION), String(entries.length)];
    for (const e of entries) lines.push(`${e.topic} ${e.partition} ${e.offset}`);
    await writeFileAtomically(this.fs, this.path, Buffer.from(lines.join('\n') + '\n', 'utf8'));
  }

  /** The entries, or an empty list when the file does not exist. Throws on a malformed file. */
  read(): TopicPartitionOffset[] {
    if (!this.fs.existsSync(this.path)) return [];
    const lines = readWholeFile(this.fs, this.path).toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const malformed = (why: string): Error => new Error(`malformed checkpoint file ${this.path}: ${why}`);
    if (Number(lines[0]) !== VERSION) throw malformed(`unsupported version ${lines[0]}`);
    const count = Number(lines[1]);
    if (!Number.isInteger(count) || count !== lines.length - 2) throw malformed(`expected ${lines[1]} entries, found ${lines.length - 2}`);
    return lines.slice(2).map((line) => {
      const parts = line.split(' ');
      const partition = Number(parts[1]);
      const offset = Number(parts[2]);
      if (parts.length !== 3 || !Number.isInteger(partition) || !Number.isInteger(offset)) throw malformed(`bad line "${line}"`);
      return { topic: parts[0], partition, offset };
    });
  }
}
