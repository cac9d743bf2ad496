/**
 * Kafka's Throttler for `log.cleaner.io.max.bytes.per.second`: the cleaner reports the bytes it
 * reads and writes, and sleeps whenever it ran ahead of the allowed rate. The rate is checked
 * over windows of at least 100 ms, so short bursts are smoothed rather than each byte paced.
 * Infinity (Kafka's Double.MAX_VALUE default) never sleeps.
 */
export class CleanerThrottler {
  private windowStart: number;
  private windowBytes = 0;
  /** Total time slept, ms (for the cleaner's statistics). */
  sleptMs = 0;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((res) => setTimeout(res, ms)),
  ) {
    this.windowStart = now();
  }

  get unlimited(): boolean {
    return !Number.isFinite(this.bytesPerSecond) || this.bytesPerSecond >= Number.MAX_VALUE / 2;
  }

  async maybeThrottle(bytes: number): Promise<void> {
    if (this.unlimited) return;
    this.windowBytes += bytes;
    const elapsed = this.now() - this.windowStart;
    if (elapsed < CHECK_INTERVAL_MS && this.windowBytes < this.bytesPerSecond * (CHECK_INTERVAL_MS / 1000)) return;
    const due = (this.windowBytes / this.bytesPerSecond) * 1000;
    if (due > elapsed) {
      const wait = due - elapsed;
      this.sleptMs += wait;
      await this.sleep(wait);
    }
    this.windowStart = this.now();
    this.windowBytes = 0;
  }
}

const CHECK_INTERVAL_MS = 100;
