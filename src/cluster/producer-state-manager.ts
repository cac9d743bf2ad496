import { ErrorCode } from '../protocol/errors.js';
import { type BatchMetadata, ProducerStateEntry, inSequence } from './producer-state-entry.js';
import { decodeProducerSnapshot, encodeProducerSnapshot } from './producer-snapshot-codec.js';

/**
 * Who is appending, which decides how much is checked (Kafka's AppendOrigin): batches from
 * clients get the full epoch, sequence and transaction checks; batches the broker writes for a
 * coordinator (transactional offset commits, markers) only the epoch checks; batches replayed
 * from the log at recovery none, since they were checked when first written.
 */
export const AppendOrigin = { CLIENT: 0, COORDINATOR: 1, REPLAY: 2 } as const;
export type AppendOrigin = (typeof AppendOrigin)[keyof typeof AppendOrigin];

/** The idempotence fields of one data batch, from its header. */
export interface ProducerBatch {
  producerId: number;
  producerEpoch: number;
  firstSeq: number;
  /** Sequence of its last record (wrapping; see lastSequenceOf). */
  lastSeq: number;
  isTransactional: boolean;
}

/** The outcome of checking a batch: accepted, a retry of an appended batch, or refused. */
export type BatchCheck =
  | { readonly errorCode: 0; readonly duplicate: BatchMetadata | null }
  | { readonly errorCode: number; readonly message: string };

const ACCEPTED: BatchCheck = { errorCode: 0, duplicate: null };

/** A transaction on this partition that a marker just ended. */
export interface CompletedTxn {
  producerId: number;
  firstOffset: number;
  /** Offset of the marker. */
  lastOffset: number;
  aborted: boolean;
  /** The last stable offset once this transaction is complete (what `.txnindex` records). */
  lastStableOffset: number;
}

/**
 * Kafka's ProducerStateManager for one partition: per producer id the state that makes appends
 * idempotent and transactions visible as units, and the set of open transactions, from which the
 * last stable offset follows. Pure state: the partition calls check* before appending, append*
 * after, and persists it through snapshots (toSnapshot/loadSnapshot) that storage keeps beside
 * the segments. Nothing here awaits, so checks and updates of one append never interleave with
 * another's.
 */
