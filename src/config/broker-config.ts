// The resolved static configuration of a Brook broker: every setting parsed and validated once,
// typed fields for what the broker reads, and get(name) for the rest. Built by loadBrokerConfig
// (defaults < properties file < BROOK_* environment < --set < flags) or directly from a map of
// Kafka-named settings. Sources and synonyms for DescribeConfigs live in ConfigStore.

import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { configError, indexDefs, parseValue } from './config-def.js';
import type { ConfigDef, ConfigValue } from './config-def.js';
import { BROKER_CONFIG_DEFS } from './broker-config-defs.js';
import { isWildcardHost, parseListeners, parseSecurityProtocolMap, splitCsv } from './listeners.js';
import type { Listener } from './listeners.js';

export const BROKER_CONFIGS: ReadonlyMap<string, ConfigDef> = indexDefs(BROKER_CONFIG_DEFS);

export class BrokerConfig {
  /** Settings given explicitly (file, environment, --set, flags), as strings. */
  readonly staticConfigs: ReadonlyMap<string, string>;
  /** Human-readable notes for the operator: ignored settings, skipped listeners, ... */
  readonly warnings: readonly string[];
  private readonly values = new Map<string, ConfigValue>();

  readonly nodeId: number;
  readonly brokerRack: string | null;
  /** Client listeners (controller listeners removed), in configuration order. */
  readonly listeners: readonly Listener[];
  /** One advertised listener per client listener, same order; the port may be 0 (see advertisedAddress). */
  readonly advertisedListeners: readonly Listener[];
  /** Bind address of the first listener; '' means every interface. */
  readonly host: string;
  /** Bind port of the first listener; 0 lets the OS choose. */
  readonly port: number;
  readonly advertisedHost: string;
  readonly advertisedPort: number;
  /**
   * Absolute path of the first log directory (log.dirs, else log.dir): Brook's metadata files
   * live there (topics, dynamic configs), as Kafka's metadata log defaults to the first of log.dirs.
   */
  readonly dataDir: string;
  /** Absolute paths of every log directory (log.dirs, else log.dir), in the order given. */
  readonly logDirs: readonly string[];
  /** metrics.port: the HTTP endpoint for /metrics, /healthz and /readyz; null when off. */
  readonly metricsPort: number | null;

  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly autoCreateTopicsEnable: boolean;
  readonly deleteTopicEnable: boolean;
  readonly messageMaxBytes: number;
  readonly socketRequestMaxBytes: number;
  readonly socketListenBacklogSize: number;
  readonly connectionsMaxIdleMs: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  /** Host or IP -> connection limit. */
  readonly maxConnectionsPerIpOverrides: ReadonlyMap<string, number>;
  readonly queuedMaxRequests: number;
  /** ≤ 0: unbounded. */
  readonly queuedMaxRequestBytes: number;
  readonly fetchMaxBytes: number;

  readonly logRetentionCheckIntervalMs: number;
  /** Infinity (Kafka's Long.MAX_VALUE) means never: check before handing it to a timer. */
  readonly logFlushSchedulerIntervalMs: number;
  readonly logFlushOffsetCheckpointIntervalMs: number;
  readonly logFlushStartOffsetCheckpointIntervalMs: number;
  readonly logCleanerEnable: boolean;
  readonly logCleanerBackoffMs: number;
  readonly logCleanerThreads: number;
  /** Bytes of offset map shared by the cleaner threads. */
  readonly logCleanerDedupeBufferSize: number;
  readonly logCleanerIoBufferSize: number;
  readonly logCleanerIoBufferLoadFactor: number;
  /** Infinity-like (Double.MAX_VALUE) by default: no throttle. */
  readonly logCleanerIoMaxBytesPerSecond: number;

  readonly groupCoordinatorRebalanceProtocols: readonly string[];
  readonly groupInitialRebalanceDelayMs: number;
  readonly groupMinSessionTimeoutMs: number;
  readonly groupMaxSessionTimeoutMs: number;
  readonly groupMaxSize: number;
  readonly groupConsumerSessionTimeoutMs: number;
  readonly groupConsumerMinSessionTimeoutMs: number;
  readonly groupConsumerMaxSessionTimeoutMs: number;
  readonly groupConsumerHeartbeatIntervalMs: number;
  readonly groupConsumerMinHeartbeatIntervalMs: number;
  readonly groupConsumerMaxHeartbeatIntervalMs: number;
  readonly groupConsumerMaxSize: number;
  readonly groupConsumerAssignors: readonly string[];
  readonly groupConsumerMigrationPolicy: string;

