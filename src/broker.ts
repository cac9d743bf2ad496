import type { Logger } from 'pino';
import { BrokerConfig } from './config/broker-config.js';
import { ConfigStore } from './config/config-store.js';
import { ErrorCode } from './protocol/errors.js';
import { DynamicConfigFile } from './config/dynamic-config-file.js';
import { LogManager, type RecoverySummary } from './storage/log-manager.js';
import { type CleanerConfig, LogCleaner } from './storage/log-cleaner.js';
import { DataDirLock } from './storage/data-dir-lock.js';
import { type FileSystem, nodeFileSystem } from './storage/file-system.js';
import type { Scheduler } from './storage/scheduler.js';
import { isIoError } from './storage/storage-error.js';
import { AppendFailureLog } from './cluster/append-failure-log.js';
import { dataDirError, listenError } from './startup-error.js';
import { Cluster, type ClusterEvents, type Topic } from './cluster/cluster.js';
import type { TopicSettingsResolver } from './cluster/topic-settings.js';
import { Server } from './server/server.js';
import { handlers } from './handlers/registry.js';
import type { BrokerContext } from './handlers/broker-context.js';
import { GroupCoordinator } from './coordinator/group/group-coordinator.js';
import type { TopicMetadataView } from './coordinator/group/group-types.js';
import type { GroupInspection } from './coordinator/group/group-inspector.js';
import { OFFSETS_TOPIC, OffsetsTopicLog } from './coordinator/offsets-topic.js';
import { brookVersion } from './version.js';
import { createLogger } from './observability/logger.js';
import { BrokerMetrics } from './observability/broker-metrics.js';
import { MetricsServer } from './observability/metrics-server.js';
import { timedFileSystem } from './observability/timed-file-system.js';
import { BrokerControl } from './control/broker-control.js';
import { PRODUCER_ID_FILE, ProducerIdManager } from './coordinator/transaction/producer-id-manager.js';
import { TransactionCoordinator, type TransactionInspection } from './coordinator/transaction/transaction-coordinator.js';
import { ClusterMarkerSink } from './coordinator/transaction/cluster-marker-sink.js';
import { TRANSACTION_STATE_TOPIC, TransactionStateTopicLog } from './coordinator/transaction-state-topic.js';
import { type ProducerInspection, inspectProducers } from './cluster/producer-inspection.js';
import { join } from 'node:path';

export interface Broker {
  readonly bootstrap: string;
  readonly host: string;
  readonly port: number;
  readonly config: BrokerConfig;
  readonly cluster: Cluster;
  readonly context: BrokerContext;
  /** What opening the data directory found and did: logs, records, what recovery cut, how long it took. */
  readonly recovery: RecoverySummary;
  /** The log cleaner (compaction): its recent cleans, and wake() to look for work at once (tests, tools). */
  readonly cleaner: LogCleaner;
  /**
   * Consumer groups as the console and CLI show them: state, type, protocol, members with
   * their assignments, and per partition the committed offset, log end offset and lag.
   */
  groups(groupId?: string): GroupInspection[];
  /**
   * Resolves once consumer-group state has been rebuilt from `__consumer_offsets` and
   * transaction state from `__transaction_state`. The broker listens before that: until then
   * group and transaction requests get COORDINATOR_LOAD_IN_PROGRESS, which clients retry. Never
   * rejects (a failed replay is logged).
   */
  readonly ready: Promise<void>;
  /**
   * Transactional ids as the transaction coordinator keeps them: the open transactions (Ongoing,
   * PrepareCommit, PrepareAbort) with their producer id and epoch, partitions and start time;
   * every id with `{ all: true }`, or one id in any state with `{ transactionalId }`.
   */
  transactions(filter?: { transactionalId?: string; all?: boolean }): TransactionInspection[];
  /**
   * Per partition (of `topic`, or of every topic) the producers whose state it keeps, with their
   * epoch, last sequence, last write and open transaction, and the partition's last stable
   * offset and high watermark.
   */
  producers(topic?: string): ProducerInspection[];
  /**
   * Base URL of the HTTP endpoint (metrics.port) serving /metrics, /healthz and /readyz, e.g.
   * http://localhost:9308; null when metrics.port is not set.
   */
  readonly metricsUrl: string | null;
  /** Makes the broker misbehave on purpose and sets up test data (see BrokerControl, README). */
  readonly control: BrokerControl;
  /** Stops listening, flushes and closes every log, releases the data directory; says what it flushed. */
  stop(): Promise<StopSummary>;
}

