/**
 * What the transaction coordinator knows of one transactional id (Kafka's TransactionMetadata):
 * the producer id and epoch it hands out, the open transaction's state and partitions, and the
 * timestamps that drive timeouts and expiry.
 *
 * Every change goes in two steps, as in Kafka: a prepare* method checks the change, marks it
 * pending (pendingState, which makes concurrent requests answer CONCURRENT_TRANSACTIONS) and
 * returns the target (TxnTransit); once the target is durable in `__transaction_state`,
 * completeTransitionTo applies it, or clearPending drops it if the write failed. Replay at start
 * builds metadata straight from the stored values (fromStored).
 */
import { ErrorCode } from '../../protocol/errors.js';
import { type TxnState, TxnState as S, canTransition, hasPendingTransaction, txnStateName } from './transaction-state.js';
import { TopicPartitionSet, type TopicPartition } from './topic-partition-set.js';

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
const SHORT_MAX = 32767;

/**
 * Feature levels of `transaction.version` (Kafka's TransactionVersion) as far as a client's
 * requests carry them: TV_2 (KIP-890 part 2) bumps the epoch at every EndTxn (EndTxn v5+).
 */
export const TransactionVersion = { TV_0: 0, TV_1: 1, TV_2: 2 } as const;
export type TransactionVersion = (typeof TransactionVersion)[keyof typeof TransactionVersion];

export function supportsEpochBump(tv: number): boolean {
  return tv >= TransactionVersion.TV_2;
}

/**
 * Epochs Short.MAX - 1 and up are exhausted: the coordinator must always be able to bump once
 * more, to fence a producer.
 */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= SHORT_MAX - 1;
}

/** The target of a pending transition (Kafka's TxnTransitMetadata); also what is stored. */
export interface TxnTransit {
  readonly producerId: number;
  /** The producer id before this transition. */
  readonly prevProducerId: number;
  /** TV2: the producer id to switch to once the transaction completes (epoch overflow). */
  readonly nextProducerId: number;
  readonly producerEpoch: number;
  readonly lastProducerEpoch: number;
  readonly txnTimeoutMs: number;
  readonly state: TxnState;
  readonly partitions: TopicPartitionSet;
  readonly txnStartTimestamp: number;
  readonly txnLastUpdateTimestamp: number;
  readonly clientTransactionVersion: number;
}

/** A stored TransactionLogValue, decoded. */
export interface StoredTxn {
  producerId: number;
  previousProducerId: number;
  nextProducerId: number;
  producerEpoch: number;
  txnTimeoutMs: number;
  state: TxnState;
  partitions: TopicPartition[];
  txnLastUpdateTimestamp: number;
  txnStartTimestamp: number;
  clientTransactionVersion: number;
}

export class TransactionMetadata {
  /** The state a transition in flight leads to; null when none. */
  pendingState: TxnState | null = null;
  /**
   * An epoch fence whose write failed: the bumped epoch is kept (never handed out) and not bumped
   * again by the next fence.
   */
  hasFailedEpochFence = false;

  constructor(
    readonly transactionalId: string,
    public producerId: number,
    public previousProducerId: number,
    public nextProducerId: number,
    public producerEpoch: number,
    public lastProducerEpoch: number,
    public txnTimeoutMs: number,
    public state: TxnState,
    readonly partitions: TopicPartitionSet,
    /** Epoch ms the open transaction started (first partition added); -1 when none. */
    public txnStartTimestamp: number,
    public txnLastUpdateTimestamp: number,
    public clientTransactionVersion: number,
  ) {}

  /** A new transactional id: its producer id, no epoch yet, Empty. */
  static create(transactionalId: string, producerId: number, txnTimeoutMs: number, now: number): TransactionMetadata {
    return new TransactionMetadata(transactionalId, producerId, NO_PRODUCER_ID, NO_PRODUCER_ID, NO_PRODUCER_EPOCH, NO_PRODUCER_EPOCH, txnTimeoutMs, S.EMPTY, new TopicPartitionSet(), -1, now, TransactionVersion.TV_0);
  }

