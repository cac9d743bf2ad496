/**
 * State and services shared by the parts of the group coordinator (Kafka's GroupMetadataManager
 * is one class; Brook splits it into ClassicGroupManager, ConsumerGroupManager and the offsets
 * code of GroupCoordinator, which all work on this context).
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { ClassicGroup } from './classic-group.js';
import type { ConsumerGroup } from './consumer-group.js';
import type { GroupCoordinatorConfig } from './group-coordinator-config.js';
import type { GroupLog, GroupLogger, TopicMetadataView, TxnProducer } from './group-types.js';
import { OffsetStore } from './offset-store.js';
import { encodeGroupRecord, type GroupRecord } from './records-codec.js';
import type { Scheduler } from './scheduler.js';

export type Group = ClassicGroup | ConsumerGroup;

/** Applies a record to the in-memory state (the same code path as replay at startup). */
export type RecordReplayer = (record: GroupRecord) => void;

/** Maps an append failure to the error a client sees (Kafka's normalizeException). */
export function appendErrorCode(err: unknown): ErrorCode {
  const code = typeof err === 'object' && err !== null && 'errorCode' in err ? (err as { errorCode: unknown }).errorCode : undefined;
  switch (code) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      // A failing disk or an unknown failure: let the client find the coordinator again.
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
}

export class GroupContext {
  readonly groups = new Map<string, Group>();
  readonly offsets = new OffsetStore();
  /** Latest append per group: appends are ordered, so waiting for it covers all earlier ones. */
  private readonly lastWrite = new Map<string, Promise<ErrorCode>>();
  replayer: RecordReplayer = () => {};

  constructor(
    readonly config: GroupCoordinatorConfig,
    readonly scheduler: Scheduler,
    readonly topics: TopicMetadataView,
    readonly logger: GroupLogger,
    private readonly log: GroupLog,
  ) {}

  /**
   * Appends the records of one group. With `replay`, they are applied to the in-memory state
   * first, synchronously (the caller must not have awaited since reading the state). Resolves to
   * NONE once durable, or to the error to answer; never rejects.
   */
  write(groupId: string, records: GroupRecord[], replay: boolean): Promise<ErrorCode> {
    if (records.length === 0) return this.flushed(groupId);
    if (replay) for (const r of records) this.replayer(r);
    let appended: Promise<void>;
    try {
      appended = this.log.append(records.map(encodeGroupRecord), groupId);
    } catch (err) {
      appended = Promise.reject(err);
    }
    const done = appended.then(
      () => ErrorCode.NONE as ErrorCode,
      (err: unknown) => {
        this.logger.error(`group ${groupId}: append of ${records.length} records failed: ${String(err)}`);
        return appendErrorCode(err);
      },
    );
    this.lastWrite.set(groupId, done);
    void done.then(() => {
      if (this.lastWrite.get(groupId) === done) this.lastWrite.delete(groupId);
    });
    return done;
  }

  /**
   * Appends transactional offset commits of `producer` (applied first, synchronously, as with
   * `replay`). Resolves to NONE once durable, or to the error to answer: the partition's refusal
   * of the producer (INVALID_PRODUCER_EPOCH) as it is, a failed write mapped as for `write`.
   */
  writeTransactional(groupId: string, records: GroupRecord[], producer: TxnProducer): Promise<ErrorCode> {
    for (const r of records) this.replayer(r);
    let appended: Promise<ErrorCode>;
    try {
      appended = this.log.appendTransactional(records.map(encodeGroupRecord), groupId, producer);
    } catch (err) {
      appended = Promise.reject(err);
    }
    const done = appended.catch((err: unknown) => {
      this.logger.error(`group ${groupId}: append of ${records.length} transactional records failed: ${String(err)}`);
      return appendErrorCode(err);
    });
    // A refused producer wrote nothing: later requests of the group do not wait on that.
    const written = appended.then(
      () => ErrorCode.NONE as ErrorCode,
      () => done,
    );
    this.lastWrite.set(groupId, written);
    void written.then(() => {
      if (this.lastWrite.get(groupId) === written) this.lastWrite.delete(groupId);
    });
    return done;
  }

  /** The `__consumer_offsets` partition of the group. */
  partitionFor(groupId: string): number {
    return this.log.partitionFor(groupId);
  }

  /** Writes a transaction marker to a partition of the log (see GroupLog.writeMarker). */
  writeMarker(...args: Parameters<GroupLog['writeMarker']>): ReturnType<GroupLog['writeMarker']> {
    return this.log.writeMarker(...args);
  }

  /** Resolves once everything appended so far for the group is durable (NONE or the error). */
  flushed(groupId: string): Promise<ErrorCode> {
    return this.lastWrite.get(groupId) ?? Promise.resolve(ErrorCode.NONE);
  }

  /** Whether any append is still in flight (tests, shutdown). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.lastWrite.values()]);
  }
}

/** Timer keys; JSON keeps ids with any characters unambiguous. */
export const timerKey = {
  classicJoin: (groupId: string) => `classic-join:${JSON.stringify(groupId)}`,
  classicSync: (groupId: string) => `classic-sync:${JSON.stringify(groupId)}`,
  classicHeartbeat: (groupId: string, memberId: string) => `classic-hb:${JSON.stringify([groupId, memberId])}`,
  consumerSession: (groupId: string, memberId: string) => `consumer-session:${JSON.stringify([groupId, memberId])}`,
  consumerRebalance: (groupId: string, memberId: string) => `consumer-rebalance:${JSON.stringify([groupId, memberId])}`,
  consumerRegexRefresh: (groupId: string) => `consumer-regex:${JSON.stringify(groupId)}`,
  offsetsExpiration: 'offsets-expiration',
};
