/**
 * What the transaction coordinator shows of its transactional ids: DescribeTransactions,
 * ListTransactions (Kafka's filters) and the embedded broker's transactions().
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { TopicPartition } from './topic-partition-set.js';
import type { TransactionStateManager } from './transaction-state-manager.js';
import { TxnState, txnStateName } from './transaction-state.js';

export interface DescribedTransaction {
  transactionalId: string;
  errorCode: number;
  state: string;
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  /** -1 when no transaction has started. */
  startTimeMs: number;
  topics: { topic: string; partitions: number[] }[];
}

export interface ListedTransactions {
  errorCode: number;
  unknownStateFilters: string[];
  states: { transactionalId: string; producerId: number; state: string }[];
}

/** A transactional id as the embedded broker's transactions() shows it. */
export interface TransactionInspection {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  state: string;
  /** The state a transition being written leads to; null when none. */
  pendingState: string | null;
  /** The partitions of the open transaction (those still waiting for a marker while it completes). */
  partitions: TopicPartition[];
  /** Epoch ms the open transaction started; -1 when none is open. */
  startTimeMs: number;
  lastUpdateTimeMs: number;
  timeoutMs: number;
}

export function describeTransaction(state: TransactionStateManager, id: string): DescribedTransaction {
  const d: DescribedTransaction = { transactionalId: id, errorCode: ErrorCode.NONE, state: '', producerId: -1, producerEpoch: -1, timeoutMs: -1, startTimeMs: -1, topics: [] };
  if (id === '') return { ...d, errorCode: ErrorCode.INVALID_REQUEST };
  const lookup = state.get(id);
  if (lookup.errorCode !== ErrorCode.NONE) return { ...d, errorCode: lookup.errorCode };
  const m = lookup.metadata;
  if (!m || m.state === TxnState.DEAD) return { ...d, errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
  return { ...d, state: txnStateName(m.state), producerId: m.producerId, producerEpoch: m.producerEpoch, timeoutMs: m.txnTimeoutMs, startTimeMs: m.txnStartTimestamp, topics: m.partitions.topics() };
}

export function listTransactions(state: TransactionStateManager, filter: { states: readonly string[]; producerIds: readonly number[]; durationMs: number }, now: number): ListedTransactions {
  if (state.isLoading()) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, unknownStateFilters: [], states: [] };
  const { states, unknownStates } = state.list(filter, now);
  return {
    errorCode: ErrorCode.NONE,
    unknownStateFilters: unknownStates,
    states: states.map((m) => ({ transactionalId: m.transactionalId, producerId: m.producerId, state: txnStateName(m.state) })),
  };
}

/** The open transactions (every id with `all`, or one id in any state), sorted by transactional id. */
export function inspectTransactions(state: TransactionStateManager, filter: { transactionalId?: string; all?: boolean }): TransactionInspection[] {
  const out: TransactionInspection[] = [];
  for (const m of state.all()) {
    if (filter.transactionalId !== undefined ? m.transactionalId !== filter.transactionalId : !filter.all && !m.hasPendingTransaction) continue;
    out.push({
      transactionalId: m.transactionalId,
      producerId: m.producerId,
      producerEpoch: m.producerEpoch,
      state: txnStateName(m.state),
      pendingState: m.pendingState === null ? null : txnStateName(m.pendingState),
      partitions: [...m.partitions],
      startTimeMs: m.hasPendingTransaction ? m.txnStartTimestamp : -1,
      lastUpdateTimeMs: m.txnLastUpdateTimestamp,
      timeoutMs: m.txnTimeoutMs,
    });
  }
  return out.sort((a, b) => (a.transactionalId < b.transactionalId ? -1 : a.transactionalId > b.transactionalId ? 1 : 0));
}
