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

/** Two log directories whose meta.properties name different clusters: disks mixed up between brokers. */
export class InconsistentClusterIdError extends Error {
  override readonly name = 'InconsistentClusterIdError';
}

const META_PROPERTIES = 'meta.properties';

/**
 * Cluster metadata that must survive restarts: the cluster id (meta.properties, in every log
 * directory as Kafka keeps it, each with its own directory.id) and the topics with their ids,
 * partition counts and config overrides (`brook-topics.json`, in the first log directory only,
 * where Kafka keeps its metadata log: metadata.log.dir defaults to the first of log.dirs). Small
 * and rarely written, so each change rewrites one JSON file atomically (tmp + fsync + rename); a
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

  /**
   * Reads meta.properties of the first directory and of `otherDirs` (the online ones), writing it
   * where it is missing; they must all name the same cluster. A new cluster id the first time.
   */
  static open(dataDir: string, nodeId: number, fs: FileSystem, otherDirs: readonly string[] = []): MetadataStore {
    const dirs = [dataDir, ...otherDirs];
    const ids = dirs.map((dir) => {
      const file = join(dir, META_PROPERTIES);
      return fs.existsSync(file) ? /^cluster\.id=(.+)$/m.exec(readWholeFile(fs, file).toString('utf8'))?.[1] : undefined;
    });
    const clusterId = ids.find((id) => id !== undefined) ?? randomUuid();
    ids.forEach((id, i) => {
      if (id !== undefined && id !== clusterId) {
        throw new InconsistentClusterIdError(
          `log directory ${dirs[i]} belongs to cluster ${id} (its ${META_PROPERTIES}) but ${dirs[ids.indexOf(clusterId)]} to cluster ${clusterId}: a disk of another broker? Give each broker its own directories`,
        );
      }
    });
    ids.forEach((id, i) => {
      if (id !== undefined) return;
      const content = `#Written by Brook\nversion=1\ncluster.id=${clusterId}\nnode.id=${nodeId}\ndirectory.id=${randomUuid()}\n`;
      writeFileAtomicallySync(fs, join(dirs[i], META_PROPERTIES), Buffer.from(content));
    });
    return new MetadataStore(fs, dataDir, clusterId);
  }

  /** False when the topics file does not exist (a new data directory, or a lost file). */
  get topicsFileExists(): boolean {
    return this.fs.existsSync(this.topicsFile);
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
