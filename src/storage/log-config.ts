/**
 * The per-log settings the storage layer obeys, in Kafka's units (bytes, milliseconds). The
 * cluster layer maps topic configs (`segment.bytes`, `retention.ms`, ...) onto this.
 */
export interface LogConfig {
  /** segment.bytes: roll when the active segment would grow past this. */
  segmentBytes: number;
  /** segment.ms: roll when the active segment's first batch is older than this. */
  segmentMs: number;
  /** index.interval.bytes: bytes of log between two offset/time index entries. */
  indexIntervalBytes: number;
  /** segment.index.bytes: an index this large is full and forces a roll. */
  segmentIndexBytes: number;
  /** flush.messages: fsync after this many unflushed records; Infinity = never by count. */
  flushIntervalMessages: number;
  /** flush.ms: fsync when the oldest unflushed append is this old; Infinity = never by time. */
  flushIntervalMs: number;
  /** retention.ms: -1 = forever. */
  retentionMs: number;
  /** retention.bytes: -1 = unlimited. */
  retentionBytes: number;
  /** cleanup.policy contains "delete" (retention applies); absent = true. */
  delete?: boolean;
  /** file.delete.delay.ms: how long a deleted segment's files wait, renamed `.deleted`; absent = 60000. */
  fileDeleteDelayMs?: number;
  /** cleanup.policy contains "compact" (the log cleaner keeps the latest record per key); absent = false. */
  compact?: boolean;
  /** delete.retention.ms: how long a cleaned tombstone (or transaction marker) stays readable. */
  deleteRetentionMs?: number;
  /** min.compaction.lag.ms: a record stays uncompacted at least this long. */
  minCompactionLagMs?: number;
  /** max.compaction.lag.ms: a record becomes compactable at the latest this long after it was written (Infinity: no limit). */
  maxCompactionLagMs?: number;
  /** min.cleanable.dirty.ratio: the share of uncleaned bytes that makes a log worth cleaning. */
  minCleanableDirtyRatio?: number;
}

/** Kafka 4.x defaults of the compaction settings, for configs that leave them out. */
export const compactionDefaults = Object.freeze({
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Infinity,
  minCleanableDirtyRatio: 0.5,
});

/** Kafka 4.x defaults (flush.messages / flush.ms are Long.MAX_VALUE there: never). */
export const defaultLogConfig: LogConfig = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  indexIntervalBytes: 4096,
  segmentIndexBytes: 10 * 1024 * 1024,
  flushIntervalMessages: Infinity,
  flushIntervalMs: Infinity,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  fileDeleteDelayMs: 60_000,
});
