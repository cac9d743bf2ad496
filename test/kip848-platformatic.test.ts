// KIP-848 with a real client: @platformatic/kafka consumers with groupProtocol 'consumer'
// (ConsumerGroupHeartbeat, assignments computed by the broker, OffsetCommit/OffsetFetch with
// member epochs). Two consumers split a 4-partition topic, read each message exactly once, and
// commit what they read. Three consumers joining one by one get the uniform assignor's shares
// that librdkafka's test 0113 expects from Kafka. (The client sends no SubscribedTopicRegex, so
// regex subscriptions are tested on the wire in kip848-assignments.test.ts.)
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { TestBroker } from './helpers/broker.js';
import { FAST_CONSUMER_GROUPS } from './helpers/group-broker.js';
import { waitFor } from './helpers/wait-for.js';

const TOPIC = 'kip848-plat';
const GROUP = 'kip848-plat-group';

let tb: TestBroker;

before(async () => {
  tb = await TestBroker.start({ settings: FAST_CONSUMER_GROUPS });
});

after(async () => {
  await tb.cleanup();
});

test('two KIP-848 consumers split a topic and read each message exactly once', async () => {
  assert.equal((await tb.broker.cluster.createTopic(TOPIC, 4, {})).errorCode, 0);
  const groups = tb.broker.context.groups;
  const assigned = () => {
    const [g] = groups.inspectGroups({ groupId: GROUP });
    if (g === undefined || g.state !== 'Stable') return [];
    return g.members.map((m) => (m.assignment ?? []).flatMap((a) => a.partitions));
  };

  const consumers = [0, 1].map(
    (i) =>
      new Consumer({
        clientId: `kip848-${i}`,
        bootstrapBrokers: [tb.bootstrap],
        groupId: GROUP,
        groupProtocol: 'consumer',
        // Session and heartbeat interval are the broker's (group.consumer.* above) in KIP-848.
        maxWaitTime: 100,
        deserializers: stringDeserializers,
      }),
  );
  const producer = new Producer({ clientId: 'kip848-producer', bootstrapBrokers: [tb.bootstrap], serializers: stringSerializers });
  const read: { partition: number; value: string }[][] = [[], []];
  const streams = await Promise.all(consumers.map((c) => c.consume({ topics: [TOPIC], mode: 'committed', fallbackMode: 'earliest', autocommit: 100 })));
  try {
    /** Fetches each stream has completed; a stream has one fetch in flight at a time (one broker). */
    const fetches = [0, 0];
    streams.forEach((s, i) => {
      s.on('data', (m) => read[i].push({ partition: m.partition, value: m.value }));
      s.on('fetch', () => fetches[i]++);
    });
    await waitFor('two members with two partitions each', () => {
      const a = assigned();
      return a.length === 2 && a.every((p) => p.length === 2);
    }, 20_000, assigned);
    // The client stops fetching a revoked partition only once a fetch it sent before the
    // revocation returns (it does not drop records of revoked partitions): wait for both
    // clients to see their two partitions, then for such a fetch to end. The second fetch each
    // stream completes from then on was sent after the first, so after the revocation.
    const clientSide = () => consumers.map((c) => (c.assignments ?? []).reduce((n, a) => n + a.partitions.length, 0));
    await waitFor('both clients see two partitions', () => clientSide().every((n) => n === 2), 20_000, clientSide);
    const atRevocation = [...fetches];
    await waitFor('a fetch sent after the revocation to end on each client', () => fetches.every((n, i) => n >= atRevocation[i] + 2), 20_000, () => fetches);

    const sent = Array.from({ length: 40 }, (_, i) => `v${i}`);
    await producer.send({ messages: sent.map((value, i) => ({ topic: TOPIC, value, partition: i % 4 })) });
    await waitFor('40 messages read', () => read[0].length + read[1].length >= 40, 20_000, () => [read[0].length, read[1].length]);

    assert.deepEqual([...read[0], ...read[1]].map((r) => r.value).sort(), [...sent].sort(), 'each message read exactly once');
    const [p0, p1] = read.map((rs) => new Set(rs.map((r) => r.partition)));
    assert.equal(p0.size, 2);
    assert.equal(p1.size, 2);
    assert.ok([...p0].every((p) => !p1.has(p)), 'disjoint partitions');
    assert.equal(groups.inspectGroups({ groupId: GROUP })[0].type, 'consumer');
  } finally {
    await Promise.all(streams.map((s) => s.close()));
    await Promise.all(consumers.map((c) => c.close()));
    await producer.close();
  }
  await tb.broker.control.waitForLag0(GROUP, { topics: [TOPIC] });
  assert.deepEqual(groups.inspectGroups({ groupId: GROUP })[0].offsets.map((o) => o.committedOffset), [10, 10, 10, 10]);
  assert.equal(groups.inspectGroups({ groupId: GROUP })[0].state, 'Empty');
});

test('librdkafka 0113 with @platformatic/kafka: 6 partitions go {0,1,2}/{3,4,5}, then {0,1}/{3,4}/{2,5}', async () => {
  const topic = 'kip848-plat-0113';
  const group = 'kip848-plat-0113-group';
  assert.equal((await tb.broker.cluster.createTopic(topic, 6, {})).errorCode, 0);
  const consumers: Consumer<string, string, string, string>[] = [];
  const streams: { close(): Promise<void> }[] = [];
  /** Each consumer's partitions, in start order, once the group is stable. */
  const shape = () => {
    const [g] = tb.broker.context.groups.inspectGroups({ groupId: group });
    if (g === undefined || g.state !== 'Stable') return undefined;
    const byMember = new Map(g.members.map((m) => [m.memberId, (m.assignment ?? []).flatMap((a) => a.partitions).sort((x, y) => x - y)]));
    return consumers.map((c) => byMember.get(c.memberId ?? ''));
  };
  const start = async (i: number) => {
    const c = new Consumer({ clientId: `kip848-0113-${i}`, bootstrapBrokers: [tb.bootstrap], groupId: group, groupProtocol: 'consumer', maxWaitTime: 100, deserializers: stringDeserializers });
    consumers.push(c);
    streams.push(await c.consume({ topics: [topic], mode: 'latest' }));
  };
  const expect = (want: number[][]) => waitFor(JSON.stringify(want), () => JSON.stringify(shape()) === JSON.stringify(want), 20_000, shape);
  try {
    await start(0);
    await expect([[0, 1, 2, 3, 4, 5]]);
    await start(1);
    await expect([[0, 1, 2], [3, 4, 5]]);
    await start(2);
    await expect([[0, 1], [3, 4], [2, 5]]);
  } finally {
    await Promise.all(streams.map((s) => s.close()));
    await Promise.all(consumers.map((c) => c.close()));
  }
});
