import type { LogDirDescription, LogManager } from '../storage/log-manager.js';
import { type FileSystem, nodeFileSystem } from '../storage/file-system.js';
import { type StorageLogger, silentLogger } from '../storage/storage-logger.js';
import { isKafkaStorageError } from '../storage/storage-error.js';
import type { Log } from '../storage/log.js';
import { ErrorCode } from '../protocol/errors.js';
import { MetadataStore, TOPICS_FILE, type TopicRecord } from './metadata-store.js';
import { Partition } from './partition.js';
import { collisionKey, randomUuid, topicNameError } from './topic-name.js';
import type { TopicSettings, TopicSettingsResolver } from './topic-settings.js';

export interface Topic {
  readonly name: string;
  readonly id: string;
  readonly partitions: Partition[];
  configs: Record<string, string>;
  settings: TopicSettings;
  readonly internal: boolean;
}

export interface TopicResult {
  errorCode: number;
  errorMessage: string | null;
  topic?: Topic;
}

export const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);

/** Why a topic came into being: a CreateTopics request, auto-creation, or the broker itself. */
export type TopicCreation = 'request' | 'auto' | 'internal';

/** What the cluster reports as it changes (the broker logs it); called after the change is durable. */
export interface ClusterEvents {
  topicCreated(topic: Topic, creation: TopicCreation): void;
  topicDeleted(topic: Topic): void;
  partitionsCreated(topic: Topic, previousCount: number): void;
}

export interface ClusterOptions {
  readonly dataDir: string;
  readonly nodeId: number;
  readonly logs: LogManager;
  readonly settings: TopicSettingsResolver;
  readonly events?: ClusterEvents;
  /** For the metadata files (default node:fs); tests inject a full disk here. */
  readonly fs?: FileSystem;
  /** Where logs of topics that no longer exist (set aside or removed at startup) are reported. */
  readonly logger?: StorageLogger;
  /** Every directory of log.dirs, the first one (dataDir) included: each gets a meta.properties. Default [dataDir]. */
  readonly logDirs?: readonly string[];
  /** producer.id.expiration.ms for every partition's producer state (a getter: it is dynamic). */
  readonly producerIdExpirationMs?: () => number;
}

/**
 * A file-system error (disk full, I/O error, read-only) while changing topics: the change is
 * undone and the request answered KAFKA_STORAGE_ERROR, as Kafka answers a storage exception.
 * Anything else is a bug and propagates.
 */
function storageFailure(err: unknown, what: string): TopicResult {
  if (!isFileSystemError(err) && !isKafkaStorageError(err)) throw err;
  return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: `${what}: ${(err as Error).message}` };
}

function isFileSystemError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return err instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

/**
 * The topics this node leads and their partitions (Kafka's metadata cache and replica manager
 * for a one-node cluster). Every state change happens synchronously between awaits so that two
 * requests can never interleave on the same topic.
 */
export class Cluster {
  private readonly byName = new Map<string, Topic>();
  private readonly byId = new Map<string, Topic>();
  /**
   * Names being created, grown or deleted right now: a second request for them waits on the
   * first. It looks again after each wait, and claims the name (exclusive) without awaiting in
   * between: requests that wait together wake together, and the first to run must claim the
   * name before the next one looks. The other request's failure is its answer, not the waiter's.
   */
  private readonly busy = new Map<string, Promise<unknown>>();
  private created = 0;

  private constructor(
    private readonly opts: ClusterOptions,
    private readonly store: MetadataStore,
  ) {}

  static async open(opts: ClusterOptions): Promise<Cluster> {
    const fs = opts.fs ?? nodeFileSystem;
    const store = MetadataStore.open(opts.dataDir, opts.nodeId, fs, opts.logDirs?.filter((d) => d !== opts.dataDir && !opts.logs.logDirFailure(d)));
    const c = new Cluster(opts, store);
    const known = new Set<string>();
    for (const rec of store.loadTopics()) {
      known.add(rec.name);
      // Existing logs: a failure here fails the start and must not delete anything. A log that
      // is missing while a log directory is offline is taken to be there (offline partition).
      const settings = opts.settings.resolve(rec.configs);
      const partitions: Partition[] = [];
      for (let i = 0; i < rec.partitions; i++) partitions.push(c.newPartition(rec.name, i, await opts.logs.getOrCreateLog(rec.name, i, settings, { isNew: false }), settings));
      c.register(rec, partitions);
    }
    await c.setAsideStrayLogs(known, store.topicsFileExists);
    return c;
  }

