import { compactionDefaults } from './log-config.js';
import type { Log } from './log.js';
import type { LogSegment } from './log-segment.js';

/**
 * Kafka's LogCleanerManager rules, as plain functions over a log: which offsets of a log may be
 * cleaned now, how dirty it is, and which log to clean next.
 */

/** Kafka's OffsetsToClean. */
export interface OffsetsToClean {
  firstDirtyOffset: number;
  /** Exclusive bound: the min of the last stable offset, the active segment and min.compaction.lag.ms. */
  firstUncleanableDirtyOffset: number;
  /** The checkpointed offset was out of range and has been reset (the checkpoint must be rewritten). */
  forceUpdateCheckpoint: boolean;
}

/** Kafka's LogToClean: a candidate with its figures. */
export interface LogToClean {
  log: Log;
  firstDirtyOffset: number;
  /** Segment-aligned: the base offset of the first segment that cannot be cleaned. */
  firstUncleanableOffset: number;
  cleanBytes: number;
  cleanableBytes: number;
  totalBytes: number;
  cleanableRatio: number;
  /** max.compaction.lag.ms is exceeded: clean whatever the dirty ratio. */
  needCompactionNow: boolean;
  /** The segments as planned (identities checked again at swap time). */
  segments: readonly LogSegment[];
}

/**
 * Kafka's cleanableOffsets. The first dirty offset comes from the cleaner checkpoint, reset to the
 * log start offset when it is missing, below the log start (retention or DeleteRecords moved it)
 * or beyond the log end (the log lost its tail). Nothing at or after the last stable offset, the
 * active segment, or the first segment with a record younger than min.compaction.lag.ms is cleaned.
 */
export function cleanableOffsets(log: Log, checkpointed: number | undefined, lastStableOffset: number, now: number): OffsetsToClean {
  const start = log.logStartOffset;
  const wanted = checkpointed ?? start;
  let firstDirtyOffset = wanted;
  let forceUpdateCheckpoint = false;
  if (wanted < start || wanted > log.logEndOffset) {
    firstDirtyOffset = start;
    forceUpdateCheckpoint = true;
  }
  const { segments, active } = log.cleanableSegments();
  let bound = Math.min(lastStableOffset, active.baseOffset);
  const minLag = Math.max(log.settings.minCompactionLagMs ?? compactionDefaults.minCompactionLagMs, 0);
  if (minLag > 0) {
    for (const s of dirtyNonActive(segments, firstDirtyOffset)) {
      if (s.maxTimestampSoFar > now - minLag) {
        bound = Math.min(bound, s.baseOffset);
        break;
      }
    }
  }
  return { firstDirtyOffset, firstUncleanableDirtyOffset: Math.max(firstDirtyOffset, bound), forceUpdateCheckpoint };
}

/**
 * Kafka's maxCompactionDelay: how far past max.compaction.lag.ms the oldest dirty non-active
 * segment is (by its first batch's timestamp); 0 when it is not.
 */
export function maxCompactionDelay(log: Log, firstDirtyOffset: number, now: number): number {
  const maxLag = Math.max(log.settings.maxCompactionLagMs ?? compactionDefaults.maxCompactionLagMs, 0);
  if (!Number.isFinite(maxLag)) return 0;
  const { segments } = log.cleanableSegments();
  let earliest = Infinity;
  for (const s of dirtyNonActive(segments, firstDirtyOffset)) {
    if (s.rollingBasedTimestamp > 0) earliest = Math.min(earliest, s.rollingBasedTimestamp);
  }
  const cleanUntil = now - maxLag;
  return earliest < cleanUntil ? cleanUntil - earliest : 0;
}

/** Builds the candidate (Kafka's LogToClean with calculateCleanableBytes). */
export function logToClean(log: Log, offsets: OffsetsToClean, needCompactionNow: boolean): LogToClean {
  const { segments, active } = log.cleanableSegments();
  const activeBaseOffset = active.baseOffset;
  // The segment holding the uncleanable offset starts the uncleanable part (the first segment
  // when the offset lies below all of them, the active one when beyond).
  const uncleanable = offsets.firstUncleanableDirtyOffset;
  let firstUncleanableOffset = segments.length > 0 ? segments[0].baseOffset : activeBaseOffset;
  for (let i = segments.length - 1; i >= 0; i--) {
    if (segments[i].baseOffset <= uncleanable) {
      const next = i + 1 < segments.length ? segments[i + 1].baseOffset : activeBaseOffset;
      firstUncleanableOffset = uncleanable >= next ? next : segments[i].baseOffset;
      break;
    }
  }
  const firstDirty = offsets.firstDirtyOffset;
  // As Kafka's logSegments(from, to): the segments overlapping [from, to), the active one included.
  let cleanBytes = active.baseOffset < firstDirty ? active.size : 0;
  let cleanableBytes = 0;
  const from = Math.min(firstDirty, firstUncleanableOffset);
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    const end = i + 1 < segments.length ? segments[i + 1].baseOffset : activeBaseOffset;
    if (s.baseOffset < firstDirty) cleanBytes += s.size;
    if (end > from && s.baseOffset < firstUncleanableOffset) cleanableBytes += s.size;
  }
  const totalBytes = cleanBytes + cleanableBytes;
  return {
    log,
    firstDirtyOffset: firstDirty,
    firstUncleanableOffset,
    cleanBytes,
    cleanableBytes,
    totalBytes,
    cleanableRatio: totalBytes > 0 ? cleanableBytes / totalBytes : 0,
    needCompactionNow,
    segments,
  };
}

/**
 * Kafka's grabFilthiestCompactedLog filter and choice: among candidates with bytes, those past
 * max.compaction.lag.ms with something to clean, or dirtier than min.cleanable.dirty.ratio; the
 * dirtiest of them.
 */
export function filthiest(candidates: readonly LogToClean[]): LogToClean | undefined {
  let best: LogToClean | undefined;
  for (const c of candidates) {
    if (c.totalBytes <= 0) continue;
    const ratio = c.log.settings.minCleanableDirtyRatio ?? compactionDefaults.minCleanableDirtyRatio;
    if (!((c.needCompactionNow && c.cleanableBytes > 0) || c.cleanableRatio > ratio)) continue;
    if (!best || c.cleanableRatio > best.cleanableRatio) best = c;
  }
  return best;
}

/** Non-active segments holding offsets at or after `from` (Kafka's nonActiveLogSegmentsFrom). */
function* dirtyNonActive(segments: readonly LogSegment[], from: number): Generator<LogSegment> {
  for (let i = 0; i < segments.length; i++) {
    const next = i + 1 < segments.length ? segments[i + 1].baseOffset : Infinity;
    if (next > from) yield segments[i];
  }
}
