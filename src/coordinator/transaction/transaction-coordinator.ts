/**
 * TransactionCoordinator: the entry point the handlers use for producer ids and transactions
 * (Kafka's TransactionCoordinator). Its state is in TransactionStateManager (durable in
 * `__transaction_state`); markers go out through TxnMarkerWriter. The rules, error codes and
 * their order follow Kafka 4's coordinator:
 *
 *   - InitProducerId: a new id gets a producer id at epoch 0; an existing one the next epoch,
 *     or a new producer id once epochs run out; an open transaction is first aborted with a
 *     bumped epoch (fencing its producer) and the caller gets CONCURRENT_TRANSACTIONS to retry.
 *     KIP-360: a request naming its producer id and epoch is checked against them.
 *   - AddPartitionsToTxn / AddOffsetsToTxn add partitions (Ongoing); verifyPartition answers the
 *     KIP-890 check of produce and TxnOffsetCommit.
 *   - EndTxn writes PrepareCommit/PrepareAbort, then the markers, then CompleteCommit/Abort.
 *     EndTxn v5 (transaction version 2, KIP-890 part 2) bumps the epoch at every transaction.
 *   - transaction.timeout.ms aborts open transactions whose producer went away (fencing it);
 *     transactional.id.expiration.ms removes idle ids.
 *
 * Node's event loop is the lock: every check and the transition it prepares run without an
 * await in between; the only awaits are for a new producer id (after which everything is checked
 * again) and for durability.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { MarkerResult, TxnMarker } from '../../cluster/partition.js';
import { TopicPartitionSet, type TopicPartition } from './topic-partition-set.js';
import { NO_PRODUCER_ID, TransactionMetadata, TransactionVersion, isEpochExhausted, supportsEpochBump } from './transaction-metadata.js';
import { TransactionStateManager, type TxnStateLog, type TxnStateLogger } from './transaction-state-manager.js';
import { TxnState, txnStateName } from './transaction-state.js';
import { TxnMarkerWriter, type TxnMarkerSink } from './txn-marker-writer.js';
import {
  type DescribedTransaction,
  type ListedTransactions,
  type TransactionInspection,
  describeTransaction,
  inspectTransactions,
  listTransactions,
} from './transaction-inspection.js';

export type { DescribedTransaction, ListedTransactions, TransactionInspection };

export interface InitProducerIdParams {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  /** KIP-360 (v3+): the id and epoch the producer has, when it asks for a bump; else null. */
  expected: { producerId: number; producerEpoch: number } | null;
}

export interface InitProducerIdResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export type EndTxnResult = InitProducerIdResult;

export interface TransactionCoordinatorConfig {
  /** transaction.max.timeout.ms */
  maxTimeoutMs(): number;
  /** transactional.id.expiration.ms */
  transactionalIdExpirationMs(): number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  abortTimedOutIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms */
  removeExpiredIntervalMs: number;
}

export interface TransactionCoordinatorOptions {
  producerIds: { generateProducerId(): Promise<number> };
  log: TxnStateLog;
  markers: TxnMarkerSink;
  config: TransactionCoordinatorConfig;
  logger: TxnStateLogger;
  now?: () => number;
  markerRetryBackoffMs?: number;
}

const failed = (errorCode: number): InitProducerIdResult => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: -1 });

/**
 * The transaction version Brook runs with (its finalized `transaction.version`): the version the
 * coordinator's own aborts (timeouts, fencing) use, as Kafka's use the finalized level.
 */
export const SERVER_TRANSACTION_VERSION = TransactionVersion.TV_1;

/** A step that must first await a new producer id, then run again. */
const NEED_PRODUCER_ID = Symbol('need producer id');

export class TransactionCoordinator {
  readonly state: TransactionStateManager;
  readonly markers: TxnMarkerWriter;
  private readonly now: () => number;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(private readonly opts: TransactionCoordinatorOptions) {
    this.now = opts.now ?? Date.now;
    this.state = new TransactionStateManager(opts.log, opts.logger);
    this.markers = new TxnMarkerWriter(opts.markers, this.state, opts.logger, this.now, opts.markerRetryBackoffMs);
  }

  isLoading(): boolean {
    return this.state.isLoading();
  }