  /**
   * Logs whose topic the topics file does not list (Kafka's stray logs). An empty one is what a
   * crash between creating a topic's folders and recording the topic leaves: it is removed.
   * One holding records is never deleted: its folder is renamed `<name>.<id>-stray` and kept,
   * with a warning saying how to get it back (a crash while deleting its topic, or a topics file
   * lost or replaced, can leave one).
   */
  private async setAsideStrayLogs(known: ReadonlySet<string>, topicsFileExists: boolean): Promise<void> {
    const logger = this.opts.logger ?? silentLogger;
    let setAside = 0;
    for (const { topic, partition } of this.opts.logs.existingLogs()) {
      if (known.has(topic)) continue;
      const name = `${topic}-${partition}`;
      const log = this.opts.logs.getLog(topic, partition);
      if (!log || log.offline) {
        logger.warn({ partition: name }, `${name}: a log of a topic that does not exist, on an offline log directory: left as it is`);
        continue;
      }
      const records = log.logEndOffset - log.logStartOffset;
      if (log.size === 0) {
        logger.info({ partition: name }, `${name}: removing the empty log of a topic that does not exist`);
        await this.opts.logs.deleteLog(topic, partition, { now: true });
        continue;
      }
      const path = await this.opts.logs.setAsideStrayLog(topic, partition);
      setAside++;
      logger.warn(
        { partition: name, records, offsets: [log.logStartOffset, log.logEndOffset], bytes: log.size, path },
        `${name}: ${TOPICS_FILE} lists no topic ${topic}, but its log holds ${records} records (offsets ${log.logStartOffset} to ${log.logEndOffset - 1}): kept as ${path}, not deleted. To serve it again, recreate the topic with the same settings and at least ${partition + 1} partitions, stop Brook, replace the new ${name} folder with this one (renamed back to ${name}) and start Brook`,
      );
    }
    if (!topicsFileExists && setAside > 0) {
      logger.error(
        { file: TOPICS_FILE, strays: setAside },
        `${TOPICS_FILE} is missing from ${this.opts.dataDir} but ${setAside} partition log(s) with records were found: they were set aside as stray logs (see the warnings above), not deleted. Restore ${TOPICS_FILE} from a backup to get the topics back with their settings`,
      );
    }
  }

  get clusterId(): string {
    return this.store.clusterId;
  }

  topic(name: string): Topic | undefined {
    return this.byName.get(name);
  }
  topicById(id: string): Topic | undefined {
    return this.byId.get(id);
  }
  topics(): IterableIterator<Topic> {
    return this.byName.values();
  }
  partition(topic: string, index: number): Partition | undefined {
    return this.byName.get(topic)?.partitions[index];
  }
  /** Every directory of log.dirs with its state and the logs it holds (DescribeLogDirs). */
  logDirs(): LogDirDescription[] {
    return this.opts.logs.describeLogDirs();
  }

  /** Topics created since this process started (those found at startup included). */
  get topicCreations(): number {
    return this.created;
  }

  /** CreateTopics semantics; `validateOnly` checks everything and changes nothing. */
  async createTopic(name: string, partitions: number, configs: Record<string, string>, opts: { validateOnly?: boolean; internal?: boolean; auto?: boolean } = {}): Promise<TopicResult> {
    while (this.busy.has(name)) await this.busy.get(name)?.catch(() => undefined);
    const error = this.checkNewTopic(name, partitions, configs, opts.internal ?? false);
    if (error) return error;
    if (opts.validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null };
    const rec: TopicRecord = { name, id: randomUuid(), partitions, configs };
    return this.exclusive(name, async () => {
      // Folders first, then the topics file: a crash in between leaves empty stray folders,
      // which the next start removes, never a topic without its logs.
      let created: Partition[];
      try {
        created = await this.createLogs(name, 0, partitions, this.opts.settings.resolve(configs));
      } catch (err) {
        return storageFailure(err, `Cannot create the logs of topic '${name}'`);
      }
      try {
        this.store.saveTopics([...this.records(), rec]);
      } catch (err) {
        await this.deleteLogs(name, created, true);
        return storageFailure(err, `Cannot record topic '${name}'`);
      }
      const topic = this.register(rec, created);
      this.opts.events?.topicCreated(topic, opts.internal ? 'internal' : opts.auto ? 'auto' : 'request');
      return { errorCode: ErrorCode.NONE, errorMessage: null, topic };
    });
  }