  readonly offsetsTopicNumPartitions: number;
  readonly offsetsTopicSegmentBytes: number;
  readonly offsetsTopicCompressionCodec: number;
  /** offsets.retention.minutes in milliseconds. */
  readonly offsetsRetentionMs: number;
  readonly offsetsRetentionCheckIntervalMs: number;
  readonly offsetsCommitTimeoutMs: number;
  readonly offsetMetadataMaxBytes: number;

  readonly transactionMaxTimeoutMs: number;
  readonly transactionalIdExpirationMs: number;
  readonly transactionStateLogNumPartitions: number;
  readonly transactionStateLogSegmentBytes: number;
  readonly transactionAbortTimedOutTransactionCleanupIntervalMs: number;
  readonly transactionRemoveExpiredTransactionCleanupIntervalMs: number;
  readonly producerIdExpirationMs: number;
  readonly transactionPartitionVerificationEnable: boolean;
  readonly producerIdExpirationCheckIntervalMs: number;

  /**
   * @param statics Kafka-named settings as strings; unknown names and bad values throw
   *   ConfigException with Kafka's message.
   */
  constructor(statics: ReadonlyMap<string, string> | Readonly<Record<string, string>> = {}, warnings: readonly string[] = []) {
    const given = new Map(statics instanceof Map ? statics : Object.entries(statics));
    for (const name of given.keys()) {
      if (!BROKER_CONFIGS.has(name)) throw configError(unknownConfigMessage(name));
    }
    // Kafka treats broker.id and node.id as synonyms: setting one sets both.
    const nodeIdText = given.get('node.id');
    const brokerIdText = given.get('broker.id');
    if (nodeIdText !== undefined && brokerIdText === undefined) given.set('broker.id', nodeIdText);
    if (brokerIdText !== undefined && nodeIdText === undefined) given.set('node.id', brokerIdText);
    this.staticConfigs = given;

    for (const def of BROKER_CONFIG_DEFS) {
      const raw = given.get(def.name);
      this.values.set(def.name, raw === undefined ? def.default : parseValue(def, raw));
    }
    const notes = [...warnings];

    this.nodeId = this.num('node.id');
    if (this.num('broker.id') !== this.nodeId) {
      throw configError(`broker.id (${this.num('broker.id')}) must equal node.id (${this.nodeId}): they name the same node`);
    }
    this.brokerRack = this.optionalString('broker.rack');

    const protocols = parseSecurityProtocolMap(this.string('listener.security.protocol.map'));
    const all = parseListeners('listeners', splitCsv(this.string('listeners')), protocols);
    const controllerNames = new Set(splitCsv(this.optionalString('controller.listener.names')).map((n) => n.toUpperCase()));
    this.listeners = all.filter((l) => !controllerNames.has(l.name));
    for (const skipped of all.filter((l) => controllerNames.has(l.name))) {
      notes.push(`listener ${skipped.name} is a controller listener (controller.listener.names): Brook does not open it`);
    }
    if (this.listeners.length === 0) throw configError('listeners must contain at least one listener that is not a controller listener');
    for (const l of this.listeners) {
      if (l.securityProtocol !== 'PLAINTEXT') notes.push(`listener ${l.name} uses ${l.securityProtocol}, which Brook does not implement yet`);
    }
    this.advertisedListeners = this.resolveAdvertised(all, protocols);
    const first = this.listeners[0] as Listener;
    const advertised = this.advertisedListeners[0] as Listener;
    this.host = first.host;
    this.port = first.port;
    this.advertisedHost = advertised.host;
    this.advertisedPort = advertised.port;

    this.logDirs = (this.optionalList('log.dirs') ?? [this.string('log.dir')]).map((d) => resolve(d));
    const duplicate = this.logDirs.find((d, i) => this.logDirs.indexOf(d) !== i);
    if (duplicate !== undefined) throw configError(`Duplicate log directory found: ${this.logDirs.join(', ')}`);
    this.dataDir = this.logDirs[0] as string;
    const metricsPort = this.get('metrics.port');
    this.metricsPort = typeof metricsPort === 'number' ? metricsPort : null;

    this.numPartitions = this.num('num.partitions');
    this.defaultReplicationFactor = this.num('default.replication.factor');
    if (this.defaultReplicationFactor > 1) {
      notes.push(`default.replication.factor=${this.defaultReplicationFactor} cannot be met by a single node: topics created without a replication factor will be refused`);
    }
    this.autoCreateTopicsEnable = this.bool('auto.create.topics.enable');
    this.deleteTopicEnable = this.bool('delete.topic.enable');
    this.messageMaxBytes = this.num('message.max.bytes');
    this.socketRequestMaxBytes = this.num('socket.request.max.bytes');
    this.socketListenBacklogSize = this.num('socket.listen.backlog.size');
    this.connectionsMaxIdleMs = this.num('connections.max.idle.ms');
    this.maxConnections = this.num('max.connections');
    this.maxConnectionsPerIp = this.num('max.connections.per.ip');
    this.maxConnectionsPerIpOverrides = parsePerIpOverrides(this.string('max.connections.per.ip.overrides'));
    this.queuedMaxRequests = this.num('queued.max.requests');
    this.queuedMaxRequestBytes = this.num('queued.max.request.bytes');
    this.fetchMaxBytes = this.num('fetch.max.bytes');

    this.logRetentionCheckIntervalMs = this.num('log.retention.check.interval.ms');
    this.logFlushSchedulerIntervalMs = this.num('log.flush.scheduler.interval.ms');
    this.logFlushOffsetCheckpointIntervalMs = this.num('log.flush.offset.checkpoint.interval.ms');
    this.logFlushStartOffsetCheckpointIntervalMs = this.num('log.flush.start.offset.checkpoint.interval.ms');
    this.logCleanerEnable = this.bool('log.cleaner.enable');
    this.logCleanerBackoffMs = this.num('log.cleaner.backoff.ms');
    this.logCleanerThreads = this.num('log.cleaner.threads');
    this.logCleanerDedupeBufferSize = this.num('log.cleaner.dedupe.buffer.size');
    this.logCleanerIoBufferSize = this.num('log.cleaner.io.buffer.size');
    this.logCleanerIoBufferLoadFactor = this.num('log.cleaner.io.buffer.load.factor');
    this.logCleanerIoMaxBytesPerSecond = this.num('log.cleaner.io.max.bytes.per.second');
    if (this.logCleanerThreads > 0 && !(this.logCleanerDedupeBufferSize / this.logCleanerThreads > 1024 * 1024)) {
      throw configError('log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread.');
    }
    requireOrdered(this.num('log.cleaner.min.compaction.lag.ms'), this.num('log.cleaner.max.compaction.lag.ms'),
      (min, max) => `conflict topic config setting min.compaction.lag.ms (${min}) > max.compaction.lag.ms (${max})`);

    this.groupCoordinatorRebalanceProtocols = this.list('group.coordinator.rebalance.protocols');
    if (!this.groupCoordinatorRebalanceProtocols.includes('classic')) {
      throw configError('group.coordinator.rebalance.protocols must contain classic');
    }
    this.groupInitialRebalanceDelayMs = this.num('group.initial.rebalance.delay.ms');
    this.groupMinSessionTimeoutMs = this.num('group.min.session.timeout.ms');
    this.groupMaxSessionTimeoutMs = this.num('group.max.session.timeout.ms');
    this.groupMaxSize = this.num('group.max.size');
    this.groupConsumerSessionTimeoutMs = this.num('group.consumer.session.timeout.ms');
    this.groupConsumerMinSessionTimeoutMs = this.num('group.consumer.min.session.timeout.ms');
    this.groupConsumerMaxSessionTimeoutMs = this.num('group.consumer.max.session.timeout.ms');
    this.groupConsumerHeartbeatIntervalMs = this.num('group.consumer.heartbeat.interval.ms');
    this.groupConsumerMinHeartbeatIntervalMs = this.num('group.consumer.min.heartbeat.interval.ms');
    this.groupConsumerMaxHeartbeatIntervalMs = this.num('group.consumer.max.heartbeat.interval.ms');
    this.groupConsumerMaxSize = this.num('group.consumer.max.size');
    this.groupConsumerAssignors = this.list('group.consumer.assignors');
    this.groupConsumerMigrationPolicy = this.string('group.consumer.migration.policy');
    this.checkConsumerGroupBounds();

    this.offsetsTopicNumPartitions = this.num('offsets.topic.num.partitions');
    this.offsetsTopicSegmentBytes = this.num('offsets.topic.segment.bytes');
    this.offsetsTopicCompressionCodec = this.num('offsets.topic.compression.codec');
    this.offsetsRetentionMs = this.num('offsets.retention.minutes') * 60_000;
    this.offsetsRetentionCheckIntervalMs = this.num('offsets.retention.check.interval.ms');
    this.offsetsCommitTimeoutMs = this.num('offsets.commit.timeout.ms');
    this.offsetMetadataMaxBytes = this.num('offset.metadata.max.bytes');

    this.transactionMaxTimeoutMs = this.num('transaction.max.timeout.ms');
    this.transactionalIdExpirationMs = this.num('transactional.id.expiration.ms');
    this.transactionStateLogNumPartitions = this.num('transaction.state.log.num.partitions');
    this.transactionStateLogSegmentBytes = this.num('transaction.state.log.segment.bytes');
    this.transactionAbortTimedOutTransactionCleanupIntervalMs = this.num('transaction.abort.timed.out.transaction.cleanup.interval.ms');
    this.transactionRemoveExpiredTransactionCleanupIntervalMs = this.num('transaction.remove.expired.transaction.cleanup.interval.ms');
    this.producerIdExpirationMs = this.num('producer.id.expiration.ms');
    this.transactionPartitionVerificationEnable = this.bool('transaction.partition.verification.enable');
    this.producerIdExpirationCheckIntervalMs = this.num('producer.id.expiration.check.interval.ms');

    this.warnings = notes;
  }

