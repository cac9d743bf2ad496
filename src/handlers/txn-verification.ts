// How the transaction coordinator's answer to a KIP-890 verification reaches a client that
// produced (or committed offsets) inside a transaction, as Kafka's ReplicaManager and
// AddPartitionsToTxnManager translate it: a partition not in the transaction is
// TRANSACTION_ABORTABLE for clients that know that code (Produce v11+, TxnOffsetCommit v4+) and
// INVALID_TXN_STATE for older ones; a fenced producer INVALID_PRODUCER_EPOCH; a coordinator that
// cannot answer yet (loading, busy completing the previous transaction) NOT_ENOUGH_REPLICAS, which
// every client retries without refreshing metadata.
import { ErrorCode } from '../protocol/errors.js';

export function verificationError(code: number, knowsTransactionAbortable: boolean): number {
  switch (code) {
    case ErrorCode.PRODUCER_FENCED:
      return ErrorCode.INVALID_PRODUCER_EPOCH;
    case ErrorCode.TRANSACTION_ABORTABLE:
      return knowsTransactionAbortable ? ErrorCode.TRANSACTION_ABORTABLE : ErrorCode.INVALID_TXN_STATE;
    case ErrorCode.CONCURRENT_TRANSACTIONS:
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
      return ErrorCode.NOT_ENOUGH_REPLICAS;
    default:
      return code;
  }
}
