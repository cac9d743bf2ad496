/**
 * The transaction coordinator's state (Kafka's TransactionStateManager): the metadata of every
 * transactional id, kept in memory and made durable in `__transaction_state` (one record per
 * transition, keyed by transactional id, so compaction keeps the latest). At start every record
 * is replayed, in slices that leave the broker free to answer; meanwhile requests get
 * COORDINATOR_LOAD_IN_PROGRESS.
 *
 * A transition is prepared on the metadata (pendingState), appended, and applied once durable:
 * at once when no flush is awaited, which is the common case (records reach the OS
 * synchronously), else when the flush resolves. A failed append drops the pending transition.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue } from './transaction-log-codec.js';
import { TransactionMetadata, type TxnTransit } from './transaction-metadata.js';
import { TxnState, isExpirationAllowed, txnStateFromName } from './transaction-state.js';

/** One keyed record of `__transaction_state`; value null is a tombstone. */
export interface TxnLogRecord {
  key: Buffer;
  value: Buffer | null;
}

export interface TxnLogAppend {
  errorCode: number;
  /** Set when the flush policy wants the record fsynced before it counts as written. */
  flushed: Promise<void> | undefined;
}

/** Where the state lives (TransactionStateTopicLog in production). */
export interface TxnStateLog {
  /** Creates the topic if needed: NONE, or COORDINATOR_NOT_AVAILABLE. */
  ensureCreated(): Promise<number>;
  exists(): boolean;
  partitionFor(transactionalId: string): number;
  isOffline(transactionalId: string): boolean;
  append(transactionalId: string, key: Buffer, value: Buffer | null, now: number): TxnLogAppend;
  readAll(): Iterable<TxnLogRecord>;
}

export interface TxnStateLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ReplayResult {
  records: number;
  transactions: number;
  complete: boolean;
}

/** A lookup: the metadata (undefined: unknown id) or the error to answer. */
export type TxnLookup = { errorCode: 0; metadata: TransactionMetadata | undefined } | { errorCode: number; metadata?: undefined };

/** 10 ms of synchronous work per replay slice, as the group coordinator's replay. */
const SLICE_MS = 10;

export class TransactionStateManager {
  private readonly txns = new Map<string, TransactionMetadata>();
  private loading = false;
  private closed = false;

  constructor(
    readonly log: TxnStateLog,
    private readonly logger: TxnStateLogger,
  ) {}

  isLoading(): boolean {
    return this.loading;
  }

  get size(): number {
    return this.txns.size;
  }

