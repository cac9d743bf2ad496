// Asking the cleaner for a clean in a test. Besides the cleans a test asks for, the cleaner looks
// for work by itself whenever a clean ends (as Kafka's cleaner threads do), so a partition the
// test has just made dirty may already be being cleaned, or be clean, when the test asks: both
// count as the clean the test wanted.
import assert from 'node:assert/strict';
import type { TestBroker } from './broker.js';
import { waitFor } from './wait-for.js';

export class CleanRequests {
  /** Cleans already counted, by identity (the cleaner's history is a bounded list of reports). */
  private readonly counted = new WeakSet<object>();

  constructor(private readonly tb: TestBroker) {}

  /** Cleans until no log needs it; returns where the last clean of `topic`-`partition` ended. */
  async clean(topic: string, partition = 0, rounds = 50): Promise<number> {
    const { cleaner, cluster } = this.tb.broker;
    const log = cluster.partition(topic, partition)?.log;
    assert.ok(log, `${topic}-${partition} exists`);
    await waitFor(`the clean of ${topic}-${partition} under way to end`, () => !cleaner.isCleaning(log));
    for (let i = 0; i < rounds; i++) if (!(await cleaner.cleanFilthiest())) break;
    const name = `${topic}-${partition}`;
    const cleans = cleaner.history.filter((r) => !this.counted.has(r) && r.partition === name);
    for (const r of cleaner.history) this.counted.add(r);
    assert.ok(cleans.length > 0, `${name} was cleaned`);
    return cleans[cleans.length - 1].endOffset;
  }
}