/** What a clean stop did. */
export interface StopSummary {
  /** Partition logs flushed and closed. */
  readonly logs: number;
  /** Records appended since their log's last fsync, made durable by the stop. */
  readonly records: number;
  readonly durationMs: number;
}

/** Seams for tests; a production broker passes none. */
export interface BrokerHooks {
  /** Awaited before each slice of the `__consumer_offsets` replay, the first included. */
  beforeReplaySlice?: () => Promise<void>;
  /** Awaited before each slice of the `__transaction_state` replay, the first included. */
  beforeTransactionReplaySlice?: () => Promise<void>;
  /** The file system of the data directory: one that fails on purpose (a full disk). */
  fs?: FileSystem;
  /** Runs the storage layer's delayed deletions (file.delete.delay.ms); a test holds them. */
  scheduler?: Scheduler;
}

/**
 * The composition root: config -> storage -> cluster -> coordinators -> handlers -> server.
 * Nothing else wires layers together, so each can be built and tested alone.
 *
 * Start-up order: create and lock every log directory (nothing in one is read or written before
 * its lock), load the dynamic configs, recover the logs, load the topics, listen. A failure the
 * operator can fix rejects with a StartupError (one line, an exit code); whatever was opened is
 * closed and the locks released. Of several log directories, one that cannot be created, locked
 * (for an I/O reason) or read starts offline and the others serve, as in Kafka; the first one
 * (which holds the metadata files) must work.
 */
export async function createBroker(config: BrokerConfig, log: Logger = createLogger({ level: 'warn' }), hooks: BrokerHooks = {}): Promise<Broker> {
  log.info({ version: brookVersion(), dataDir: config.dataDir, logDirs: config.logDirs, nodeId: config.nodeId }, 'starting Brook');
  const fs = hooks.fs ?? nodeFileSystem;
  const locks: DataDirLock[] = [];
  const unusable = new Map<string, NodeJS.ErrnoException>();
  const releaseLocks = (): void => {
    for (const l of locks) l.release();
  };
  for (const dir of config.logDirs) {
    try {
      fs.mkdirSync(dir);
      locks.push(await DataDirLock.acquire(dir));
    } catch (err) {
      if (dir === config.dataDir || !isIoError(err)) {
        releaseLocks();
        throw dataDirError(dir, err) ?? err;
      }
      unusable.set(dir, err);
    }
  }
  const undo: (() => Promise<void> | void)[] = [releaseLocks];
  try {
    // /readyz's answer: why the broker is not ready yet (or no longer), null once it is.
    const readiness: Readiness = { notReady: 'recovering logs' };
    // Started before recovery, so that /healthz answers while a large data directory recovers.
    const metrics = config.metricsPort === null ? null : await startMetrics(config, config.metricsPort, log, readiness);
    if (metrics) undo.push(() => metrics.server.close());
    return await compose(config, log, hooks, fs, releaseLocks, unusable, undo, metrics, readiness);
  } catch (err) {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (cleanupErr) {
        log.warn({ err: cleanupErr }, 'cleanup after a failed start failed');
      }
    }
    throw err;
  }
}

/** /readyz's state: why the broker is not ready, null once it is. */
interface Readiness {
  notReady: string | null;
}

interface MetricsEndpoint {
  readonly registry: BrokerMetrics;
  readonly server: MetricsServer;
}

async function startMetrics(config: BrokerConfig, port: number, log: Logger, readiness: Readiness): Promise<MetricsEndpoint> {
  const registry = new BrokerMetrics();
  try {
    const server = await MetricsServer.start({
      host: config.host,
      port,
      scrape: () => registry.scrape(),
      contentType: registry.registry.contentType,
      notReady: () => readiness.notReady,
      onError: (err) => log.error({ err }, 'metrics scrape failed'),
    });
    return { registry, server };
  } catch (err) {
    throw listenError(config.host, port, err, '--metrics-port') ?? err;
  }
}