  /** The effective value of a broker setting; throws for a name Brook does not define. */
  get(name: string): ConfigValue {
    if (!this.values.has(name)) throw new Error(`Unknown broker configuration ${name}`);
    return this.values.get(name) as ConfigValue;
  }

  /** True when the setting was given explicitly rather than defaulted. */
  isSet(name: string): boolean {
    return this.staticConfigs.has(name);
  }

  /**
   * Where clients should connect, once the first listener is bound to `boundPort`: an advertised
   * port of 0 (ephemeral listener, no explicit advertised.listeners) becomes the bound port.
   */
  advertisedAddress(boundPort: number): { host: string; port: number } {
    return { host: this.advertisedHost, port: this.advertisedPort === 0 ? boundPort : this.advertisedPort };
  }

  private resolveAdvertised(all: readonly Listener[], protocols: ReadonlyMap<string, string>): Listener[] {
    const advertised = parseListeners('advertised.listeners', splitCsv(this.optionalString('advertised.listeners')), protocols);
    const names = new Set(all.map((l) => l.name));
    for (const a of advertised) {
      if (!names.has(a.name)) {
        throw configError(`advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found ${advertised.map((l) => l.name).join(',')}. The valid options based on currently configured listeners are ${[...names].join(',')}`);
      }
      if (a.host !== '' && isWildcardHost(a.host)) {
        throw configError(`advertised.listeners cannot use the nonroutable meta-address ${a.host}. Use a routable IP address.`);
      }
    }
    // Like Kafka, an unspecified host is advertised as this machine's name.
    return this.listeners.map((l) => {
      const chosen = advertised.find((a) => a.name === l.name) ?? l;
      return isWildcardHost(chosen.host) ? { ...chosen, host: hostname() } : chosen;
    });
  }

