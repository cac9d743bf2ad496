// Static membership (KIP-345) with kcat/librdkafka members carrying group.instance.id. A static
// member that restarts within its session timeout gets its partitions back without a rebalance
// (same generation, the other member undisturbed); a second process with the same instance id
// fences the first (FENCED_INSTANCE_ID, fatal in librdkafka); a static member that stays away
// longer than its session timeout is removed and its partitions move.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Producer } from 'kafkajs';
import type { Broker, GroupInspection } from '../src/index.js';
import { KcatMember } from './fixtures/group-member-kcat.js';
import { startGroupBroker, type GroupBroker } from './helpers/group-broker.js';
import { waitFor } from './helpers/wait-for.js';

const TOPIC = 'static';
const GROUP = 'static-group';
const PARTITIONS = 4;
const SESSION_MS = 6000;

let groupBroker: GroupBroker;
let broker: Broker;
let producer: Producer;
const members: KcatMember[] = [];
/** Records produced so far per partition (= its log end offset). */
const produced = new Map<number, number>();

before(async () => {
  groupBroker = await startGroupBroker('static-test', { [TOPIC]: PARTITIONS });
  broker = groupBroker.broker;
  producer = groupBroker.kafka.producer();
  await producer.connect();
});

after(async () => {
  await Promise.all(members.map((m) => m.kill()));
  await producer.disconnect();
  await groupBroker.stop();
});

function member(instanceId: string): KcatMember {
  const m = new KcatMember({
    bootstrap: broker.bootstrap,
    groupId: GROUP,
    topics: [TOPIC],
    props: { 'group.instance.id': instanceId, 'session.timeout.ms': SESSION_MS },
  });
  members.push(m);
  return m;
}

async function produceRound(perPartition: number): Promise<void> {
  const messages = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const base = produced.get(p) ?? 0;
    for (let i = 0; i < perPartition; i++) messages.push({ partition: p, value: `p${p}-o${base + i}` });
    produced.set(p, base + perPartition);
  }
  await producer.send({ topic: TOPIC, acks: -1, messages });
}

function group(): GroupInspection {
  const g = broker.groups(GROUP)[0];
  assert.ok(g, 'the group exists');
  return g;
}

function staticMember(instanceId: string): { memberId: string; partitions: string[] } | undefined {
  const m = group().members.find((x) => x.groupInstanceId === instanceId);
  if (!m) return undefined;
  return { memberId: m.memberId, partitions: (m.assignment ?? []).flatMap((a) => a.partitions.map((p) => `${a.topic}-${p}`)).sort() };
}

function partitionNumbers(tps: readonly string[]): number[] {
  return tps.map((tp) => Number(tp.slice(tp.lastIndexOf('-') + 1)));
}

/** Until `m` has read its partitions up to their log end offsets. */
async function caughtUp(m: KcatMember, partitions: readonly number[]): Promise<void> {
  await waitFor(`kcat to read partitions ${partitions.join(',')} to the end`, () =>
    partitions.every((p) => m.offsets(TOPIC, p).at(-1) === (produced.get(p) ?? 0) - 1),
  );
}

/** Until the group's committed offsets reach the log end everywhere (librdkafka auto-commits). */
function allCommitted(): Promise<void> {
  return broker.control.waitForLag0(GROUP, { topics: [TOPIC] });
}

let a: KcatMember;
let c: KcatMember;
let generation: number;
let assignmentA: string[];
let assignmentC: string[];

