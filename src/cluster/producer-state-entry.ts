/** Kafka keeps the last five batches of each producer: the client has at most five in flight. */
export const NUM_BATCHES_TO_RETAIN = 5;

const INT32_MAX = 0x7fffffff;

/** One appended batch of a producer: its sequence range (int32, wrapping) and offsets. */
export interface BatchMetadata {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** The batch's max timestamp (epoch ms). */
  readonly timestamp: number;
}

/**
 * Sequence of the last record of a batch starting at `baseSequence` with `lastOffsetDelta`:
 * sequences wrap from Int32.MAX to 0 (Kafka's DefaultRecordBatch.incrementSequence).
 */
export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  return baseSequence > INT32_MAX - lastOffsetDelta ? lastOffsetDelta - (INT32_MAX - baseSequence) - 1 : baseSequence + lastOffsetDelta;
}

/** Whether `nextSeq` directly follows `lastSeq`, across the wrap at Int32.MAX. */
export function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

/**
 * What one partition knows of one producer (Kafka's ProducerStateEntry): its epoch, the last
 * five batches it appended (for duplicate detection and the next expected sequence), the
 * coordinator epoch of the last transaction marker, when it last wrote, and the first offset of
 * its open transaction on this partition (-1 when none).
 */
export class ProducerStateEntry {
  /** Oldest first; at most NUM_BATCHES_TO_RETAIN, all of the current epoch. */
  readonly batches: BatchMetadata[] = [];

  constructor(
    readonly producerId: number,
    public producerEpoch = -1,
    public coordinatorEpoch = -1,
    /** Epoch ms of the last batch or marker; -1 when unknown. */
    public lastTimestamp = -1,
    /** First offset of the producer's open transaction on this partition; -1 when none. */
    public currentTxnFirstOffset = -1,
  ) {}

  get isEmpty(): boolean {
    return this.batches.length === 0;
  }
  /** Last sequence appended in the current epoch; -1 when none. */
  get lastSeq(): number {
    return this.batches.length === 0 ? -1 : this.batches[this.batches.length - 1].lastSeq;
  }
  get lastDataOffset(): number {
    return this.batches.length === 0 ? -1 : this.batches[this.batches.length - 1].lastOffset;
  }

  /** A new epoch forgets the batches of the old one (Kafka's maybeUpdateProducerEpoch). */
  setEpoch(epoch: number): void {
    if (epoch === this.producerEpoch) return;
    this.batches.length = 0;
    this.producerEpoch = epoch;
  }

  addBatch(epoch: number, batch: BatchMetadata): void {
    this.setEpoch(epoch);
    if (this.batches.length === NUM_BATCHES_TO_RETAIN) this.batches.shift();
    this.batches.push(batch);
    this.lastTimestamp = batch.timestamp;
  }

  /** The retained batch with exactly this sequence range in this epoch: a retry of it. */
  findDuplicate(epoch: number, firstSeq: number, lastSeq: number): BatchMetadata | undefined {
    if (epoch !== this.producerEpoch) return undefined;
    for (const b of this.batches) if (b.firstSeq === firstSeq && b.lastSeq === lastSeq) return b;
    return undefined;
  }
}
