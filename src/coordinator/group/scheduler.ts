/**
 * Clock and keyed timers for the group coordinator. Every timeout in the coordinator (session
 * expiry, rebalance and join delays, pending sync, offsets expiration) goes through this, so tests
 * drive time with ManualScheduler and never sleep.
 *
 * Keys identify a timer: scheduling a key that is already pending replaces it (Kafka's
 * CoordinatorTimer behaves the same), which is how a heartbeat "resets" a session timeout.
 */
export interface Scheduler {
  /** Milliseconds since the epoch. */
  now(): number;
  schedule(key: string, delayMs: number, fn: () => void): void;
  cancel(key: string): void;
}

/** Production scheduler on setTimeout. Timers are unref'd: they never keep the process alive. */
export class TimerScheduler implements Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  schedule(key: string, delayMs: number, fn: () => void): void {
    this.cancel(key);
    const timer = setTimeout(() => {
      // Only fire if this is still the timer registered under the key.
      if (this.timers.get(key) !== timer) return;
      this.timers.delete(key);
      fn();
    }, Math.max(0, delayMs));
    timer.unref();
    this.timers.set(key, timer);
  }

  cancel(key: string): void {
    const timer = this.timers.get(key);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.timers.delete(key);
    }
  }

  /** Cancels everything (coordinator shutdown). */
  cancelAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

interface ManualTimer {
  deadline: number;
  seq: number;
  fn: () => void;
}

/** Test scheduler: time moves only when advance() is called; due timers fire in deadline order. */
export class ManualScheduler implements Scheduler {
  private time: number;
  private seq = 0;
  private readonly timers = new Map<string, ManualTimer>();

  constructor(startMs = 1_700_000_000_000) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  schedule(key: string, delayMs: number, fn: () => void): void {
    this.timers.set(key, { deadline: this.time + Math.max(0, delayMs), seq: this.seq++, fn });
  }

  cancel(key: string): void {
    this.timers.delete(key);
  }

  has(key: string): boolean {
    return this.timers.has(key);
  }

  /** Keys of the pending timers. */
  pendingKeys(): string[] {
    return [...this.timers.keys()];
  }

  /**
   * Moves the clock forward by `ms`, firing every timer due on the way (including timers that
   * callbacks schedule inside the window), each with the clock set to its own deadline.
   */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let nextKey: string | undefined;
      let next: ManualTimer | undefined;
      for (const [key, t] of this.timers) {
        if (t.deadline > end) continue;
        if (next === undefined || t.deadline < next.deadline || (t.deadline === next.deadline && t.seq < next.seq)) {
          next = t;
          nextKey = key;
        }
      }
      if (next === undefined || nextKey === undefined) break;
      this.timers.delete(nextKey);
      this.time = Math.max(this.time, next.deadline);
      next.fn();
    }
    this.time = end;
  }
}
