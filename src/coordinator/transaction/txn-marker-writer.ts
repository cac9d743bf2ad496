/**
 * Completes a transaction once its PrepareCommit or PrepareAbort is durable (Kafka's
 * TransactionMarkerChannelManager, for a broker that leads every partition): writes the COMMIT
 * or ABORT marker to every partition of the transaction, then records CompleteCommit or
 * CompleteAbort in `__transaction_state`.
 *
 * Markers are local appends, so in the common case (no flush policy) everything happens
 * synchronously, before the EndTxn answer leaves: the producer's next transaction never meets
 * CONCURRENT_TRANSACTIONS. A marker that cannot be written yet (a log directory offline, the
 * group coordinator still loading) is retried every `retryBackoffMs` until it is, as Kafka
 * retries; a partition that no longer exists (its topic deleted) is dropped from the transaction,
 * as Kafka drops partitions without a leader. Until the completion is durable the transaction
 * stays pending, so every request for it answers CONCURRENT_TRANSACTIONS; after a crash, the
 * replay finds it in Prepare* and writes the markers again (a second marker is harmless).
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { MarkerResult, TxnMarker } from '../../cluster/partition.js';
import type { TopicPartition } from './topic-partition-set.js';
import type { TransactionMetadata, TxnTransit } from './transaction-metadata.js';
import { TxnState } from './transaction-state.js';
import type { TransactionStateManager, TxnStateLogger } from './transaction-state-manager.js';

/** Writes one marker to one partition, synchronously up to the OS write. */
export interface TxnMarkerSink {
  writeMarker(tp: TopicPartition, marker: TxnMarker, now: number): MarkerResult;
}

/** Brook has one coordinator for every partition of `__transaction_state`, never re-elected. */
export const COORDINATOR_EPOCH = 0;

const DEFAULT_RETRY_BACKOFF_MS = 100;

/** How writing the completion went: durable, failed (retry), or still being flushed. */
type Completion = 'done' | 'retry' | Promise<'done' | 'retry'>;

/** Errors after which a partition will never take this marker: it is left out. */
const GIVE_UP: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.TRANSACTION_COORDINATOR_FENCED,
  ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT,
  ErrorCode.UNSUPPORTED_VERSION,
]);

export class TxnMarkerWriter {
  private closed = false;
  /** Retries waiting for their turn: timer and wake-up. */
  private readonly sleepers = new Map<NodeJS.Timeout, () => void>();
  /** Completions in progress (for close and tests). */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly sink: TxnMarkerSink,
    private readonly state: TransactionStateManager,
    private readonly logger: TxnStateLogger,
    private readonly now: () => number = Date.now,
    private readonly retryBackoffMs = DEFAULT_RETRY_BACKOFF_MS,
  ) {}

  /**
   * Writes the markers of `m` (in PrepareCommit or PrepareAbort, with `completion` its pending
   * Complete* transition) and then the completion. Returns undefined when all of it is done
   * already, else a promise that resolves once it is (or the broker stops).
   */
  complete(m: TransactionMetadata, completion: TxnTransit): Promise<void> | undefined {
    const commit = completion.state === TxnState.COMPLETE_COMMIT;
    const marker: TxnMarker = { producerId: m.producerId, producerEpoch: m.producerEpoch, coordinatorEpoch: COORDINATOR_EPOCH, commit };
    const flushes = this.writeMarkers(m, marker);
    let first: Completion | undefined;
    if (flushes.length === 0 && m.partitions.size === 0) {
      first = this.tryWriteCompletion(m, completion);
      if (first === 'done') return undefined;
    }
    const p = this.finish(m, marker, completion, flushes, first).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
    return p;
  }

  /** Writes the marker to every partition still waiting for it; returns the flushes to await. */
  private writeMarkers(m: TransactionMetadata, marker: TxnMarker): Promise<void>[] {
    const flushes: Promise<void>[] = [];
    for (const tp of [...m.partitions]) {
      let r: MarkerResult;
      try {
        r = this.sink.writeMarker(tp, marker, this.now());
      } catch (err) {
        this.logger.error({ err, topic: tp.topic, partition: tp.partition }, 'writing a transaction marker failed');
        continue;
      }
      if (r.errorCode === ErrorCode.NONE) {
        if (!r.flushed) m.removePartition(tp);
        else flushes.push(r.flushed.then(() => m.removePartition(tp), () => undefined));
      } else if (GIVE_UP.has(r.errorCode)) {
        if (r.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
          this.logger.warn({ transactionalId: m.transactionalId, topic: tp.topic, partition: tp.partition, errorCode: r.errorCode, message: r.errorMessage }, 'a partition refused the transaction marker; it is left out of the transaction');
        }
        m.removePartition(tp);
      }
      // Anything else is retried.
    }
    return flushes;
  }

  private async finish(m: TransactionMetadata, marker: TxnMarker, completion: TxnTransit, flushes: Promise<void>[], first: Completion | undefined): Promise<void> {
    if (first !== undefined) {
      if ((typeof first === 'string' ? first : await first) === 'done') return;
      await this.sleep();
      if (this.closed) return;
    }
    let warned = false;
    for (;;) {
      await Promise.all(flushes);
      if (this.closed) return;
      if (m.partitions.size > 0) {
        if (!warned) {
          warned = true;
          this.logger.warn({ transactionalId: m.transactionalId, partitions: [...m.partitions] }, `transaction markers could not all be written yet; retrying every ${this.retryBackoffMs} ms`);
        }
        await this.sleep();
        if (this.closed) return;
        flushes = this.writeMarkers(m, marker);
        continue;
      }
      const r = this.tryWriteCompletion(m, completion);
      if ((typeof r === 'string' ? r : await r) === 'done') return;
      await this.sleep();
      if (this.closed) return;
    }
  }

  /**
   * Appends the completion; 'done' when it is durable, 'retry' when the write failed (the
   * transition is then prepared again), or the promise of an async write.
   */
  private tryWriteCompletion(m: TransactionMetadata, completion: TxnTransit): Completion {
    if (m.pendingState === null) completion = m.prepareComplete(this.now());
    const r = this.state.appendTransition(m, completion, this.now());
    if (typeof r === 'number') return this.completed(m, r);
    return r.then((code) => this.completed(m, code));
  }

  private completed(m: TransactionMetadata, errorCode: number): 'done' | 'retry' {
    if (errorCode === ErrorCode.NONE) return 'done';
    this.logger.warn({ transactionalId: m.transactionalId, errorCode }, 'recording the completion of a transaction failed; retrying');
    return 'retry';
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.sleepers.delete(t);
        resolve();
      }, this.retryBackoffMs);
      this.sleepers.set(t, resolve);
    });
  }

  /** Resolves once every completion in progress has finished (tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Stops retrying; a restart completes what is left from the log. */
  close(): void {
    this.closed = true;
    for (const [t, wake] of this.sleepers) {
      clearTimeout(t);
      wake();
    }
    this.sleepers.clear();
  }
}
