// Per-device tumbling windows by event time, closed by a watermark. Pure state, no I/O: the
// processor feeds readings in and publishes what comes out.
//
// The watermark of a partition is the latest event time seen in it: "readings older than this
// should have arrived by now". A window [start, start + 1 min) closes when the watermark passes
// its end plus the grace period; a reading for a window still open is counted even if it is
// late, a reading for a window already closed is dropped (and counted as dropped).
import { GRACE_MS, WINDOW_MS, type Reading, type WindowSummary } from './events.js';

interface Open {
  deviceId: string;
  windowStart: number;
  count: number;
  min: number;
  max: number;
  sum: number;
}

export class WindowState {
  /** Readings that arrived after their window had closed. */
  dropped = 0;
  /** Readings older than the watermark that were still counted (late, within grace). */
  lateCounted = 0;
  private readonly watermark = new Map<number, number>();
  /** partition -> "device|windowStart" -> open window */
  private readonly open = new Map<number, Map<string, Open>>();
  /** partition -> device -> start of the newest window closed */
  private readonly closedUpTo = new Map<number, Map<string, number>>();
  /** partition -> the watermark at which its earliest open window closes (saves scanning) */
  private readonly nextClose = new Map<number, number>();

  /** Adds a reading; returns the windows this partition's watermark closed. */
  add(partition: number, r: Reading): WindowSummary[] {
    const windowStart = r.at - (r.at % WINDOW_MS);
    const closed = this.closedUpTo.get(partition)?.get(r.deviceId) ?? -Infinity;
    const mark = this.watermark.get(partition) ?? -Infinity;
    if (windowStart <= closed) {
      this.dropped++;
    } else {
      if (r.at < mark) this.lateCounted++;
      const windows = this.open.get(partition) ?? new Map<string, Open>();
      this.open.set(partition, windows);
      const key = `${r.deviceId}|${windowStart}`;
      const w = windows.get(key) ?? { deviceId: r.deviceId, windowStart, count: 0, min: Infinity, max: -Infinity, sum: 0 };
      w.count++;
      w.min = Math.min(w.min, r.value);
      w.max = Math.max(w.max, r.value);
      w.sum += r.value;
      windows.set(key, w);
      this.nextClose.set(partition, Math.min(this.nextClose.get(partition) ?? Infinity, windowStart + WINDOW_MS + GRACE_MS));
    }
    if (r.at > mark) this.watermark.set(partition, r.at);
    return this.close(partition);
  }

  private close(partition: number): WindowSummary[] {
    const mark = this.watermark.get(partition) ?? -Infinity;
    const windows = this.open.get(partition);
    const out: WindowSummary[] = [];
    if (!windows || mark < (this.nextClose.get(partition) ?? Infinity)) return out;
    let next = Infinity;
    for (const [key, w] of windows) {
      if (w.windowStart + WINDOW_MS + GRACE_MS > mark) {
        next = Math.min(next, w.windowStart + WINDOW_MS + GRACE_MS);
        continue;
      }
      windows.delete(key);
      const closed = this.closedUpTo.get(partition) ?? new Map<string, number>();
      this.closedUpTo.set(partition, closed);
      closed.set(w.deviceId, Math.max(closed.get(w.deviceId) ?? -Infinity, w.windowStart));
      out.push({ deviceId: w.deviceId, windowStart: w.windowStart, count: w.count, min: w.min, max: w.max, sum: w.sum, mean: w.sum / w.count });
    }
    this.nextClose.set(partition, next);
    return out.sort((a, b) => a.windowStart - b.windowStart);
  }
}