async function compose(
  config: BrokerConfig,
  log: Logger,
  hooks: BrokerHooks,
  fs: FileSystem,
  releaseLocks: () => void,
  unusable: ReadonlyMap<string, NodeJS.ErrnoException>,
  undo: (() => Promise<void> | void)[],
  metricsEndpoint: MetricsEndpoint | null,
  readiness: Readiness,
): Promise<Broker> {
  const metrics = metricsEndpoint?.registry ?? null;
  let configs: ConfigStore;
  let logs: LogManager;
  let cluster: Cluster;
  // Set once the group coordinator exists (it is built after the cluster it listens to).
  let topicDeleted: (t: Topic) => void = () => undefined;
  try {
    // Dynamic broker and group settings (AlterConfigs) saved in the data directory apply from here.
    configs = new ConfigStore(config, new DynamicConfigFile(config.dataDir));
    for (const warning of configs.warnings) log.warn(warning);
    const settings: TopicSettingsResolver = {
      validate: (overrides) => configs.validateTopicConfigs(overrides),
      resolve: (overrides) => configs.logConfig(overrides),
    };
    // Logs found at startup are recovered with the broker's defaults until their topic's own
    // settings are applied (Cluster.open), so storage never guesses Kafka's defaults itself.
    const recoveryStarted = performance.now();
    // The metadata files live in the first directory: without it the broker cannot know its topics.
    logs = await LogManager.open(config.logDirs, {
      defaultConfig: configs.defaultLogConfig,
      fs: metrics ? timedFileSystem(fs, metrics.fsync) : fs,
      logger: log,
      unusableDirs: unusable,
      requiredDir: config.dataDir,
      ...(hooks.scheduler ? { scheduler: hooks.scheduler } : {}),
    });
    undo.push(() => logs.close());
    // The same figures as the CLI's recovery line; what was cut was warned about per log.
    const { logs: found, records, cleanShutdown, segmentsRecovered, bytesTruncated, recordsDropped, segmentsDeleted } = logs.recovery;
    log.info({ logs: found, records, cleanShutdown, segmentsRecovered, bytesTruncated, recordsDropped, segmentsDeleted, ms: elapsedMs(recoveryStarted) }, 'logs recovered');
    cluster = await Cluster.open({ dataDir: config.dataDir, logDirs: config.logDirs, nodeId: config.nodeId, logs, settings, events: clusterEvents(log, metrics, (t) => topicDeleted(t)), fs, logger: log, producerIdExpirationMs: () => configs.current.producerIdExpirationMs });
  } catch (err) {
    throw dataDirError(config.dataDir, err) ?? err;
  }
  readiness.notReady = `replaying ${OFFSETS_TOPIC}`;

  // Kafka's log cleaner: compacts every log whose cleanup.policy includes compact, on worker threads.
  const cleaner = new LogCleaner({
    fs,
    config: () => cleanerConfig(config, configs.current),
    logDirs: () => logs.describeLogDirs(),
    // What the cleaner must respect of a partition's producers (Kafka's UnifiedLog gives it the
    // same): nothing at or after the last stable offset is cleaned, aborted transactions go by
    // the `.txnindex`, and each producer's last batch stays.
    state: (l) => {
      const p = cluster.partition(l.topicPartition.topic, l.topicPartition.partition);
      if (!p || p.log !== l) return undefined;
      return {
        lastStableOffset: () => p.lastStableOffset,
        abortedTxns: (from, to) => l.collectAbortedTxns(from, to).sort((a, b) => a.firstOffset - b.firstOffset),
        activeProducers: () => [...p.producers.entries()].map((e) => [e.producerId, { lastDataOffset: e.lastDataOffset, producerEpoch: e.producerEpoch }]),
      };
    },
    logger: log,
  });
  logs.setCleaner(cleaner);
  undo.push(() => cleaner.stop());
  cleaner.start();

  const offsetsTopic = new OffsetsTopicLog(cluster, {
    partitions: config.offsetsTopicNumPartitions,
    segmentBytes: config.offsetsTopicSegmentBytes,
    compressionCodec: config.offsetsTopicCompressionCodec,
  });
  const groups = createGroupCoordinator(configs, cluster, offsetsTopic, log);
  // As Kafka: the offsets committed for a deleted topic become tombstones.
  topicDeleted = (t) => void groups.onPartitionsDeleted(t.name, t.partitions.length);

  const txnStateTopic = new TransactionStateTopicLog(cluster, { partitions: config.transactionStateLogNumPartitions, segmentBytes: config.transactionStateLogSegmentBytes });
  const transactions = new TransactionCoordinator({
    producerIds: new ProducerIdManager(join(config.dataDir, PRODUCER_ID_FILE)),
    log: txnStateTopic,
    markers: new ClusterMarkerSink(cluster, groups),
    config: {
      maxTimeoutMs: () => configs.current.transactionMaxTimeoutMs,
      transactionalIdExpirationMs: () => configs.current.transactionalIdExpirationMs,
      abortTimedOutIntervalMs: config.transactionAbortTimedOutTransactionCleanupIntervalMs,
      removeExpiredIntervalMs: config.transactionRemoveExpiredTransactionCleanupIntervalMs,
    },
    logger: log,
  });

  const advertised = { host: config.advertisedHost, port: config.advertisedPort };
  const context: BrokerContext = {
    nodeId: config.nodeId,
    advertised,
    cluster,
    get config() {
      return configs.current;
    },
    configs,
    groups,
    offsetsTopic,
    transactions,
    apiVersions: handlers.map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion })),
    log,
    appendFailures: new AppendFailureLog(log),
    async autoCreateTopic(name) {
      if (!configs.current.autoCreateTopicsEnable || cluster.topic(name)) return ErrorCode.NONE;
      const created = await cluster.createTopic(name, configs.current.numPartitions, {}, { auto: true });
      // Lost a race with another request creating it: the topic is there, which is what was asked.
      return created.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS ? ErrorCode.NONE : created.errorCode;
    },
  };

  const control = new BrokerControl({
    handlers,
    cluster,
    groups,
    // The server is built next; the control API calls it only once the broker is running.
    server: { suspend: () => server.suspend(), resume: () => server.resume(), closeConnections: (f) => server.closeConnections(f) },
    autoCreateTopic: (name) => context.autoCreateTopic(name),
    log,
  });
  const server = new Server({
    host: config.host,
    port: config.port,
    handlers,
    broker: context,
    maxRequestBytes: config.socketRequestMaxBytes,
    queuedMaxRequestBytes: config.queuedMaxRequestBytes,
    queuedMaxRequests: config.queuedMaxRequests,
    maxConnections: configs.current.maxConnections,
    maxConnectionsPerIp: configs.current.maxConnectionsPerIp,
    maxConnectionsPerIpOverrides: configs.current.maxConnectionsPerIpOverrides,
    connectionsMaxIdleMs: config.connectionsMaxIdleMs,
    log,
    observer: metrics?.requests ?? null,
    control,
  });
  metrics?.attach({
    listener: config.listeners[0]?.name ?? 'PLAINTEXT',
    topics: () => cluster.topics(),
    logDirs: () => cluster.logDirs().map((d) => ({ path: d.path, offline: d.failure !== undefined })),
    topicExists: (name) => cluster.topic(name) !== undefined,
    topicName: (id) => cluster.topicById(id)?.name,
    groups: () => groups.inspectGroups(),
    connections: () => ({ open: server.connectionCount, accepted: server.connectionsAccepted }),
    cleaner: () => cleaner.metrics(),
  });
  // A dynamic change re-resolves every topic's settings (log.* defaults they inherit) and the
  // connection limits; what only startup reads (listeners, directories, ...) is not dynamic.
  configs.onChange(() => {
    cluster.refreshSettings();
    server.setConnectionLimits(configs.current);
  });
  // Started before listening so that group requests are refused from the first connection on;
  // its first slice waits for the next turn of the event loop, so listening is not delayed.
  const groupsLoaded = loadGroups(groups, offsetsTopic, cluster, log, hooks).then(() => {
    if (transactions.isLoading() && readiness.notReady !== 'stopping') readiness.notReady = `replaying ${TRANSACTION_STATE_TOPIC}`;
  });
  const loaded = Promise.all([groupsLoaded, loadTransactions(transactions, txnStateTopic, log, hooks)]).then(() => undefined);
  undo.push(async () => {
    groups.close();
    transactions.close();
    await loaded;
  });
  let port: number;
  try {
    port = await server.listen();
  } catch (err) {
    throw listenError(config.host, config.port, err) ?? err;
  }
  Object.assign(advertised, config.advertisedAddress(port));
  log.info({ host: config.host, port, advertised: `${advertised.host}:${advertised.port}` }, 'listening');
  if (metricsEndpoint) log.info({ url: `${metricsEndpoint.server.url}/metrics` }, 'serving metrics, /healthz and /readyz');
  void loaded.then(() => {
    if (readiness.notReady !== 'stopping') readiness.notReady = null;
  });

  // Background duties on Kafka's schedules: retention (first after Kafka's initial task delay,
  // 30 s, or sooner when the interval is shorter), recovery-point checkpoints, producer expiry.
  const retentionCheck = (): void => {
    try {
      logs.deleteOldSegments(Date.now());
    } catch (err) {
      log.error({ err }, 'retention check failed');
    }
  };
  const timers: NodeJS.Timeout[] = [
    setTimeout(() => {
      retentionCheck();
      timers.push(setInterval(retentionCheck, config.logRetentionCheckIntervalMs).unref());
    }, Math.min(RETENTION_INITIAL_DELAY_MS, config.logRetentionCheckIntervalMs)),
    setInterval(() => {
      const now = Date.now();
      for (const t of cluster.topics()) for (const p of t.partitions) if (!p.log.offline) p.removeExpiredProducers(now);
    }, config.producerIdExpirationCheckIntervalMs),
    setInterval(() => void logs.checkpoint().catch((err: unknown) => log.error({ err }, 'checkpoint failed')), finiteInterval(config.logFlushOffsetCheckpointIntervalMs)),
  ];
  for (const t of timers) t.unref();

  let stopping: Promise<StopSummary> | undefined;
  const host = config.host === '' ? advertised.host : config.host;
  return {
    bootstrap: `${host}:${port}`,
    host,
    port,
    config,
    cluster,
    context,
    recovery: logs.recovery,
    cleaner,
    groups: (groupId) => groups.inspectGroups(groupId === undefined ? {} : { groupId }),
    ready: loaded,
    metricsUrl: metricsEndpoint?.server.url ?? null,
    control,
    producers: (topic) => inspectProducers(cluster, topic),
    transactions: (filter) => transactions.inspect(filter),
    stop() {
      stopping ??= (async () => {
        const started = performance.now();
        log.info({ connections: server.connectionCount }, 'stopping');
        readiness.notReady = 'stopping';
        for (const t of timers) clearTimeout(t);
        await control.close();
        // Closing first ends a replay still running at its next slice.
        groups.close();
        transactions.close();
        await loaded;
        await server.close();
        // Before the logs close: a clean stops and leaves no file behind.
        await cleaner.stop();
        let flushed = 0;
        let records = 0;
        for (const t of cluster.topics()) {
          for (const p of t.partitions) {
            flushed++;
            records += p.log.logEndOffset - p.log.recoveryPoint;
          }
        }
        try {
          await logs.close();
        } finally {
          releaseLocks();
          await metricsEndpoint?.server.close();
        }
        const summary = { logs: flushed, records, durationMs: elapsedMs(started) };
        log.info({ logsFlushed: flushed, recordsFlushed: records, ms: summary.durationMs }, 'stopped');
        return summary;
      })();
      return stopping;
    },
  };
}

