import { crc32c } from '@node-rs/crc32';
import { readInt64, writeInt64 } from './varint.js';

/**
 * RecordBatch v2 ("magic 2") header layout. Every offset below is relative to the start of a
 * batch. The CRC32C covers everything from `attributes` to the end of the batch, so the base
 * offset and the partition leader epoch can be patched without recomputing it.
 */
export const BatchHeader = {
  BASE_OFFSET: 0, // int64
  BATCH_LENGTH: 8, // int32: bytes after this field
  PARTITION_LEADER_EPOCH: 12, // int32
  MAGIC: 16, // int8
  CRC: 17, // uint32
  ATTRIBUTES: 21, // int16
  LAST_OFFSET_DELTA: 23, // int32
  BASE_TIMESTAMP: 27, // int64
  MAX_TIMESTAMP: 35, // int64
  PRODUCER_ID: 43, // int64
  PRODUCER_EPOCH: 51, // int16
  BASE_SEQUENCE: 53, // int32
  RECORDS_COUNT: 57, // int32
  SIZE: 61, // first record starts here
  /** baseOffset + batchLength: what must be read to know a batch's total size. */
  LOG_OVERHEAD: 12,
} as const;

export const Attributes = {
  COMPRESSION_MASK: 0x07,
  TIMESTAMP_TYPE_LOG_APPEND: 0x08,
  TRANSACTIONAL: 0x10,
  CONTROL: 0x20,
  DELETE_HORIZON: 0x40,
} as const;

export const CompressionType = { NONE: 0, GZIP: 1, SNAPPY: 2, LZ4: 3, ZSTD: 4 } as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

/** Sentinels Kafka writes in v2 headers. */
export const RecordBatch = {
  MAGIC: 2,
  NO_TIMESTAMP: -1,
  NO_PRODUCER_ID: -1,
  NO_PRODUCER_EPOCH: -1,
  NO_SEQUENCE: -1,
  NO_PARTITION_LEADER_EPOCH: -1,
} as const;

/** Total size in bytes of the batch that starts at `pos`, or -1 when the header is incomplete. */
export function batchSizeAt(buf: Buffer, pos: number): number {
  if (buf.length - pos < BatchHeader.LOG_OVERHEAD) return -1;
  return BatchHeader.LOG_OVERHEAD + buf.readInt32BE(pos + BatchHeader.BATCH_LENGTH);
}

/**
 * A read-only view over one batch header; fields are read lazily so that the produce and fetch
 * paths touch only what they use. int64 fields are returned as numbers (offsets and epoch-ms
 * timestamps stay far below 2^53), read as two int32 halves so that no BigInt is allocated.
 */
export class RecordBatchHeader {
  constructor(
    readonly buf: Buffer,
    readonly pos: number,
  ) {}

