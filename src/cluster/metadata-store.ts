import { join } from 'node:path';
import { type FileSystem, readWholeFile, writeFileAtomicallySync } from '../storage/file-system.js';
import { randomUuid } from './topic-name.js';

export interface TopicRecord {
  name: string;
  id: string;
  partitions: number;
  configs: Record<string, string>;
}

interface MetadataFile {
  version: 1;
  topics: TopicRecord[];
}

export const TOPICS_FILE = 'brook-topics.json';

/** A metadata file that cannot be parsed: the broker refuses to start rather than guess. */
export class CorruptFileError extends Error {
  override readonly name = 'CorruptFileError';
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path} is not valid (${detail})`);
  }
}

/**
 * Cluster metadata that must survive restarts: the cluster id (meta.properties, as Kafka
 * keeps it) and the topics with their ids, partition counts and config overrides. Small and
 * rarely written, so each change rewrites one JSON file atomically (tmp + fsync + rename); a
 * failed write (disk full) leaves the previous file and no temporary file behind.
 */
export class MetadataStore {
  private readonly topicsFile: string;

  private constructor(
    private readonly fs: FileSystem,
    dataDir: string,
    readonly clusterId: string,
  ) {
    this.topicsFile = join(dataDir, TOPICS_FILE);
  }

  /** Reads meta.properties, writing it with a new cluster id the first time. */
  static open(dataDir: string, nodeId: number, fs: FileSystem): MetadataStore {
    const metaFile = join(dataDir, 'meta.properties');
    const existing = fs.existsSync(metaFile) ? /^cluster\.id=(.+)$/m.exec(readWholeFile(fs, metaFile).toString('utf8'))?.[1] : undefined;
    const clusterId = existing ?? randomUuid();
    if (!existing) writeFileAtomicallySync(fs, metaFile, Buffer.from(`#Written by Brook\nversion=1\ncluster.id=${clusterId}\nnode.id=${nodeId}\n`));
    return new MetadataStore(fs, dataDir, clusterId);
  }

  loadTopics(): TopicRecord[] {
    if (!this.fs.existsSync(this.topicsFile)) return [];
    let parsed: MetadataFile;
    try {
      parsed = JSON.parse(readWholeFile(this.fs, this.topicsFile).toString('utf8')) as MetadataFile;
    } catch (err) {
      if (err instanceof SyntaxError) throw new CorruptFileError(this.topicsFile, err.message);
      throw err;
    }
    if (!Array.isArray(parsed?.topics)) throw new CorruptFileError(this.topicsFile, 'no "topics" list');
    return parsed.topics;
  }

  /** Synchronous, so that the snapshot written is the state in memory (no await in between). */
  saveTopics(topics: Iterable<TopicRecord>): void {
    const file: MetadataFile = { version: 1, topics: [...topics] };
    writeFileAtomicallySync(this.fs, this.topicsFile, Buffer.from(JSON.stringify(file, null, 1)));
  }
}