  /** Kafka's getTransactionState: the metadata, or the error for a coordinator that cannot answer. */
  get(transactionalId: string): TxnLookup {
    if (this.loading) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS };
    if (this.log.isOffline(transactionalId)) return { errorCode: ErrorCode.NOT_COORDINATOR };
    return { errorCode: ErrorCode.NONE, metadata: this.txns.get(transactionalId) };
  }

  /** Adds a new id's metadata unless one appeared meanwhile; returns the one in the cache. */
  putIfNotExists(m: TransactionMetadata): TransactionMetadata {
    const existing = this.txns.get(m.transactionalId);
    if (existing) return existing;
    this.txns.set(m.transactionalId, m);
    return m;
  }

  all(): IterableIterator<TransactionMetadata> {
    return this.txns.values();
  }

  /**
   * Writes the pending transition `t` of `m` and applies it once durable. Returns NONE or the
   * error synchronously when nothing is awaited, else a promise of it. On failure the pending
   * transition is dropped (the caller decides about a failed epoch fence).
   */
  appendTransition(m: TransactionMetadata, t: TxnTransit, now: number): number | Promise<number> {
    let appended;
    try {
      appended = this.log.append(m.transactionalId, encodeTxnKey(m.transactionalId), encodeTxnValue(t), now);
    } catch (err) {
      this.logger.error({ err, transactionalId: m.transactionalId }, 'appending to __transaction_state failed');
      appended = { errorCode: ErrorCode.NOT_COORDINATOR, flushed: undefined };
    }
    if (appended.errorCode !== ErrorCode.NONE) {
      m.clearPending();
      return appended.errorCode;
    }
    if (!appended.flushed) return this.complete(m, t);
    return appended.flushed.then(
      () => this.complete(m, t),
      (err: unknown) => {
        this.logger.error({ err, transactionalId: m.transactionalId }, 'fsync of __transaction_state failed');
        m.clearPending();
        return ErrorCode.NOT_COORDINATOR;
      },
    );
  }

  private complete(m: TransactionMetadata, t: TxnTransit): number {
    if (this.txns.get(m.transactionalId) !== m || m.pendingState !== t.state) {
      // Unloaded or replaced meanwhile (close): this coordinator no longer owns it.
      if (m.pendingState === t.state) m.clearPending();
      return ErrorCode.NOT_COORDINATOR;
    }
    m.completeTransitionTo(t);
    return ErrorCode.NONE;
  }

  /**
   * Rebuilds the cache from the log, in slices of about 10 ms that each start on a fresh turn of
   * the event loop. Loading starts synchronously, so a request that arrives before the first
   * slice is already refused. A record that cannot be decoded fails the load (Kafka's too): a
   * transaction must never be guessed.
   */
  async replay(beforeSlice?: () => Promise<void>): Promise<ReplayResult> {
    this.loading = true;
    let count = 0;
    try {
      const nextSlice = async (): Promise<number> => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (beforeSlice) await beforeSlice();
        return performance.now() + SLICE_MS;
      };
      let deadline = await nextSlice();
      for (const r of this.log.readAll()) {
        if (this.closed) break;
        count++;
        this.applyRecord(r);
        if ((count & 0xff) === 0 && performance.now() >= deadline) deadline = await nextSlice();
      }
    } finally {
      this.loading = false;
    }
    return { records: count, transactions: this.txns.size, complete: !this.closed };
  }

  private applyRecord(r: TxnLogRecord): void {
    const id = decodeTxnKey(r.key);
    if (id === null) {
      this.logger.warn({}, 'skipped a __transaction_state record with an unknown key version');
      return;
    }
    if (r.value === null) this.txns.delete(id);
    else this.txns.set(id, TransactionMetadata.fromStored(id, decodeTxnValue(r.value)));
  }

  /** Open transactions past their timeout, not being changed (Kafka's timedOutTransactions). */
  timedOut(now: number): TransactionMetadata[] {
    if (this.loading) return [];
    const out: TransactionMetadata[] = [];
    for (const m of this.txns.values()) {
      if (m.pendingState === null && m.state === TxnState.ONGOING && m.txnStartTimestamp + m.txnTimeoutMs < now) out.push(m);
    }
    return out;
  }

  /**
   * transactional.id.expiration.ms: ids without a transaction whose last update is that old are
   * removed (a tombstone each). Resolves to how many were removed.
   */
  async removeExpired(now: number, expirationMs: number): Promise<number> {
    if (this.loading) return 0;
    const waits: Promise<boolean>[] = [];
    for (const m of [...this.txns.values()]) {
      if (m.pendingState !== null || !isExpirationAllowed(m.state) || m.txnLastUpdateTimestamp > now - expirationMs) continue;
      m.prepareDead();
      const id = m.transactionalId;
      let appended;
      try {
        appended = this.log.append(id, encodeTxnKey(id), null, now);
      } catch (err) {
        this.logger.error({ err, transactionalId: id }, 'writing the tombstone of an expired transactional id failed');
        appended = { errorCode: ErrorCode.NOT_COORDINATOR, flushed: undefined };
      }
      const done = (ok: boolean): boolean => {
        if (ok && this.txns.get(id) === m && m.pendingState === TxnState.DEAD) this.txns.delete(id);
        else m.clearPending();
        return ok;
      };
      if (appended.errorCode !== ErrorCode.NONE) waits.push(Promise.resolve(done(false)));
      else if (!appended.flushed) waits.push(Promise.resolve(done(true)));
      else waits.push(appended.flushed.then(() => done(true), () => done(false)));
    }
    const results = await Promise.all(waits);
    return results.filter(Boolean).length;
  }

  /** ListTransactions' filters (Kafka's listTransactionStates); unknown state names are returned apart. */
  list(filter: { states: readonly string[]; producerIds: readonly number[]; durationMs: number }, now: number): { states: TransactionMetadata[]; unknownStates: string[] } {
    const wanted = new Set<TxnState>();
    const unknownStates: string[] = [];
    for (const name of filter.states) {
      const s = txnStateFromName(name);
      if (s === undefined) unknownStates.push(name);
      else wanted.add(s);
    }
    const pids = new Set(filter.producerIds);
    const states: TransactionMetadata[] = [];
    for (const m of this.txns.values()) {
      if (m.state === TxnState.DEAD) continue;
      if (pids.size > 0 && !pids.has(m.producerId)) continue;
      if (filter.states.length > 0 && !wanted.has(m.state)) continue;
      if (filter.durationMs >= 0 && now - m.txnStartTimestamp <= filter.durationMs) continue;
      states.push(m);
    }
    return { states, unknownStates };
  }

  close(): void {
    this.closed = true;
  }
}
