import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { compressionName } from '../protocol/records/compression.js';
import { BatchHeader, RecordBatch, RecordBatchHeader } from '../protocol/records/record-batch.js';
import { decodeRecords, type DecodedRecord } from '../protocol/records/records.js';
import { OffsetIndex } from '../storage/offset-index.js';
import { TimeIndex } from '../storage/time-index.js';

/**
 * Reads a partition's files as they are on disk (the `brook log` command, Kafka's
 * kafka-dump-log.sh): walks a segment's batches checking each one's size, magic, CRC32C and
 * offsets, decodes its records on request, and checks the offset and time indexes against the
 * batches they point at. Every problem names the file, the byte position and the offset, so a
 * damaged file can be found and cut (the broker's startup recovery truncates a segment at its
 * first invalid batch). Read-only: nothing is repaired here.
 */

export interface Problem {
  /** Byte position in the file, when the problem has one. */
  readonly position: number | null;
  readonly offset: number | null;
  readonly message: string;
}

export interface BatchInfo {
  readonly position: number;
  readonly size: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly count: number;
  readonly magic: number;
  readonly crc: number;
  readonly crcValid: boolean;
  readonly compression: string;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly transactional: boolean;
  readonly control: boolean;
  readonly partitionLeaderEpoch: number;
}

export interface SegmentReport {
  readonly path: string;
  /** From the file name (00000000000000000042.log -> 42); null when the name is not one. */
  readonly baseOffset: number | null;
  readonly size: number;
  readonly batches: number;
  readonly records: number;
  readonly firstOffset: number | null;
  readonly lastOffset: number | null;
  /** Bytes from the start that hold whole, valid batches. */
  readonly validBytes: number;
  /** The running max timestamp after each batch, by its last offset (for the time index check). */
  readonly maxTimestampAt: ReadonlyMap<number, number>;
  /** Batch start positions by their last offset (for the offset index check). */
  readonly lastOffsetAt: ReadonlyMap<number, number>;
  readonly problems: Problem[];
}

export interface IndexEntry {
  readonly offset: number;
  /** Byte position (offset index) or timestamp (time index). */
  readonly value: number;
}

export interface IndexReport {
  readonly path: string;
  readonly kind: 'offset' | 'time';
  readonly entries: readonly IndexEntry[];
  readonly problems: Problem[];
}

const READ_BLOCK = 1024 * 1024;
const INT32_MAX = 0x7fffffff;

/** The base offset in a segment file name, or null. */
export function baseOffsetOf(path: string): number | null {
  const m = /^(\d{20})\.(log|index|timeindex)$/.exec(basename(path));
  return m ? Number(m[1]) : null;
}

/**
 * Walks every batch of a `.log` file. `onBatch` sees each batch header (and its records when
 * `withRecords`); the walk stops at the first batch whose size cannot be trusted, since nothing
 * after it can be located.
 */
