import { join } from 'node:path';
import type { AbortedTxnInfo, ActiveProducer } from './cleaned-txn-state.js';
import type { FileSystem } from './file-system.js';
import { segmentFileName } from './log-segment.js';

/**
 * What crosses between the log cleaner (main thread) and its worker: a clean's task, the groups
 * it reports, its statistics, as plain data that structured cloning copies; and the names of the
 * files a clean writes.
 */

/** Suffix of the files of a replacement segment while the cleaner writes it (Kafka's). */
export const CLEANED_SUFFIX = '.cleaned';

/** One non-active segment as the cleaner plans with it. */
export interface CleanerSegment {
  baseOffset: number;
  /** Bytes to read: its size when the clean was planned (only the active segment grows). */
  size: number;
  /** Bytes of its offset and time indexes (8 and 12 per entry), for grouping. */
  offsetIndexBytes: number;
  timeIndexBytes: number;
}

/** Everything a clean needs, as plain data (it crosses to a worker thread). */
export interface CleanTask {
  dir: string;
  /** The log's segments below firstUncleanableOffset, oldest first (never the active one). */
  segments: CleanerSegment[];
  firstDirtyOffset: number;
  /** Where the batch holding firstDirtyOffset starts in its segment (from the offset index). */
  firstDirtyPosition: number;
  /** Exclusive; a segment boundary (Kafka's firstUncleanableOffset). */
  firstUncleanableOffset: number;
  /** Epoch ms the clean counts delete horizons from. */
  now: number;
  deleteRetentionMs: number;
  /** segment.bytes and segment.index.bytes: cleaned segments are grouped within them. */
  segmentBytes: number;
  segmentIndexBytes: number;
  indexIntervalBytes: number;
  /** Aborted transactions whose marker lies in the segments, by first offset (empty without transactions). */
  abortedTxns: AbortedTxnInfo[];
  /** Producers whose last batch must stay (Kafka's lastRecordsOfActiveProducers). */
  activeProducers: [producerId: number, producer: ActiveProducer][];
}

/** A replacement segment written as `<base>.log.cleaned` (+ indexes), fsynced, files closed. */
export interface CleanedGroup {
  baseOffset: number;
  /** Base offsets of the segments it replaces, in order; the first is baseOffset. */
  replaced: number[];
  size: number;
  /** Exclusive: the offset after its last batch, which is the last batch of the last replaced segment. */
  nextOffset: number;
  /** ABORT markers it keeps, for its transaction index. */
  abortedTxns: AbortedTxnInfo[];
}

/** Kafka's CleanerStats. */
export interface CleanerStats {
  mapBytesRead: number;
  mapMessagesRead: number;
  bytesRead: number;
  messagesRead: number;
  bytesWritten: number;
  messagesWritten: number;
  /** Records without a key (Kafka counts them as invalid and drops them). */
  invalidMessages: number;
  /** Fraction of the offset map used. */
  bufferUtilization: number;
  mapMs: number;
  totalMs: number;
}

export function emptyCleanerStats(): CleanerStats {
  return { mapBytesRead: 0, mapMessagesRead: 0, bytesRead: 0, messagesRead: 0, bytesWritten: 0, messagesWritten: 0, invalidMessages: 0, bufferUtilization: 0, mapMs: 0, totalMs: 0 };
}

/** Thrown by checkAborted; a clean that ends with it leaves no file behind. */
export class CleaningAbortedError extends Error {
  constructor(message = 'log cleaning aborted') {
    super(message);
    this.name = 'CleaningAbortedError';
  }
}

/** Removes the `.cleaned` files of the replacement segment at `base` (an abandoned clean). */
export function deleteCleanedFiles(fs: FileSystem, dir: string, base: number): void {
  for (const suffix of ['.log', '.index', '.timeindex', '.txnindex'] as const) {
    try {
      fs.unlinkSync(join(dir, segmentFileName(base, suffix as '.log') + CLEANED_SUFFIX));
    } catch {
      // not there (or a failing disk that recovery will clean up)
    }
  }
}
