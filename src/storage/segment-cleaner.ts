import { join } from 'node:path';
import { KeptRecords, type RecordLayout, buildRetainedBatch, emptyBatch, recordsSection, scanRecords } from '../protocol/records/batch-compaction.js';
import { decodeControlRecordKey } from '../protocol/records/control-record.js';
import { BatchHeader, RecordBatchHeader, batchSizeAt } from '../protocol/records/record-batch.js';
import { type ActiveProducer, CleanedTxnState } from './cleaned-txn-state.js';
import type { CleanerThrottler } from './cleaner-throttler.js';
import { CLEANED_SUFFIX, type CleanTask, type CleanedGroup, type CleanerSegment, CleaningAbortedError, deleteCleanedFiles, emptyCleanerStats } from './clean-task.js';
import { type FileSystem, readFully } from './file-system.js';
import { LogSegment, segmentFileName } from './log-segment.js';
import type { OffsetMap } from './offset-map.js';

export interface SegmentCleanerOptions {
  fs: FileSystem;
  map: OffsetMap;
  /** log.cleaner.io.buffer.load.factor: the map is filled up to this fraction. */
  loadFactor: number;
  /** log.cleaner.io.buffer.size: bytes read at a time (grown for a larger batch). */
  ioBufferSize: number;
  throttler: CleanerThrottler;
  /** Throws when the clean must stop (the log is being deleted, the broker stops). */
  checkAborted: () => void;
}

const RETAIN = { DELETE: 0, DELETE_EMPTY: 1, RETAIN_EMPTY: 2 } as const;

/**
 * Kafka's Cleaner: one clean of one log, CPU and file work only (it runs in a worker thread).
 * First the offset map of the dirty section (key -> latest offset) is built, as far as the map's
 * memory allows; then every segment from the start of the log up to where the map reaches is
 * rewritten, in groups that fit one segment, keeping a record only if it is its key's latest (or
 * lies beyond the map), dropping tombstones and transaction markers whose delete horizon has
 * passed, and dropping the batches of aborted transactions. Offsets never change: the cleaned
 * log has gaps. Each group becomes `<base>.log.cleaned` with its indexes, fsynced; `onGroup`
 * swaps it in (on the main thread) before the next group starts.
 *
 * Two batches are always kept, emptied of their records if need be: the last batch of each
 * active producer (its sequence and epoch, Kafka's rule) and the last batch of each group, so that
 * a replacement segment ends exactly where the segments it replaces ended (Kafka keeps only the
 * last batch of the whole clean). That makes crash recovery of a swap exact: the old segments
 * are precisely those whose base offset lies in [base, nextOffset) of the `.swap` file.
 */
export class SegmentCleaner {
  readonly stats = emptyCleanerStats();
  private readBuf: Buffer;
  /** Base offset -> descriptor of each segment of the task, open for the whole clean. */
  private readonly fds = new Map<number, number>();

  constructor(private readonly o: SegmentCleanerOptions) {
    this.readBuf = Buffer.allocUnsafe(Math.max(BatchHeader.SIZE, o.ioBufferSize));
  }

  /** Cleans; returns the first offset not cleaned (the next first dirty offset). */
  async clean(task: CleanTask, onGroup: (group: CleanedGroup) => Promise<void>): Promise<number> {
    // Every segment is opened first: retention or DeleteRecords may unlink one meanwhile, and the
    // clean must still read it whole (its swap is then refused, the log having changed).
    for (const s of task.segments) {
      const path = join(task.dir, segmentFileName(s.baseOffset, '.log'));
      try {
        this.fds.set(s.baseOffset, this.o.fs.openSync(path, 'r'));
      } catch (err) {
        this.closeFiles();
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CleaningAbortedError(`${path} was deleted before the clean began`);
        throw err;
      }
    }
    try {
      return await this.cleanOpened(task, onGroup);
    } finally {
      this.closeFiles();
    }
  }

  private closeFiles(): void {
    for (const fd of this.fds.values()) this.o.fs.closeSync(fd);
    this.fds.clear();
  }

