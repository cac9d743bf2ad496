import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join } from 'node:path';
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

/**
 * Cluster metadata that must survive restarts: the cluster id (meta.properties, as Kafka
 * keeps it) and the topics with their ids, partition counts and config overrides. Small and
 * rarely written, so each change rewrites one JSON file atomically (tmp + fsync + rename).
 */
export class MetadataStore {
  readonly clusterId: string;
  private readonly topicsFile: string;

  constructor(
    private readonly dataDir: string,
    nodeId: number,
  ) {
    mkdirSync(dataDir, { recursive: true });
    this.topicsFile = join(dataDir, 'brook-topics.json');
    const metaFile = join(dataDir, 'meta.properties');
    const existing = existsSync(metaFile) ? /^cluster\.id=(.+)$/m.exec(readFileSync(metaFile, 'utf8'))?.[1] : undefined;
    this.clusterId = existing ?? randomUuid();
    if (!existing) atomicWrite(metaFile, `#Written by Brook\nversion=1\ncluster.id=${this.clusterId}\nnode.id=${nodeId}\n`);
  }

  loadTopics(): TopicRecord[] {
    if (!existsSync(this.topicsFile)) return [];
    const parsed = JSON.parse(readFileSync(this.topicsFile, 'utf8')) as MetadataFile;
    return parsed.topics;
  }

  saveTopics(topics: Iterable<TopicRecord>): void {
    const file: MetadataFile = { version: 1, topics: [...topics] };
    atomicWrite(this.topicsFile, JSON.stringify(file, null, 1));
  }
}

function atomicWrite(path: string, content: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, content);
  const fd = openSync(tmp, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
