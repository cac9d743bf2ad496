// Kafka 4.x topic-level settings (LogConfig) and their broker-level synonyms. DescribeConfigs on a
// topic returns every one of these, whether Brook acts on it or not, as Kafka does.

import { atLeast, between, define, indexDefs, LONG_MAX, validator } from './config-def.js';
import type { ConfigDef, ConfigValue } from './config-def.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const WEEK_MS = 7 * DAY_MS;

/** Kafka's BrokerCompressionType names, in Kafka's order. */
export const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;
export type CompressionType = (typeof COMPRESSION_TYPES)[number];
export const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'] as const;
export type TimestampType = (typeof TIMESTAMP_TYPES)[number];
export const CLEANUP_POLICIES = ['compact', 'delete'] as const;

export const GZIP_LEVEL = validator('[1,...,9] or -1', (value) =>
  typeof value === 'number' && value !== -1 && (value < 1 || value > 9)
    ? 'Value must be between 1 and 9 or equal to -1'
    : undefined,
);
export const LZ4_LEVEL = between(1, 17);
export const ZSTD_LEVEL = between(-131072, 22);

const throttledReplicas = validator('[partitionId]:[brokerId],[partitionId]:[brokerId],...', (value) => {
  const list = Array.isArray(value) ? (value as readonly string[]) : [];
  if (list.length === 1 && list[0] === '*') return undefined;
  return list.every((entry) => /^\d+:\d+$/.test(entry))
    ? undefined
    : 'must be the literal \'*\' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...';
});