export function inspectSegment(path: string, onBatch?: (batch: BatchInfo, records: DecodedRecord[] | null) => void, withRecords = false): SegmentReport {
  const fd = openSync(path, 'r');
  const problems: Problem[] = [];
  const maxTimestampAt = new Map<number, number>();
  const lastOffsetAt = new Map<number, number>();
  const base = baseOffsetOf(path);
  let batches = 0;
  let records = 0;
  let firstOffset: number | null = null;
  let lastOffset: number | null = null;
  let validBytes = 0;
  let runningMax = -1;
  let expectedNext = base ?? 0;
  let size = 0;
  try {
    size = fstatSync(fd).size;
    let block: Buffer = Buffer.alloc(0);
    let blockStart = 0;
    let position = 0;
    while (position < size) {
      const remaining = size - position;
      if (remaining < BatchHeader.LOG_OVERHEAD) {
        problems.push({ position, offset: null, message: `${remaining} trailing byte(s), too few for a batch header (a torn write?)` });
        break;
      }
      if (position + BatchHeader.SIZE > blockStart + block.length) {
        blockStart = position;
        block = readAt(fd, position, Math.min(READ_BLOCK, remaining));
      }
      const at = position - blockStart;
      const batchSize = BatchHeader.LOG_OVERHEAD + block.readInt32BE(at + BatchHeader.BATCH_LENGTH);
      const claimedBase = block.length - at >= 8 ? Number(block.readBigInt64BE(at)) : null;
      if (batchSize < BatchHeader.SIZE) {
        problems.push({ position, offset: claimedBase, message: `batch length ${batchSize - BatchHeader.LOG_OVERHEAD} is smaller than a batch header; nothing after this position can be read` });
        break;
      }
      if (position + batchSize > size) {
        problems.push({ position, offset: claimedBase, message: `batch claims ${batchSize} bytes but only ${remaining} remain (truncated: a torn write?)` });
        break;
      }
      let buf = block;
      let bufAt = at;
      if (at + batchSize > block.length) {
        if (batchSize > READ_BLOCK) {
          buf = readAt(fd, position, batchSize);
          bufAt = 0;
        } else {
          blockStart = position;
          block = readAt(fd, position, Math.min(READ_BLOCK, remaining));
          buf = block;
          bufAt = 0;
        }
      }
      const h = new RecordBatchHeader(buf, bufAt);
      const info = batchInfo(h, position);
      const before = problems.length;
      if (h.magic !== RecordBatch.MAGIC) {
        problems.push({ position, offset: info.baseOffset, message: `magic ${h.magic}: only record batch v2 (magic 2) is supported` });
      } else {
        if (!info.crcValid) problems.push({ position, offset: info.baseOffset, message: `CRC mismatch: stored 0x${hex(info.crc)}, computed 0x${hex(h.computeCrc())} (the batch's bytes were changed)` });
        if (h.lastOffsetDelta < 0) problems.push({ position, offset: info.baseOffset, message: `negative last offset delta ${h.lastOffsetDelta}` });
        if (info.baseOffset < expectedNext) problems.push({ position, offset: info.baseOffset, message: `base offset ${info.baseOffset} is below ${expectedNext}, where the ${batches === 0 ? 'segment starts' : 'previous batch ended'}` });
        if (base !== null && info.lastOffset - base > INT32_MAX) problems.push({ position, offset: info.baseOffset, message: `last offset ${info.lastOffset} is too far from the segment's base ${base} for the index` });
      }
      let decoded: DecodedRecord[] | null = null;
      if (h.magic === RecordBatch.MAGIC && info.crcValid) {
        try {
          decoded = decodeRecords(buf, bufAt);
          if (decoded.length !== info.count) problems.push({ position, offset: info.baseOffset, message: `header says ${info.count} records, ${decoded.length} decoded` });
          const beyond = decoded.find((r) => r.offset > info.lastOffset);
          if (beyond) problems.push({ position, offset: beyond.offset, message: `record offset ${beyond.offset} is past the batch's last offset ${info.lastOffset}` });
        } catch (err) {
          problems.push({ position, offset: info.baseOffset, message: `records cannot be decoded: ${(err as Error).message}` });
        }
      }
      onBatch?.(info, withRecords ? decoded : null);
      if (problems.length === before) validBytes = position + batchSize;
      batches++;
      records += info.count;
      firstOffset ??= info.baseOffset;
      lastOffset = info.lastOffset;
      expectedNext = Math.max(expectedNext, info.lastOffset + 1);
      runningMax = Math.max(runningMax, info.maxTimestamp);
      maxTimestampAt.set(info.lastOffset, runningMax);
      lastOffsetAt.set(info.lastOffset, position);
      position += batchSize;
    }
  } finally {
    closeSync(fd);
  }
  return { path, baseOffset: base, size, batches, records, firstOffset, lastOffset, validBytes, maxTimestampAt, lastOffsetAt, problems };
}

