import type { AbortedTxn, Log } from '../storage/log.js';
import { type KafkaStorageError, isKafkaStorageError } from '../storage/storage-error.js';
import { ErrorCode } from '../protocol/errors.js';
import { RecordBatchHeader, batchesOf } from '../protocol/records/record-batch.js';
import { buildTxnMarkerBatch } from '../protocol/records/control-record.js';
import { validateProduceRecords } from '../protocol/records/produce-validation.js';
import type { AppendWatchable } from './delayed-fetch.js';
import { lastSequenceOf } from './producer-state-entry.js';
import { AppendOrigin, type ProducerBatch, ProducerStateManager } from './producer-state-manager.js';
import { loadProducerState } from './producer-state-loader.js';
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
  /** read_committed only: the aborted transactions overlapping the batches returned. */
  abortedTransactions: AbortedTxn[] | null;
}

/**
 * KIP-890 part 1: asked before a producer's first transactional batch of a transaction on this
 * partition is appended (none is open here yet) whether its transaction coordinator has the
 * partition in an ongoing transaction of this producer and epoch. Returns NONE to let the append
 * proceed, or the error to answer. Synchronous, so nothing can end the transaction in between.
 */
export type TxnVerifier = (producerId: number, producerEpoch: number, baseSequence: number) => number;

/** A COMMIT or ABORT marker for one producer's transaction (WriteTxnMarkers, the coordinator). */
export interface TxnMarker {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  commit: boolean;
}

export interface MarkerResult {
  errorCode: number;
  errorMessage: string | null;
  /** Offset of the marker; -1 when refused. */
  offset: number;
  flushed: Promise<void> | undefined;
}

/** One producer as DescribeProducers and the embedded broker's inspection show it. */
export interface ProducerStateView {
  producerId: number;
  producerEpoch: number;
  /** Sequence of the last record appended in this epoch; -1 when none. */
  lastSequence: number;
  /** Epoch ms of the last batch or marker. */
  lastTimestamp: number;
  coordinatorEpoch: number;
  /** First offset of its open transaction here; -1 when none. */
  currentTxnStartOffset: number;
}

export interface PartitionOptions {
  /** producer.id.expiration.ms (Kafka's default: one day), or a getter of its dynamic value. */
  producerIdExpirationMs?: number | (() => number);
  /** Clock for loading producer state (expiry of snapshot entries). */
  now?: () => number;
}

const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;

/** Kafka's messages for a failed verification (ReplicaManager). */
function verificationMessage(code: number): string | null {
  if (code === ErrorCode.INVALID_TXN_STATE || code === ErrorCode.TRANSACTION_ABORTABLE) return 'Partition was not added to the transaction';
  if (code === ErrorCode.NOT_ENOUGH_REPLICAS) return 'Unable to verify the partition has been added to the transaction';
  return null;
}

/**
 * One partition led by this node: the Log plus the offsets Kafka keeps beside it and the state of
 * its producers (idempotence and transactions). With a single replica the high watermark is the
 * log end offset as soon as an append returns; the last stable offset is the first offset of the
 * earliest open transaction, or the high watermark when none is open.
 *
 * Producer state is checked before and updated after each append, with no await in between;
 * storage snapshots it at every segment roll and clean close, and recovery (loadProducerState)
 * rebuilds it from the newest snapshot plus the log after it.
 */
