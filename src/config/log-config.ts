// The typed view of one topic's log settings (Kafka's LogConfig): topic overrides over the broker
// defaults, resolved. Storage and cluster code read this instead of strings. Values keep Kafka's
// units and sentinels except Long.MAX_VALUE, which is Infinity ("never").

import type { ConfigValue } from './config-def.js';
import type { CompressionType, TimestampType } from './topic-config.js';

export interface LogConfig {
  /** Maximum bytes of a segment file. */
  readonly segmentBytes: number;
  /** Roll a segment after this many ms (Infinity: never by time). */
  readonly segmentMs: number;
  readonly segmentJitterMs: number;
  /** Maximum bytes of a segment's offset index (and time index). */
  readonly segmentIndexBytes: number;
  /** Log bytes between two offset index entries. */
  readonly indexIntervalBytes: number;
  /** fsync after this many messages (Infinity: leave it to the OS). */
  readonly flushIntervalMessages: number;
  /** fsync when the oldest unflushed message is this old (Infinity: leave it to the OS). */
  readonly flushIntervalMs: number;
  /** Delete segments older than this (-1: no time limit). */
  readonly retentionMs: number;
  /** Delete old segments while the partition is bigger than this (-1: no size limit). */
  readonly retentionBytes: number;
  /** Largest accepted record batch, after compression. */
  readonly maxMessageBytes: number;
  readonly timestampType: TimestampType;
  /** Reject CreateTime timestamps older than now minus this (Infinity: no limit). */
  readonly timestampBeforeMaxMs: number;
  /** Reject CreateTime timestamps newer than now plus this. */
  readonly timestampAfterMaxMs: number;
  /** Lower-cased policies; may be empty (neither deletion nor compaction). */
  readonly cleanupPolicy: readonly string[];
  readonly compact: boolean;
  readonly delete: boolean;
  readonly compressionType: CompressionType;
  readonly compressionGzipLevel: number;
  readonly compressionLz4Level: number;
  readonly compressionZstdLevel: number;
  readonly deleteRetentionMs: number;
  readonly minCompactionLagMs: number;
  readonly maxCompactionLagMs: number;
  readonly minCleanableDirtyRatio: number;
  readonly fileDeleteDelayMs: number;
  readonly minInsyncReplicas: number;
  readonly preallocate: boolean;
  readonly uncleanLeaderElectionEnable: boolean;
}

/** Builds a LogConfig from a resolver of effective topic setting values. */
export function buildLogConfig(valueOf: (topicConfigName: string) => ConfigValue): LogConfig {
  const num = (name: string): number => {
    const value = valueOf(name);
    if (typeof value !== 'number') throw new Error(`topic config ${name} is not numeric`);
    return value;
  };
  const policy = valueOf('cleanup.policy');
  const cleanupPolicy = (Array.isArray(policy) ? (policy as readonly string[]) : []).map((p) => p.toLowerCase());
  return {
    segmentBytes: num('segment.bytes'),
    segmentMs: num('segment.ms'),
    segmentJitterMs: num('segment.jitter.ms'),
    segmentIndexBytes: num('segment.index.bytes'),
    indexIntervalBytes: num('index.interval.bytes'),
    flushIntervalMessages: num('flush.messages'),
    flushIntervalMs: num('flush.ms'),
    retentionMs: num('retention.ms'),
    retentionBytes: num('retention.bytes'),
    maxMessageBytes: num('max.message.bytes'),
    timestampType: valueOf('message.timestamp.type') as TimestampType,
    timestampBeforeMaxMs: num('message.timestamp.before.max.ms'),
    timestampAfterMaxMs: num('message.timestamp.after.max.ms'),
    cleanupPolicy,
    compact: cleanupPolicy.includes('compact'),
    delete: cleanupPolicy.includes('delete'),
    compressionType: valueOf('compression.type') as CompressionType,
    compressionGzipLevel: num('compression.gzip.level'),
    compressionLz4Level: num('compression.lz4.level'),
    compressionZstdLevel: num('compression.zstd.level'),
    deleteRetentionMs: num('delete.retention.ms'),
    minCompactionLagMs: num('min.compaction.lag.ms'),
    maxCompactionLagMs: num('max.compaction.lag.ms'),
    minCleanableDirtyRatio: num('min.cleanable.dirty.ratio'),
    fileDeleteDelayMs: num('file.delete.delay.ms'),
    minInsyncReplicas: num('min.insync.replicas'),
    preallocate: valueOf('preallocate') === true,
    uncleanLeaderElectionEnable: valueOf('unclean.leader.election.enable') === true,
  };
}
