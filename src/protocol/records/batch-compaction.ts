import { crc32c } from '@node-rs/crc32';
import { compress, decompress } from './compression.js';
import { Attributes, BatchHeader, CompressionType, RecordBatch, type RecordBatchHeader } from './record-batch.js';
import { RecordDecodeError } from './records.js';
import { ByteCursor, sizeOfVarint, sizeOfVarlong, writeInt64, writeVarint, writeVarlong } from './varint.js';

/**
 * The byte-level half of log compaction: walking the records of a batch without materialising
 * them, and writing the batch again with only the records the cleaner keeps (Kafka's
 * MemoryRecords.filterTo and MemoryRecordsBuilder for one batch). Which records survive is the
 * cleaner's business (storage/); this file only keeps what it is told to keep, exactly.
 *
 * A rewritten batch keeps everything Kafka keeps: base offset, last offset delta (so the last
 * sequence of an idempotent producer survives), producer id, epoch and base sequence, partition
 * leader epoch, the codec (records are recompressed with it, at its default level), timestamp
 * type, transactional and control flags. Each kept record is copied byte for byte, its offset
 * delta included, so offsets never change; only when the batch gets a delete horizon (KIP-534:
 * baseTimestamp becomes the horizon and the 0x40 attribute is set) is every record's timestamp
 * delta rewritten against the new base, which leaves record timestamps unchanged. Kafka also moves
 * baseTimestamp to the first kept record when there is no horizon; Brook leaves it, which no
 * client can tell apart (a record's timestamp is base + delta either way).
 */

/** Where one record lies in a decompressed records section; reused from record to record. */
export class RecordLayout {
  /** First byte of the record (its length varint). */
  start = 0;
  /** Exclusive end of the record. */
  end = 0;
  /** First byte after the timestamp delta: from here to `end` nothing depends on the base timestamp. */
  afterTimestamp = 0;
  /** The record's attributes byte (unused in v2, kept as found). */
  attributes = 0;
  timestampDelta = 0;
  offsetDelta = 0;
  keyStart = 0;
  /** -1: null key. */
  keyLength = -1;
  /** -1: null value (a tombstone). */
  valueLength = -1;
}

/** The records section of the batch at `pos`, decompressed when the batch is compressed. */
export function recordsSection(buf: Buffer, pos: number, header: RecordBatchHeader): Buffer {
  const section = buf.subarray(pos + BatchHeader.SIZE, pos + header.sizeInBytes);
  if (header.compression === CompressionType.NONE) return section;
  try {
    return decompress(header.compression, section);
  } catch (err) {
    throw new RecordDecodeError(`cannot decompress records of the batch at offset ${header.baseOffset}: ${(err as Error).message}`);
  }
}

/**
 * Calls `visit` for each of the `count` records of a records section; the layout object is the
 * same on every call. Throws RecordDecodeError on a malformed record.
 */
export function scanRecords(section: Buffer, count: number, visit: (r: RecordLayout) => void): void {
  const c = new ByteCursor(section);
  const r = new RecordLayout();
  for (let i = 0; i < count; i++) {
    r.start = c.pos;
    const length = c.varint();
    r.end = c.pos + length;
    if (c.failed || length < 0 || r.end > c.end) throw new RecordDecodeError(`record ${i}: invalid length ${length}`);
    r.attributes = c.int8();
    r.timestampDelta = c.varlong();
    r.afterTimestamp = c.pos;
    r.offsetDelta = c.varint();
    r.keyLength = c.varint();
    r.keyStart = c.pos;
    if (r.keyLength > 0) c.skip(r.keyLength);
    r.valueLength = c.varint();
    if (r.valueLength > 0) c.skip(r.valueLength);
    if (c.failed || c.pos > r.end) throw new RecordDecodeError(`record ${i}: fields do not fit its length ${length}`);
    visit(r);
    c.pos = r.end;
  }
  if (c.pos !== c.end) throw new RecordDecodeError(`${c.end - c.pos} bytes left after ${count} records`);
}

const SPAN = 5;

/**
 * The kept records of one batch, in order, as copied out of its records section (the section
 * may be reused by the caller once the batch is built).
 */
export class KeptRecords {
  /** Per record: start, end, afterTimestamp, timestampDelta, attributes. */
  private readonly spans: number[] = [];
  count = 0;
  /** Largest timestamp among the kept records (epoch ms); -1 when none. */
  maxTimestamp = -1;
  /** A kept record has a null value. */
  hasTombstone = false;

  /** Keeps the record `r` describes; `baseTimestamp` is its batch's. */
  add(r: RecordLayout, baseTimestamp: number): void {
    this.spans.push(r.start, r.end, r.afterTimestamp, r.timestampDelta, r.attributes);
    const timestamp = baseTimestamp + r.timestampDelta;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    if (r.valueLength < 0) this.hasTombstone = true;
    this.count++;
  }

  clear(): void {
    this.spans.length = 0;
    this.count = 0;
    this.maxTimestamp = -1;
    this.hasTombstone = false;
  }