export class Partition implements AppendWatchable {
  readonly appendWatchers = new Set<(bytes: number) => void>();
  readonly leaderEpoch = 0;
  readonly producers: ProducerStateManager;

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly log: Log,
    private settings: TopicSettings,
    opts: PartitionOptions = {},
  ) {
    this.producers = new ProducerStateManager(`${topic}-${index}`, opts.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS);
    log.setProducerSnapshotSource(() => this.producers.toSnapshot());
    // A log whose directory is offline has nothing to load; every operation on it fails.
    if (!log.offline) loadProducerState(log, this.producers, (opts.now ?? Date.now)());
  }

  get highWatermark(): number {
    return this.log.logEndOffset;
  }
  get lastStableOffset(): number {
    const first = this.producers.firstUndecidedOffset();
    return first < 0 ? this.log.logEndOffset : Math.max(first, this.log.logStartOffset);
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
   * Validates and appends a produce request's records (one batch, as Kafka requires of clients).
   * Synchronous up to the OS write. `apiVersion` is the Produce version, for the rules that depend
   * on it (zstd needs v7+). A batch with a producer id goes through the idempotence checks (see
   * ProducerStateManager.checkDataBatch): a retry of one of the producer's last five batches is
   * answered with the offsets it got the first time and not stored again. `verify` is the
   * transaction coordinator's KIP-890 check (see TxnVerifier); without it transactional batches
   * are not verified.
   */
  append(records: Buffer, now: number, apiVersion?: number, verify?: TxnVerifier): AppendResult {
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
      return this.refused(v.errorCode, v.errorMessage ?? null, (v.recordErrors ?? []).map((e) => ({ batchIndex: e.batchIndex, batchIndexErrorMessage: e.message })));
    }
    // Idempotent and transactional batches only; a plain batch costs this one comparison.
    let producerBatch: ProducerBatch | undefined;
    if (v.producerId >= 0) {
      producerBatch = {
        producerId: v.producerId,
        producerEpoch: v.producerEpoch,
        firstSeq: v.baseSequence,
        lastSeq: lastSequenceOf(v.baseSequence, v.records - 1),
        isTransactional: v.isTransactional,
      };
      const check = this.producers.checkDataBatch(producerBatch, AppendOrigin.CLIENT);
      if ('duplicate' in check) {
        const d = check.duplicate;
        // Kafka answers a retry with the first append's offsets, and its timestamp as logAppendTime.
        // Under a flush policy the original may still await its fsync: the retry is acknowledged
        // no sooner than it would have been.
        if (d) {
          const unflushed = d.lastOffset >= this.log.recoveryPoint && (Number.isFinite(s.flushIntervalMessages) || Number.isFinite(s.flushIntervalMs));
          return { errorCode: ErrorCode.NONE, errorMessage: null, recordErrors: [], baseOffset: d.firstOffset, logAppendTimeMs: d.timestamp, logStartOffset: this.logStartOffset, flushed: unflushed ? this.log.flush() : undefined };
        }
      } else {
        return this.refused(check.errorCode, check.message, []);
      }
      if (v.isTransactional && verify && !this.producers.hasOngoingTransaction(v.producerId)) {
        const code = verify(v.producerId, v.producerEpoch, v.baseSequence);
        if (code !== ErrorCode.NONE) return this.refused(code, verificationMessage(code), []);
      }
    }
    const logAppendTime = s.timestampType === 'LogAppendTime';
    for (const batch of batchesOf(records)) {
      batch.setPartitionLeaderEpoch(this.leaderEpoch);
      if (logAppendTime) batch.setLogAppendTime(now);
    }
    const { firstOffset, lastOffset, flushed } = this.log.append(records);
    if (producerBatch) this.producers.appendDataBatch(producerBatch, firstOffset, lastOffset, logAppendTime ? now : v.maxTimestamp);
    this.wakeFetches(records.length);
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

  private refused(errorCode: number, errorMessage: string | null, recordErrors: AppendResult['recordErrors']): AppendResult {
    return { errorCode, errorMessage, recordErrors, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: this.log.logStartOffset, flushed: undefined };
  }

  private wakeFetches(bytes: number): void {
    for (const wake of this.appendWatchers) wake(bytes);
  }

  /**
   * Appends batches the broker built itself (internal topics), skipping client validation, and
   * wakes the fetches parked on this partition like any other append. Batches with a producer id
   * (transactional offset commits) get Kafka's checks for coordinator appends: the producer epoch
   * and the transaction state, not sequences; a refusal appends nothing.
   */
  appendTrusted(records: Buffer): { errorCode: number; errorMessage: string | null; firstOffset: number; flushed: Promise<void> | undefined } {
    let producerBatches: { batch: ProducerBatch; pos: number }[] | undefined;
    for (const h of batchesOf(records)) {
      if (h.producerId < 0) continue;
      const batch = { producerId: h.producerId, producerEpoch: h.producerEpoch, firstSeq: h.baseSequence, lastSeq: lastSequenceOf(h.baseSequence, h.lastOffsetDelta), isTransactional: h.isTransactional };
      const check = this.producers.checkDataBatch(batch, AppendOrigin.COORDINATOR);
      if (!('duplicate' in check)) return { errorCode: check.errorCode, errorMessage: check.message, firstOffset: -1, flushed: undefined };
      (producerBatches ??= []).push({ batch, pos: h.pos });
    }
    const { firstOffset, flushed } = this.log.append(records);
    for (const { batch, pos } of producerBatches ?? []) {
      const h = new RecordBatchHeader(records, pos);
      this.producers.appendDataBatch(batch, h.baseOffset, h.lastOffset, h.maxTimestamp);
    }
    this.wakeFetches(records.length);
    return { errorCode: ErrorCode.NONE, errorMessage: null, firstOffset, flushed };
  }

  /**
   * Appends a COMMIT or ABORT marker for a producer's transaction, as Kafka's WriteTxnMarkers does
   * on each partition: refused with INVALID_PRODUCER_EPOCH for an epoch below the producer's and
   * TRANSACTION_COORDINATOR_FENCED for a coordinator epoch below the last marker's. The marker
   * ends the producer's open transaction here (if any): the last stable offset moves on, and an
   * aborted transaction is recorded in the `.txnindex` of the marker's segment. A marker for a
   * producer with no open transaction here is written all the same (Kafka does; it is harmless).
   */
  writeTxnMarker(marker: TxnMarker, now: number): MarkerResult {
    const { producerId, producerEpoch, coordinatorEpoch, commit } = marker;
    const offline = this.log.offline;
    if (offline) return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: offline.message, offset: -1, flushed: undefined };
    const check = this.producers.checkMarker(producerId, producerEpoch, coordinatorEpoch);
    if (check.errorCode !== ErrorCode.NONE) return { errorCode: check.errorCode, errorMessage: check.message, offset: -1, flushed: undefined };
    const batch = buildTxnMarkerBatch({ commit, producerId, producerEpoch, coordinatorEpoch, partitionLeaderEpoch: this.leaderEpoch, timestamp: now });
    if (this.settings.timestampType === 'LogAppendTime') new RecordBatchHeader(batch, 0).setLogAppendTime(now);
    try {
      const { firstOffset, flushed } = this.log.append(batch);
      const done = this.producers.appendMarker(producerId, producerEpoch, coordinatorEpoch, commit, firstOffset, now);
      this.wakeFetches(batch.length);
      // A failure here takes the log directory offline (the index is rebuilt at the next start).
      if (done?.aborted) this.log.appendAbortedTxn({ producerId, firstOffset: done.firstOffset, lastOffset: done.lastOffset, lastStableOffset: done.lastStableOffset });
      return { errorCode: ErrorCode.NONE, errorMessage: null, offset: firstOffset, flushed };
    } catch (err) {
      if (!isKafkaStorageError(err)) throw err;
      return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: (err as Error).message, offset: -1, flushed: undefined };
    }
  }

  /** The producers this partition knows (DescribeProducers: Kafka's activeProducerState). */
  activeProducers(): ProducerStateView[] {
    const out: ProducerStateView[] = [];
    for (const e of this.producers.entries()) {
      out.push({
        producerId: e.producerId,
        producerEpoch: e.producerEpoch,
        lastSequence: e.lastSeq,
        lastTimestamp: e.lastTimestamp,
        coordinatorEpoch: e.coordinatorEpoch,
        currentTxnStartOffset: e.currentTxnFirstOffset,
      });
    }
    return out;
  }

  /** Drops producers idle for producer.id.expiration.ms (Kafka's periodic expiry check). */
  removeExpiredProducers(now: number): number {
    return this.producers.removeExpiredProducers(now);
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

  /**
   * Reads whole batches from `offset`, never beyond the high watermark, or with `readCommitted`
   * never beyond the last stable offset, and then also returns the aborted transactions that
   * overlap what was read (a consumer drops their records; Kafka's read_committed fetch).
   */
  read(offset: number, maxBytes: number, minOneBatch: boolean, readCommitted = false): ReadResult {
    const hw = this.highWatermark;
    let res;
    try {
      res = this.log.read(offset, maxBytes, { maxOffset: readCommitted ? this.lastStableOffset : hw, minOneBatch });
    } catch (err) {
      // The log's directory is (or just went) offline.
      if (!isKafkaStorageError(err)) throw err;
      return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, highWatermark: -1, logStartOffset: -1, records: [], size: 0, abortedTransactions: null };
    }
    if (!res) {
      return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: hw, logStartOffset: this.logStartOffset, records: [], size: 0, abortedTransactions: null };
    }
    let abortedTransactions: AbortedTxn[] | null = null;
    if (readCommitted) {
      // The search ends after the last batch read.
      let upperBound = -1;
      for (const h of batchesOf(res.batches[res.batches.length - 1] ?? Buffer.alloc(0))) upperBound = h.lastOffset + 1;
      abortedTransactions = upperBound < 0 ? [] : this.log.collectAbortedTxns(offset, upperBound);
    }
    return { errorCode: ErrorCode.NONE, highWatermark: hw, logStartOffset: this.logStartOffset, records: res.batches, size: res.size, abortedTransactions };
  }
}
