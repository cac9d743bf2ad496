import type { LogSegment } from './log-segment.js';
import type { Scheduler } from './scheduler.js';

interface PendingDeletion {
  readonly segments: readonly LogSegment[];
  readonly cancel: () => void;
}

/**
 * The segments one log has let go of and not yet deleted (Kafka's asynchronous
 * deleteSegmentFiles): their files are renamed `.deleted` at once and unlinked
 * file.delete.delay.ms later, their descriptors open until then, so that a reader that took a
 * segment before it left the log (a fetch, the cleaner) never finds its file gone or its
 * descriptor reused by another file.
 */
export class SegmentDeleter {
  private readonly pending = new Set<PendingDeletion>();

  constructor(
    private readonly scheduler: Scheduler,
    /** A failed unlink, reported when the delayed deletion runs (the log's directory fails). */
    private readonly onError: (err: unknown) => void,
  ) {}

  /**
   * Renames the segments' files to `.deleted` (in the order given) and schedules their removal.
   * Throws if a rename fails; the descriptors of all the segments are then closed and the files
   * left for startup to remove.
   */
  deleteLater(segments: readonly LogSegment[], delayMs: number): void {
    if (segments.length === 0) return;
    try {
      for (const s of segments) s.markDeleted();
    } catch (err) {
      for (const s of segments) void s.release().catch(() => undefined);
      throw err;
    }
    const entry: PendingDeletion = {
      segments,
      cancel: this.scheduler.scheduleOnce(delayMs, () => {
        if (this.pending.delete(entry)) this.unlink(entry);
      }),
    };
    this.pending.add(entry);
  }

  /** Segments whose files are renamed and not yet removed (tests, metrics). */
  get pendingSegments(): number {
    let n = 0;
    for (const p of this.pending) n += p.segments.length;
    return n;
  }

  /** At a clean close no reader is left: everything pending is removed now. */
  async deleteAllNow(): Promise<void> {
    const all = [...this.pending];
    this.pending.clear();
    for (const p of all) p.cancel();
    await Promise.all(all.map((p) => this.unlink(p)));
  }

  /** After a crash or a failed directory: descriptors closed, files left for startup to remove. */
  abandon(): void {
    for (const p of this.pending) {
      p.cancel();
      for (const s of p.segments) void s.release().catch(() => undefined);
    }
    this.pending.clear();
  }

  private async unlink(p: PendingDeletion): Promise<void> {
    try {
      await Promise.all(p.segments.map((s) => s.deleteFiles()));
    } catch (err) {
      for (const s of p.segments) void s.release().catch(() => undefined);
      this.onError(err);
    }
  }
}
