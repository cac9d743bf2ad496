import { RecordBatchHeader } from '../protocol/records/record-batch.js';
import { decodeRecords } from '../protocol/records/records.js';

/**
 * Record-level timestamp lookups inside one batch, for ListOffsets. Only these two queries decode
 * records on the storage side (the read path never does). A batch that cannot be decoded (it
 * passed CRC checks, so this means a codec problem) is answered at batch granularity rather than
 * failing the request.
 */

/** First record of the batch (alone in `batch`) with offset ≥ `minOffset` and timestamp ≥ `ts`. */
export function firstRecordAtOrAfter(batch: Buffer, ts: number, minOffset: number): { offset: number; timestamp: number } | null {
  const header = new RecordBatchHeader(batch, 0);
  if (header.timestampTypeIsLogAppend) {
    // Every record carries the batch's append time.
    if (header.maxTimestamp < ts || header.lastOffset < minOffset) return null;
    return { offset: Math.max(header.baseOffset, minOffset), timestamp: header.maxTimestamp };
  }
  try {
    for (const r of decodeRecords(batch)) {
      if (r.offset >= minOffset && r.timestamp >= ts) return { offset: r.offset, timestamp: r.timestamp };
    }
    return null;
  } catch {
    if (header.maxTimestamp < ts || header.lastOffset < minOffset) return null;
    return { offset: Math.max(header.baseOffset, minOffset), timestamp: header.maxTimestamp };
  }
}

/** Offset of the first record of the batch whose timestamp equals `ts` (its last offset when none). */
export function offsetOfTimestamp(batch: Buffer, ts: number): number {
  const header = new RecordBatchHeader(batch, 0);
  if (header.timestampTypeIsLogAppend) return header.baseOffset;
  try {
    for (const r of decodeRecords(batch)) if (r.timestamp === ts) return r.offset;
  } catch {
    // fall through to batch granularity
  }
  return header.lastOffset;
}
