import type { Log } from '../storage/log.js';
import { type KafkaStorageError, isKafkaStorageError } from '../storage/storage-error.js';
import { ErrorCode } from '../protocol/errors.js';
import { batchesOf } from '../protocol/records/record-batch.js';
import { validateProduceRecords } from '../protocol/records/produce-validation.js';
import type { AppendWatchable } from './delayed-fetch.js';
import type { TopicSettings } from './topic-settings.js';

export interface AppendResult {
  errorCode: number;
  errorMessage: string | null;
  recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[];
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  /** Set when the flush policy requires the append to be fsynced before acks=1/-1 answer. */
  flushed: Promise<void> | undefined;
}

export interface ReadResult {
  errorCode: number;
  highWatermark: number;
  logStartOffset: number;
  records: Buffer[];
  size: number;
}

/**
 * One partition led by this node: the Log plus the offsets Kafka keeps beside it. With a single
 * replica the high watermark is the log end offset as soon as an append returns, and the last
 * stable offset equals it until transactions exist.
 */
export class Partition implements AppendWatchable {
  readonly appendWatchers = new Set<(bytes: number) => void>();
  readonly leaderEpoch = 0;

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly log: Log,
    private settings: TopicSettings,
  ) {}

  get highWatermark(): number {
    return this.log.logEndOffset;
  }
  get lastStableOffset(): number {
    return this.log.logEndOffset;
  }
  get logStartOffset(): number {
    return this.log.logStartOffset;
  }
  /**
   * Set when the partition's log directory is offline (a failed disk): every request for the
   * partition answers KAFKA_STORAGE_ERROR until the broker restarts.
   */
  get offline(): KafkaStorageError | undefined {
    return this.log.offline;
  }

  updateSettings(settings: TopicSettings): void {
    this.settings = settings;
    this.log.updateConfig(settings);
  }

  /**
   * Validates and appends a produce request's records. Synchronous up to the OS write.
   * `apiVersion` is the Produce version, for the rules that depend on it (zstd needs v7+).
   */
  append(records: Buffer, now: number, apiVersion?: number): AppendResult {
    const offline = this.log.offline;
    if (offline) return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: offline.message, recordErrors: [], baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, flushed: undefined };
    const s = this.settings;
    const v = validateProduceRecords(records, {
      maxMessageBytes: s.maxMessageBytes,
      timestampType: s.timestampType,
      timestampBeforeMaxMs: s.timestampBeforeMaxMs,
      timestampAfterMaxMs: s.timestampAfterMaxMs,
      now,
      apiVersion,
      // Kafka refuses keyless records on compacted topics (checked where records are visible).
      compacted: s.compact,
    });
    if (v.errorCode !== ErrorCode.NONE) {
      return {
        errorCode: v.errorCode,
        errorMessage: v.errorMessage ?? null,
        recordErrors: (v.recordErrors ?? []).map((e) => ({ batchIndex: e.batchIndex, batchIndexErrorMessage: e.message })),
        baseOffset: -1,
        logAppendTimeMs: -1,
        logStartOffset: this.log.logStartOffset,
        flushed: undefined,
      };
    }
    const logAppendTime = s.timestampType === 'LogAppendTime';
    for (const batch of batchesOf(records)) {
      batch.setPartitionLeaderEpoch(this.leaderEpoch);
      if (logAppendTime) batch.setLogAppendTime(now);
    }
    const { firstOffset, flushed } = this.appendTrusted(records);
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      recordErrors: [],
      baseOffset: firstOffset,
      logAppendTimeMs: logAppendTime ? now : -1,
      logStartOffset: this.log.logStartOffset,
      flushed,
    };
  }

  /**
   * Appends batches the broker built itself (internal topics), skipping client validation, and
   * wakes the fetches parked on this partition like any other append.
   */
  appendTrusted(records: Buffer): { firstOffset: number; flushed: Promise<void> | undefined } {
    const { firstOffset, flushed } = this.log.append(records);
    for (const wake of this.appendWatchers) wake(records.length);
    return { firstOffset, flushed };
  }

  /**
   * DeleteRecords: moves the log start offset up to `offset` (-1: the high watermark), as
   * Kafka's Partition.deleteRecordsOnLeader does. A compacted log without the delete policy
   * refuses (POLICY_VIOLATION); an offset at or below the log start changes nothing; one beyond
   * the high watermark is out of range.
   */
  deleteRecordsBefore(offset: number): { errorCode: number; lowWatermark: number } {
    if (this.log.offline) return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, lowWatermark: -1 };
    if (this.settings.compact && !this.settings.delete) return { errorCode: ErrorCode.POLICY_VIOLATION, lowWatermark: -1 };
    const target = offset === -1 ? this.highWatermark : offset;
    if (target < 0 || target > this.highWatermark) return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1 };
    try {
      this.log.deleteRecordsBefore(target);
    } catch (err) {
      if (!isKafkaStorageError(err)) throw err;
      return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, lowWatermark: -1 };
    }
    return { errorCode: ErrorCode.NONE, lowWatermark: this.logStartOffset };
  }

  /** Reads whole batches from `offset`, never beyond the high watermark. */
  read(offset: number, maxBytes: number, minOneBatch: boolean): ReadResult {
    const hw = this.highWatermark;
    let res;
    try {
      res = this.log.read(offset, maxBytes, { maxOffset: hw, minOneBatch });
    } catch (err) {
      // The log's directory is (or just went) offline.
      if (!isKafkaStorageError(err)) throw err;
      return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, highWatermark: -1, logStartOffset: -1, records: [], size: 0 };
    }
    if (!res) {
      return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: hw, logStartOffset: this.logStartOffset, records: [], size: 0 };
    }
    return { errorCode: ErrorCode.NONE, highWatermark: hw, logStartOffset: this.logStartOffset, records: res.batches, size: res.size };
  }
}