  /** Metadata as replayed from `__transaction_state` (the last epoch is not stored, as in Kafka). */
  static fromStored(transactionalId: string, v: StoredTxn): TransactionMetadata {
    const partitions = v.state === S.EMPTY ? new TopicPartitionSet() : new TopicPartitionSet(v.partitions);
    return new TransactionMetadata(transactionalId, v.producerId, v.previousProducerId, v.nextProducerId, v.producerEpoch, NO_PRODUCER_EPOCH, v.txnTimeoutMs, v.state, partitions, v.txnStartTimestamp, v.txnLastUpdateTimestamp, v.clientTransactionVersion);
  }

  get pendingTransitionInProgress(): boolean {
    return this.pendingState !== null;
  }

  get isProducerEpochExhausted(): boolean {
    return isEpochExhausted(this.producerEpoch);
  }

  /** Ongoing, or being committed or aborted. */
  get hasPendingTransaction(): boolean {
    return hasPendingTransaction(this.state);
  }

  /** A marker was written to this partition: it no longer waits for one (Prepare* states only). */
  removePartition(tp: TopicPartition): void {
    if (this.state !== S.PREPARE_COMMIT && this.state !== S.PREPARE_ABORT) {
      throw new Error(`transactional id ${this.transactionalId} is ${txnStateName(this.state)}: no markers are being written`);
    }
    this.partitions.delete(tp);
  }

  /** Bumps the epoch to fence the producer of an open transaction, which is then aborted. */
  prepareFenceProducerEpoch(): TxnTransit {
    if (this.producerEpoch === SHORT_MAX) throw new Error(`cannot fence producer ${this.producerId}: its epoch is Short.MAX`);
    const epoch = this.hasFailedEpochFence ? this.producerEpoch : this.producerEpoch + 1;
    return this.prepare({ state: S.PREPARE_EPOCH_FENCE, producerEpoch: epoch, lastProducerEpoch: NO_PRODUCER_EPOCH });
  }

  /**
   * InitProducerId on an id without an open transaction: the next epoch. With `expectedEpoch`
   * (KIP-360, v3+), the producer says which epoch it has: the current one (or none yet) is bumped,
   * the previous one is a retry of a bump that succeeded (answered with the current epoch), and
   * any other is PRODUCER_FENCED (returned as the error code).
   */
  prepareIncrementProducerEpoch(txnTimeoutMs: number, expectedEpoch: number | null, now: number): TxnTransit | number {
    if (this.isProducerEpochExhausted) throw new Error(`no epochs left for producer ${this.producerId}`);
    const bumped = this.producerEpoch + 1;
    let epoch: number;
    let lastEpoch: number;
    if (expectedEpoch === null) {
      epoch = bumped;
      lastEpoch = NO_PRODUCER_EPOCH;
    } else if (this.producerEpoch === NO_PRODUCER_EPOCH || expectedEpoch === this.producerEpoch) {
      epoch = bumped;
      lastEpoch = this.producerEpoch;
    } else if (expectedEpoch === this.lastProducerEpoch) {
      epoch = this.producerEpoch;
      lastEpoch = this.lastProducerEpoch;
    } else {
      return ErrorCode.PRODUCER_FENCED;
    }
    return this.prepare({ state: S.EMPTY, producerEpoch: epoch, lastProducerEpoch: lastEpoch, txnTimeoutMs, partitions: new TopicPartitionSet(), txnStartTimestamp: -1, txnLastUpdateTimestamp: now });
  }

  /** InitProducerId when the epochs of the producer id are exhausted: a new producer id at epoch 0. */
  prepareProducerIdRotation(newProducerId: number, txnTimeoutMs: number, now: number, recordLastEpoch: boolean): TxnTransit {
    if (this.hasPendingTransaction) throw new Error('cannot rotate producer ids while a transaction is pending');
    return this.prepare({
      state: S.EMPTY,
      producerId: newProducerId,
      producerEpoch: 0,
      lastProducerEpoch: recordLastEpoch ? this.producerEpoch : NO_PRODUCER_EPOCH,
      txnTimeoutMs,
      partitions: new TopicPartitionSet(),
      txnStartTimestamp: -1,
      txnLastUpdateTimestamp: now,
    });
  }