export const TOPIC_CONFIG_DEFS: readonly ConfigDef[] = [
  define({ name: 'cleanup.policy', type: 'list', default: ['delete'], validValues: CLEANUP_POLICIES,
    doc: 'Retention policy for old log segments: "delete" discards segments past the retention time or size limit, "compact" keeps the latest record per key; both may be given.' }),
  define({ name: 'compression.gzip.level', type: 'int', default: -1, validator: GZIP_LEVEL,
    doc: 'Compression level used when compression.type is gzip.' }),
  define({ name: 'compression.lz4.level', type: 'int', default: 9, validator: LZ4_LEVEL,
    doc: 'Compression level used when compression.type is lz4.' }),
  define({ name: 'compression.type', type: 'string', default: 'producer', validValues: COMPRESSION_TYPES,
    doc: 'Final compression of the topic\'s data: a codec (gzip, snappy, lz4, zstd), "uncompressed", or "producer" to keep whatever the producer used.' }),
  define({ name: 'compression.zstd.level', type: 'int', default: 3, validator: ZSTD_LEVEL,
    doc: 'Compression level used when compression.type is zstd.' }),
  define({ name: 'delete.retention.ms', type: 'long', default: DAY_MS, validator: atLeast(0),
    doc: 'How long delete tombstones are kept in a compacted topic; also the time a consumer reading from offset 0 has to see them.' }),
  define({ name: 'file.delete.delay.ms', type: 'long', default: 60000, validator: atLeast(0),
    doc: 'Time to wait before deleting a file from the filesystem.' }),
  define({ name: 'flush.messages', type: 'long', default: LONG_MAX, validator: atLeast(1),
    doc: 'Force an fsync of the log after this many messages; by default flushing is left to the operating system.' }),
  define({ name: 'flush.ms', type: 'long', default: LONG_MAX, validator: atLeast(0),
    doc: 'Force an fsync of the log when this much time has passed since the last one; by default flushing is left to the operating system.' }),
  define({ name: 'follower.replication.throttled.replicas', type: 'list', default: [], validator: throttledReplicas, ignored: true,
    doc: 'Replicas whose replication is throttled on the follower side, as [PartitionId]:[BrokerId],... or "*". Brook has no followers.' }),
  define({ name: 'index.interval.bytes', type: 'int', default: 4096, validator: atLeast(0),
    doc: 'How often, in bytes of log, an entry is added to the offset index.' }),
  define({ name: 'leader.replication.throttled.replicas', type: 'list', default: [], validator: throttledReplicas, ignored: true,
    doc: 'Replicas whose replication is throttled on the leader side, as [PartitionId]:[BrokerId],... or "*". Brook has no followers.' }),
  define({ name: 'local.retention.bytes', type: 'long', default: -2, validator: atLeast(-2), ignored: true,
    doc: 'Maximum local size of a partition before local segments are deleted when tiered storage is on; -2 means retention.bytes.' }),
  define({ name: 'local.retention.ms', type: 'long', default: -2, validator: atLeast(-2), ignored: true,
    doc: 'Time a local segment is kept before deletion when tiered storage is on; -2 means retention.ms.' }),
  define({ name: 'max.compaction.lag.ms', type: 'long', default: LONG_MAX, validator: atLeast(1),
    doc: 'Maximum time a record stays ineligible for compaction in a compacted log.' }),
  define({ name: 'max.message.bytes', type: 'int', default: 1048588, validator: atLeast(0),
    doc: 'Largest record batch size allowed (after compression).' }),
  define({ name: 'message.timestamp.after.max.ms', type: 'long', default: 3600000, validator: atLeast(0),
    doc: 'How far in the future (relative to the broker clock) a CreateTime record timestamp may be before the batch is rejected.' }),
  define({ name: 'message.timestamp.before.max.ms', type: 'long', default: LONG_MAX, validator: atLeast(0),
    doc: 'How far in the past (relative to the broker clock) a CreateTime record timestamp may be before the batch is rejected.' }),
  define({ name: 'message.timestamp.type', type: 'string', default: 'CreateTime', validValues: TIMESTAMP_TYPES,
    doc: 'Whether record timestamps are the producer\'s create time (CreateTime) or the broker\'s append time (LogAppendTime).' }),
  define({ name: 'min.cleanable.dirty.ratio', type: 'double', default: 0.5, validator: between(0, 1),
    doc: 'Minimum ratio of uncompacted to total log before the compactor cleans a log (subject to the compaction lag settings).' }),
  define({ name: 'min.compaction.lag.ms', type: 'long', default: 0, validator: atLeast(0),
    doc: 'Minimum time a record stays uncompacted in a compacted log.' }),
  define({ name: 'min.insync.replicas', type: 'int', default: 1, validator: atLeast(1),
    doc: 'Minimum number of in-sync replicas that must acknowledge an acks=all write.' }),
  define({ name: 'preallocate', type: 'boolean', default: false,
    doc: 'Preallocate the segment file on disk when a new segment is created.' }),
  define({ name: 'remote.log.copy.disable', type: 'boolean', default: false, ignored: true,
    doc: 'Stop copying segments to tiered storage while keeping remote reads. Brook has no tiered storage.' }),
  define({ name: 'remote.log.delete.on.disable', type: 'boolean', default: false, ignored: true,
    doc: 'Delete remote data when tiered storage is turned off for the topic. Brook has no tiered storage.' }),
  define({ name: 'remote.storage.enable', type: 'boolean', default: false,
    doc: 'Enable tiered storage for the topic. Brook has no tiered storage, so only false is accepted.' }),
  define({ name: 'retention.bytes', type: 'long', default: -1,
    doc: 'Maximum size of a partition before old segments are discarded under the delete policy; -1 means no size limit.' }),
  define({ name: 'retention.ms', type: 'long', default: WEEK_MS, validator: atLeast(-1),
    doc: 'Maximum age of a log segment before it is discarded under the delete policy; -1 means no time limit.' }),
  define({ name: 'segment.bytes', type: 'int', default: 1073741824, validator: atLeast(1024 * 1024),
    doc: 'Size of a log segment file; retention and compaction work a whole segment at a time.' }),
  define({ name: 'segment.index.bytes', type: 'int', default: 10485760, validator: atLeast(4),
    doc: 'Size of the preallocated offset index file of a segment.' }),
  define({ name: 'segment.jitter.ms', type: 'long', default: 0, validator: atLeast(0),
    doc: 'Maximum random jitter subtracted from the segment roll time, to avoid rolling many segments at once.' }),
  define({ name: 'segment.ms', type: 'long', default: WEEK_MS, validator: atLeast(1),
    doc: 'Roll a new segment after this time even if the current one is not full, so retention can act.' }),
  define({ name: 'unclean.leader.election.enable', type: 'boolean', default: false, ignored: true,
    doc: 'Allow a replica outside the ISR to become leader as a last resort. Brook has a single replica.' }),
];

export const TOPIC_CONFIGS: ReadonlyMap<string, ConfigDef> = indexDefs(TOPIC_CONFIG_DEFS);