/**
 * Reads an index file. With the segment's report, checks every entry against the log: an offset
 * index entry must point at the start of the batch whose last offset it names; a time index
 * entry must name a batch's last offset and the largest timestamp up to that batch. Entries must
 * increase. Trailing all-zero entries are the unused, preallocated tail Kafka can leave.
 */
export function inspectIndex(path: string, kind: 'offset' | 'time', segment?: SegmentReport): IndexReport {
  const buf = readWhole(path);
  const problems: Problem[] = [];
  const entries: IndexEntry[] = [];
  const base = baseOffsetOf(path) ?? 0;
  const entrySize = kind === 'offset' ? OffsetIndex.ENTRY_SIZE : TimeIndex.ENTRY_SIZE;
  if (buf.length % entrySize !== 0) problems.push({ position: buf.length - (buf.length % entrySize), offset: null, message: `${buf.length % entrySize} trailing byte(s): not a whole ${entrySize}-byte entry` });
  const n = Math.floor(buf.length / entrySize);
  let count = n;
  while (count > 1 && buf.subarray((count - 1) * entrySize, count * entrySize).every((b) => b === 0)) count--;
  let prev: IndexEntry | undefined;
  for (let i = 0; i < count; i++) {
    const at = i * entrySize;
    const entry = kind === 'offset'
      ? { offset: base + buf.readInt32BE(at), value: buf.readInt32BE(at + 4) }
      : { offset: base + buf.readInt32BE(at + 8), value: Number(buf.readBigInt64BE(at)) };
    entries.push(entry);
    const where = `entry ${i} (offset ${entry.offset}, ${kind === 'offset' ? 'position' : 'timestamp'} ${entry.value})`;
    if (entry.offset < base) problems.push({ position: at, offset: entry.offset, message: `${where}: offset below the segment's base ${base}` });
    if (prev && (kind === 'offset' ? entry.offset <= prev.offset || entry.value <= prev.value : entry.offset < prev.offset || entry.value <= prev.value)) {
      problems.push({ position: at, offset: entry.offset, message: `${where}: does not increase from the entry before (offset ${prev.offset}, ${kind === 'offset' ? 'position' : 'timestamp'} ${prev.value})` });
    }
    if (segment) {
      if (kind === 'offset') {
        if (entry.value >= segment.size) problems.push({ position: at, offset: entry.offset, message: `${where}: position is past the end of the log (${segment.size} bytes)` });
        else if (segment.lastOffsetAt.get(entry.offset) !== entry.value) problems.push({ position: at, offset: entry.offset, message: `${where}: no batch ending at offset ${entry.offset} starts at that position` });
      } else {
        const max = segment.maxTimestampAt.get(entry.offset);
        if (max === undefined) problems.push({ position: at, offset: entry.offset, message: `${where}: no batch of the log ends at offset ${entry.offset}` });
        else if (max !== entry.value) problems.push({ position: at, offset: entry.offset, message: `${where}: the largest timestamp up to that batch is ${max}` });
      }
    }
    prev = entry;
  }
  return { path, kind, entries, problems };
}

function batchInfo(h: RecordBatchHeader, position: number): BatchInfo {
  return {
    position,
    size: h.sizeInBytes,
    baseOffset: h.baseOffset,
    lastOffset: h.lastOffset,
    count: h.recordsCount,
    magic: h.magic,
    crc: h.crc,
    crcValid: h.magic === RecordBatch.MAGIC && h.isCrcValid(),
    compression: compressionName(h.compression),
    timestampType: h.timestampTypeIsLogAppend ? 'LogAppendTime' : 'CreateTime',
    baseTimestamp: h.baseTimestamp,
    maxTimestamp: h.maxTimestamp,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    transactional: h.isTransactional,
    control: h.isControl,
    partitionLeaderEpoch: h.partitionLeaderEpoch,
  };
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

function readWhole(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    return readAt(fd, 0, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
