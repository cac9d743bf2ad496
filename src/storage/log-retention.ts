import type { LogSegment } from './log-segment.js';

/** Whether a segment (given the one after it; none for the active segment) may be deleted. */
export type DeletionPredicate = (segment: LogSegment, next: LogSegment | undefined) => boolean;

/** A rule of Kafka's deleteOldSegments, with the words its log line uses. */
export interface RetentionRule {
  readonly reason: string;
  readonly predicate: DeletionPredicate;
}

/**
 * Kafka's deletableSegments: how many segments, from the oldest, satisfy the predicate, stopping
 * at the first that does not. The active segment counts too (a log whose every record expired
 * empties), except when it is empty. Kafka also stops at the high watermark, which on one node
 * is the log end offset, so that bound never binds here.
 */
export function countDeletable(segments: readonly LogSegment[], predicate: DeletionPredicate): number {
  let n = 0;
  while (n < segments.length) {
    const segment = segments[n];
    const next = segments[n + 1];
    if (!next && segment.size === 0) break;
    if (!predicate(segment, next)) break;
    n++;
  }
  return n;
}

/** Segments wholly below the log start offset (DeleteRecords moved it, or a checkpoint did). */
export function logStartOffsetBreach(logStartOffset: number): RetentionRule {
  return {
    reason: `log start offset ${logStartOffset} breach`,
    predicate: (_, next) => next !== undefined && next.baseOffset <= logStartOffset,
  };
}

/**
 * retention.bytes: the oldest segments while the log stays at or above the limit without them.
 * Null when the limit is off (negative) or not reached.
 */
export function retentionSizeBreach(logSize: number, retentionBytes: number): RetentionRule | null {
  if (retentionBytes < 0 || logSize < retentionBytes) return null;
  let excess = logSize - retentionBytes;
  return {
    reason: `retention size ${retentionBytes} bytes breach (log size ${logSize} bytes)`,
    predicate: (segment) => {
      if (excess - segment.size < 0) return false;
      excess -= segment.size;
      return true;
    },
  };
}

/**
 * retention.ms: segments whose largest record timestamp is older than `now - retentionMs`. A
 * segment whose records carry no timestamp counts from when it was opened (Kafka uses the file's
 * modification time). Null when retention.ms is -1.
 */
export function retentionMsBreach(now: number, retentionMs: number): RetentionRule | null {
  if (retentionMs < 0) return null;
  return {
    reason: `retention time ${retentionMs} ms breach (largest record timestamp older than that)`,
    predicate: (segment) => now - (segment.maxTimestampSoFar >= 0 ? segment.maxTimestampSoFar : segment.created) > retentionMs,
  };
}
