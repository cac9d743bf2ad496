import type { LogSegment } from './log-segment.js';

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Whoever waits attaches its own handlers; a failure nobody waits for is not "unhandled".
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** The part of a Log the flusher reads and advances. */
export interface FlushedLog {
  /** Exclusive: what a flush started now would make durable. */
  readonly logEndOffset: number;
  /** Advanced by a flush that completes with no truncation in between. */
  recoveryPoint: number;
}

/**
 * The fsync side of one Log: flush.messages / flush.ms policy and group commit. While one fsync
 * runs, later callers share a single follow-up fsync, so N producers waiting on durability cost
 * at most two fsyncs rather than N. Only the event loop touches it; the promises settle later.
 */
export class LogFlusher {
  private flushing: { target: number; promise: Promise<void> } | null = null;
  private nextFlush: Deferred | null = null;
  private timedFlush: Deferred | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private lastFlushTime: number;
  /** Bumped by truncation, so a flush that started before it does not advance the recovery point. */
  private truncations = 0;

  constructor(
    private readonly log: FlushedLog,
    private readonly segments: () => readonly LogSegment[],
    private readonly now: () => number,
  ) {
    this.lastFlushTime = now();
  }

  /** The flush an append must wait for under flush.messages / flush.ms; undefined when none. */
  afterAppend(flushIntervalMessages: number, flushIntervalMs: number): Promise<void> | undefined {
    if (this.log.logEndOffset - this.log.recoveryPoint >= flushIntervalMessages) return this.flush();
    if (!Number.isFinite(flushIntervalMs)) return undefined;
    const delay = this.lastFlushTime + flushIntervalMs - this.now();
    if (delay <= 0) return this.flush();
    if (!this.timedFlush) {
      this.timedFlush = deferred();
      this.armTimedFlush(delay);
    }
    return this.timedFlush.promise;
  }

  /**
   * flush.ms changed (a dynamic topic config): the appends waiting for the timed flush wait by
   * the new setting, counted from the last flush, and at once when it was removed. Without this
   * they waited out the old interval, however long (a marker held that long keeps its
   * transaction in PrepareCommit, so its producer gets CONCURRENT_TRANSACTIONS).
   */
  retime(flushIntervalMs: number): void {
    if (!this.timedFlush) return;
    this.stopTimer();
    this.armTimedFlush(Number.isFinite(flushIntervalMs) ? this.lastFlushTime + flushIntervalMs - this.now() : 0);
  }

  private armTimedFlush(delayMs: number): void {
    this.flushTimer = setTimeout(() => {
      const waiters = this.timedFlush;
      this.flushTimer = null;
      this.timedFlush = null;
      if (waiters) this.flush().then(waiters.resolve, waiters.reject);
    }, Math.max(0, delayMs));
    // Not unref'd: someone awaits this flush, and the timer lives at most flush.ms.
  }

  /**
   * fsyncs everything appended so far and advances the recovery point (group commit). Appends
   * waiting for the flush.ms timer are covered by this flush, so they settle with it and the
   * timer goes: the next append starts a timer of its own.
   */
  flush(): Promise<void> {
    const promise = this.flushToEnd();
    const timed = this.timedFlush;
    if (timed) {
      this.stopTimer();
      this.timedFlush = null;
      promise.then(timed.resolve, timed.reject);
    }
    return promise;
  }

  private flushToEnd(): Promise<void> {
    const target = this.log.logEndOffset;
    if (this.flushing) {
      if (this.flushing.target >= target) return this.flushing.promise;
      this.nextFlush ??= deferred();
      return this.nextFlush.promise;
    }
    if (target <= this.log.recoveryPoint && !this.segments().some((s) => s.needsFlush)) return Promise.resolve();
    return this.startFlush(target);
  }

  private startFlush(target: number): Promise<void> {
    const truncations = this.truncations;
    this.lastFlushTime = this.now();
    const promise = Promise.all(
      this.segments()
        .filter((s) => s.needsFlush)
        .map((s) => s.flush()),
    )
      .then(() => {
        const log = this.log;
        if (truncations === this.truncations && target > log.recoveryPoint) log.recoveryPoint = Math.min(target, log.logEndOffset);
      })
      .finally(() => {
        this.flushing = null;
        const waiters = this.nextFlush;
        this.nextFlush = null;
        if (waiters) this.flush().then(waiters.resolve, waiters.reject);
      });
    this.flushing = { target, promise };
    return promise;
  }

  /** The log lost its tail: a flush in flight must not move the recovery point past it. */
  truncated(): void {
    this.truncations++;
  }

  /** The fsync in flight, if any. */
  get inFlight(): Promise<void> | undefined {
    return this.flushing?.promise;
  }

  /**
   * For a clean close: stops the flush.ms timer, runs `close` (which flushes) and then settles
   * the appends that waited on that timer with its outcome.
   */
  async closeWith(close: () => Promise<void>): Promise<void> {
    this.stopTimer();
    try {
      await close();
      this.timedFlush?.resolve();
    } catch (err) {
      this.timedFlush?.reject(err);
      throw err;
    } finally {
      this.timedFlush = null;
    }
  }

  /**
   * The log's directory failed: appends waiting for the flush.ms timer or for the next group
   * commit are rejected, since their records are not known to be durable. An fsync in flight
   * settles on its own.
   */
  fail(err: unknown): void {
    this.stopTimer();
    const waiters = [this.timedFlush, this.nextFlush];
    this.timedFlush = null;
    this.nextFlush = null;
    for (const w of waiters) w?.reject(err);
  }

  /** After delete() or a crash there is nothing left to flush: timed waiters are released. */
  cancel(): void {
    this.stopTimer();
    this.timedFlush?.resolve();
    this.timedFlush = null;
  }

  private stopTimer(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }
}
