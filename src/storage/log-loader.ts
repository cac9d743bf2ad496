import { join } from 'node:path';
import type { FileSystem } from './file-system.js';
import { DELETED_FILE_SUFFIX, LogSegment, SEGMENT_FILE_SUFFIXES, type SegmentSettings, segmentFileName } from './log-segment.js';
import { recoverInterruptedSwaps } from './segment-swap.js';
import type { LogRecovery, StorageLogger } from './storage-logger.js';

export interface LoadedLog {
  segments: LogSegment[];
  logStartOffset: number;
  logEndOffset: number;
  recoveryPoint: number;
  recovery: LogRecovery;
  /**
   * Lowest base offset of a segment whose `.txnindex` was damaged and emptied (Infinity when none):
   * the transaction index from there on must be rebuilt from the log.
   */
  txnIndexRebuildFrom: number;
  /** Offsets of the producer snapshot files found in the folder (see ProducerSnapshots). */
  snapshotOffsets: number[];
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
  /** `<topic>-<partition>`, for the log lines. */
  name: string;
  logger: StorageLogger;
}

const SEGMENT_LOG = /^(\d{20})\.log$/;
const SEGMENT_INDEX = /^(\d{20})\.(index|timeindex|txnindex)$/;
const SNAPSHOT = /^(\d{20})\.snapshot$/;

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
  const names: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    // Files of segments deleted less than file.delete.delay.ms before a crash or a stop: they
    // had already left the log (Kafka's LogLoader removes them the same way).
    if (name.endsWith(DELETED_FILE_SUFFIX)) fs.unlinkSync(join(dir, name));
    else names.push(name);
  }
  // A clean interrupted by a crash: its swap is finished (or its files dropped) before loading.
  const { swapped, replacedFiles, abandonedFiles } = recoverInterruptedSwaps(dir, fs, settings, now, p.name, p.logger);
  if (swapped.size + replacedFiles + abandonedFiles > 0) {
    names.length = 0;
    names.push(...fs.readdirSync(dir));
  }
  const bases: number[] = [];
  for (const name of names) {
    const m = SEGMENT_LOG.exec(name);
    if (m) bases.push(Number(m[1]));
  }
  bases.sort((a, b) => a - b);
  const present = new Set(bases);
  const txnIndexes = new Set<number>();
  const snapshotOffsets: number[] = [];
  for (const name of names) {
    // Index files without their log (a crash while deleting a segment) are strays.
    const m = SEGMENT_INDEX.exec(name);
    if (m && !present.has(Number(m[1]))) fs.unlinkSync(join(dir, name));
    else if (m && m[2] === 'txnindex') txnIndexes.add(Number(m[1]));
    const snap = SNAPSHOT.exec(name);
    if (snap) snapshotOffsets.push(Number(snap[1]));
  }

  let segments: LogSegment[] = [];
  const recovery: LogRecovery = { segmentsRecovered: 0, bytesTruncated: 0, recordsDropped: 0, segmentsDeleted: 0 };
  const say = (fields: Record<string, unknown>, message: string): void => p.logger.warn({ partition: p.name, ...fields }, `${p.name}: ${message}`);
  let truncatedAt = -1;
  for (let i = 0; i < bases.length; i++) {
    const segment = LogSegment.open(dir, bases[i], settings, fs, now, txnIndexes.has(bases[i]));
    segments.push(segment);
    const isLast = i === bases.length - 1;
    const nextBase = isLast ? Infinity : bases[i + 1];
    const unflushed = !p.cleanShutdown && nextBase > p.recoveryPoint;
    if (!unflushed && !swapped.has(bases[i]) && segment.loadIndexes()) {
      segment.txnIndex.truncateTo(segment.nextOffset);
      if (!isLast) segment.sealed = true;
      continue;
    }
    recovery.segmentsRecovered++;
    const cut = segment.recover();
    segment.txnIndex.truncateTo(segment.nextOffset);
    if (cut.bytes > 0) {
      recovery.bytesTruncated += cut.bytes;
      recovery.recordsDropped += cut.records;
      const file = segmentFileName(segment.baseOffset, '.log');
      say(
        { segment: file, offset: segment.nextOffset, position: segment.size, bytes: cut.bytes, records: cut.records },
        `recovery cut segment ${file} at offset ${segment.nextOffset} (byte ${segment.size}): ${cut.bytes} bytes and ${cut.records} whole records of a torn or corrupt tail removed`,
      );
      truncatedAt = i;
      break;
    }
    if (!isLast) segment.seal();
  }
  if (truncatedAt >= 0) {
    // Nothing after a corrupt or torn batch can be trusted: drop the later segments.
    const deleted: string[] = [];
    let bytes = 0;
    let records = 0;
    for (let i = truncatedAt + 1; i < bases.length; i++) {
      const later = LogSegment.open(dir, bases[i], settings, fs, now, false);
      bytes += later.size;
      records += later.recordsFrom(0);
      later.closeFd();
      for (const suffix of SEGMENT_FILE_SUFFIXES) {
        const path = join(dir, segmentFileName(bases[i], suffix));
        if (fs.existsSync(path)) fs.unlinkSync(path);
      }
      deleted.push(segmentFileName(bases[i], '.log'));
    }
    if (deleted.length > 0) {
      recovery.segmentsDeleted += deleted.length;
      recovery.bytesTruncated += bytes;
      recovery.recordsDropped += records;
      say(
        { segments: deleted, offset: segments[truncatedAt].nextOffset, bytes, records },
        `recovery deleted ${deleted.length} segment(s) after the cut at offset ${segments[truncatedAt].nextOffset} (${deleted.join(', ')}): ${bytes} bytes and ${records} records removed`,
      );
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
    // What is left lies wholly below the log start offset, so no readable record goes.
    const bytes = segments.reduce((n, s) => n + s.size, 0);
    say(
      { logStartOffset: p.logStartOffset, logEndOffset, segments: segments.length, bytes },
      `recovery found the log ending at offset ${logEndOffset}, before its checkpointed start offset ${p.logStartOffset}: ${segments.length} segment(s), ${bytes} bytes, deleted; the log restarts empty at ${p.logStartOffset}`,
    );
    recovery.segmentsDeleted += segments.length;
    recovery.bytesTruncated += bytes;
    for (const s of segments) void s.deleteFiles();
    segments = [LogSegment.create(dir, p.logStartOffset, settings, fs, now)];
    logStartOffset = p.logStartOffset;
    logEndOffset = p.logStartOffset;
  }
  // The recovery point only moves with an fsync, so after an unclean shutdown it stays where the
  // checkpoint put it even though the tail was validated.
  const recoveryPoint = p.cleanShutdown ? logEndOffset : Math.min(p.recoveryPoint, logEndOffset);
  let txnIndexRebuildFrom = Infinity;
  for (const s of segments) if (s.txnIndexDamaged) txnIndexRebuildFrom = Math.min(txnIndexRebuildFrom, s.baseOffset);
  return { segments, logStartOffset, logEndOffset, recoveryPoint, recovery, txnIndexRebuildFrom, snapshotOffsets };
}
