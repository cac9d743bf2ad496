import { join } from 'node:path';
import type { FileSystem } from './file-system.js';
import { LogSegment, type SegmentSettings, segmentFileName } from './log-segment.js';

export interface LoadedLog {
  segments: LogSegment[];
  logStartOffset: number;
  logEndOffset: number;
  recoveryPoint: number;
}

export interface LogLoadParams {
  dir: string;
  fs: FileSystem;
  now: number;
  settings: SegmentSettings;
  /** From recovery-point-offset-checkpoint; 0 when unknown (recover everything). */
  recoveryPoint: number;
  /** From log-start-offset-checkpoint; 0 when unknown. */
  logStartOffset: number;
  cleanShutdown: boolean;
}

const SEGMENT_LOG = /^(\d{20})\.log$/;
const SEGMENT_INDEX = /^(\d{20})\.(index|timeindex)$/;

/**
 * Kafka's LogLoader: opens the segments of one partition folder and brings them to a consistent
 * state. After a clean shutdown the index files are trusted (after a sanity check). Otherwise every
 * segment holding data at or after the recovery point is recovered: each batch is validated (size,
 * magic, CRC32C, increasing offsets), the indexes are rebuilt, and the first invalid byte ends the
 * log (the segment is truncated there and any later segment deleted: a torn write loses only what
 * was never acknowledged as durable). A segment before the recovery point whose index is missing
 * or corrupt is recovered the same way.
 */
export function loadLog(p: LogLoadParams): LoadedLog {
  const { dir, fs, now, settings } = p;
  fs.mkdirSync(dir);
  const names = fs.readdirSync(dir);
  const bases: number[] = [];
  for (const name of names) {
    const m = SEGMENT_LOG.exec(name);
    if (m) bases.push(Number(m[1]));
  }
  bases.sort((a, b) => a - b);
  const present = new Set(bases);
  for (const name of names) {
    // Index files without their log (a crash while deleting a segment) are strays.
    const m = SEGMENT_INDEX.exec(name);
    if (m && !present.has(Number(m[1]))) fs.unlinkSync(join(dir, name));
  }

  let segments: LogSegment[] = [];
  let truncatedAt = -1;
  for (let i = 0; i < bases.length; i++) {
    const segment = LogSegment.open(dir, bases[i], settings, fs, now);
    segments.push(segment);
    const isLast = i === bases.length - 1;
    const nextBase = isLast ? Infinity : bases[i + 1];
    const unflushed = !p.cleanShutdown && nextBase > p.recoveryPoint;
    if (!unflushed && segment.loadIndexes()) {
      if (!isLast) segment.sealed = true;
      continue;
    }
    const truncated = segment.recover();
    if (truncated > 0) {
      truncatedAt = i;
      break;
    }
    if (!isLast) segment.seal();
  }
  if (truncatedAt >= 0) {
    // Nothing after a corrupt or torn batch can be trusted: drop the later segments.
    for (let i = truncatedAt + 1; i < bases.length; i++) {
      for (const suffix of ['.log', '.index', '.timeindex'] as const) {
        const path = join(dir, segmentFileName(bases[i], suffix));
        if (fs.existsSync(path)) fs.unlinkSync(path);
      }
    }
    segments[truncatedAt].reactivate();
  }

  if (segments.length === 0) {
    segments = [LogSegment.create(dir, p.logStartOffset, settings, fs, now)];
  }
  let logEndOffset = segments[segments.length - 1].nextOffset;
  let logStartOffset = Math.max(p.logStartOffset, segments[0].baseOffset);
  if (logEndOffset < p.logStartOffset) {
    // Data the checkpoint says existed is gone: start empty at the checkpointed start offset.
    for (const s of segments) void s.deleteFiles();
    segments = [LogSegment.create(dir, p.logStartOffset, settings, fs, now)];
    logStartOffset = p.logStartOffset;
    logEndOffset = p.logStartOffset;
  }
  // The recovery point only moves with an fsync, so after an unclean shutdown it stays where the
  // checkpoint put it even though the tail was validated.
  const recoveryPoint = p.cleanShutdown ? logEndOffset : Math.min(p.recoveryPoint, logEndOffset);
  return { segments, logStartOffset, logEndOffset, recoveryPoint };
}
