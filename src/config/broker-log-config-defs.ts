// Broker settings of the log layer (Kafka's ServerLogConfigs, CleanerConfig and the compression
// settings). Most are the broker-wide defaults of a topic setting (see TOPIC_CONFIG_SYNONYMS);
// the first synonym of each topic setting is dynamically updatable cluster-wide in Kafka.

import { atLeast, between, define, LONG_MAX, validator } from './config-def.js';
import type { ConfigDef } from './config-def.js';
import { CLEANUP_POLICIES, COMPRESSION_TYPES, GZIP_LEVEL, LZ4_LEVEL, TIMESTAMP_TYPES, ZSTD_LEVEL } from './topic-config.js';

const nonEmptyList = validator('non-empty list', (value) =>
  Array.isArray(value) && value.length === 0 ? 'Empty list' : undefined,
);

export const BROKER_LOG_CONFIG_DEFS: readonly ConfigDef[] = [
  // Directories. Brook keeps its data in ./data unless told otherwise.
  define({ name: 'log.dir', type: 'string', default: './data', kafkaDefault: '/tmp/kafka-logs', importance: 'high',
    doc: 'Directory where partition data is kept, used when log.dirs is not set.' }),
  define({ name: 'log.dirs', type: 'list', default: null, validator: nonEmptyList, importance: 'high',
    doc: 'Comma-separated directories for partition data; overrides log.dir. New partitions go to the directory holding the fewest; the first also holds the metadata files.' }),

  // Segments and indexes.
  define({ name: 'log.segment.bytes', type: 'int', default: 1073741824, validator: atLeast(1024 * 1024), importance: 'high', updateMode: 'cluster-wide',
    doc: 'Maximum size of a single log segment file.' }),
  define({ name: 'log.roll.ms', type: 'long', default: null, importance: 'high', updateMode: 'cluster-wide',
    doc: 'Maximum time before a new segment is rolled, in milliseconds; when unset log.roll.hours applies.' }),
  define({ name: 'log.roll.hours', type: 'int', default: 168, validator: atLeast(1), importance: 'high',
    doc: 'Maximum time before a new segment is rolled, in hours; secondary to log.roll.ms.' }),
  define({ name: 'log.roll.jitter.ms', type: 'long', default: null, importance: 'high', updateMode: 'cluster-wide',
    doc: 'Maximum jitter subtracted from the roll time, in milliseconds; when unset log.roll.jitter.hours applies.' }),
  define({ name: 'log.roll.jitter.hours', type: 'int', default: 0, validator: atLeast(0), importance: 'high',
    doc: 'Maximum jitter subtracted from the roll time, in hours; secondary to log.roll.jitter.ms.' }),
  define({ name: 'log.index.size.max.bytes', type: 'int', default: 10485760, validator: atLeast(4), updateMode: 'cluster-wide',
    doc: 'Maximum size in bytes of a segment\'s offset index.' }),
  define({ name: 'log.index.interval.bytes', type: 'int', default: 4096, validator: atLeast(0), updateMode: 'cluster-wide',
    doc: 'Bytes of log between two entries of the offset index.' }),
  define({ name: 'log.preallocate', type: 'boolean', default: false, updateMode: 'cluster-wide',
    doc: 'Preallocate segment files when they are created.' }),
  define({ name: 'log.segment.delete.delay.ms', type: 'long', default: 60000, validator: atLeast(0), importance: 'high', updateMode: 'cluster-wide',
    doc: 'Time to wait before deleting a file from the filesystem.' }),

  // Retention.
  define({ name: 'log.retention.ms', type: 'long', default: null, importance: 'high', updateMode: 'cluster-wide',
    doc: 'Time to keep a log segment before deleting it, in milliseconds; when unset log.retention.minutes applies; -1 means no limit.' }),
  define({ name: 'log.retention.minutes', type: 'int', default: null, importance: 'high',
    doc: 'Time to keep a log segment before deleting it, in minutes; secondary to log.retention.ms; when unset log.retention.hours applies.' }),
  define({ name: 'log.retention.hours', type: 'int', default: 168, importance: 'high',
    doc: 'Time to keep a log segment before deleting it, in hours; tertiary to log.retention.ms.' }),
  define({ name: 'log.retention.bytes', type: 'long', default: -1, importance: 'high', updateMode: 'cluster-wide',
    doc: 'Maximum size of a partition\'s log before old segments are deleted; -1 means no limit.' }),
  define({ name: 'log.retention.check.interval.ms', type: 'long', default: 300000, validator: atLeast(1),
    doc: 'How often the broker checks whether any log has segments to delete.' }),
  define({ name: 'log.cleanup.policy', type: 'list', default: ['delete'], validValues: CLEANUP_POLICIES, updateMode: 'cluster-wide',
    doc: 'Default cleanup policy for segments beyond the retention window: delete, compact, or both.' }),
  define({ name: 'log.local.retention.ms', type: 'long', default: -2, validator: atLeast(-2), updateMode: 'cluster-wide', ignored: true,
    doc: 'Local retention time when tiered storage is on; -2 means log.retention.ms. Brook has no tiered storage.' }),
  define({ name: 'log.local.retention.bytes', type: 'long', default: -2, validator: atLeast(-2), updateMode: 'cluster-wide', ignored: true,
    doc: 'Local retention size when tiered storage is on; -2 means log.retention.bytes. Brook has no tiered storage.' }),
  define({ name: 'remote.log.storage.system.enable', type: 'boolean', default: false,
    validator: validator('[false]', (value) => (value === true ? 'Brook has no tiered storage' : undefined)),
    doc: 'Enable tiered storage on the broker. Brook has none, so only false is accepted.' }),

  // Flushing and checkpoints.
  define({ name: 'log.flush.interval.messages', type: 'long', default: LONG_MAX, validator: atLeast(1), importance: 'high', updateMode: 'cluster-wide',
    doc: 'Messages accumulated on a partition before they are forced to disk.' }),
  define({ name: 'log.flush.interval.ms', type: 'long', default: null, importance: 'high', updateMode: 'cluster-wide',
    doc: 'Maximum time a message stays unflushed; when unset log.flush.scheduler.interval.ms applies.' }),
  define({ name: 'log.flush.scheduler.interval.ms', type: 'long', default: LONG_MAX, importance: 'high',
    doc: 'How often the flusher checks whether a log needs flushing.' }),
  define({ name: 'log.flush.offset.checkpoint.interval.ms', type: 'int', default: 60000, validator: atLeast(0), importance: 'high',
    doc: 'How often the recovery point (the last flushed offset) is persisted.' }),
  define({ name: 'log.flush.start.offset.checkpoint.interval.ms', type: 'int', default: 60000, validator: atLeast(0), importance: 'high',
    doc: 'How often the log start offsets are persisted.' }),

  // Record validation.
  define({ name: 'message.max.bytes', type: 'int', default: 1048588, validator: atLeast(0), importance: 'high', updateMode: 'cluster-wide',
    doc: 'Largest record batch size allowed (after compression); the default for max.message.bytes.' }),
  define({ name: 'log.message.timestamp.type', type: 'string', default: 'CreateTime', validValues: TIMESTAMP_TYPES, updateMode: 'cluster-wide',
    doc: 'Whether record timestamps are the create time (CreateTime) or the broker\'s append time (LogAppendTime).' }),
  define({ name: 'log.message.timestamp.before.max.ms', type: 'long', default: LONG_MAX, validator: atLeast(0), updateMode: 'cluster-wide',
    doc: 'How far in the past a CreateTime timestamp may be before the batch is rejected.' }),
  define({ name: 'log.message.timestamp.after.max.ms', type: 'long', default: 3600000, validator: atLeast(0), updateMode: 'cluster-wide',
    doc: 'How far in the future a CreateTime timestamp may be before the batch is rejected.' }),
  define({ name: 'min.insync.replicas', type: 'int', default: 1, validator: atLeast(1), importance: 'high', updateMode: 'cluster-wide',
    doc: 'Minimum in-sync replicas that must acknowledge an acks=all write.' }),
  define({ name: 'unclean.leader.election.enable', type: 'boolean', default: false, importance: 'high', updateMode: 'cluster-wide', ignored: true,
    doc: 'Allow out-of-sync replicas to become leader. Brook has a single replica.' }),

  // Compression.
  define({ name: 'compression.type', type: 'string', default: 'producer', validValues: COMPRESSION_TYPES, importance: 'high', updateMode: 'cluster-wide',
    doc: 'Final compression of topic data: gzip, snappy, lz4, zstd, uncompressed, or producer (keep the producer\'s codec).' }),
  define({ name: 'compression.gzip.level', type: 'int', default: -1, validator: GZIP_LEVEL, updateMode: 'cluster-wide',
    doc: 'Compression level when compression.type is gzip.' }),
  define({ name: 'compression.lz4.level', type: 'int', default: 9, validator: LZ4_LEVEL, updateMode: 'cluster-wide',
    doc: 'Compression level when compression.type is lz4.' }),
  define({ name: 'compression.zstd.level', type: 'int', default: 3, validator: ZSTD_LEVEL, updateMode: 'cluster-wide',
    doc: 'Compression level when compression.type is zstd.' }),

  // The log cleaner (compaction).
  define({ name: 'log.cleaner.enable', type: 'boolean', default: true,
    doc: 'Run the log cleaner, which compacts topics whose cleanup.policy includes compact.' }),
  define({ name: 'log.cleaner.threads', type: 'int', default: 1, validator: atLeast(0), updateMode: 'cluster-wide',
    doc: 'Worker threads cleaning logs in parallel (one log each); 0 cleans nothing.' }),
  define({ name: 'log.cleaner.backoff.ms', type: 'long', default: 15000, validator: atLeast(0), updateMode: 'cluster-wide',
    doc: 'Time to sleep when there is no log to clean.' }),
  define({ name: 'log.cleaner.dedupe.buffer.size', type: 'long', default: 134217728, updateMode: 'cluster-wide',
    doc: 'Memory used for log deduplication across all cleaner threads (24 bytes per key).' }),
  define({ name: 'log.cleaner.io.buffer.size', type: 'int', default: 524288, validator: atLeast(0), updateMode: 'cluster-wide',
    doc: 'Memory used for cleaner I/O buffers.' }),
  define({ name: 'log.cleaner.io.buffer.load.factor', type: 'double', default: 0.9, updateMode: 'cluster-wide',
    doc: 'Load factor of the cleaner\'s deduplication buffer.' }),
  define({ name: 'log.cleaner.io.max.bytes.per.second', type: 'double', default: Number.MAX_VALUE, updateMode: 'cluster-wide',
    doc: 'Throttle on the cleaner\'s combined read and write I/O.' }),
  define({ name: 'log.cleaner.delete.retention.ms', type: 'long', default: 86400000, validator: atLeast(0), updateMode: 'cluster-wide',
    doc: 'How long delete tombstones are kept in compacted topics.' }),
  define({ name: 'log.cleaner.min.compaction.lag.ms', type: 'long', default: 0, validator: atLeast(0), updateMode: 'cluster-wide',
    doc: 'Minimum time a record stays uncompacted.' }),
  define({ name: 'log.cleaner.max.compaction.lag.ms', type: 'long', default: LONG_MAX, validator: atLeast(1), updateMode: 'cluster-wide',
    doc: 'Maximum time a record stays ineligible for compaction.' }),
  define({ name: 'log.cleaner.min.cleanable.ratio', type: 'double', default: 0.5, validator: between(0, 1), updateMode: 'cluster-wide',
    doc: 'Minimum ratio of dirty log to total log before a log is cleaned.' }),
];
