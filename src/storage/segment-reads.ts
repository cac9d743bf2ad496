import { BatchHeader, RecordBatchHeader, batchSizeAt } from '../protocol/records/record-batch.js';
import type { LogSegment } from './log-segment.js';
import { firstRecordAtOrAfter, offsetOfTimestamp } from './record-timestamps.js';

/**
 * The read paths of a log over its segment list (oldest first), as plain functions: the Log
 * checks its bounds and its directory and turns I/O errors into storage errors around them.
 */

export interface ReadInfo {
  batches: Buffer[];
  size: number;
}

/** Index of the segment holding `offset` (the last one whose base offset is ≤ it). */
export function segmentIndexFor(segments: readonly LogSegment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (segments[mid].baseOffset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Whole batches from the one holding `offset`: at most `maxBytes`, except that with
 * `minOneBatch` the first batch comes whole even if larger; nothing at or beyond `maxOffset`.
 */
export function readSegments(segments: readonly LogSegment[], offset: number, maxBytes: number, maxOffset: number, minOneBatch: boolean): ReadInfo {
  const batches: Buffer[] = [];
  let size = 0;
  for (let i = segmentIndexFor(segments, offset); i < segments.length; i++) {
    const segment = segments[i];
    const first = segment.translateOffset(offset);
    if (!first) continue;
    if (first.lastOffset >= maxOffset) break;
    const rest = segment.size - first.position;
    let want = Math.min(maxBytes - size, rest);
    if (first.size > want) {
      if (!(minOneBatch && batches.length === 0)) break;
      want = first.size;
    }
    const buf = segment.readAt(first.position, want);
    let pos = 0;
    let stop = false;
    while (pos < buf.length) {
      const batchSize = batchSizeAt(buf, pos);
      if (batchSize < BatchHeader.SIZE || pos + batchSize > buf.length) break;
      if (new RecordBatchHeader(buf, pos).lastOffset >= maxOffset) {
        stop = true;
        break;
      }
      batches.push(buf.subarray(pos, pos + batchSize));
      size += batchSize;
      pos += batchSize;
    }
    if (stop || pos < rest) break;
  }
  return { batches, size };
}

/** ListOffsets by timestamp: the first offset (≥ logStartOffset) whose record timestamp is ≥ `ts`. */
export function offsetForTimestamp(segments: readonly LogSegment[], logStartOffset: number, ts: number): { offset: number; timestamp: number } | null {
  for (let i = segmentIndexFor(segments, logStartOffset); i < segments.length; i++) {
    const segment = segments[i];
    if (segment.maxTimestampSoFar < ts) continue;
    // Records up to the time index entry's offset are all older than `ts`.
    const from = Math.max(segment.timeIndex.lookupBefore(ts).offset, logStartOffset);
    for (const b of segment.headersFrom(segment.offsetIndex.lookup(from).position)) {
      if (b.lastOffset < logStartOffset || b.maxTimestamp < ts) continue;
      const found = firstRecordAtOrAfter(segment.readAt(b.position, b.size), ts, logStartOffset);
      if (found) return found;
    }
  }
  return null;
}

/** ListOffsets MAX_TIMESTAMP: the record with the largest timestamp (first one on ties); -1/-1 when empty. */
export function maxTimestampAndOffset(segments: readonly LogSegment[]): { offset: number; timestamp: number } {
  let best: LogSegment | undefined;
  for (const s of segments) if (s.maxTimestampSoFar >= 0 && (!best || s.maxTimestampSoFar > best.maxTimestampSoFar)) best = s;
  if (!best) return { offset: -1, timestamp: -1 };
  const timestamp = best.maxTimestampSoFar;
  const batch = best.translateOffset(best.offsetOfMaxTimestampSoFar);
  const offset = batch ? offsetOfTimestamp(best.readAt(batch.position, batch.size), timestamp) : best.offsetOfMaxTimestampSoFar;
  return { offset, timestamp };
}
