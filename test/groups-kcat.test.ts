// librdkafka's balanced consumer (kcat -G, classic protocol) against Brook: two processes in one
// group split a 4-partition topic, read every message exactly once between them, and commit
// what they read when they close.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { KcatMember } from './fixtures/group-member-kcat.js';
import { TestBroker } from './helpers/broker.js';
import { FAST_CLASSIC_GROUPS } from './helpers/group-broker.js';
import { assertKcatOk, kcatProduce } from './helpers/kcat.js';
import { waitFor } from './helpers/wait-for.js';

/** librdkafka settings of these members, over the fixture's defaults (which commit every 200 ms). */
const MEMBER_PROPS = { 'session.timeout.ms': 3000, 'heartbeat.interval.ms': 250, 'fetch.wait.max.ms': 100 };

function member(bootstrap: string, groupId: string, topic: string): KcatMember {
  return new KcatMember({ bootstrap, groupId, topics: [topic], props: MEMBER_PROPS });
}

let tb: TestBroker;
const running: KcatMember[] = [];

before(async () => {
  tb = await TestBroker.start({ settings: FAST_CLASSIC_GROUPS });
});

after(async () => {
  await Promise.all(running.map((m) => m.stop()));
  await tb.cleanup();
});

test('two kcat -G processes split a topic and together read each message exactly once', async () => {
  const created = await tb.broker.cluster.createTopic('kcat-split', 4, {});
  assert.equal(created.errorCode, 0);
  const groups = tb.broker.context.groups;
  const assignedCounts = () => {
    const [g] = groups.inspectGroups({ groupId: 'kcat-group' });
    return g === undefined || g.state !== 'Stable' ? [] : g.members.map((m) => (m.assignment ?? []).reduce((n, a) => n + a.partitions.length, 0));
  };

  running.push(member(tb.bootstrap, 'kcat-group', 'kcat-split'), member(tb.bootstrap, 'kcat-group', 'kcat-split'));
  const [a, b] = running;
  await waitFor('two members with two partitions each', () => {
    const counts = assignedCounts();
    return counts.length === 2 && counts.every((n) => n === 2);
  }, 30_000, () => ({ counts: assignedCounts(), a: a.stderr, b: b.stderr }));

  const sent: string[] = [];
  for (let p = 0; p < 4; p++) {
    const values = Array.from({ length: 25 }, (_, i) => `p${p}-${i}`);
    assertKcatOk(await kcatProduce(tb.bootstrap, 'kcat-split', values.map((value) => ({ value })), { partition: p }), `produce p${p}`);
    sent.push(...values);
  }
  await waitFor('100 messages read', () => a.records.length + b.records.length >= 100, 30_000, () => [a.records.length, b.records.length]);

  const ra = [...a.records];
  const rb = [...b.records];
  const read = [...ra, ...rb].map((r) => r.value).sort();
  assert.deepEqual(read, [...sent].sort(), 'each message read exactly once');
  const pa = new Set(ra.map((r) => r.partition));
  const pb = new Set(rb.map((r) => r.partition));
  assert.equal(pa.size, 2);
  assert.equal(pb.size, 2);
  assert.ok([...pa].every((p) => !pb.has(p)), 'disjoint partitions');

  // A clean close commits what was read and leaves the group.
  await Promise.all(running.splice(0).map((m) => m.stop()));
  const [fetched] = groups.fetchOffsets([{ groupId: 'kcat-group', topics: [{ name: 'kcat-split', partitionIndexes: [0, 1, 2, 3] }], memberId: null, memberEpoch: -1 }]);
  assert.deepEqual(fetched.topics[0].partitions.map((p) => p.committedOffset), [25, 25, 25, 25]);
  assert.equal(groups.describeGroups(['kcat-group'])[0].groupState, 'Empty');
});
