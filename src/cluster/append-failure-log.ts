/** What AppendFailureLog needs of the broker's logger (a pino Logger fits). */
export interface FailureLogger {
  error(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

interface Episode {
  /** Failures since the first one of this episode. */
  total: number;
  /** Failures since the last line about them. */
  unreported: number;
  lastReportMs: number;
  latest: string;
}

/** How often a partition that keeps failing is reported, in ms. */
export const APPEND_FAILURE_REPORT_INTERVAL_MS = 60_000;

/**
 * Logs failed appends and fsyncs without flooding: while a disk is full every produce fails,
 * and a stack trace per request buries everything else. Per partition, the first failure is
 * logged in full (with its stack); later ones are counted and summed up in one line at most once
 * a minute (on the next failure after the minute, so no timer runs); the first success after
 * failures says how many there were and ends the episode, so the next failure is logged in full
 * again.
 */
export class AppendFailureLog {
  private readonly failing = new Map<string, Episode>();

  constructor(
    private readonly logger: FailureLogger,
    private readonly now: () => number = Date.now,
    private readonly intervalMs: number = APPEND_FAILURE_REPORT_INTERVAL_MS,
  ) {}

  failed(topic: string, partition: number, what: 'append' | 'fsync', err: unknown): void {
    const key = `${topic}-${partition}`;
    const now = this.now();
    const latest = err instanceof Error ? err.message : String(err);
    const episode = this.failing.get(key);
    if (!episode) {
      this.failing.set(key, { total: 1, unreported: 0, lastReportMs: now, latest });
      this.logger.error(
        { err, topic, partition },
        `${what} to ${key} failed; further failures of this partition are counted and reported at most every ${this.intervalMs / 1000} s until an append succeeds`,
      );
      return;
    }
    episode.total++;
    episode.unreported++;
    episode.latest = latest;
    if (now - episode.lastReportMs < this.intervalMs) return;
    this.logger.error(
      { topic, partition, failures: episode.unreported, total: episode.total, latest },
      `${key}: ${episode.unreported} more ${what} failures in the last ${Math.round((now - episode.lastReportMs) / 1000)} s (${episode.total} in all; latest: ${latest})`,
    );
    episode.unreported = 0;
    episode.lastReportMs = now;
  }

  /** Called after every successful append; costs one size check while nothing fails. */
  succeeded(topic: string, partition: number): void {
    if (this.failing.size === 0) return;
    const key = `${topic}-${partition}`;
    const episode = this.failing.get(key);
    if (!episode) return;
    this.failing.delete(key);
    this.logger.warn({ topic, partition, total: episode.total }, `${key}: appends succeed again after ${episode.total} failures`);
  }
}
