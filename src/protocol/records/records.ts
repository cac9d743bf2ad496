import { crc32c } from '@node-rs/crc32';
import { ErrorCode } from '../errors.js';
import { compress, decompress } from './compression.js';
import { Attributes, BatchHeader, RecordBatch, RecordBatchHeader, batchesOf } from './record-batch.js';
import {
  ByteCursor,
  sizeOfVarint,
  sizeOfVarlong,
  writeInt64,
  writeVarint,
  writeVarlong,
} from './varint.js';

/**
 * Records inside a v2 batch, both directions. A record on the wire:
 *
 *   length varint (bytes after this field) | attributes int8 (unused, 0) | timestampDelta varlong |
 *   offsetDelta varint | keyLength varint (-1 = null) | key | valueLength varint | value |
 *   headerCount varint | [keyLength varint | key (utf8) | valueLength varint | value]*
 *
 * Decoding is for the places that need record contents (internal topics, compaction, tests);
 * the produce and fetch paths move whole batches and never come here.
 */

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  /** Views into the (decompressed) batch bytes: copy them to keep them past the buffer's life. */
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** Thrown when a batch's records cannot be parsed; `errorCode` is Kafka's answer for it. */
export class RecordDecodeError extends Error {
  constructor(
    message: string,
    readonly errorCode: number = ErrorCode.CORRUPT_MESSAGE,
  ) {
    super(message);
    this.name = 'RecordDecodeError';
  }
}

/** The records of the v2 batch at `pos`, decompressed as needed. */
export function decodeRecords(buf: Buffer, pos = 0): DecodedRecord[] {
  const header = new RecordBatchHeader(buf, pos);
  if (buf.length - pos < BatchHeader.SIZE || header.sizeInBytes < BatchHeader.SIZE || pos + header.sizeInBytes > buf.length) {
    throw new RecordDecodeError('truncated record batch');
  }
  if (header.magic !== RecordBatch.MAGIC) throw new RecordDecodeError(`unsupported magic ${header.magic}`);
  const count = header.recordsCount;
  if (count < 0) throw new RecordDecodeError(`invalid record count ${count}`);

  let section = buf.subarray(pos + BatchHeader.SIZE, pos + header.sizeInBytes);
  const codec = header.compression;
  if (codec !== 0) {
    try {
      section = decompress(codec, section);
    } catch (err) {
      throw new RecordDecodeError(`cannot decompress ${codec} records: ${(err as Error).message}`);
    }
  }

  const baseOffset = header.baseOffset;
  const baseTimestamp = header.baseTimestamp;
  const logAppendTime = header.timestampTypeIsLogAppend ? header.maxTimestamp : -1;
  const records: DecodedRecord[] = [];
  const c = new ByteCursor(section);
  for (let i = 0; i < count; i++) {
    const length = c.varint();
    const end = c.pos + length;
    if (c.failed || length < 0 || end > c.end) throw new RecordDecodeError(`record ${i}: invalid length ${length}`);
    c.int8(); // attributes: unused in v2
    const timestampDelta = c.varlong();
    const offsetDelta = c.varint();
    const key = nullableBytes(c);
    const value = nullableBytes(c);
    const headerCount = c.varint();
    if (headerCount < 0) throw new RecordDecodeError(`record ${i}: invalid header count ${headerCount}`);
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount && !c.failed; h++) {
      const keyLength = c.varint();
      if (keyLength < 0) throw new RecordDecodeError(`record ${i}: invalid header key length ${keyLength}`);
      const hkey = c.bytes(keyLength).toString('utf8');
      headers.push({ key: hkey, value: nullableBytes(c) });
    }
    if (c.failed || c.pos !== end) throw new RecordDecodeError(`record ${i}: fields do not add up to its length ${length}`);
    records.push({
      offset: baseOffset + offsetDelta,
      timestamp: logAppendTime >= 0 ? logAppendTime : baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    });
  }
  if (c.pos !== c.end) throw new RecordDecodeError(`${c.end - c.pos} bytes left after ${count} records`);
  return records;
}

function nullableBytes(c: ByteCursor): Buffer | null {
  const n = c.varint();
  return n < 0 ? null : c.bytes(n);
}

/** Every whole batch of `buf` with its records. */
export function decodeBatches(buf: Buffer): { batch: RecordBatchHeader; records: DecodedRecord[] }[] {
  const out: { batch: RecordBatchHeader; records: DecodedRecord[] }[] = [];
  for (const batch of batchesOf(buf)) out.push({ batch, records: decodeRecords(buf, batch.pos) });
  return out;
}

export type Bytes = Buffer | string | null | undefined;

export interface RecordInput {
  key?: Bytes;
  value?: Bytes;
  headers?: { key: string; value: Bytes }[];
  /** Epoch ms; defaults to the batch's `now`. */
  timestamp?: number;
  /** Defaults to the record's index; compaction keeps the original deltas (with gaps). */
  offsetDelta?: number;
}

export interface BuildRecordBatchOptions {
  records: RecordInput[];
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  /** CompressionType value (0 none .. 4 zstd). */
  compression?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  timestampType?: 'CreateTime' | 'LogAppendTime';
  /** LogAppendTime batches carry this as maxTimestamp; defaults to `now`. */
  logAppendTime?: number;
  /** Defaults to the last record's offsetDelta (0 for an empty batch). */
  lastOffsetDelta?: number;
  /** Default timestamp for records without one; defaults to Date.now(). */
  now?: number;
}

interface PreparedRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: Buffer; value: Buffer | null }[];
  timestampDelta: number;
  offsetDelta: number;
  bodySize: number;
}