/** The log.cleaner.* settings; enable is static (read-only in Kafka), the rest follow dynamic changes. */
function cleanerConfig(statics: BrokerConfig, current: BrokerConfig): CleanerConfig {
  return {
    enable: statics.logCleanerEnable,
    threads: current.logCleanerThreads,
    dedupeBufferSize: current.logCleanerDedupeBufferSize,
    ioBufferSize: current.logCleanerIoBufferSize,
    ioBufferLoadFactor: current.logCleanerIoBufferLoadFactor,
    ioMaxBytesPerSecond: current.logCleanerIoMaxBytesPerSecond,
    backoffMs: current.logCleanerBackoffMs,
  };
}

function createGroupCoordinator(configs: ConfigStore, cluster: Cluster, offsetsTopic: OffsetsTopicLog, log: Logger): GroupCoordinator {
  const config = configs.current;
  const view = (t: Topic | undefined) => t && { id: t.id, name: t.name, partitions: t.partitions.length };
  const topics: TopicMetadataView = {
    topicByName: (name) => view(cluster.topic(name)),
    topicById: (id) => view(cluster.topicById(id)),
    topicNames: () => [...cluster.topics()].map((t) => t.name),
    topicCreations: () => cluster.topicCreations,
  };
  return new GroupCoordinator({
    log: offsetsTopic,
    topics,
    logger: { info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) },
    logEndOffset: (topic, partition) => cluster.partition(topic, partition)?.highWatermark,
    config: {
      classicGroupMinSessionTimeoutMs: config.groupMinSessionTimeoutMs,
      classicGroupMaxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
      classicGroupInitialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
      classicGroupMaxSize: config.groupMaxSize,
      consumerGroupSessionTimeoutMs: config.groupConsumerSessionTimeoutMs,
      consumerGroupHeartbeatIntervalMs: config.groupConsumerHeartbeatIntervalMs,
      consumerGroupMaxSize: config.groupConsumerMaxSize,
      consumerGroupAssignors: config.groupConsumerAssignors,
      offsetsRetentionMs: config.offsetsRetentionMs,
      offsetsRetentionCheckIntervalMs: config.offsetsRetentionCheckIntervalMs,
      offsetMetadataMaxSize: config.offsetMetadataMaxBytes,
      consumerGroupOverrides: (groupId) => configs.groupSettings(groupId),
    },
  });
}