  /**
   * Replays `__transaction_state`, then completes every transaction its coordinator had decided
   * (PrepareCommit or PrepareAbort): markers written again, then Complete*. Open transactions
   * stay open until their producer returns or their timeout aborts them.
   */
  async replay(beforeSlice?: () => Promise<void>): Promise<{ records: number; transactions: number; complete: boolean; completing: number }> {
    const r = await this.state.replay(beforeSlice);
    let completing = 0;
    if (r.complete && !this.closed) {
      for (const m of this.state.all()) {
        if (m.state !== TxnState.PREPARE_COMMIT && m.state !== TxnState.PREPARE_ABORT) continue;
        completing++;
        this.opts.logger.info({ transactionalId: m.transactionalId, state: txnStateName(m.state), partitions: m.partitions.size }, 'completing a transaction decided before the restart');
        void this.markers.complete(m, m.prepareComplete(this.now()));
      }
    }
    return { ...r, completing };
  }

  /** Starts the periodic abort of timed-out transactions and expiry of idle transactional ids. */
  start(): void {
    const { abortTimedOutIntervalMs, removeExpiredIntervalMs } = this.opts.config;
    this.timers.push(setInterval(() => this.abortTimedOutTransactions(), abortTimedOutIntervalMs));
    this.timers.push(setInterval(() => void this.removeExpiredTransactionalIds(), removeExpiredIntervalMs));
    for (const t of this.timers) t.unref();
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.markers.close();
    this.state.close();
  }

  /** Creates `__transaction_state` if needed (FindCoordinator's first lookup): NONE or COORDINATOR_NOT_AVAILABLE. */
  ensureStateTopic(): Promise<number> {
    return this.opts.log.ensureCreated();
  }

  /** Whether the id's `__transaction_state` partition is on an offline log directory (no coordinator). */
  isUnavailable(transactionalId: string): boolean {
    return this.opts.log.isOffline(transactionalId);
  }

  /**
   * Writes one marker where this broker keeps the partition (WriteTxnMarkers from admin tools):
   * `__consumer_offsets` markers go through the group coordinator, which makes the transaction's
   * offsets visible or drops them.
   */
  writeMarker(tp: TopicPartition, marker: TxnMarker, now: number): MarkerResult {
    return this.opts.markers.writeMarker(tp, marker, now);
  }

  private async newProducerId(): Promise<number | undefined> {
    try {
      return await this.opts.producerIds.generateProducerId();
    } catch (err) {
      this.opts.logger.error({ err }, 'allocating a producer id block failed');
      return undefined;
    }
  }

  // ------------------------------------------------------------------ InitProducerId

