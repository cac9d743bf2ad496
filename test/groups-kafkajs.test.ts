// Consumer groups through kafkajs (classic protocol: FindCoordinator, JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, and the admin DescribeGroups, ListGroups,
// DeleteGroups): members split partitions, groups are independent, commits survive a broker
// restart, a leaving member triggers a rebalance, an empty group is rewound by admin.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { type Admin, type Consumer, type Kafka, type Producer } from 'kafkajs';
import { TestBroker } from './helpers/broker.js';
import { FAST_CLASSIC_GROUPS } from './helpers/group-broker.js';
import { waitFor } from './helpers/wait-for.js';

// kafkajs is CommonJS: its named exports are reachable only through the default export.
const { Kafka: KafkaClient, logLevel } = kafkajs;

interface Received {
  partition: number;
  offset: number;
  value: string;
}

/** One kafkajs consumer in a group, recording what it reads and its latest assignment. */
class Member {
  readonly received: Received[] = [];
  /** Partitions of the last completed join; null before the first. */
  assignment: number[] | null = null;
  joins = 0;
  readonly consumer: Consumer;

  constructor(kafka: Kafka, readonly groupId: string) {
    this.consumer = kafka.consumer({
      groupId,
      sessionTimeout: 3000,
      rebalanceTimeout: 4000,
      heartbeatInterval: 250,
      maxWaitTimeInMs: 200,
      retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      this.joins++;
      this.assignment = Object.values(e.payload.memberAssignment).flat().sort((a, b) => a - b);
    });
  }

  async start(topic: string): Promise<this> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [topic], fromBeginning: true });
    await this.consumer.run({
      autoCommitThreshold: 1,
      eachMessage: async ({ partition, message }) => {
        this.received.push({ partition, offset: Number(message.offset), value: message.value?.toString() ?? '' });
      },
    });
    return this;
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

let tb: TestBroker;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
const members: Member[] = [];

async function connectClients(): Promise<void> {
  kafka = new KafkaClient({ clientId: 'groups-test', brokers: [tb.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
}

async function disconnectClients(): Promise<void> {
  await Promise.all(members.splice(0).map((m) => m.stop()));
  await producer.disconnect();
  await admin.disconnect();
}

function member(groupId: string): Member {
  const m = new Member(kafka, groupId);
  members.push(m);
  return m;
}

async function stopMember(m: Member): Promise<void> {
  members.splice(members.indexOf(m), 1);
  await m.stop();
}

/** Produces `count` values `${prefix}-${i}` round-robin over `partitions`; returns the values. */
async function produce(topic: string, prefix: string, count: number, partitions: number, timestamp?: (i: number) => number): Promise<string[]> {
  const values = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await producer.send({
    topic,
    acks: -1,
    messages: values.map((value, i) => ({ value, partition: i % partitions, ...(timestamp ? { timestamp: String(timestamp(i)) } : {}) })),
  });
  return values;
}

async function createTopic(topic: string, numPartitions: number): Promise<void> {
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true }), true);
}

/** Waits until the group's committed offsets reach the end of every partition of the topic. */
function waitCommittedToEnd(groupId: string, topic: string): Promise<void> {
  return tb.broker.control.waitForLag0(groupId, { topics: [topic], timeoutMs: 20_000 });
}

const values = (rs: Received[]) => rs.map((r) => r.value).sort();

before(async () => {
  tb = await TestBroker.start({ settings: FAST_CLASSIC_GROUPS });
  await connectClients();
});

after(async () => {
  await disconnectClients().catch(() => undefined);
  await tb.cleanup();
});

test('two members of a group split a 4-partition topic and read each message exactly once', async () => {
  await createTopic('split', 4);
  const a = await member('split-group').start('split');
  await waitFor('a owns every partition', () => a.assignment?.length === 4);
  const b = await member('split-group').start('split');
  await waitFor('a and b own two partitions each', () => a.assignment?.length === 2 && b.assignment?.length === 2, 20_000, () => [a.assignment, b.assignment]);
  assert.deepEqual([...a.assignment!, ...b.assignment!].sort(), [0, 1, 2, 3]);

  const sent = await produce('split', 'm', 200, 4);
  await waitFor('200 messages read', () => a.received.length + b.received.length >= 200);
  assert.deepEqual(values([...a.received, ...b.received]), [...sent].sort(), 'each message read exactly once');
  assert.ok(a.received.every((r) => a.assignment!.includes(r.partition)));
  assert.ok(b.received.every((r) => b.assignment!.includes(r.partition)));
  assert.ok(a.received.length > 0 && b.received.length > 0);

  const { groups } = await admin.describeGroups(['split-group']);
  assert.equal(groups[0].state, 'Stable');
  assert.equal(groups[0].protocolType, 'consumer');
  assert.equal(groups[0].members.length, 2);
  assert.match(groups[0].members[0].clientHost, /^\/(127\.0\.0\.1|::1)$/);
  await waitCommittedToEnd('split-group', 'split');
});

test('two groups each read every message', async () => {
  await createTopic('fanout', 2);
  const sent = await produce('fanout', 'f', 40, 2);
  const x = await member('fanout-x').start('fanout');
  const y = await member('fanout-y').start('fanout');
  await waitFor('both groups read 40', () => x.received.length >= 40 && y.received.length >= 40);
  assert.deepEqual(values(x.received), [...sent].sort());
  assert.deepEqual(values(y.received), [...sent].sort());
});