  private checkNewTopic(name: string, partitions: number, configs: Record<string, string>, internal: boolean): TopicResult | null {
    const nameError = topicNameError(name);
    if (nameError) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: nameError };
    if (this.byName.has(name) || this.busy.has(name)) return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${name}' already exists.` };
    if (INTERNAL_TOPICS.has(name) && !internal) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Creation of internal topic ${name} is prohibited.` };
    const key = collisionKey(name);
    for (const t of this.byName.values()) {
      if (collisionKey(t.name) === key) {
        return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: `Topic '${name}' collides with existing topic: ${t.name}` };
      }
    }
    if (!Number.isInteger(partitions) || partitions <= 0) {
      return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: 'Number of partitions must be larger than 0.' };
    }
    const configError = this.opts.settings.validate(configs);
    if (configError) return { errorCode: configError.errorCode, errorMessage: configError.message };
    return null;
  }

  async deleteTopic(name: string): Promise<TopicResult> {
    while (this.busy.has(name)) await this.busy.get(name)?.catch(() => undefined);
    const topic = this.byName.get(name);
    if (!topic) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' };
    if (topic.internal) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: `Cannot delete internal topic ${name}` };
    return this.exclusive(name, async () => {
      try {
        this.store.saveTopics([...this.records()].filter((r) => r.name !== name));
      } catch (err) {
        return storageFailure(err, `Cannot delete topic '${name}'`);
      }
      this.byName.delete(name);
      this.byId.delete(topic.id);
      // A folder that cannot be removed now is a stray log at the next start.
      await this.deleteLogs(name, topic.partitions);
      this.opts.events?.topicDeleted(topic);
      return { errorCode: ErrorCode.NONE, errorMessage: null, topic };
    });
  }

  async createPartitions(name: string, count: number, validateOnly: boolean): Promise<TopicResult> {
    while (this.busy.has(name)) await this.busy.get(name)?.catch(() => undefined);
    const topic = this.byName.get(name);
    if (!topic) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${name}' does not exist.` };
    const current = topic.partitions.length;
    if (count < current) {
      return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic currently has ${current} partitions, which is higher than the requested ${count}.` };
    }
    if (count === current) {
      return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic already has ${current} partitions.` };
    }
    if (validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null, topic };
    return this.exclusive(name, async () => {
      let added: Partition[];
      try {
        added = await this.createLogs(name, current, count, topic.settings);
      } catch (err) {
        return storageFailure(err, `Cannot create partitions of topic '${name}'`);
      }
      try {
        this.store.saveTopics([...this.records()].map((r) => (r.name === name ? { ...r, partitions: count } : r)));
      } catch (err) {
        await this.deleteLogs(name, added, true);
        return storageFailure(err, `Cannot record the partitions of topic '${name}'`);
      }
      topic.partitions.push(...added);
      this.opts.events?.partitionsCreated(topic, current);
      return { errorCode: ErrorCode.NONE, errorMessage: null, topic };
    });
  }

  /**
   * Replaces a topic's overrides (already validated by the caller), on disk first; null on
   * success, KAFKA_STORAGE_ERROR when the topics file cannot be written (nothing changes).
   */
  setTopicConfigs(name: string, configs: Record<string, string>): TopicResult | null {
    const topic = this.byName.get(name);
    if (!topic) return null;
    try {
      this.store.saveTopics([...this.records()].map((r) => (r.name === name ? { ...r, configs } : r)));
    } catch (err) {
      return storageFailure(err, `Cannot change the configs of topic '${name}'`);
    }
    topic.configs = configs;
    topic.settings = this.opts.settings.resolve(configs);
    for (const p of topic.partitions) p.updateSettings(topic.settings);
    return null;
  }

  /** Re-resolves every topic after a broker-level default changed. */
  refreshSettings(): void {
    for (const t of this.byName.values()) {
      t.settings = this.opts.settings.resolve(t.configs);
      for (const p of t.partitions) p.updateSettings(t.settings);
    }
  }

  /** Partitions [from, to) of the topic with their logs; on failure the logs made so far are removed. */
  private async createLogs(name: string, from: number, to: number, settings: TopicSettings): Promise<Partition[]> {
    const partitions: Partition[] = [];
    try {
      for (let i = from; i < to; i++) {
        const log = await this.opts.logs.getOrCreateLog(name, i, settings);
        partitions.push(this.newPartition(name, i, log, settings));
      }
    } catch (err) {
      await this.deleteLogs(name, partitions, true);
      throw err;
    }
    return partitions;
  }

  /**
   * Best effort: a folder left behind is a stray log at the next start. `undo` for logs just
   * created and never visible: removed at once rather than after file.delete.delay.ms.
   */
  private async deleteLogs(name: string, partitions: readonly Partition[], undo = false): Promise<void> {
    for (const p of partitions) {
      try {
        await this.opts.logs.deleteLog(name, p.index, { now: undo });
      } catch (err) {
        (this.opts.logger ?? silentLogger).warn({ partition: `${name}-${p.index}`, err: String(err) }, `${name}-${p.index}: cannot delete the log folder (${String(err)}); the next start finds it as a stray log`);
      }
    }
  }

  private register(rec: TopicRecord, partitions: Partition[]): Topic {
    const settings = this.opts.settings.resolve(rec.configs);
    const topic: Topic = { name: rec.name, id: rec.id, partitions, configs: rec.configs, settings, internal: INTERNAL_TOPICS.has(rec.name) };
    this.byName.set(topic.name, topic);
    this.byId.set(topic.id, topic);
    this.created++;
    return topic;
  }

  private newPartition(topic: string, index: number, log: Log, settings: TopicSettings): Partition {
    const { producerIdExpirationMs } = this.opts;
    return new Partition(topic, index, log, settings, producerIdExpirationMs === undefined ? {} : { producerIdExpirationMs });
  }

  private *records(): Generator<TopicRecord> {
    for (const t of this.byName.values()) yield { name: t.name, id: t.id, partitions: t.partitions.length, configs: t.configs };
  }

  private async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const p = fn();
    this.busy.set(name, p);
    try {
      return await p;
    } finally {
      this.busy.delete(name);
    }
  }
}