/**
 * Topic setting -> the broker settings that provide its default, highest priority first
 * (Kafka's ServerTopicConfigSynonyms). Settings absent here default to the topic default.
 */
export const TOPIC_CONFIG_SYNONYMS: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['segment.bytes', ['log.segment.bytes']],
  ['segment.ms', ['log.roll.ms', 'log.roll.hours']],
  ['segment.jitter.ms', ['log.roll.jitter.ms', 'log.roll.jitter.hours']],
  ['segment.index.bytes', ['log.index.size.max.bytes']],
  ['flush.messages', ['log.flush.interval.messages']],
  ['flush.ms', ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms']],
  ['retention.bytes', ['log.retention.bytes']],
  ['retention.ms', ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours']],
  ['max.message.bytes', ['message.max.bytes']],
  ['index.interval.bytes', ['log.index.interval.bytes']],
  ['delete.retention.ms', ['log.cleaner.delete.retention.ms']],
  ['min.compaction.lag.ms', ['log.cleaner.min.compaction.lag.ms']],
  ['max.compaction.lag.ms', ['log.cleaner.max.compaction.lag.ms']],
  ['file.delete.delay.ms', ['log.segment.delete.delay.ms']],
  ['min.cleanable.dirty.ratio', ['log.cleaner.min.cleanable.ratio']],
  ['cleanup.policy', ['log.cleanup.policy']],
  ['unclean.leader.election.enable', ['unclean.leader.election.enable']],
  ['min.insync.replicas', ['min.insync.replicas']],
  ['compression.type', ['compression.type']],
  ['compression.gzip.level', ['compression.gzip.level']],
  ['compression.lz4.level', ['compression.lz4.level']],
  ['compression.zstd.level', ['compression.zstd.level']],
  ['preallocate', ['log.preallocate']],
  ['message.timestamp.type', ['log.message.timestamp.type']],
  ['message.timestamp.before.max.ms', ['log.message.timestamp.before.max.ms']],
  ['message.timestamp.after.max.ms', ['log.message.timestamp.after.max.ms']],
  ['local.retention.ms', ['log.local.retention.ms']],
  ['local.retention.bytes', ['log.local.retention.bytes']],
]);

/**
 * The broker settings that share a meaning with `name` (Kafka's
 * DynamicBrokerConfig.brokerConfigSynonyms), highest priority first.
 */
export function brokerSynonyms(name: string): readonly string[] {
  switch (name) {
    case 'log.roll.ms':
    case 'log.roll.hours':
      return ['log.roll.ms', 'log.roll.hours'];
    case 'log.roll.jitter.ms':
    case 'log.roll.jitter.hours':
      return ['log.roll.jitter.ms', 'log.roll.jitter.hours'];
    case 'log.flush.interval.ms':
      return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
    case 'log.retention.ms':
    case 'log.retention.minutes':
    case 'log.retention.hours':
      return ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
    default:
      return [name];
  }
}

const HOUR_MS = 60 * 60 * 1000;

/**
 * The broker-level default of a topic setting, from the effective broker values (Kafka's
 * KafkaConfig.extractLogConfigMap): the ms/minutes/hours fallbacks are resolved here.
 */
export function topicDefaultFromBroker(topicName: string, broker: (name: string) => ConfigValue): ConfigValue {
  const num = (name: string): number | null => {
    const value = broker(name);
    return typeof value === 'number' ? value : null;
  };
  switch (topicName) {
    case 'segment.ms':
      return num('log.roll.ms') ?? (num('log.roll.hours') ?? 0) * HOUR_MS;
    case 'segment.jitter.ms':
      return num('log.roll.jitter.ms') ?? (num('log.roll.jitter.hours') ?? 0) * HOUR_MS;
    case 'flush.ms':
      return num('log.flush.interval.ms') ?? num('log.flush.scheduler.interval.ms');
    case 'retention.ms': {
      const minutes = num('log.retention.minutes');
      const ms = num('log.retention.ms') ?? (minutes !== null ? minutes * 60000 : (num('log.retention.hours') ?? 0) * HOUR_MS);
      return ms < 0 ? -1 : ms;
    }
    default: {
      const synonyms = TOPIC_CONFIG_SYNONYMS.get(topicName);
      if (synonyms !== undefined) return broker(synonyms[0] as string);
      return TOPIC_CONFIGS.get(topicName)?.default ?? null;
    }
  }
}
