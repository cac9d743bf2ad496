/**
 * A GroupLog kept in memory: for tests and for brokers that run without persistence. It can
 * also fail appends on purpose and hold them back, which is how tests check that responses wait
 * for durability.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { MarkerResult, TxnMarker } from '../../cluster/partition.js';
import type { GroupLog, GroupLogEntry, GroupLogRecord, TxnProducer } from './group-types.js';

export class MemoryGroupLog implements GroupLog {
  /** Every appended record, in order (the uncompacted log). */
  readonly records: GroupLogRecord[] = [];
  /** Records and transaction markers, in order: what a replay reads. */
  readonly entries: GroupLogEntry[] = [];
  /** Refusal of the next transactional append (e.g. INVALID_PRODUCER_EPOCH), once. */
  refuseNextTransactional: ErrorCode = ErrorCode.NONE;
  /** Number of upcoming appends to reject. */
  failNext = 0;
  private held: (() => void)[] | null = null;

  append(records: GroupLogRecord[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('injected append failure'));
    }
    const commit = (): void => {
      for (const r of records) {
        const copy: GroupLogRecord = { key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value) };
        if (r.producerId !== undefined) copy.producerId = r.producerId;
        this.records.push(copy);
        this.entries.push(copy);
      }
    };
    if (this.held !== null) {
      const queue = this.held;
      return new Promise((resolve) => queue.push(() => (commit(), resolve())));
    }
    commit();
    return Promise.resolve();
  }

  appendTransactional(records: GroupLogRecord[], _groupId: string, producer: TxnProducer): Promise<ErrorCode> {
    const refused = this.refuseNextTransactional;
    if (refused !== ErrorCode.NONE) {
      this.refuseNextTransactional = ErrorCode.NONE;
      return Promise.resolve(refused);
    }
    return this.append(records.map((r) => ({ ...r, producerId: producer.producerId }))).then(() => ErrorCode.NONE);
  }

  writeMarker(partition: number, marker: TxnMarker): MarkerResult {
    this.entries.push({ marker: { partition, producerId: marker.producerId, commit: marker.commit } });
    return { errorCode: ErrorCode.NONE, errorMessage: null, offset: -1, flushed: undefined };
  }

  /** One partition unless a test says otherwise. */
  partitionFor: (groupId: string) => number = () => 0;

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
