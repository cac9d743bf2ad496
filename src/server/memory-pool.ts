/**
 * The broker-wide budget for request bytes (Kafka's queued.max.request.bytes): a connection
 * reserves a request's size as soon as the size prefix has arrived and keeps it until the
 * response has been handed to the socket. A connection whose reservation is refused stops
 * reading and waits here; released bytes go to waiters in arrival order.
 *
 * Rule against deadlock: a request is admitted when it fits in what is free, or when nothing at
 * all is reserved, so one request larger than the pool (socket.request.max.bytes may exceed it)
 * is served alone rather than never. An admitted request never waits for memory again, so the
 * pool only stays full while its holders' clients stop sending. Invariant: `used` ≤ capacity,
 * except for that one lone request.
 */
export class MemoryPool {
  private usedBytes = 0;
  /** Insertion order is arrival order. */
  private readonly waiters = new Set<Waiter>();

  /** capacity in bytes; Infinity (or ≤ 0, Kafka's "unbounded") never refuses. */
  constructor(readonly capacity: number) {
    if (!(capacity > 0)) this.capacity = Infinity;
  }

  get used(): number {
    return this.usedBytes;
  }

  get waiting(): number {
    return this.waiters.size;
  }

  tryAllocate(bytes: number): boolean {
    if (this.usedBytes + bytes > this.capacity && this.usedBytes > 0) return false;
    this.usedBytes += bytes;
    return true;
  }

  /**
   * Reserves `bytes` once they fit and then calls `granted` (from a later release, never from
   * within this call). Returns a function that withdraws the request if it is still waiting.
   */
  waitFor(bytes: number, granted: () => void): () => void {
    const w: Waiter = { bytes, granted };
    this.waiters.add(w);
    return () => this.waiters.delete(w);
  }

  release(bytes: number): void {
    if (bytes <= 0) return;
    this.usedBytes -= bytes;
    if (this.usedBytes < 0) throw new Error(`memory pool released more than it lent (${this.usedBytes})`);
    if (this.waiters.size === 0) return;
    // Grant first, call back after: a callback may dispatch requests that release (and so
    // re-enter here) before this loop would have finished.
    const granted: Waiter[] = [];
    for (const w of this.waiters) {
      if (!this.tryAllocate(w.bytes)) continue; // a smaller request behind it may still fit
      this.waiters.delete(w);
      granted.push(w);
    }
    for (const w of granted) w.granted();
  }
}

interface Waiter {
  readonly bytes: number;
  readonly granted: () => void;
}