test('committed offsets survive a broker restart: nothing skipped or re-delivered', async () => {
  await createTopic('durable', 3);
  const first = await produce('durable', 'before', 30, 3);
  const m1 = await member('durable-group').start('durable');
  await waitFor('30 read before the restart', () => m1.received.length >= 30);
  assert.deepEqual(values(m1.received), [...first].sort());
  await waitCommittedToEnd('durable-group', 'durable');

  await disconnectClients();
  await tb.restart();
  await connectClients();

  const second = await produce('durable', 'after', 30, 3);
  const m2 = await member('durable-group').start('durable');
  await waitFor('30 read after the restart', () => m2.received.length >= 30);
  assert.deepEqual(values(m2.received), [...second].sort(), 'exactly the messages produced after the restart');
  await waitCommittedToEnd('durable-group', 'durable');
});

test('a member that leaves triggers a rebalance that gives the survivor every partition', async () => {
  await createTopic('leaving', 4);
  const a = await member('leaving-group').start('leaving');
  const b = await member('leaving-group').start('leaving');
  await waitFor('two partitions each', () => a.assignment?.length === 2 && b.assignment?.length === 2);
  const joinsBefore = a.joins;
  await stopMember(b);
  await waitFor('a owns all four partitions', () => a.assignment?.length === 4, 20_000, () => a.assignment);
  assert.ok(a.joins > joinsBefore);
  const { groups } = await admin.describeGroups(['leaving-group']);
  assert.equal(groups[0].members.length, 1);

  const sent = await produce('leaving', 'l', 20, 4);
  await waitFor('a reads all 20', () => a.received.length >= 20);
  assert.deepEqual(values(a.received), [...sent].sort());
});

test('an empty group is rewound to the earliest offsets and to a timestamp', async () => {
  await createTopic('rewind', 2);
  const base1 = 1_700_000_000_000;
  const base2 = 1_700_000_100_000;
  const old = await produce('rewind', 'old', 10, 2, (i) => base1 + i);
  const recent = await produce('rewind', 'new', 10, 2, (i) => base2 + i);

  const read = async (expected: number): Promise<Received[]> => {
    const m = await member('rewind-group').start('rewind');
    await waitFor(`${expected} read`, () => m.received.length >= expected);
    await waitCommittedToEnd('rewind-group', 'rewind');
    await stopMember(m);
    return m.received;
  };
  assert.deepEqual(values(await read(20)), [...old, ...recent].sort());

  await admin.resetOffsets({ groupId: 'rewind-group', topic: 'rewind', earliest: true });
  const [reset] = await admin.fetchOffsets({ groupId: 'rewind-group', topics: ['rewind'] });
  // kafkajs commits Kafka's "earliest" sentinel (-2) and resolves it when it fetches.
  assert.deepEqual(reset.partitions.map((p) => p.offset).sort(), ['-2', '-2']);
  assert.deepEqual(values(await read(20)), [...old, ...recent].sort(), 're-read everything once');

  const byTime = await admin.fetchTopicOffsetsByTimestamp('rewind', base2);
  assert.deepEqual(byTime.map((p) => p.offset).sort(), ['5', '5']);
  await admin.setOffsets({ groupId: 'rewind-group', topic: 'rewind', partitions: byTime.map((p) => ({ partition: p.partition, offset: p.offset })) });
  assert.deepEqual(values(await read(10)), [...recent].sort(), 'only the records at or after the timestamp');
});

test('describeGroups, listGroups and deleteGroups', async () => {
  await createTopic('admin-groups', 1);
  await produce('admin-groups', 'a', 5, 1);
  const m = await member('admin-group').start('admin-groups');
  await waitFor('5 read', () => m.received.length >= 5);
  await waitCommittedToEnd('admin-group', 'admin-groups');

  const described = (await admin.describeGroups(['admin-group', 'no-such-group'])).groups;
  assert.equal(described[0].state, 'Stable');
  assert.equal(described[0].protocol, 'RoundRobinAssigner');
  assert.equal(described[0].members[0].clientId, 'groups-test');
  assert.equal(described[1].state, 'Dead');
  assert.equal((described[1] as { errorCode?: number }).errorCode, 0);

  const listed = (await admin.listGroups()).groups;
  assert.ok(listed.some((g) => g.groupId === 'admin-group' && g.protocolType === 'consumer'));

  await assert.rejects(admin.deleteGroups(['admin-group']), (err: Error & { groups?: { errorCode: number }[] }) => err.groups?.[0]?.errorCode === 68);
  await stopMember(m);
  assert.equal((await admin.describeGroups(['admin-group'])).groups[0].state, 'Empty');
  const deleted = await admin.deleteGroups(['admin-group']);
  assert.deepEqual(deleted.map((d) => [d.groupId, d.errorCode]), [['admin-group', 0]]);
  assert.ok(!(await admin.listGroups()).groups.some((g) => g.groupId === 'admin-group'));
  const [offsets] = await admin.fetchOffsets({ groupId: 'admin-group', topics: ['admin-groups'] });
  assert.deepEqual(offsets.partitions.map((p) => p.offset), ['-1']);
  await assert.rejects(admin.deleteGroups(['admin-group']), (err: Error & { groups?: { errorCode: number }[] }) => err.groups?.[0]?.errorCode === 69);
});