/**
 * Replays `__consumer_offsets` into the group coordinator (in the background: the broker already
 * answers other requests) and logs how it went. Never rejects.
 */
async function loadGroups(groups: GroupCoordinator, offsetsTopic: OffsetsTopicLog, cluster: Cluster, log: Logger, hooks: BrokerHooks): Promise<void> {
  const topic = cluster.topic(OFFSETS_TOPIC);
  const started = performance.now();
  if (topic) {
    const bytes = topic.partitions.reduce((n, p) => n + p.log.size, 0);
    log.info({ partitions: topic.partitions.length, bytes }, `replaying ${OFFSETS_TOPIC}`);
  }
  try {
    const r = await groups.replay(offsetsTopic.readAll(), hooks.beforeReplaySlice ? { beforeSlice: hooks.beforeReplaySlice } : {});
    if (!topic) return;
    const fields = { records: r.records, groups: r.groups, ms: elapsedMs(started) };
    if (r.complete) log.info(fields, `replayed ${OFFSETS_TOPIC}: consumer groups loaded`);
    else log.info(fields, `replay of ${OFFSETS_TOPIC} ended by stop`);
  } catch (err) {
    log.error({ err }, `replaying ${OFFSETS_TOPIC} failed`);
  }
}

/**
 * Replays `__transaction_state` into the transaction coordinator (in the background, beside the
 * group replay), which then completes the transactions decided before the stop and starts its
 * timeouts. Never rejects.
 */