  /** AddPartitionsToTxn / AddOffsetsToTxn: Ongoing, with the partitions added; a new transaction starts now. */
  prepareAddPartitions(added: Iterable<TopicPartition>, now: number): TxnTransit {
    const starting = this.state === S.EMPTY || this.state === S.COMPLETE_ABORT || this.state === S.COMPLETE_COMMIT;
    const partitions = this.partitions.copy();
    for (const tp of added) partitions.add(tp);
    return this.prepare({ state: S.ONGOING, partitions, txnStartTimestamp: starting ? now : this.txnStartTimestamp, txnLastUpdateTimestamp: now });
  }

  /** EndTxn: PrepareCommit or PrepareAbort; with TV2 the epoch is bumped here. */
  prepareAbortOrCommit(state: typeof S.PREPARE_COMMIT | typeof S.PREPARE_ABORT, clientTransactionVersion: number, nextProducerId: number, now: number): TxnTransit {
    const bump = supportsEpochBump(clientTransactionVersion);
    return this.prepare({
      state,
      nextProducerId,
      producerEpoch: bump ? this.producerEpoch + 1 : this.producerEpoch,
      lastProducerEpoch: bump ? this.producerEpoch : this.lastProducerEpoch,
      clientTransactionVersion,
    });
  }

  /** Every marker is written: CompleteCommit or CompleteAbort (and TV2's switch to the next producer id). */
  prepareComplete(now: number): TxnTransit {
    const state = this.state === S.PREPARE_COMMIT ? S.COMPLETE_COMMIT : S.COMPLETE_ABORT;
    // The state change was durable: a later fence may bump again.
    this.hasFailedEpochFence = false;
    const rotate = supportsEpochBump(this.clientTransactionVersion) && this.nextProducerId !== NO_PRODUCER_ID;
    return this.prepare({
      state,
      producerId: rotate ? this.nextProducerId : this.producerId,
      producerEpoch: rotate ? 0 : this.producerEpoch,
      lastProducerEpoch: this.producerEpoch,
      partitions: new TopicPartitionSet(),
      txnLastUpdateTimestamp: now,
      clientTransactionVersion: this.clientTransactionVersion,
    });
  }

  /** transactional.id.expiration.ms: the id is being removed (its tombstone written). */
  prepareDead(): TxnTransit {
    return this.prepare({ state: S.DEAD, partitions: new TopicPartitionSet() });
  }

  /**
   * Marks the transition pending and returns its target. Fields not given keep their values,
   * except nextProducerId (none) and clientTransactionVersion (TV_0), as in Kafka.
   */
  private prepare(t: Partial<TxnTransit> & { state: TxnState }): TxnTransit {
    if (this.pendingState !== null) {
      throw new Error(`transactional id ${this.transactionalId}: transition to ${txnStateName(t.state)} while ${txnStateName(this.pendingState)} is pending`);
    }
    const target: TxnTransit = {
      producerId: t.producerId ?? this.producerId,
      prevProducerId: this.producerId,
      nextProducerId: t.nextProducerId ?? NO_PRODUCER_ID,
      producerEpoch: t.producerEpoch ?? this.producerEpoch,
      lastProducerEpoch: t.lastProducerEpoch ?? this.lastProducerEpoch,
      txnTimeoutMs: t.txnTimeoutMs ?? this.txnTimeoutMs,
      state: t.state,
      partitions: t.partitions ?? this.partitions.copy(),
      txnStartTimestamp: t.txnStartTimestamp ?? this.txnStartTimestamp,
      txnLastUpdateTimestamp: t.txnLastUpdateTimestamp ?? this.txnLastUpdateTimestamp,
      clientTransactionVersion: t.clientTransactionVersion ?? TransactionVersion.TV_0,
    };
    if (target.producerId < 0) throw new Error(`illegal producer id ${target.producerId}`);
    if (target.state !== S.DEAD && target.producerEpoch < 0) throw new Error(`illegal producer epoch ${target.producerEpoch}`);
    if (!canTransition(this.state, target.state)) {
      throw new Error(`transactional id ${this.transactionalId}: ${txnStateName(this.state)} cannot become ${txnStateName(target.state)}`);
    }
    this.pendingState = target.state;
    return target;
  }

