// Groups (b): 50 members (50 connections) send JoinGroup at once to a new group consuming a
// 200-partition topic; the clock stops when every member has synced in one generation and the
// assignments cover every partition exactly once. Members heartbeat every second, so a rebalance
// that needs another round (members that joined after the first one completed) is found as a
// real client would find it. group.initial.rebalance.delay.ms is a broker setting: the caller
// starts one broker per value.
import { BenchClient, sleep } from './bench-client.js';
import { GroupMember } from './group-member.js';
import type { BrokerProcess } from './broker-process.js';

export interface JoinResult {
  ms: number;
  generation: number;
}

const MEMBERS = 50;
const PARTITIONS = 200;
const HEARTBEAT_MS = 1_000;
const TIMEOUT_MS = 60_000;

function complete(members: readonly GroupMember[]): boolean {
  const gen = members[0].generationId;
  const seen = new Uint8Array(PARTITIONS);
  for (const m of members) {
    if (!m.stable || m.generationId !== gen) return false;
    for (const p of m.assignment) {
      if (p < 0 || p >= PARTITIONS || seen[p]) return false;
      seen[p] = 1;
    }
  }
  return seen.every((x) => x === 1);
}

export async function groupJoin(broker: BrokerProcess): Promise<JoinResult> {
  const topic = 'group-join';
  const groupId = `bench-join-${Date.now()}`;
  const admin = await BenchClient.connect(broker, 'bench-join-admin');
  await admin.createTopic(topic, PARTITIONS);
  admin.close();

  const members: GroupMember[] = [];
  let doneAt = 0;
  let markDone: () => void = () => undefined;
  const done = new Promise<void>((res) => (markDone = res));
  try {
    const clients = await Promise.all(Array.from({ length: MEMBERS }, (_, i) => BenchClient.connect(broker, `bench-join-${i}`)));
    for (const client of clients) {
      members.push(
        new GroupMember(client, {
          groupId,
          topic,
          partitions: PARTITIONS,
          sessionTimeoutMs: 30_000,
          rebalanceTimeoutMs: 30_000,
          heartbeatIntervalMs: HEARTBEAT_MS,
          onEvent: (_m, e, at) => {
            if (e === 'synced' && doneAt === 0 && complete(members)) {
              doneAt = at;
              markDone();
            }
          },
        }),
      );
    }
    const start = performance.now();
    for (const m of members) {
      m.joinAndSync().then(
        () => m.startHeartbeats(),
        (err: unknown) => (m.failure ??= err as Error),
      );
    }
    const deadline = start + TIMEOUT_MS;
    while (doneAt === 0) {
      const failed = members.find((m) => m.failure);
      if (failed) throw failed.failure!;
      if (performance.now() > deadline) {
        const stable = members.filter((m) => m.stable).length;
        throw new Error(`not complete within ${TIMEOUT_MS} ms (${stable}/${MEMBERS} members synced)`);
      }
      await Promise.race([done, sleep(20)]);
    }
    return { ms: doneAt - start, generation: members[0].generationId };
  } finally {
    for (const m of members) m.kill();
  }
}
