import { ControlRecordType } from '../protocol/records/control-record.js';
import type { RecordBatchHeader } from '../protocol/records/record-batch.js';

/** An aborted transaction as the `.txnindex` holds it (Kafka's AbortedTxn). */
export interface AbortedTxnInfo {
  producerId: number;
  firstOffset: number;
  /** Offset of the ABORT marker. */
  lastOffset: number;
  lastStableOffset: number;
}

/** What the cleaner must keep of an active producer (Kafka's LastRecord). */
export interface ActiveProducer {
  /** Last offset of the producer's last data batch; -1 when its last entry is a marker. */
  lastDataOffset: number;
  producerEpoch: number;
}

/**
 * Kafka's CleanedTransactionMetadata: the transactions the cleaner is inside of while it walks a
 * log in offset order, to decide which transactional batches and markers may go.
 *
 * - A data batch of an aborted transaction is discarded (it never was visible to read_committed).
 * - An ABORT marker stays while this pass still met batches of its transaction (they go now,
 *   the marker at a later pass); it is then also kept in the cleaned segment's `.txnindex`.
 * - A COMMIT marker may go when the pass met none of its transaction's batches (they all went).
 * - A marker that may go still waits for its delete horizon (see the cleaner), like a tombstone.
 *
 * `aborted` must hold every aborted transaction whose marker lies at or after the walk's first
 * batch, ordered by first offset (from the `.txnindex` files).
 */
export class CleanedTxnState {
  private readonly ongoingCommitted = new Set<number>();
  /** Producer id -> its aborted transaction being walked, and the last batch of it met (-1: none yet). */
  private readonly ongoingAborted = new Map<number, { txn: AbortedTxnInfo; lastBatchOffset: number }>();
  private next = 0;
  /** ABORT markers kept by this walk, for the cleaned segment's transaction index. */
  readonly keptAborted: AbortedTxnInfo[] = [];

  constructor(private readonly aborted: readonly AbortedTxnInfo[]) {}

  /** Forgets the kept markers (a new cleaned segment starts). */
  startSegment(): void {
    this.keptAborted.length = 0;
  }

  /** A data batch: true when it belongs to an aborted transaction (so it may be discarded). */
  onBatch(h: RecordBatchHeader): boolean {
    this.enterAbortedUpTo(h.lastOffset);
    if (!h.isTransactional) return false;
    const aborted = this.ongoingAborted.get(h.producerId);
    if (aborted) {
      aborted.lastBatchOffset = h.lastOffset;
      return true;
    }
    this.ongoingCommitted.add(h.producerId);
    return false;
  }

  /**
   * A control batch whose single record has type `type` (null: the batch is empty, already
   * cleaned): true when the marker may be discarded.
   */
  onControlBatch(h: RecordBatchHeader, type: number | null): boolean {
    this.enterAbortedUpTo(h.lastOffset);
    if (type === null) return true;
    const producerId = h.producerId;
    if (type === ControlRecordType.ABORT) {
      const aborted = this.ongoingAborted.get(producerId);
      this.ongoingAborted.delete(producerId);
      if (aborted && aborted.lastBatchOffset >= 0) {
        this.keptAborted.push(aborted.txn);
        return false;
      }
      return true;
    }
    if (type === ControlRecordType.COMMIT) return !this.ongoingCommitted.delete(producerId);
    return false;
  }

  private enterAbortedUpTo(offset: number): void {
    while (this.next < this.aborted.length && this.aborted[this.next].firstOffset <= offset) {
      const txn = this.aborted[this.next++];
      if (!this.ongoingAborted.has(txn.producerId)) this.ongoingAborted.set(txn.producerId, { txn, lastBatchOffset: -1 });
    }
  }
}