async function loadTransactions(transactions: TransactionCoordinator, topic: TransactionStateTopicLog, log: Logger, hooks: BrokerHooks): Promise<void> {
  const exists = topic.exists();
  const started = performance.now();
  if (exists) log.info({ partitions: topic.partitionCount(), bytes: topic.size() }, `replaying ${TRANSACTION_STATE_TOPIC}`);
  try {
    const r = await transactions.replay(hooks.beforeTransactionReplaySlice);
    if (!r.complete) {
      if (exists) log.info({ records: r.records }, `replay of ${TRANSACTION_STATE_TOPIC} ended by stop`);
      return;
    }
    transactions.start();
    if (exists) log.info({ records: r.records, transactionalIds: r.transactions, completing: r.completing, ms: elapsedMs(started) }, `replayed ${TRANSACTION_STATE_TOPIC}: transactions loaded`);
  } catch (err) {
    log.error({ err }, `replaying ${TRANSACTION_STATE_TOPIC} failed`);
  }
}

function clusterEvents(log: Logger, metrics: BrokerMetrics | null, topicDeleted: (t: Topic) => void): ClusterEvents {
  return {
    topicCreated: (t, creation) => log.info({ topic: t.name, id: t.id, partitions: t.partitions.length, creation, configs: t.configs }, 'topic created'),
    topicDeleted: (t) => {
      metrics?.topicDeleted(t.name);
      log.info({ topic: t.name, id: t.id, partitions: t.partitions.length }, 'topic deleted');
      topicDeleted(t);
    },
    partitionsCreated: (t, previous) => log.info({ topic: t.name, partitions: t.partitions.length, previous }, 'partitions added'),
  };
}

/** Milliseconds since `start` (a performance.now() reading), to 0.1 ms. */
function elapsedMs(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}

/** Kafka's InitialTaskDelayMs: background log tasks start this long after startup. */
const RETENTION_INITIAL_DELAY_MS = 30_000;

/** Kafka uses Long.MAX_VALUE for "never"; a timer cannot, so cap it at a day. */
function finiteInterval(ms: number): number {
  return Number.isFinite(ms) ? Math.max(1, ms) : 86_400_000;
}