/**
 * Encodes a complete v2 batch (header, records, CRC32C), compressing the records section when
 * asked. baseTimestamp is the first record's timestamp and maxTimestamp the largest, as the
 * Java producer writes them.
 */
export function buildRecordBatch(opts: BuildRecordBatchOptions): Buffer {
  const now = opts.now ?? Date.now();
  const inputs = opts.records;
  const n = inputs.length;
  const baseTimestamp: number = n > 0 ? (inputs[0].timestamp ?? now) : RecordBatch.NO_TIMESTAMP;
  let maxTimestamp: number = RecordBatch.NO_TIMESTAMP;
  const prepared: PreparedRecord[] = new Array(n);
  let recordsSize = 0;
  for (let i = 0; i < n; i++) {
    const r = inputs[i];
    const timestamp = r.timestamp ?? now;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const p: PreparedRecord = {
      key: toBuffer(r.key),
      value: toBuffer(r.value),
      headers: (r.headers ?? []).map((h) => ({ key: Buffer.from(h.key, 'utf8'), value: toBuffer(h.value) })),
      timestampDelta: timestamp - baseTimestamp,
      offsetDelta: r.offsetDelta ?? i,
      bodySize: 0,
    };
    let size = 1 + sizeOfVarlong(p.timestampDelta) + sizeOfVarint(p.offsetDelta);
    size += nullableSize(p.key) + nullableSize(p.value) + sizeOfVarint(p.headers.length);
    for (const h of p.headers) size += sizeOfVarint(h.key.length) + h.key.length + nullableSize(h.value);
    p.bodySize = size;
    recordsSize += sizeOfVarint(size) + size;
    prepared[i] = p;
  }

  const codec = opts.compression ?? 0;
  let out: Buffer;
  if (codec === 0) {
    out = Buffer.allocUnsafe(BatchHeader.SIZE + recordsSize);
    writeRecords(out, BatchHeader.SIZE, prepared);
  } else {
    const plain = Buffer.allocUnsafe(recordsSize);
    writeRecords(plain, 0, prepared);
    const packed = compress(codec, plain);
    out = Buffer.allocUnsafe(BatchHeader.SIZE + packed.length);
    packed.copy(out, BatchHeader.SIZE);
  }

  const logAppend = opts.timestampType === 'LogAppendTime';
  let attributes = codec & Attributes.COMPRESSION_MASK;
  if (logAppend) attributes |= Attributes.TIMESTAMP_TYPE_LOG_APPEND;
  if (opts.transactional) attributes |= Attributes.TRANSACTIONAL;
  if (opts.control) attributes |= Attributes.CONTROL;
  const lastOffsetDelta = opts.lastOffsetDelta ?? (n > 0 ? prepared[n - 1].offsetDelta : 0);

  writeInt64(out, opts.baseOffset ?? 0, BatchHeader.BASE_OFFSET);
  out.writeInt32BE(out.length - BatchHeader.LOG_OVERHEAD, BatchHeader.BATCH_LENGTH);
  out.writeInt32BE(opts.partitionLeaderEpoch ?? RecordBatch.NO_PARTITION_LEADER_EPOCH, BatchHeader.PARTITION_LEADER_EPOCH);
  out.writeInt8(RecordBatch.MAGIC, BatchHeader.MAGIC);
  out.writeInt16BE(attributes, BatchHeader.ATTRIBUTES);
  out.writeInt32BE(lastOffsetDelta, BatchHeader.LAST_OFFSET_DELTA);
  writeInt64(out, baseTimestamp, BatchHeader.BASE_TIMESTAMP);
  writeInt64(out, logAppend ? (opts.logAppendTime ?? now) : maxTimestamp, BatchHeader.MAX_TIMESTAMP);
  writeInt64(out, opts.producerId ?? RecordBatch.NO_PRODUCER_ID, BatchHeader.PRODUCER_ID);
  out.writeInt16BE(opts.producerEpoch ?? RecordBatch.NO_PRODUCER_EPOCH, BatchHeader.PRODUCER_EPOCH);
  out.writeInt32BE(opts.baseSequence ?? RecordBatch.NO_SEQUENCE, BatchHeader.BASE_SEQUENCE);
  out.writeInt32BE(n, BatchHeader.RECORDS_COUNT);
  out.writeUInt32BE(crc32c(out.subarray(BatchHeader.ATTRIBUTES)) >>> 0, BatchHeader.CRC);
  return out;
}

function toBuffer(b: Bytes): Buffer | null {
  if (b === null || b === undefined) return null;
  return typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
}

function nullableSize(b: Buffer | null): number {
  return b === null ? 1 : sizeOfVarint(b.length) + b.length;
}

function writeNullable(buf: Buffer, b: Buffer | null, pos: number): number {
  if (b === null) return writeVarint(buf, -1, pos);
  pos = writeVarint(buf, b.length, pos);
  return pos + b.copy(buf, pos);
}

function writeRecords(buf: Buffer, pos: number, records: PreparedRecord[]): number {
  for (const r of records) {
    pos = writeVarint(buf, r.bodySize, pos);
    buf[pos++] = 0; // attributes
    pos = writeVarlong(buf, r.timestampDelta, pos);
    pos = writeVarint(buf, r.offsetDelta, pos);
    pos = writeNullable(buf, r.key, pos);
    pos = writeNullable(buf, r.value, pos);
    pos = writeVarint(buf, r.headers.length, pos);
    for (const h of r.headers) {
      pos = writeVarint(buf, h.key.length, pos);
      pos += h.key.copy(buf, pos);
      pos = writeNullable(buf, h.value, pos);
    }
  }
  return pos;
}
