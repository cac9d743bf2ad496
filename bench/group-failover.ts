// Groups (a): failover of a classic group. Two members on a 4-partition topic (session timeout
// 10 s, heartbeat every 1 s) while a producer keeps writing to every partition. Member A dies
// (socket destroyed, no LeaveGroup); the clock runs until B has seen the rebalance, rejoined,
// synced, and fetched a record from a partition A owned. A is killed half a heartbeat interval
// after its last heartbeat. Parts: detection (session expiry plus B's next heartbeat),
// rebalance (JoinGroup + SyncGroup), first record.
import { BenchClient, sleep, recordsOf } from './bench-client.js';
import { buildRecordBatch } from '../src/protocol/records/records.js';
import { batchesOf } from '../src/protocol/records/record-batch.js';
import { GroupMember, type MemberEvent } from './group-member.js';
import type { BrokerProcess } from './broker-process.js';

export interface FailoverResult {
  /** How long before the kill A's last heartbeat was answered. */
  sinceHeartbeatMs: number;
  totalMs: number;
  detectMs: number;
  rebalanceMs: number;
  firstRecordMs: number;
}

const PARTITIONS = 4;
const SESSION_TIMEOUT_MS = 10_000;
const HEARTBEAT_MS = 1_000;
const PRODUCE_EVERY_MS = 10;
const SETUP_TIMEOUT_MS = 30_000;
const FAILOVER_TIMEOUT_MS = 40_000;

export async function groupFailover(broker: BrokerProcess): Promise<FailoverResult> {
  const topic = 'group-failover';
  const groupId = `bench-failover-${Date.now()}`;
  const admin = await BenchClient.connect(broker, 'bench-failover-producer');
  const topicId = await admin.createTopic(topic, PARTITIONS);

  // The producer: one small record per partition every 10 ms, for as long as the test runs.
  let producing = true;
  const producer = (async () => {
    const value = Buffer.alloc(100, 65);
    for (let i = 0; producing && i < 100_000; i++) {
      await Promise.all(
        Array.from({ length: PARTITIONS }, (_, p) => admin.produce(topic, p, buildRecordBatch({ records: [{ value }] }), 1)),
      );
      await sleep(PRODUCE_EVERY_MS);
    }
  })();

  const times = new Map<MemberEvent, number>();
  const members: GroupMember[] = [];
  try {
    for (const name of ['a', 'b']) {
      const client = await BenchClient.connect(broker, `bench-failover-${name}`);
      members.push(
        new GroupMember(client, {
          groupId,
          topic,
          partitions: PARTITIONS,
          sessionTimeoutMs: SESSION_TIMEOUT_MS,
          rebalanceTimeoutMs: SESSION_TIMEOUT_MS,
          heartbeatIntervalMs: HEARTBEAT_MS,
          onEvent: (m, e, at) => {
            if (m === members[1] && !times.has(e)) times.set(e, at);
          },
        }),
      );
    }
    const [a, b] = members;
    await Promise.all(members.map((m) => m.joinAndSync()));
    for (const m of members) m.startHeartbeats();
    // Joining at once may take two rounds; wait for one generation holding both members.
    const setupDeadline = performance.now() + SETUP_TIMEOUT_MS;
    while (!(a.stable && b.stable && a.generationId === b.generationId && a.assignment.length === 2 && b.assignment.length === 2)) {
      for (const m of members) if (m.failure) throw m.failure;
      if (performance.now() > setupDeadline) throw new Error('the two members never shared a generation');
      await sleep(50);
    }
    // A crash lands anywhere between two heartbeats: kill A half an interval after its last
    // successful one, so that expiry is due 9.5 s after the kill.
    await sleep(2 * HEARTBEAT_MS);
    const before = a.lastHeartbeatAt;
    for (let i = 0; i < 3 * HEARTBEAT_MS && a.lastHeartbeatAt === before; i++) await sleep(1);
    await sleep(Math.max(0, a.lastHeartbeatAt + HEARTBEAT_MS / 2 - performance.now()));
    const owned = [...a.assignment];

    times.clear();
    const killedAt = performance.now();
    const sinceHeartbeat = killedAt - a.lastHeartbeatAt;
    a.kill();
    const deadline = killedAt + FAILOVER_TIMEOUT_MS;
    while (!(times.has('synced') && b.stable && owned.every((p) => b.assignment.includes(p)))) {
      if (b.failure) throw b.failure;
      if (performance.now() > deadline) throw new Error(`B did not take over within ${FAILOVER_TIMEOUT_MS} ms`);
      await sleep(5);
    }
    const syncedAt = times.get('synced')!;
    const seenAt = times.get('rebalance') ?? times.get('joined') ?? syncedAt;

    // A consumer resumes where it has no committed offset at the log end; the next record is
    // at most PRODUCE_EVERY_MS away.
    const partition = owned[0];
    const from = await b.client.latestOffset(topic, partition);
    let gotAt = 0;
    while (gotAt === 0 && performance.now() < deadline) {
      const p = await b.client.fetchOne({ name: topic, id: topicId }, partition, from, { maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20 });
      for (const batch of batchesOf(recordsOf(p))) if (batch.lastOffset >= from) gotAt = performance.now();
    }
    if (gotAt === 0) throw new Error('B never fetched a record from the partition A owned');
    return { sinceHeartbeatMs: sinceHeartbeat, totalMs: gotAt - killedAt, detectMs: seenAt - killedAt, rebalanceMs: syncedAt - seenAt, firstRecordMs: gotAt - syncedAt };
  } finally {
    producing = false;
    await producer.catch(() => undefined);
    for (const m of members) m.kill();
    admin.close();
  }
}