  /** The records section holding just these records, their timestamp deltas moved from `oldBase` to `newBase`. */
  encode(section: Buffer, oldBase: number, newBase: number): Buffer {
    const s = this.spans;
    if (oldBase === newBase) {
      let size = 0;
      for (let i = 0; i < s.length; i += SPAN) size += s[i + 1] - s[i];
      const out = Buffer.allocUnsafe(size);
      let pos = 0;
      for (let i = 0; i < s.length; i += SPAN) pos += section.copy(out, pos, s[i], s[i + 1]);
      return out;
    }
    const deltas: number[] = [];
    let size = 0;
    for (let i = 0; i < s.length; i += SPAN) {
      const delta = oldBase + s[i + 3] - newBase;
      deltas.push(delta);
      const body = 1 + sizeOfVarlong(delta) + (s[i + 1] - s[i + 2]);
      size += sizeOfVarint(body) + body;
    }
    const out = Buffer.allocUnsafe(size);
    let pos = 0;
    for (let i = 0, k = 0; i < s.length; i += SPAN, k++) {
      const rest = s[i + 1] - s[i + 2];
      pos = writeVarint(out, 1 + sizeOfVarlong(deltas[k]) + rest, pos);
      pos = out.writeInt8(s[i + 4], pos);
      pos = writeVarlong(out, deltas[k], pos);
      pos += section.copy(out, pos, s[i + 2], s[i + 1]);
    }
    return out;
  }
}

export interface RetainedBatchOptions {
  /** Epoch ms to record as the batch's delete horizon; -1 keeps the batch's own (or none). */
  deleteHorizonMs: number;
}

/**
 * `original` rewritten with only `kept` (at least one record): see the file comment for what is
 * preserved. `section` is the original's (decompressed) records section.
 */
export function buildRetainedBatch(original: RecordBatchHeader, section: Buffer, kept: KeptRecords, opts: RetainedBatchOptions): Buffer {
  const oldBase = original.baseTimestamp;
  const horizon = opts.deleteHorizonMs >= 0 ? opts.deleteHorizonMs : original.deleteHorizonMs;
  const newBase = horizon >= 0 ? horizon : oldBase;
  const plain = kept.encode(section, oldBase, newBase);
  const codec = original.compression;
  const records = codec === CompressionType.NONE ? plain : compress(codec, plain);
  const out = Buffer.allocUnsafe(BatchHeader.SIZE + records.length);
  records.copy(out, BatchHeader.SIZE);
  let attributes = original.attributes & ~Attributes.DELETE_HORIZON;
  if (horizon >= 0) attributes |= Attributes.DELETE_HORIZON;
  const maxTimestamp = original.timestampTypeIsLogAppend ? original.maxTimestamp : kept.maxTimestamp;
  writeHeader(out, original, attributes, newBase, maxTimestamp, kept.count);
  return out;
}

/**
 * Kafka's empty batch: the header alone, kept where a batch's records all go but its offsets and
 * producer fields must stay (the last batch of an idempotent producer, the end of a cleaned
 * range). No codec, no base timestamp, no horizon; maxTimestamp stays the original's.
 */
export function emptyBatch(original: RecordBatchHeader): Buffer {
  const out = Buffer.allocUnsafe(BatchHeader.SIZE);
  const attributes = original.attributes & (Attributes.TIMESTAMP_TYPE_LOG_APPEND | Attributes.TRANSACTIONAL | Attributes.CONTROL);
  writeHeader(out, original, attributes, RecordBatch.NO_TIMESTAMP, original.maxTimestamp, 0);
  return out;
}

function writeHeader(out: Buffer, original: RecordBatchHeader, attributes: number, baseTimestamp: number, maxTimestamp: number, count: number): void {
  writeInt64(out, original.baseOffset, BatchHeader.BASE_OFFSET);
  out.writeInt32BE(out.length - BatchHeader.LOG_OVERHEAD, BatchHeader.BATCH_LENGTH);
  out.writeInt32BE(original.partitionLeaderEpoch, BatchHeader.PARTITION_LEADER_EPOCH);
  out.writeInt8(RecordBatch.MAGIC, BatchHeader.MAGIC);
  out.writeInt16BE(attributes, BatchHeader.ATTRIBUTES);
  out.writeInt32BE(original.lastOffsetDelta, BatchHeader.LAST_OFFSET_DELTA);
  writeInt64(out, baseTimestamp, BatchHeader.BASE_TIMESTAMP);
  writeInt64(out, maxTimestamp, BatchHeader.MAX_TIMESTAMP);
  writeInt64(out, original.producerId, BatchHeader.PRODUCER_ID);
  out.writeInt16BE(original.producerEpoch, BatchHeader.PRODUCER_EPOCH);
  out.writeInt32BE(original.baseSequence, BatchHeader.BASE_SEQUENCE);
  out.writeInt32BE(count, BatchHeader.RECORDS_COUNT);
  out.writeUInt32BE(crc32c(out.subarray(BatchHeader.ATTRIBUTES)) >>> 0, BatchHeader.CRC);
}