  get baseOffset(): number {
    return readInt64(this.buf, this.pos + BatchHeader.BASE_OFFSET);
  }
  get batchLength(): number {
    return this.buf.readInt32BE(this.pos + BatchHeader.BATCH_LENGTH);
  }
  /** Total bytes of this batch including the 12-byte log overhead. */
  get sizeInBytes(): number {
    return BatchHeader.LOG_OVERHEAD + this.batchLength;
  }
  get partitionLeaderEpoch(): number {
    return this.buf.readInt32BE(this.pos + BatchHeader.PARTITION_LEADER_EPOCH);
  }
  get magic(): number {
    return this.buf.readInt8(this.pos + BatchHeader.MAGIC);
  }
  get crc(): number {
    return this.buf.readUInt32BE(this.pos + BatchHeader.CRC);
  }
  get attributes(): number {
    return this.buf.readInt16BE(this.pos + BatchHeader.ATTRIBUTES);
  }
  get compression(): number {
    return this.attributes & Attributes.COMPRESSION_MASK;
  }
  get isTransactional(): boolean {
    return (this.attributes & Attributes.TRANSACTIONAL) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & Attributes.CONTROL) !== 0;
  }
  get timestampTypeIsLogAppend(): boolean {
    return (this.attributes & Attributes.TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  }
  /**
   * KIP-534: the log cleaner marks a batch whose tombstones or transaction marker it kept, and
   * stores in baseTimestamp when they may go (epoch ms); -1 when the batch carries no horizon.
   */
  get deleteHorizonMs(): number {
    return (this.attributes & Attributes.DELETE_HORIZON) !== 0 ? this.baseTimestamp : -1;
  }
  get lastOffsetDelta(): number {
    return this.buf.readInt32BE(this.pos + BatchHeader.LAST_OFFSET_DELTA);
  }
  /** Inclusive: offset of the last record of the batch. */
  get lastOffset(): number {
    return this.baseOffset + this.lastOffsetDelta;
  }
  get baseTimestamp(): number {
    return readInt64(this.buf, this.pos + BatchHeader.BASE_TIMESTAMP);
  }
  get maxTimestamp(): number {
    return readInt64(this.buf, this.pos + BatchHeader.MAX_TIMESTAMP);
  }
  get producerId(): number {
    return readInt64(this.buf, this.pos + BatchHeader.PRODUCER_ID);
  }
  get producerEpoch(): number {
    return this.buf.readInt16BE(this.pos + BatchHeader.PRODUCER_EPOCH);
  }
  get baseSequence(): number {
    return this.buf.readInt32BE(this.pos + BatchHeader.BASE_SEQUENCE);
  }
  get recordsCount(): number {
    return this.buf.readInt32BE(this.pos + BatchHeader.RECORDS_COUNT);
  }

  /** CRC32C over attributes..end, as stored in the header. */
  computeCrc(): number {
    return crc32c(this.buf.subarray(this.pos + BatchHeader.ATTRIBUTES, this.pos + this.sizeInBytes)) >>> 0;
  }
  isCrcValid(): boolean {
    return this.computeCrc() === this.crc;
  }

  setBaseOffset(offset: number): void {
    writeInt64(this.buf, offset, this.pos + BatchHeader.BASE_OFFSET);
  }
  setPartitionLeaderEpoch(epoch: number): void {
    this.buf.writeInt32BE(epoch, this.pos + BatchHeader.PARTITION_LEADER_EPOCH);
  }
  /** Marks the batch LogAppendTime with the given max timestamp; recomputes the CRC. */
  setLogAppendTime(timestamp: number): void {
    const attrs = this.attributes | Attributes.TIMESTAMP_TYPE_LOG_APPEND;
    this.buf.writeInt16BE(attrs, this.pos + BatchHeader.ATTRIBUTES);
    writeInt64(this.buf, timestamp, this.pos + BatchHeader.MAX_TIMESTAMP);
    this.buf.writeUInt32BE(this.computeCrc(), this.pos + BatchHeader.CRC);
  }
  /** Rewrites maxTimestamp (CreateTime kept) and the CRC; a no-op when nothing changes. */
  setMaxTimestamp(timestamp: number): void {
    if (this.maxTimestamp === timestamp) return;
    writeInt64(this.buf, timestamp, this.pos + BatchHeader.MAX_TIMESTAMP);
    this.buf.writeUInt32BE(this.computeCrc(), this.pos + BatchHeader.CRC);
  }
}

/**
 * Iterates the batches of a buffer holding whole v2 batches back to back. Stops at the first
 * incomplete batch (a fetch response may end with a partial one); callers that need strictness
 * compare the bytes consumed with the buffer length.
 */
export function* batchesOf(buf: Buffer): Generator<RecordBatchHeader> {
  let pos = 0;
  while (pos < buf.length) {
    const size = batchSizeAt(buf, pos);
    if (size < BatchHeader.SIZE || pos + size > buf.length) return;
    yield new RecordBatchHeader(buf, pos);
    pos += size;
  }
}