  private async cleanOpened(task: CleanTask, onGroup: (group: CleanedGroup) => Promise<void>): Promise<number> {
    const started = performance.now();
    await this.buildOffsetMap(task);
    this.stats.mapMs = performance.now() - started;
    const endOffset = this.o.map.latestOffset + 1;
    const segments = task.segments.filter((s) => s.baseOffset < endOffset);
    if (segments.length > 0) {
      const txn = new CleanedTxnState(task.abortedTxns.filter((t) => t.lastOffset >= segments[0].baseOffset));
      const producers = new Map(task.activeProducers);
      for (const group of groupSegmentsBySize(segments, task.segmentBytes, task.segmentIndexBytes, task.firstUncleanableOffset)) {
        await onGroup(await this.cleanGroup(task, group, txn, producers));
      }
    }
    this.stats.bufferUtilization = this.o.map.utilization;
    this.stats.totalMs = performance.now() - started;
    return endOffset;
  }

  /** Kafka's buildOffsetMap: the keys of [firstDirtyOffset, firstUncleanableOffset) until the map is full. */
  private async buildOffsetMap(task: CleanTask): Promise<void> {
    const { map } = this.o;
    map.clear();
    const start = task.firstDirtyOffset;
    const end = task.firstUncleanableOffset;
    const dirty = task.segments.filter((s, i) => s.baseOffset < end && (i + 1 >= task.segments.length || task.segments[i + 1].baseOffset > start));
    const txn = new CleanedTxnState(task.abortedTxns.filter((t) => t.lastOffset >= start));
    const maxEntries = Math.max(1, Math.floor(map.slots * this.o.loadFactor));
    for (let i = 0; i < dirty.length; i++) {
      const segment = dirty[i];
      const nextStart = i + 1 < dirty.length ? dirty[i + 1].baseOffset : end;
      const from = i === 0 && segment.baseOffset <= start ? task.firstDirtyPosition : 0;
      let full = false;
      await this.forEachBatch(task.dir, segment, from, (buf, pos, h) => {
        if (full) return false;
        this.stats.mapBytesRead += h.sizeInBytes;
        if (h.isControl) {
          txn.onControlBatch(h, controlType(buf, pos, h));
          this.stats.mapMessagesRead++;
        } else if (txn.onBatch(h)) {
          this.stats.mapMessagesRead += h.recordsCount;
        } else {
          const section = recordsSection(buf, pos, h);
          const base = h.baseOffset;
          scanRecords(section, h.recordsCount, (r) => {
            if (full) return;
            const offset = base + r.offsetDelta;
            if (r.keyLength >= 0 && offset >= start) {
              if (map.size >= maxEntries) {
                full = true;
                return;
              }
              map.put(section, r.keyStart, r.keyStart + r.keyLength, offset);
            }
            this.stats.mapMessagesRead++;
          });
          if (full) return false;
        }
        if (h.lastOffset >= start) map.updateLatestOffset(h.lastOffset);
        return true;
      });
      if (full) return;
      // Offsets between the last batch and the next segment (a gap left by an earlier clean) are covered too.
      map.updateLatestOffset(nextStart - 1);
    }
  }

  private async cleanGroup(task: CleanTask, group: CleanerSegment[], txn: CleanedTxnState, producers: Map<number, ActiveProducer>): Promise<CleanedGroup> {
    const { fs } = this.o;
    const base = group[0].baseOffset;
    const out = LogSegment.create(task.dir, base, { indexIntervalBytes: task.indexIntervalBytes, segmentIndexBytes: task.segmentIndexBytes }, fs, task.now, CLEANED_SUFFIX);
    txn.startSegment();
    try {
      for (let i = 0; i < group.length; i++) await this.cleanInto(task, group[i], out, txn, producers, i === group.length - 1);
      // Kafka's cleanedIndex: the aborted transactions whose ABORT markers the segment kept.
      for (const aborted of txn.keptAborted) out.txnIndex.append(aborted);
      out.seal();
      await out.flush();
    } catch (err) {
      out.closeFd();
      deleteCleanedFiles(fs, task.dir, base);
      throw err;
    }
    out.closeFd();
    return { baseOffset: base, replaced: group.map((s) => s.baseOffset), size: out.size, nextOffset: out.nextOffset, abortedTxns: [...txn.keptAborted] };
  }

