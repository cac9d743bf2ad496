/**
 * A GroupLog kept in memory: for tests and for brokers that run without persistence. It can
 * also fail appends on purpose and hold them back, which is how tests check that responses wait
 * for durability.
 */
import type { GroupLog, GroupLogRecord } from './group-types.js';

export class MemoryGroupLog implements GroupLog {
  /** Every appended record, in order (the uncompacted log). */
  readonly records: GroupLogRecord[] = [];
  /** Number of upcoming appends to reject. */
  failNext = 0;
  private held: (() => void)[] | null = null;

  append(records: GroupLogRecord[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('injected append failure'));
    }
    const commit = (): void => {
      for (const r of records) this.records.push({ key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value) });
    };
    if (this.held !== null) {
      const queue = this.held;
      return new Promise((resolve) => queue.push(() => (commit(), resolve())));
    }
    commit();
    return Promise.resolve();
  }

  /** Appends stay pending until release(). */
  hold(): void {
    if (this.held === null) this.held = [];
  }

  /** Completes held appends in order. */
  release(): void {
    const queue = this.held ?? [];
    this.held = null;
    for (const done of queue) done();
  }

  /** What log compaction would keep: the last value per key, tombstones dropped, in log order. */
  compacted(): GroupLogRecord[] {
    const last = new Map<string, number>();
    this.records.forEach((r, i) => last.set(r.key.toString('hex'), i));
    return this.records.filter((r, i) => last.get(r.key.toString('hex')) === i && r.value !== null);
  }
}