test('a static member that restarts within its session timeout keeps its partitions without a rebalance', async () => {
  // a forms the group alone before c starts. With no initial rebalance delay, whichever process
  // joins first gets a generation of its own; were that c, c's first assignment would be revoked
  // when a joins, which the assertions below would take for a rebalance caused by the restart.
  // This order also makes a the leader, so the restart tested is the leader's (KIP-814: it is
  // told to skip assigning).
  a = member('inst-a');
  await waitFor('a group of a alone, owning every partition', () => a.owned().length === PARTITIONS, 15_000, () => broker.groups(GROUP));
  c = member('inst-c');
  await waitFor(
    'a stable group of two static members, two partitions each',
    () => {
      const g = broker.groups(GROUP)[0];
      return g?.state === 'Stable' && g.members.length === 2 && a.owned().length === 2 && c.owned().length === 2;
    },
    15_000,
    () => broker.groups(GROUP),
  );
  generation = group().generationId;
  const before = { a: staticMember('inst-a')!, c: staticMember('inst-c')! };
  assignmentA = before.a.partitions;
  assignmentC = before.c.partitions;
  assert.deepEqual(a.owned(), assignmentA, "kcat's view matches the coordinator's");
  assert.deepEqual(c.owned(), assignmentC);
  assert.equal(a.memberId(), before.a.memberId);
  assert.equal(group().leader, before.a.memberId, 'a, which formed the group, leads it');

  await produceRound(10);
  await caughtUp(a, partitionNumbers(assignmentA));
  await caughtUp(c, partitionNumbers(assignmentC));
  await allCommitted();

  // A clean shutdown of a static member sends no LeaveGroup: the coordinator keeps its place.
  await a.stop();
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(group().members.length, 2, 'the static member is still in the group');
  assert.equal(group().generationId, generation);

  await produceRound(10);
  const a2 = member('inst-a');
  await waitFor('the restarted member to get its partitions', () => a2.owned().length > 0, 10_000, () => a2.stderr);
  await caughtUp(a2, partitionNumbers(assignmentA));
  await caughtUp(c, partitionNumbers(assignmentC));

  const g = group();
  assert.equal(g.state, 'Stable');
  assert.equal(g.generationId, generation, 'no rebalance: the generation is unchanged');
  assert.equal(g.members.length, 2);
  const after = { a: staticMember('inst-a')!, c: staticMember('inst-c')! };
  assert.notEqual(after.a.memberId, before.a.memberId, 'the restarted process has a new member id');
  assert.equal(after.a.memberId, a2.memberId());
  assert.equal(g.leader, after.a.memberId, 'the restarted leader still leads, under its new id');
  assert.deepEqual(after.a.partitions, assignmentA, 'same partitions as before the restart');
  assert.deepEqual(a2.owned(), assignmentA);
  assert.deepEqual(after.c, before.c, 'the other member is untouched');
  assert.deepEqual(
    c.rebalances.map((r) => r.kind),
    ['assigned'],
    'the other member saw no rebalance',
  );
  // The restarted member resumes at its committed offsets: records 10..19 of its partitions.
  for (const p of partitionNumbers(assignmentA)) {
    assert.deepEqual(a2.offsets(TOPIC, p), Array.from({ length: 10 }, (_, i) => 10 + i), `partition ${p}`);
  }
  for (const p of partitionNumbers(assignmentC)) {
    assert.deepEqual(c.offsets(TOPIC, p), Array.from({ length: 20 }, (_, i) => i), `partition ${p}`);
  }
});

test('a second process with the same group.instance.id fences the first', async () => {
  const a2 = members.at(-1)!;
  assert.ok(a2.running);
  const fencedId = a2.memberId();
  const a3 = member('inst-a');
  const exit = await a2.exited;
  assert.notEqual(exit.code, 0, 'librdkafka treats FENCED_INSTANCE_ID as fatal');
  assert.match(a2.stderr, /fenced by other consumer with same group\.instance\.id/i);
  await waitFor('the new process to get the partitions', () => a3.owned().length > 0, 10_000, () => a3.stderr);

  const g = group();
  assert.equal(g.generationId, generation, 'fencing is not a rebalance');
  assert.equal(g.members.length, 2);
  const now = staticMember('inst-a')!;
  assert.equal(now.memberId, a3.memberId());
  assert.notEqual(now.memberId, fencedId);
  assert.deepEqual(now.partitions, assignmentA);
  assert.deepEqual(a3.owned(), assignmentA);
  assert.deepEqual(staticMember('inst-c')!.partitions, assignmentC);
  assert.deepEqual(
    c.rebalances.map((r) => r.kind),
    ['assigned'],
  );
});

test('a static member away longer than its session timeout is removed and its partitions move', async () => {
  const a3 = members.at(-1)!;
  await a3.kill();
  const killedAt = Date.now();
  await waitFor('the other member to own every partition', () => c.owned().length === PARTITIONS, SESSION_MS + 10_000, () => c.stderr);
  const elapsed = Date.now() - killedAt;
  assert.ok(elapsed >= SESSION_MS - 1500, `partitions moved after ${elapsed} ms, before the session (${SESSION_MS} ms) could expire`);
  const g = group();
  assert.equal(g.members.length, 1);
  assert.equal(g.members[0].groupInstanceId, 'inst-c');
  assert.ok(g.generationId > generation, 'a rebalance this time');
  assert.deepEqual(staticMember('inst-c')!.partitions, [0, 1, 2, 3].map((p) => `${TOPIC}-${p}`));
});