  /** Kafka's cleanInto: the retained batches of `segment`, appended to `out`. */
  private async cleanInto(task: CleanTask, segment: CleanerSegment, out: LogSegment, txn: CleanedTxnState, producers: Map<number, ActiveProducer>, lastOfGroup: boolean): Promise<void> {
    const { map } = this.o;
    const now = task.now;
    const kept = new KeptRecords();
    const pending: Buffer[] = [];
    let pendingBytes = 0;
    const write = (b: Buffer): void => {
      pending.push(b);
      pendingBytes += b.length;
      this.stats.bytesWritten += b.length;
    };
    const flushPending = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      const bytes = pendingBytes;
      out.append(pending.length === 1 ? pending[0] : Buffer.concat(pending, bytes));
      pending.length = 0;
      pendingBytes = 0;
      await this.o.throttler.maybeThrottle(bytes);
    };
    await this.forEachBatch(task.dir, segment, 0, (buf, pos, h, isLast) => {
      this.stats.bytesRead += h.sizeInBytes;
      const size = h.sizeInBytes;
      const control = h.isControl;
      const type = control ? controlType(buf, pos, h) : null;
      const canDiscardBatch = control ? txn.onControlBatch(h, type) : txn.onBatch(h);
      const horizon = h.deleteHorizonMs;
      const discardRecords = control ? canDiscardBatch && horizon >= 0 && horizon <= now : canDiscardBatch;
      const retention =
        (h.producerId >= 0 && isLastBatchOfProducer(h, producers)) || (lastOfGroup && isLast)
          ? RETAIN.RETAIN_EMPTY
          : discardRecords
            ? RETAIN.DELETE
            : RETAIN.DELETE_EMPTY;
      if (retention === RETAIN.DELETE) {
        this.stats.messagesRead += h.recordsCount;
        return true;
      }
      const section = recordsSection(buf, pos, h);
      const baseTimestamp = h.baseTimestamp;
      kept.clear();
      let all = true;
      scanRecords(section, h.recordsCount, (r) => {
        this.stats.messagesRead++;
        if (!discardRecords && (control || this.shouldRetainRecord(map, h, r, section, horizon, now))) kept.add(r, baseTimestamp);
        else all = false;
      });
      if (kept.count > 0) {
        const needHorizon = (kept.hasTombstone || (canDiscardBatch && control)) && horizon < 0;
        if (all && !needHorizon) write(buf.subarray(pos, pos + size));
        else write(buildRetainedBatch(h, section, kept, { deleteHorizonMs: needHorizon ? now + task.deleteRetentionMs : -1 }));
        this.stats.messagesWritten += kept.count;
      } else if (retention === RETAIN.RETAIN_EMPTY) {
        write(emptyBatch(h));
      }
      return true;
    }, flushPending);
    await flushPending();
  }

  /** Kafka's shouldRetainRecord: the key's latest record, and not a tombstone past its horizon. */
  private shouldRetainRecord(map: OffsetMap, h: RecordBatchHeader, r: RecordLayout, section: Buffer, horizon: number, now: number): boolean {
    const offset = h.baseOffset + r.offsetDelta;
    if (offset > map.latestOffset) return true;
    if (r.keyLength < 0) {
      this.stats.invalidMessages++;
      return false;
    }
    const latest = offset >= map.get(section, r.keyStart, r.keyStart + r.keyLength);
    return latest && (r.valueLength >= 0 || horizon < 0 || now < horizon);
  }

  /**
   * Visits the whole batches of `segment` from byte `from`, reading io-buffer-sized blocks (a
   * batch larger than the buffer grows it). `visit` returns false to stop; `afterBlock` runs
   * after each block (writes, throttling). `isLast` marks the segment's final batch.
   */
  private async forEachBatch(
    dir: string,
    segment: CleanerSegment,
    from: number,
    visit: (buf: Buffer, pos: number, h: RecordBatchHeader, isLast: boolean) => boolean,
    afterBlock?: () => Promise<void>,
  ): Promise<void> {
    const { fs } = this.o;
    const path = join(dir, segmentFileName(segment.baseOffset, '.log'));
    const fd = this.fds.get(segment.baseOffset);
    if (fd === undefined) throw new Error(`${path} is not part of the clean`);
    let position = from;
    while (position < segment.size) {
      this.o.checkAborted();
      const want = Math.min(this.readBuf.length, segment.size - position);
      const n = readFully(fs, fd, this.readBuf, want, position);
      if (n < BatchHeader.LOG_OVERHEAD) throw new Error(`${path}: ${n} bytes at position ${position}, expected a batch`);
      await this.o.throttler.maybeThrottle(n);
      const buf = this.readBuf;
      let pos = 0;
      while (pos < n) {
        const size = batchSizeAt(buf, pos);
        if (size < 0 || pos + size > n) break;
        if (size < BatchHeader.SIZE) throw new Error(`${path}: invalid batch size ${size} at position ${position + pos}`);
        const h = new RecordBatchHeader(buf, pos);
        if (!visit(buf, pos, h, position + pos + size >= segment.size)) return;
        pos += size;
      }
      if (pos === 0) {
        // One batch larger than the buffer: grow to hold it (Kafka's growBuffers).
        const size = batchSizeAt(buf, 0);
        if (size < BatchHeader.SIZE || position + size > segment.size) throw new Error(`${path}: invalid batch size ${size} at position ${position}`);
        // The batch fits the buffer yet was not read whole: the file is shorter than planned.
        if (size <= buf.length) throw new Error(`${path}: ends at ${position + n}, inside the batch at position ${position}`);
        this.readBuf = Buffer.allocUnsafe(size);
        continue;
      }
      position += pos;
      if (afterBlock) await afterBlock();
    }
    if (this.readBuf.length > this.o.ioBufferSize) this.readBuf = Buffer.allocUnsafe(Math.max(BatchHeader.SIZE, this.o.ioBufferSize));
  }
}