  private checkConsumerGroupBounds(): void {
    const bound = (value: string, min: string, max: string): void => {
      requireOrdered(this.num(min), this.num(max), () => `${max} must be greater than or equal to ${min}`);
      requireOrdered(this.num(min), this.num(value), () => `${value} must be greater than or equal to ${min}`);
      requireOrdered(this.num(value), this.num(max), () => `${value} must be less than or equal to ${max}`);
    };
    bound('group.consumer.session.timeout.ms', 'group.consumer.min.session.timeout.ms', 'group.consumer.max.session.timeout.ms');
    bound('group.consumer.heartbeat.interval.ms', 'group.consumer.min.heartbeat.interval.ms', 'group.consumer.max.heartbeat.interval.ms');
    if (this.groupConsumerHeartbeatIntervalMs >= this.groupConsumerSessionTimeoutMs) {
      throw configError('group.consumer.heartbeat.interval.ms must be less than group.consumer.session.timeout.ms');
    }
  }

  private num(name: string): number {
    const value = this.get(name);
    if (typeof value !== 'number') throw new Error(`${name} is not numeric`);
    return value;
  }

  private bool(name: string): boolean {
    return this.get(name) === true;
  }

  private string(name: string): string {
    return this.optionalString(name) ?? '';
  }

  private optionalString(name: string): string | null {
    const value = this.get(name);
    return typeof value === 'string' ? value : null;
  }

  private list(name: string): readonly string[] {
    return this.optionalList(name) ?? [];
  }

  private optionalList(name: string): readonly string[] | null {
    const value = this.get(name);
    return Array.isArray(value) ? (value as readonly string[]) : null;
  }
}

function requireOrdered(low: number, high: number, message: (low: number, high: number) => string): void {
  if (low > high) throw configError(message(low, high));
}

function parsePerIpOverrides(value: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const entry of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const at = entry.lastIndexOf(':');
    map.set(entry.slice(0, at).trim(), Number(entry.slice(at + 1)));
  }
  return map;
}

/** "Unknown configuration 'x'" with the closest known name, when one is close. */
export function unknownConfigMessage(name: string, where?: string): string {
  const suggestion = closestName(name, [...BROKER_CONFIGS.keys()]);
  return `Unknown configuration '${name}'${where === undefined ? '' : ` in ${where}`}` +
    (suggestion === undefined ? '' : `. Did you mean '${suggestion}'?`);
}

function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(name.length / 5)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
    }
    previous = current;
  }
  return previous[b.length] as number;
}
