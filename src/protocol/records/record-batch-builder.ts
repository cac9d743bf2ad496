import { crc32c } from '@node-rs/crc32';
import { compress } from './compression.js';
import { Attributes, BatchHeader, RecordBatch } from './record-batch.js';
import { sizeOfVarint, sizeOfVarlong, writeInt64, writeVarint, writeVarlong } from './varint.js';

/**
 * Builds one v2 record batch a record at a time (Kafka's MemoryRecordsBuilder): each append
 * encodes the record straight into a growing buffer, behind room left for the 61-byte header,
 * so a producer holds no per-record objects while a batch fills. build() writes the header and
 * CRC32C (compressing the records section first when asked). Offset deltas count from 0, the
 * base timestamp is the first record's, as the Java producer writes them; the same records give
 * the same bytes as buildRecordBatch().
 */
export class RecordBatchBuilder {
  private buf: Buffer;
  private pos: number = BatchHeader.SIZE;
  private count = 0;
  private baseTimestamp: number = RecordBatch.NO_TIMESTAMP;
  private maxTimestamp: number = RecordBatch.NO_TIMESTAMP;

  /** `capacity`: initial bytes; the buffer doubles as needed. */
  constructor(capacity = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, BatchHeader.SIZE + 64));
  }

  get recordCount(): number {
    return this.count;
  }

  /** Bytes of the batch so far, uncompressed, header included. */
  get sizeInBytes(): number {
    return this.pos;
  }

  append(timestamp: number, key: Buffer | null, value: Buffer | null, headers: readonly { key: string; value: Buffer | null }[] = []): void {
    if (this.count === 0) this.baseTimestamp = timestamp;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    const timestampDelta = timestamp - this.baseTimestamp;
    const offsetDelta = this.count;
    let size = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta) + nullableSize(key) + nullableSize(value) + sizeOfVarint(headers.length);
    for (const h of headers) {
      const n = Buffer.byteLength(h.key, 'utf8');
      size += sizeOfVarint(n) + n + nullableSize(h.value);
    }
    this.ensure(sizeOfVarint(size) + size);
    const buf = this.buf;
    let pos = writeVarint(buf, size, this.pos);
    buf[pos++] = 0; // record attributes: unused in v2
    pos = writeVarlong(buf, timestampDelta, pos);
    pos = writeVarint(buf, offsetDelta, pos);
    pos = writeNullable(buf, key, pos);
    pos = writeNullable(buf, value, pos);
    pos = writeVarint(buf, headers.length, pos);
    for (const h of headers) {
      const n = Buffer.byteLength(h.key, 'utf8');
      pos = writeVarint(buf, n, pos);
      pos += buf.write(h.key, pos, 'utf8');
      pos = writeNullable(buf, h.value, pos);
    }
    this.pos = pos;
    this.count++;
  }

  /** The finished batch (base offset 0, no producer id). The builder must not be used after. */
  build(compression = 0): Buffer {
    let out: Buffer;
    if (compression === 0) {
      out = this.buf.subarray(0, this.pos);
    } else {
      const packed = compress(compression, this.buf.subarray(BatchHeader.SIZE, this.pos));
      out = Buffer.allocUnsafe(BatchHeader.SIZE + packed.length);
      packed.copy(out, BatchHeader.SIZE);
    }
    writeInt64(out, 0, BatchHeader.BASE_OFFSET);
    out.writeInt32BE(out.length - BatchHeader.LOG_OVERHEAD, BatchHeader.BATCH_LENGTH);
    out.writeInt32BE(RecordBatch.NO_PARTITION_LEADER_EPOCH, BatchHeader.PARTITION_LEADER_EPOCH);
    out.writeInt8(RecordBatch.MAGIC, BatchHeader.MAGIC);
    out.writeInt16BE(compression & Attributes.COMPRESSION_MASK, BatchHeader.ATTRIBUTES);
    out.writeInt32BE(Math.max(0, this.count - 1), BatchHeader.LAST_OFFSET_DELTA);
    writeInt64(out, this.baseTimestamp, BatchHeader.BASE_TIMESTAMP);
    writeInt64(out, this.maxTimestamp, BatchHeader.MAX_TIMESTAMP);
    writeInt64(out, RecordBatch.NO_PRODUCER_ID, BatchHeader.PRODUCER_ID);
    out.writeInt16BE(RecordBatch.NO_PRODUCER_EPOCH, BatchHeader.PRODUCER_EPOCH);
    out.writeInt32BE(RecordBatch.NO_SEQUENCE, BatchHeader.BASE_SEQUENCE);
    out.writeInt32BE(this.count, BatchHeader.RECORDS_COUNT);
    out.writeUInt32BE(crc32c(out.subarray(BatchHeader.ATTRIBUTES)) >>> 0, BatchHeader.CRC);
    return out;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}

function nullableSize(b: Buffer | null): number {
  return b === null ? 1 : sizeOfVarint(b.length) + b.length;
}

function writeNullable(buf: Buffer, b: Buffer | null, pos: number): number {
  if (b === null) return writeVarint(buf, -1, pos);
  pos = writeVarint(buf, b.length, pos);
  return pos + b.copy(buf, pos);
}
