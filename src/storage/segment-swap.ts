import { join } from 'node:path';
import type { FileSystem } from './file-system.js';
import { LogSegment, type SegmentSettings, segmentFileName } from './log-segment.js';
import { CLEANED_SUFFIX } from './clean-task.js';
import type { StorageLogger } from './storage-logger.js';

/**
 * The crash-safe swap of a cleaned segment, Kafka's `.cleaned` / `.swap` protocol, both halves:
 * the steps the live log takes and the recovery that finishes or discards an interrupted swap.
 *
 * 1. The cleaner writes `<base>.log.cleaned` and its indexes and fsyncs them.
 * 2. Commit: the cleaned files are renamed `.swap`, the indexes first and the log file last.
 *    The log file's rename is the commit point: before it, recovery deletes every `.cleaned`
 *    (and index `.swap`) file and the old segments stand; after it, recovery finishes the swap.
 * 3. The replaced segments' files are removed.
 * 4. The `.swap` files are renamed to their final names, indexes first, log file last.
 *
 * Recovery of `<base>.log.swap`: the replaced segments are exactly the segment files whose base
 * offset lies in [base, end of the swap file), because a cleaned segment always ends with the last
 * batch of the last segment it replaces (see SegmentCleaner); they are deleted, with any index of
 * `base` (the new segment's indexes are rebuilt from its log), and the swap file takes its final
 * name. A kill -9 at any point thus leaves the old segment set or the new one, never a mix.
 *
 * Renames and unlinks in one directory reach the disk in order on journaling file systems (ext4,
 * XFS), so a power loss also leaves a prefix of these steps; the directory is fsynced once the
 * swap is done.
 */

export const SWAP_SUFFIX = '.swap';

/** The files of a segment, in the order they are renamed: indexes first, the log file (commit point) last. */
const RENAME_ORDER = ['.index', '.timeindex', '.txnindex', '.log'] as const;
const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex|txnindex)$/;
const SWAP_LOG = /^(\d{20})\.log\.swap$/;

/** Step 2: the commit rename of the cleaned segment at `base` (missing index files are skipped). */
export function commitCleanedSegment(fs: FileSystem, dir: string, base: number): void {
  renameSegmentFiles(fs, dir, base, CLEANED_SUFFIX, SWAP_SUFFIX);
}

/** Step 4: the swapped segment at `base` takes its final names. */
export function finishSwap(fs: FileSystem, dir: string, base: number): void {
  renameSegmentFiles(fs, dir, base, SWAP_SUFFIX, '');
}

function renameSegmentFiles(fs: FileSystem, dir: string, base: number, from: string, to: string): void {
  for (const suffix of RENAME_ORDER) {
    const name = join(dir, segmentFileName(base, suffix as '.log'));
    if (suffix !== '.log' && !fs.existsSync(name + from)) continue;
    fs.renameSync(name + from, name + to);
  }
}

export interface SwapRecovery {
  /** Base offsets of segments completed from a `.swap` file: their indexes must be rebuilt. */
  swapped: Set<number>;
  /** Old segment files deleted to finish swaps. */
  replacedFiles: number;
  /** `.cleaned` and orphan `.swap` files of abandoned cleans removed. */
  abandonedFiles: number;
}

/**
 * Run before a partition folder's segments are loaded: removes what abandoned cleans left and
 * finishes every committed swap (see the file comment). Synchronous, like the rest of loading.
 */
export function recoverInterruptedSwaps(dir: string, fs: FileSystem, settings: SegmentSettings, now: number, name: string, logger: StorageLogger): SwapRecovery {
  const result: SwapRecovery = { swapped: new Set(), replacedFiles: 0, abandonedFiles: 0 };
  let names = fs.readdirSync(dir);
  const swaps: number[] = [];
  for (const file of names) {
    const m = SWAP_LOG.exec(file);
    if (m) swaps.push(Number(m[1]));
  }
  const committed = new Set(swaps);
  for (const file of names) {
    const isOrphanSwap = file.endsWith(SWAP_SUFFIX) && !SWAP_LOG.test(file) && !committed.has(Number(file.slice(0, 20)));
    if (file.endsWith(CLEANED_SUFFIX) || isOrphanSwap) {
      fs.unlinkSync(join(dir, file));
      result.abandonedFiles++;
    }
  }
  if (swaps.length === 0) return result;
  swaps.sort((a, b) => a - b);
  names = fs.readdirSync(dir);
  for (const base of swaps) {
    const end = swapEndOffset(dir, base, fs, settings, now);
    const replaced: string[] = [];
    for (const file of names) {
      const m = SEGMENT_FILE.exec(file);
      if (!m) continue;
      const b = Number(m[1]);
      if (b >= base && b < end) {
        fs.unlinkSync(join(dir, file));
        if (m[2] === 'log') replaced.push(file);
        result.replacedFiles++;
      }
    }
    // The new segment's indexes are rebuilt from its log; its own .swap indexes go too.
    for (const suffix of ['.index', '.timeindex', '.txnindex'] as const) {
      const path = join(dir, segmentFileName(base, suffix as '.log') + SWAP_SUFFIX);
      if (fs.existsSync(path)) fs.unlinkSync(path);
    }
    const log = join(dir, segmentFileName(base, '.log'));
    fs.renameSync(log + SWAP_SUFFIX, log);
    result.swapped.add(base);
    names = fs.readdirSync(dir);
    logger.warn(
      { partition: name, segment: segmentFileName(base, '.log'), replaced, endOffset: end },
      `${name}: recovery finished an interrupted swap of cleaned segment ${segmentFileName(base, '.log')} (offsets ${base} to ${end - 1}), replacing ${replaced.length} segment(s)`,
    );
  }
  return result;
}

/** Exclusive end offset of the batches in `<base>.log.swap` (base when it holds none). */
function swapEndOffset(dir: string, base: number, fs: FileSystem, settings: SegmentSettings, now: number): number {
  const segment = LogSegment.open(dir, base, settings, fs, now, false, SWAP_SUFFIX);
  try {
    let end = base;
    for (const b of segment.headersFrom(0)) end = b.lastOffset + 1;
    return end;
  } finally {
    segment.closeFd();
  }
}
