/**
 * Warnings a client can cause at will (malformed frames, refused connections) are logged at
 * most once per interval per client address and message; the next line that gets through says
 * how many were suppressed in between. Without this a misbehaving or hostile client could fill
 * the disk with log lines, one per connection attempt.
 */
import type { Logger } from 'pino';

interface Entry {
  /** Until when (ms since the epoch) further lines for this key are suppressed. */
  until: number;
  suppressed: number;
}

export interface RateLimitedLogOptions {
  /** Default 10 s. */
  readonly intervalMs?: number;
  /** Keys remembered at most; when full, the least recently logged are forgotten. Default 10 000. */
  readonly maxKeys?: number;
  readonly now?: () => number;
}

export class RateLimitedLog {
  private readonly entries = new Map<string, Entry>();
  private readonly intervalMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(
    private readonly log: Logger,
    opts: RateLimitedLogOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 10_000;
    this.maxKeys = opts.maxKeys ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** A warning about `address` (a client IP): logged unless one with the same message was, recently. */
  warn(address: string, fields: Record<string, unknown>, msg: string): void {
    const key = `${address} ${msg}`;
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry && now < entry.until) {
      entry.suppressed++;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.log.warn(suppressed > 0 ? { ...fields, suppressed } : fields, msg);
    // Re-inserted so that the map's order is least recently logged first.
    this.entries.delete(key);
    if (this.entries.size >= this.maxKeys) this.evict(now);
    this.entries.set(key, { until: now + this.intervalMs, suppressed: 0 });
  }

  /** Forgets expired keys and, oldest first, live ones down to half the limit (amortised O(1)). */
  private evict(now: number): void {
    const keep = this.maxKeys >> 1;
    for (const [key, e] of this.entries) {
      if (e.until <= now || this.entries.size > keep) this.entries.delete(key);
    }
  }
}