  /** The write of the pending transition failed: forget it. */
  clearPending(): void {
    this.pendingState = null;
  }

  /** Applies a transition once it is durable (Kafka's completeTransitionTo, with its checks). */
  completeTransitionTo(t: TxnTransit): void {
    if (this.pendingState !== t.state) this.fail(t, 'it is not the pending transition');
    const sameEpoch = t.producerEpoch === this.producerEpoch;
    const validEpoch = sameEpoch || (supportsEpochBump(t.clientTransactionVersion) && t.producerEpoch === this.producerEpoch + 1);
    switch (t.state) {
      case S.EMPTY: {
        const bump = t.producerEpoch === this.producerEpoch + 1 || (t.producerEpoch === 0 && t.producerId !== this.producerId);
        if ((!sameEpoch && !bump) || t.partitions.size > 0 || t.txnStartTimestamp !== -1) this.fail(t, 'unexpected epoch or partitions');
        this.txnTimeoutMs = t.txnTimeoutMs;
        this.producerEpoch = t.producerEpoch;
        this.lastProducerEpoch = t.lastProducerEpoch;
        this.producerId = t.producerId;
        this.previousProducerId = t.prevProducerId;
        break;
      }
      case S.ONGOING:
        if (!sameEpoch || !this.partitions.isSubsetOf(t.partitions) || this.txnTimeoutMs !== t.txnTimeoutMs) this.fail(t, 'unexpected epoch, partitions or timeout');
        this.txnStartTimestamp = t.txnStartTimestamp;
        for (const tp of t.partitions) this.partitions.add(tp);
        break;
      case S.PREPARE_COMMIT:
      case S.PREPARE_ABORT:
        if (!validEpoch || !this.partitions.equals(t.partitions) || this.txnTimeoutMs !== t.txnTimeoutMs || this.txnStartTimestamp !== t.txnStartTimestamp) {
          this.fail(t, 'unexpected epoch, partitions, timeout or start');
        }
        if (supportsEpochBump(t.clientTransactionVersion)) {
          this.producerEpoch = t.producerEpoch;
          this.lastProducerEpoch = t.lastProducerEpoch;
          this.nextProducerId = t.nextProducerId;
        }
        break;
      case S.COMPLETE_COMMIT:
      case S.COMPLETE_ABORT:
        if ((!sameEpoch && !supportsEpochBump(t.clientTransactionVersion)) || this.txnTimeoutMs !== t.txnTimeoutMs || t.txnStartTimestamp === -1) {
          this.fail(t, 'unexpected epoch, timeout or start');
        }
        this.partitions.clear();
        if (supportsEpochBump(t.clientTransactionVersion)) {
          this.producerEpoch = t.producerEpoch;
          this.lastProducerEpoch = t.lastProducerEpoch;
          this.previousProducerId = t.prevProducerId;
          this.producerId = t.producerId;
          this.nextProducerId = t.nextProducerId;
        }
        break;
      default:
        // PrepareEpochFence becomes PrepareAbort before anything is written; Dead ends in removal.
        this.fail(t, 'this state is never completed');
    }
    this.clientTransactionVersion = t.clientTransactionVersion;
    this.txnLastUpdateTimestamp = t.txnLastUpdateTimestamp;
    this.pendingState = null;
    this.state = t.state;
  }

  private fail(t: TxnTransit, why: string): never {
    throw new Error(`transactional id ${this.transactionalId}: cannot complete the transition from ${txnStateName(this.state)} to ${txnStateName(t.state)}: ${why}`);
  }
}
