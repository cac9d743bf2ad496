/**
 * The adapter that gives the transaction coordinator its log on top of the cluster's internal
 * topic `__transaction_state` (compacted, uncompressed, as Kafka creates it). Created on first
 * use; each transactional id lives in one partition (Kafka's partitionFor), whose records are
 * appended one batch at a time and replayed at start.
 */
import { buildRecordBatch } from '../protocol/records/records.js';
import { ErrorCode } from '../protocol/errors.js';
import { isKafkaStorageError } from '../storage/storage-error.js';
import type { Cluster, Topic } from '../cluster/cluster.js';
import { offsetsPartitionFor } from './offsets-topic.js';
import { readCoordinatorLog } from './coordinator-log-reader.js';
import type { TxnLogAppend, TxnLogRecord, TxnStateLog } from './transaction/transaction-state-manager.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

export interface TransactionStateTopicOptions {
  readonly partitions: number; // transaction.state.log.num.partitions
  readonly segmentBytes: number; // transaction.state.log.segment.bytes
}

export class TransactionStateTopicLog implements TxnStateLog {
  private creating: Promise<Topic> | undefined;

  constructor(
    private readonly cluster: Cluster,
    private readonly opts: TransactionStateTopicOptions,
  ) {}

  /** The topic, creating it if needed; rejects with `errorCode` when it cannot be created. */
  topic(): Promise<Topic> {
    const existing = this.cluster.topic(TRANSACTION_STATE_TOPIC);
    if (existing) return Promise.resolve(existing);
    this.creating ??= this.cluster
      .createTopic(TRANSACTION_STATE_TOPIC, this.opts.partitions, { 'cleanup.policy': 'compact', 'segment.bytes': String(this.opts.segmentBytes), 'compression.type': 'uncompressed' }, { internal: true })
      .then((r) => {
        const t = r.topic ?? this.cluster.topic(TRANSACTION_STATE_TOPIC);
        if (!t) throw Object.assign(new Error(`cannot create ${TRANSACTION_STATE_TOPIC}: ${r.errorMessage ?? r.errorCode}`), { errorCode: r.errorCode });
        return t;
      })
      .finally(() => {
        this.creating = undefined;
      });
    return this.creating;
  }

  async ensureCreated(): Promise<number> {
    try {
      await this.topic();
      return ErrorCode.NONE;
    } catch (err) {
      const code = (err as { errorCode?: unknown }).errorCode;
      if (typeof code !== 'number') throw err;
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  /** The existing topic's partition count (Kafka never changes it), else the configured one. */
  partitionCount(): number {
    return this.cluster.topic(TRANSACTION_STATE_TOPIC)?.partitions.length ?? this.opts.partitions;
  }

  partitionFor(transactionalId: string): number {
    return offsetsPartitionFor(transactionalId, this.partitionCount());
  }

  exists(): boolean {
    return this.cluster.topic(TRANSACTION_STATE_TOPIC) !== undefined;
  }

  /** Whether the partition holding the id is on an offline log directory. */
  isOffline(transactionalId: string): boolean {
    const t = this.cluster.topic(TRANSACTION_STATE_TOPIC);
    return t?.partitions[this.partitionFor(transactionalId)]?.offline !== undefined;
  }

  /**
   * Appends one record (value null: a tombstone) to the id's partition, synchronously up to the
   * OS write. The error is Kafka's mapping for coordinator appends (a failed disk: NOT_COORDINATOR).
   */
  append(transactionalId: string, key: Buffer, value: Buffer | null, now: number): TxnLogAppend {
    const topic = this.cluster.topic(TRANSACTION_STATE_TOPIC);
    const p = topic?.partitions[this.partitionFor(transactionalId)];
    if (!p) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, flushed: undefined };
    if (p.offline) return { errorCode: ErrorCode.NOT_COORDINATOR, flushed: undefined };
    try {
      const r = p.appendTrusted(buildRecordBatch({ records: [{ key, value }], now }));
      return { errorCode: r.errorCode, flushed: r.flushed };
    } catch (err) {
      if (!isKafkaStorageError(err)) throw err;
      return { errorCode: ErrorCode.NOT_COORDINATOR, flushed: undefined };
    }
  }

  /** Every record of every online partition, each partition's oldest first. */
  *readAll(): Generator<TxnLogRecord> {
    const topic = this.cluster.topic(TRANSACTION_STATE_TOPIC);
    if (!topic) return;
    for (const p of topic.partitions) {
      if (p.offline) continue;
      for (const e of readCoordinatorLog(p)) if (e.kind === 'record') yield { key: e.key, value: e.value };
    }
  }

  /** Bytes on disk, for the replay's log line. */
  size(): number {
    return this.cluster.topic(TRANSACTION_STATE_TOPIC)?.partitions.reduce((n, p) => n + p.log.size, 0) ?? 0;
  }
}