/** The type of a control batch's marker, or null when the batch holds no record. */
function controlType(buf: Buffer, pos: number, h: RecordBatchHeader): number | null {
  if (h.recordsCount === 0) return null;
  const section = recordsSection(buf, pos, h);
  let type: number | null = null;
  let seen = false;
  scanRecords(section, h.recordsCount, (r) => {
    if (seen) return;
    seen = true;
    type = r.keyLength >= 0 ? (decodeControlRecordKey(section.subarray(r.keyStart, r.keyStart + r.keyLength))?.type ?? null) : null;
  });
  // An unreadable key is kept as an unknown control type (never discarded), as Kafka keeps it.
  return type ?? -1;
}

/** Kafka's isBatchLastRecordOfProducer. */
function isLastBatchOfProducer(h: RecordBatchHeader, producers: Map<number, ActiveProducer>): boolean {
  const last = producers.get(h.producerId);
  if (!last) return false;
  if (last.lastDataOffset >= 0) return h.lastOffset === last.lastDataOffset;
  return h.isControl && h.producerEpoch === last.producerEpoch;
}

/**
 * Kafka's groupSegmentsBySize: consecutive segments whose log bytes stay within `maxSize` and
 * whose index bytes stay within `maxIndexSize`, with every offset within int32 of the group's
 * base (estimated from the next segment's base, or `firstUncleanableOffset` for the last).
 */
export function groupSegmentsBySize(segments: readonly CleanerSegment[], maxSize: number, maxIndexSize: number, firstUncleanableOffset: number): CleanerSegment[][] {
  const groups: CleanerSegment[][] = [];
  let i = 0;
  while (i < segments.length) {
    const first = segments[i];
    const group = [first];
    let logSize = first.size;
    let indexSize = first.offsetIndexBytes;
    let timeIndexSize = first.timeIndexBytes;
    i++;
    while (i < segments.length) {
      const s = segments[i];
      const lastOffset = i + 1 < segments.length ? segments[i + 1].baseOffset - 1 : firstUncleanableOffset - 1;
      if (
        logSize + s.size > maxSize ||
        indexSize + s.offsetIndexBytes > maxIndexSize ||
        timeIndexSize + s.timeIndexBytes > maxIndexSize ||
        (s.size !== 0 && lastOffset - first.baseOffset > 0x7fffffff)
      ) {
        break;
      }
      group.push(s);
      logSize += s.size;
      indexSize += s.offsetIndexBytes;
      timeIndexSize += s.timeIndexBytes;
      i++;
    }
    groups.push(group);
  }
  return groups;
}
