// Snapshots of the balances view in the topic balance-snapshots, keyed by account. With
// compaction (cleanup.policy=compact) the broker keeps only the latest record per key, so the
// topic stays about as large as the number of accounts however long the ledger grows, and a new
// view starts from it instead of replaying every event since the beginning.
//
// A snapshot is every account's balance followed by one `position` record (the ledger offsets
// it reflects). Readers take the balances up to the last position record: a snapshot whose
// writer died half way has no position record yet and is ignored.
import { Producer, stringSerializers } from '@platformatic/kafka';
import type { Cluster } from '../shared/cluster.js';
import { GroupService } from '../shared/group-service.js';
import { waitUntil } from '../shared/wait.js';
import type { BalancesView } from './balances-view.js';
import { BALANCE_SNAPSHOTS, POSITION_KEY, type SnapshotRecord } from './events.js';

export interface Snapshot {
  balances: Map<string, number>;
  offsets: Map<number, bigint>;
  /** Records read to load it (with compaction: about one per account). */
  recordsRead: number;
}

/** Writes the view's current state (taken synchronously, so state and position agree). */
export async function writeSnapshot(cluster: Pick<Cluster, 'bootstrap' | 'topic'>, view: BalancesView): Promise<void> {
  const records: { key: string; value: SnapshotRecord }[] = [...view.state.balance].map(([accountId, balance]) => ({ key: accountId, value: { type: 'Balance', accountId, balance } }));
  records.push({ key: POSITION_KEY, value: { type: 'Position', offsets: Object.fromEntries([...view.position].map(([p, o]) => [String(p), String(o)])) } });
  const producer = new Producer<string, string, string, string>({ clientId: 'snapshotter', bootstrapBrokers: cluster.bootstrap, serializers: stringSerializers });
  try {
    for (let i = 0; i < records.length; i += 5000) {
      const chunk = records.slice(i, i + 5000);
      await producer.send({ messages: chunk.map((r) => ({ topic: cluster.topic(BALANCE_SNAPSHOTS), key: r.key, value: JSON.stringify(r.value) })), acks: -1 });
    }
  } finally {
    await producer.close();
  }
}

/**
 * Writes the position record of `snapshot` again (same key, same offsets: readers see the same
 * snapshot). On Brook as on Kafka the cleaner never touches the active segment, which holds the
 * latest snapshot until a later write, past segment.ms, rolls it: this is such a write.
 */
export async function rewritePosition(cluster: Pick<Cluster, 'bootstrap' | 'topic'>, snapshot: Snapshot): Promise<void> {
  const value: SnapshotRecord = { type: 'Position', offsets: Object.fromEntries([...snapshot.offsets].map(([p, o]) => [String(p), String(o)])) };
  const producer = new Producer<string, string, string, string>({ clientId: 'snapshotter', bootstrapBrokers: cluster.bootstrap, serializers: stringSerializers });
  try {
    await producer.send({ messages: [{ topic: cluster.topic(BALANCE_SNAPSHOTS), key: POSITION_KEY, value: JSON.stringify(value) }], acks: -1 });
  } finally {
    await producer.close();
  }
}

/** Reads balance-snapshots (one partition) to its end and returns the last complete snapshot. */
export async function loadSnapshot(cluster: Cluster, loaderGroup: string): Promise<Snapshot | undefined> {
  const topic = cluster.topic(BALANCE_SNAPSHOTS);
  const [listed] = await cluster.admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
  const end = listed?.partitions[0]?.offset ?? 0n;
  let read = 0;
  let lastOffset = -1n;
  const pending = new Map<string, number>();
  let complete: Snapshot | undefined;
  const loader = await GroupService.start<SnapshotRecord>({
    name: 'snapshot-loader',
    groupId: cluster.group(loaderGroup),
    topics: [topic],
    bootstrap: cluster.bootstrap,
    handle: (batch) => {
      for (const d of batch) {
        read++;
        lastOffset = d.offset;
        if (d.value.type === 'Balance') pending.set(d.value.accountId, d.value.balance);
        else {
          complete = { balances: new Map(pending), offsets: new Map(Object.entries(d.value.offsets).map(([p, o]) => [Number(p), BigInt(o)])), recordsRead: 0 };
        }
      }
    },
  });
  try {
    await waitUntil('the snapshot topic read to its end', () => lastOffset >= end - 1n, 120_000);
  } finally {
    await loader.stop();
  }
  return complete ? { ...(complete as Snapshot), recordsRead: read } : undefined;
}