export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerStateEntry>();
  /**
   * Open transactions: first offset -> producer id. Transactions begin at increasing offsets, so
   * insertion order is offset order (loadSnapshot sorts before inserting).
   */
  private readonly ongoing = new Map<number, number>();

  private readonly expirationMs: () => number;

  constructor(
    private readonly name: string,
    /** producer.id.expiration.ms, or a getter of its current (dynamic) value. */
    producerIdExpirationMs: number | (() => number),
  ) {
    this.expirationMs = typeof producerIdExpirationMs === 'number' ? () => producerIdExpirationMs : producerIdExpirationMs;
  }

  get producerCount(): number {
    return this.producers.size;
  }

  entry(producerId: number): ProducerStateEntry | undefined {
    return this.producers.get(producerId);
  }

  /** Every producer known to the partition (DescribeProducers, inspection). */
  entries(): IterableIterator<ProducerStateEntry> {
    return this.producers.values();
  }

  hasOngoingTransaction(producerId: number): boolean {
    const e = this.producers.get(producerId);
    return e !== undefined && e.currentTxnFirstOffset >= 0;
  }

  /** First offset of the earliest open transaction; -1 when none. */
  firstUndecidedOffset(): number {
    for (const first of this.ongoing.keys()) return first;
    return -1;
  }

  /**
   * Kafka's duplicate check and ProducerAppendInfo validation of one data batch, without changing
   * anything. Rules (Kafka 4): a batch with the sequence range of one of the last five in the same
   * epoch is a duplicate; an epoch below the known one is INVALID_PRODUCER_EPOCH, transactional
   * or not (since Kafka 2.7, KIP-588, PRODUCER_FENCED comes only from the coordinator); a new epoch must
   * start at sequence 0, the same epoch must continue the last sequence (OUT_OF_ORDER_SEQUENCE_NUMBER
   * otherwise), and a producer the partition does not know may start anywhere (Kafka no longer
   * answers UNKNOWN_PRODUCER_ID since KIP-360); a non-transactional batch while the producer has
   * an open transaction is INVALID_TXN_STATE.
   */
  checkDataBatch(b: ProducerBatch, origin: AppendOrigin): BatchCheck {
    if (origin === AppendOrigin.REPLAY) return ACCEPTED;
    const entry = this.producers.get(b.producerId);
    const currentEpoch = entry ? entry.producerEpoch : -1;
    if (origin === AppendOrigin.CLIENT && entry) {
      const duplicate = entry.findDuplicate(b.producerEpoch, b.firstSeq, b.lastSeq);
      if (duplicate) return { errorCode: 0, duplicate };
    }
    if (b.producerEpoch < currentEpoch) {
      return {
        errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
        message: `Epoch of producer ${b.producerId} in ${this.name} is ${b.producerEpoch}, which is smaller than the last seen epoch ${currentEpoch}`,
      };
    }
    if (origin === AppendOrigin.CLIENT) {
      if (b.producerEpoch !== currentEpoch) {
        if (b.firstSeq !== 0 && currentEpoch !== -1) {
          return {
            errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
            message: `Invalid sequence number for new epoch of producer ${b.producerId} in ${this.name}: ${b.producerEpoch} (request epoch), ${b.firstSeq} (seq. number), ${currentEpoch} (current producer epoch)`,
          };
        }
      } else if (currentEpoch !== -1) {
        const lastSeq = entry ? entry.lastSeq : -1;
        if (!inSequence(lastSeq, b.firstSeq)) {
          return {
            errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
            message: `Out of order sequence number for producer ${b.producerId} in ${this.name}: ${b.firstSeq} (incoming seq. number), ${lastSeq} (current end sequence number)`,
          };
        }
      }
    }
    if (entry && entry.currentTxnFirstOffset >= 0 && !b.isTransactional) {
      return {
        errorCode: ErrorCode.INVALID_TXN_STATE,
        message: `Expected transactional write from producer ${b.producerId} in ${this.name}`,
      };
    }
    return ACCEPTED;
  }

  /** Records a data batch appended at [firstOffset, lastOffset]; a transactional one may open a transaction. */
  appendDataBatch(b: ProducerBatch, firstOffset: number, lastOffset: number, timestamp: number): void {
    let entry = this.producers.get(b.producerId);
    if (!entry) {
      entry = new ProducerStateEntry(b.producerId);
      this.producers.set(b.producerId, entry);
    }
    entry.addBatch(b.producerEpoch, { firstSeq: b.firstSeq, lastSeq: b.lastSeq, firstOffset, lastOffset, timestamp });
    if (b.isTransactional && entry.currentTxnFirstOffset < 0) {
      entry.currentTxnFirstOffset = firstOffset;
      this.ongoing.set(firstOffset, b.producerId);
    }
  }

  /**
   * Kafka's checks of a COMMIT/ABORT marker: an epoch below the producer's is
   * INVALID_PRODUCER_EPOCH, a coordinator epoch below the last marker's is
   * TRANSACTION_COORDINATOR_FENCED (a zombie coordinator).
   */
  checkMarker(producerId: number, producerEpoch: number, coordinatorEpoch: number): { errorCode: number; message: string | null } {
    const entry = this.producers.get(producerId);
    if (!entry) return { errorCode: ErrorCode.NONE, message: null };
    if (producerEpoch < entry.producerEpoch) {
      return {
        errorCode: ErrorCode.INVALID_PRODUCER_EPOCH,
        message: `Marker epoch ${producerEpoch} of producer ${producerId} in ${this.name} is smaller than the last seen epoch ${entry.producerEpoch}`,
      };
    }
    if (coordinatorEpoch < entry.coordinatorEpoch) {
      return {
        errorCode: ErrorCode.TRANSACTION_COORDINATOR_FENCED,
        message: `Invalid coordinator epoch for producer ${producerId} in ${this.name}: ${coordinatorEpoch} (zombie), ${entry.coordinatorEpoch} (current)`,
      };
    }
    return { errorCode: ErrorCode.NONE, message: null };
  }

  /**
   * Records a marker appended at `offset`: the producer's open transaction (if any) ends and is
   * returned, with the last stable offset to record for it if it was aborted (computed before it
   * leaves the open set, as Kafka does).
   */
  appendMarker(producerId: number, producerEpoch: number, coordinatorEpoch: number, commit: boolean, offset: number, timestamp: number): CompletedTxn | null {
    let entry = this.producers.get(producerId);
    if (!entry) {
      entry = new ProducerStateEntry(producerId);
      this.producers.set(producerId, entry);
    }
    let completed: CompletedTxn | null = null;
    const first = entry.currentTxnFirstOffset;
    if (first >= 0) {
      completed = { producerId, firstOffset: first, lastOffset: offset, aborted: !commit, lastStableOffset: offset + 1 };
      for (const [txnFirst, pid] of this.ongoing) {
        if (pid !== producerId) {
          completed.lastStableOffset = txnFirst;
          break;
        }
      }
      this.ongoing.delete(first);
    }
    entry.setEpoch(producerEpoch);
    entry.coordinatorEpoch = coordinatorEpoch;
    entry.currentTxnFirstOffset = -1;
    entry.lastTimestamp = timestamp;
    return completed;
  }

  private isExpired(entry: ProducerStateEntry, now: number, expirationMs = this.expirationMs()): boolean {
    return entry.currentTxnFirstOffset < 0 && now - entry.lastTimestamp >= expirationMs;
  }

  /** Forgets producers idle for producer.id.expiration.ms (never one with an open transaction). */
  removeExpiredProducers(now: number): number {
    let removed = 0;
    const expirationMs = this.expirationMs();
    for (const [pid, entry] of this.producers) {
      if (this.isExpired(entry, now, expirationMs)) {
        this.producers.delete(pid);
        removed++;
      }
    }
    return removed;
  }

  toSnapshot(): Buffer {
    return encodeProducerSnapshot(this.producers.values());
  }

  /** Replaces the state with a snapshot's, leaving out producers that have expired since. */
  loadSnapshot(payload: Buffer, now: number): void {
    this.producers.clear();
    this.ongoing.clear();
    const open: ProducerStateEntry[] = [];
    const expirationMs = this.expirationMs();
    for (const entry of decodeProducerSnapshot(payload)) {
      if (this.isExpired(entry, now, expirationMs)) continue;
      this.producers.set(entry.producerId, entry);
      if (entry.currentTxnFirstOffset >= 0) open.push(entry);
    }
    open.sort((a, b) => a.currentTxnFirstOffset - b.currentTxnFirstOffset);
    for (const e of open) this.ongoing.set(e.currentTxnFirstOffset, e.producerId);
  }
}