  /**
   * Kafka's handleInitProducerId. Without a transactional id every request gets a fresh producer
   * id with epoch 0, whatever id and epoch it names (Kafka 4 does exactly that). An empty
   * transactional id is INVALID_REQUEST; a timeout above transaction.max.timeout.ms (or not
   * positive) INVALID_TRANSACTION_TIMEOUT.
   */
  async handleInitProducerId(p: InitProducerIdParams): Promise<InitProducerIdResult> {
    if (p.transactionalId === null) {
      const id = await this.newProducerId();
      return id === undefined ? failed(ErrorCode.COORDINATOR_NOT_AVAILABLE) : { errorCode: ErrorCode.NONE, producerId: id, producerEpoch: 0 };
    }
    if (p.transactionalId === '') return failed(ErrorCode.INVALID_REQUEST);
    if (p.transactionTimeoutMs <= 0 || p.transactionTimeoutMs > this.opts.config.maxTimeoutMs()) return failed(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const created = await this.opts.log.ensureCreated();
    if (created !== ErrorCode.NONE) return failed(created);
    let spare: number | undefined;
    for (;;) {
      const step = this.initProducerIdStep(p.transactionalId, p.transactionTimeoutMs, p.expected, spare);
      if (step !== NEED_PRODUCER_ID) return step;
      spare = await this.newProducerId();
      if (spare === undefined) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  }

  /** One synchronous attempt; NEED_PRODUCER_ID when it needs a new producer id and has none. */
  private initProducerIdStep(id: string, timeoutMs: number, expected: InitProducerIdParams['expected'], spare: number | undefined): Promise<InitProducerIdResult> | InitProducerIdResult | typeof NEED_PRODUCER_ID {
    const now = this.now();
    const lookup = this.state.get(id);
    if (lookup.errorCode !== ErrorCode.NONE) return failed(lookup.errorCode);
    let m = lookup.metadata;
    if (!m) {
      if (spare === undefined) return NEED_PRODUCER_ID;
      m = this.state.putIfNotExists(TransactionMetadata.create(id, spare, timeoutMs, now));
      spare = undefined;
    }
    if (m.pendingTransitionInProgress) return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (expected) {
      // KIP-360: a producer recovering from an error names what it has. It may go on if the
      // metadata was just created, if it names the current producer id (the epoch is checked
      // below), or the previous one with an exhausted epoch (a retry of a rotation).
      const valid = m.producerEpoch === -1 || expected.producerId === m.producerId || (expected.producerId === m.previousProducerId && isEpochExhausted(expected.producerEpoch));
      if (!valid) return failed(ErrorCode.PRODUCER_FENCED);
    }
    switch (m.state) {
      case TxnState.PREPARE_ABORT:
      case TxnState.PREPARE_COMMIT:
        return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
      case TxnState.ONGOING: {
        // Abort the open transaction with a bumped epoch (fencing its producer), and let the
        // caller retry: its retry bumps the epoch again, or rotates the producer id if the
        // fence used up the epochs.
        const fence = m.prepareFenceProducerEpoch();
        const aborted = this.endTransaction(id, fence.producerId, fence.producerEpoch, false, false, SERVER_TRANSACTION_VERSION, undefined);
        if (aborted === NEED_PRODUCER_ID) throw new Error('an epoch fence never needs a new producer id');
        const answer = (r: EndTxnResult): InitProducerIdResult => failed(r.errorCode === ErrorCode.NONE ? ErrorCode.CONCURRENT_TRANSACTIONS : r.errorCode);
        return aborted instanceof Promise ? aborted.then(answer) : answer(aborted);
      }
      case TxnState.EMPTY:
      case TxnState.COMPLETE_ABORT:
      case TxnState.COMPLETE_COMMIT: {
        let t;
        if (m.isProducerEpochExhausted && (!expected || expected.producerEpoch === m.producerEpoch)) {
          if (spare === undefined) return NEED_PRODUCER_ID;
          t = m.prepareProducerIdRotation(spare, timeoutMs, now, expected !== null);
        } else {
          t = m.prepareIncrementProducerEpoch(timeoutMs, expected?.producerEpoch ?? null, now);
          if (typeof t === 'number') return failed(t);
        }
        const transit = t;
        const done = (code: number): InitProducerIdResult => {
          if (code !== ErrorCode.NONE) return failed(code);
          this.opts.logger.info({ transactionalId: id, producerId: transit.producerId, producerEpoch: transit.producerEpoch }, 'initialized transactional id');
          return { errorCode: ErrorCode.NONE, producerId: transit.producerId, producerEpoch: transit.producerEpoch };
        };
        const r = this.state.appendTransition(m, transit, now);
        return typeof r === 'number' ? done(r) : r.then(done);
      }
      default:
        throw new Error(`transactional id ${id} is ${txnStateName(m.state)}, which is never stored`);
    }
  }

  // ------------------------------------------------------------------ AddPartitionsToTxn

  /** Kafka's checks shared by adding and verifying: the metadata, or the error for every partition. */
  private producerTxn(id: string, producerId: number, producerEpoch: number): TransactionMetadata | number {
    if (id === '') return ErrorCode.INVALID_REQUEST;
    const lookup = this.state.get(id);
    if (lookup.errorCode !== ErrorCode.NONE) return lookup.errorCode;
    const m = lookup.metadata;
    if (!m || m.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (m.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    return m;
  }

  /** AddPartitionsToTxn (and AddOffsetsToTxn, with the group's `__consumer_offsets` partition). */
  handleAddPartitions(id: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): number | Promise<number> {
    const m = this.producerTxn(id, producerId, producerEpoch);
    if (typeof m === 'number') return m;
    if (m.pendingTransitionInProgress || m.state === TxnState.PREPARE_COMMIT || m.state === TxnState.PREPARE_ABORT) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (m.state === TxnState.ONGOING && new TopicPartitionSet(partitions).isSubsetOf(m.partitions)) return ErrorCode.NONE;
    const now = this.now();
    return this.state.appendTransition(m, m.prepareAddPartitions(partitions, now), now);
  }

  /**
   * KIP-890 part 1: whether each partition is in the producer's ongoing transaction (NONE) or
   * not (TRANSACTION_ABORTABLE; callers translate it for older clients). Nothing is written.
   */
  verifyPartitions(id: string, producerId: number, producerEpoch: number, partitions: readonly TopicPartition[]): number[] {
    const m = this.producerTxn(id, producerId, producerEpoch);
    if (typeof m === 'number') return partitions.map(() => m);
    if (m.state === TxnState.PREPARE_COMMIT || m.state === TxnState.PREPARE_ABORT) return partitions.map(() => ErrorCode.CONCURRENT_TRANSACTIONS);
    return partitions.map((tp) => (m.partitions.has(tp) ? ErrorCode.NONE : ErrorCode.TRANSACTION_ABORTABLE));
  }

  verifyPartition(id: string, producerId: number, producerEpoch: number, tp: TopicPartition): number {
    return this.verifyPartitions(id, producerId, producerEpoch, [tp])[0];
  }

  // ------------------------------------------------------------------ EndTxn

  /** EndTxn from a client; `clientTransactionVersion` is TV_2 for EndTxn v5+. */
  async handleEndTxn(id: string, producerId: number, producerEpoch: number, commit: boolean, clientTransactionVersion: number): Promise<EndTxnResult> {
    let spare: number | undefined;
    for (;;) {
      const step = this.endTransaction(id, producerId, producerEpoch, commit, true, clientTransactionVersion, spare);
      if (step !== NEED_PRODUCER_ID) return step;
      spare = await this.newProducerId();
      if (spare === undefined) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  }

  /**
   * Kafka's endTransaction, for clients and for the coordinator's own aborts (fencing, timeouts:
   * `fromClient` false, which accepts a higher epoch). Answers once PrepareCommit/PrepareAbort is
   * durable; the markers and the completion follow, at once when nothing is awaited.
   */
  private endTransaction(id: string, producerId: number, producerEpoch: number, commit: boolean, fromClient: boolean, tv: number, spare: number | undefined): EndTxnResult | Promise<EndTxnResult> | typeof NEED_PRODUCER_ID {
    if (id === '') return failed(ErrorCode.INVALID_REQUEST);
    const lookup = this.state.get(id);
    if (lookup.errorCode !== ErrorCode.NONE) return failed(lookup.errorCode);
    const m = lookup.metadata;
    if (!m) return failed(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const fencing = m.pendingState === TxnState.PREPARE_EPOCH_FENCE;
    const v2 = !fencing && supportsEpochBump(m.clientTransactionVersion);
    // TV2: a retry of an EndTxn that bumped the epoch (or rotated the producer id).
    const retryOnEpochBump = v2 && m.producerEpoch === producerEpoch + 1;
    const retryOnOverflow = v2 && m.previousProducerId === producerId && producerEpoch === 32766 && m.producerEpoch === 0;
    let validEpoch: boolean;
    if (v2) {
      if (m.state === TxnState.PREPARE_COMMIT || m.state === TxnState.PREPARE_ABORT) validEpoch = retryOnEpochBump;
      else if (m.state === TxnState.COMPLETE_COMMIT || m.state === TxnState.COMPLETE_ABORT) validEpoch = retryOnEpochBump || retryOnOverflow;
      else validEpoch = producerEpoch === m.producerEpoch;
    } else {
      validEpoch = (!fromClient || producerEpoch === m.producerEpoch) && producerEpoch >= m.producerEpoch;
    }
    const current = { errorCode: ErrorCode.NONE, producerId: m.producerId, producerEpoch: m.producerEpoch };
    // An epoch fence that cannot go on is dropped (it was prepared in this same turn, so this is
    // only a safety net: the fence is never left pending).
    const refuse = (code: number): EndTxnResult => {
      if (fencing) m.clearPending();
      return failed(code);
    };
    if (m.producerId !== producerId && !retryOnOverflow) return refuse(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (!validEpoch) return refuse(ErrorCode.PRODUCER_FENCED);
    if (m.pendingTransitionInProgress && !fencing) return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
    switch (m.state) {
      case TxnState.ONGOING:
        break;
      case TxnState.COMPLETE_COMMIT:
        return commit ? current : refuse(ErrorCode.INVALID_TXN_STATE);
      case TxnState.COMPLETE_ABORT:
        return commit ? refuse(ErrorCode.INVALID_TXN_STATE) : current;
      case TxnState.PREPARE_COMMIT:
        return refuse(commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE);
      case TxnState.PREPARE_ABORT:
        return refuse(commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.CONCURRENT_TRANSACTIONS);
      case TxnState.EMPTY:
        return refuse(ErrorCode.INVALID_TXN_STATE);
      default:
        throw new Error(`transactional id ${id} is ${txnStateName(m.state)}, which is never stored`);
    }
    let nextProducerId = NO_PRODUCER_ID;
    if (supportsEpochBump(tv) && !fencing && m.isProducerEpochExhausted) {
      if (spare === undefined) return NEED_PRODUCER_ID;
      nextProducerId = spare;
    }
    if (fencing) {
      if (commit) throw new Error('an epoch fence always aborts');
      // The fenced epoch takes effect now; if its write fails it is not bumped again.
      m.clearPending();
      m.producerEpoch = producerEpoch;
      m.lastProducerEpoch = -1;
    }
    const now = this.now();
    const prepare = m.prepareAbortOrCommit(commit ? TxnState.PREPARE_COMMIT : TxnState.PREPARE_ABORT, tv, nextProducerId, now);
    const prepared = (code: number): EndTxnResult => {
      if (code !== ErrorCode.NONE) {
        if (fencing) m.hasFailedEpochFence = true;
        return failed(code);
      }
      // The answer names the producer id and epoch the client goes on with (EndTxn v5+).
      const answer = m.nextProducerId !== NO_PRODUCER_ID ? { errorCode: ErrorCode.NONE, producerId: m.nextProducerId, producerEpoch: 0 } : { errorCode: ErrorCode.NONE, producerId: m.producerId, producerEpoch: m.producerEpoch };
      void this.markers.complete(m, m.prepareComplete(this.now()));
      return answer;
    };
    const r = this.state.appendTransition(m, prepare, now);
    return typeof r === 'number' ? prepared(r) : r.then(prepared);
  }

  // ------------------------------------------------------------------ timeouts and expiry

  /**
   * transaction.timeout.ms: aborts every open transaction older than its timeout, with a bumped
   * epoch so that its producer, if it is still there, is fenced (Kafka's abortTimedOutTransactions).
   */
  abortTimedOutTransactions(): number {
    if (this.closed) return 0;
    let aborted = 0;
    for (const m of this.state.timedOut(this.now())) {
      const fence = m.prepareFenceProducerEpoch();
      aborted++;
      this.opts.logger.info({ transactionalId: m.transactionalId, producerId: m.producerId, timeoutMs: m.txnTimeoutMs }, 'aborting a transaction that timed out');
      const r = this.endTransaction(m.transactionalId, fence.producerId, fence.producerEpoch, false, false, SERVER_TRANSACTION_VERSION, undefined);
      if (r === NEED_PRODUCER_ID) throw new Error('an epoch fence never needs a new producer id');
      void Promise.resolve(r).then((res) => {
        if (res.errorCode !== ErrorCode.NONE) this.opts.logger.warn({ transactionalId: m.transactionalId, errorCode: res.errorCode }, 'aborting a timed-out transaction failed; the next check retries');
      });
    }
    return aborted;
  }

  /** transactional.id.expiration.ms: removes ids idle that long (no open transaction). */
  removeExpiredTransactionalIds(): Promise<number> {
    if (this.closed) return Promise.resolve(0);
    return this.state.removeExpired(this.now(), this.opts.config.transactionalIdExpirationMs());
  }

  // ------------------------------------------------------------------ admin and inspection

  describe(id: string): DescribedTransaction {
    return describeTransaction(this.state, id);
  }

  list(filter: { states: readonly string[]; producerIds: readonly number[]; durationMs: number }): ListedTransactions {
    return listTransactions(this.state, filter, this.now());
  }

  /** The open transactions (all ids with `all`, or one id in any state), sorted by transactional id. */
  inspect(filter: { transactionalId?: string; all?: boolean } = {}): TransactionInspection[] {
    return inspectTransactions(this.state, filter);
  }
}
