// Latency samples of one kind of call, in milliseconds, summarised as percentiles.
import { quantileSorted } from '../../bench/stats.js';

export class Latencies {
  private readonly samples: number[] = [];

  /** Times `fn` and keeps the sample. */
  async time<T>(fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      this.samples.push(performance.now() - started);
    }
  }

  get count(): number {
    return this.samples.length;
  }

  quantile(q: number): number {
    return quantileSorted([...this.samples].sort((a, b) => a - b), q);
  }

  get p50(): number {
    return this.quantile(0.5);
  }

  get p99(): number {
    return this.quantile(0.99);
  }

  describe(): string {
    return `p50 ${this.p50.toFixed(1)} ms, p99 ${this.p99.toFixed(1)} ms over ${this.count} calls`;
  }
}
