// A consumer group of @platformatic/kafka consumers (classic protocol): two members split a
// 4-partition topic and together read every message exactly once, committing each; after they
// leave, a new member resumes at the committed offsets, stops half way, and the next one picks
// up exactly where that one committed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer, MessagesStreamFallbackModes, MessagesStreamModes, Producer, stringDeserializers, stringSerializers, type Message } from '@platformatic/kafka';
import type { Broker } from '../src/index.js';
import { startGroupBroker, type GroupBroker } from './helpers/group-broker.js';
import { waitFor } from './helpers/wait-for.js';

const TOPIC = 'platformatic-orders';
const GROUP = 'platformatic-group';
const PARTITIONS = 4;

type StringMessage = Message<string, string, string, string>;

interface Read {
  partition: number;
  offset: number;
  value: string;
}

let group: GroupBroker;
let broker: Broker;
let producer: Producer<string, string, string, string>;
let sent = 0;
/** Consumers still open when a test fails; `after` closes them so the file can exit. */
const open = new Set<Consumer<string, string, string, string>>();

before(async () => {
  group = await startGroupBroker('platformatic-test-admin', { [TOPIC]: PARTITIONS });
  broker = group.broker;
  producer = new Producer({ clientId: 'platformatic-test-producer', bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers });
});

after(async () => {
  for (const c of open) await new Promise<void>((resolve) => c.close(true, () => resolve()));
  await producer.close();
  await group.stop();
});

function consumer(clientId: string): Consumer<string, string, string, string> {
  const c = new Consumer<string, string, string, string>({
    clientId,
    groupId: GROUP,
    bootstrapBrokers: [broker.bootstrap],
    deserializers: stringDeserializers,
    sessionTimeout: 10_000,
    heartbeatInterval: 300,
    maxWaitTime: 100,
  });
  open.add(c);
  return c;
}

/**
 * Leaves the group, then closes. c1's leave starts a rebalance, and c2's next heartbeat
 * (REBALANCE_IN_PROGRESS, as Kafka answers) sends it rejoining. close() alone does not stop a
 * rejoin under way (@platformatic/kafka 1.x and 2.x): it retries against the closed client
 * (4 x 4 attempts, a second apart) and then emits "rejoinGroup failed 4 times" after the test.
 * leaveGroup() marks the membership inactive first, which ends such a rejoin at its next step.
 */
async function leaveAndClose(c: Consumer<string, string, string, string>): Promise<void> {
  await c.leaveGroup();
  await c.close();
}

/** Group offsets where committed, else the beginning; commits are the test's own. */
function fromCommitted() {
  return { topics: [TOPIC], mode: MessagesStreamModes.COMMITTED, fallbackMode: MessagesStreamFallbackModes.EARLIEST, autocommit: false };
}

/** `count` messages over 40 keys (so every partition gets some); values are unique. */
async function produce(count: number): Promise<string[]> {
  const values: string[] = [];
  const messages = [];
  for (let i = 0; i < count; i++, sent++) {
    values.push(`order-${sent}`);
    messages.push({ topic: TOPIC, key: `customer-${sent % 40}`, value: `order-${sent}` });
  }
  await producer.send({ messages, acks: -1 });
  return values;
}

function assignment(c: Consumer<string, string, string, string>): number[] {
  return (c.assignments ?? []).filter((a) => a.topic === TOPIC).flatMap((a) => a.partitions).sort((a, b) => a - b);
}

function brokerAssignment(clientId: string): number[] {
  const m = broker.groups(GROUP)[0]?.members.find((x) => x.clientId === clientId);
  return (m?.assignment ?? []).flatMap((a) => a.partitions).sort((a, b) => a - b);
}

function endOffsets(): Map<number, number> {
  const t = broker.cluster.topic(TOPIC);
  assert.ok(t);
  return new Map(t.partitions.map((p, i) => [i, p.highWatermark]));
}

function assertCommittedToEnd(): void {
  const g = broker.groups(GROUP)[0];
  const ends = endOffsets();
  assert.equal(g.offsets.length, PARTITIONS);
  for (const o of g.offsets) {
    assert.equal(o.committedOffset, ends.get(o.partition), `partition ${o.partition} committed to its end`);
    assert.equal(o.lag, 0);
  }
}

/** Offsets strictly increase within each partition, in reading order. */
function assertInOrder(reads: readonly Read[], who: string): void {
  const last = new Map<number, number>();
  for (const r of reads) {
    assert.ok(r.offset > (last.get(r.partition) ?? -1), `${who}: partition ${r.partition} offset ${r.offset} after ${last.get(r.partition)}`);
    last.set(r.partition, r.offset);
  }
}

test('two consumers split the topic and together read each message exactly once, committing as they go', async () => {
  const c1 = consumer('plat-1');
  const c2 = consumer('plat-2');
  const reads: Record<string, Read[]> = { 'plat-1': [], 'plat-2': [] };
  const commits: Promise<void>[] = [];
  const streams = [await c1.consume(fromCommitted()), await c2.consume(fromCommitted())];
  streams.forEach((s, i) => {
    const who = i === 0 ? 'plat-1' : 'plat-2';
    s.on('data', (m: StringMessage) => {
      reads[who].push({ partition: m.partition, offset: Number(m.offset), value: m.value });
      commits.push(m.commit() as Promise<void>);
    });
  });

  await waitFor(
    'a stable group of two, each with two partitions',
    () => {
      const g = broker.groups(GROUP)[0];
      if (g?.state !== 'Stable' || g.members.length !== 2) return false;
      const a1 = brokerAssignment('plat-1');
      const a2 = brokerAssignment('plat-2');
      return a1.length === 2 && a2.length === 2 && a1.join() === assignment(c1).join() && a2.join() === assignment(c2).join();
    },
    15_000,
    () => broker.groups(GROUP),
  );
  const a1 = assignment(c1);
  const a2 = assignment(c2);
  assert.deepEqual([...a1, ...a2].sort(), [0, 1, 2, 3], 'disjoint and complete');

  const values = await produce(200);
  await waitFor('all 200 messages read', () => reads['plat-1'].length + reads['plat-2'].length >= 200, 15_000, () => [reads['plat-1'].length, reads['plat-2'].length]);
  await Promise.all(commits);
  await new Promise((r) => setTimeout(r, 300)); // anything beyond 200 would be a duplicate

  const all = [...reads['plat-1'], ...reads['plat-2']].map((r) => r.value);
  assert.equal(all.length, 200, 'no message read twice');
  assert.deepEqual(new Set(all), new Set(values), 'every message read');
  assert.ok(reads['plat-1'].length > 0 && reads['plat-2'].length > 0, 'both consumers got messages');
  for (const r of reads['plat-1']) assert.ok(a1.includes(r.partition), `plat-1 read partition ${r.partition} outside its assignment`);
  for (const r of reads['plat-2']) assert.ok(a2.includes(r.partition), `plat-2 read partition ${r.partition} outside its assignment`);
  assertInOrder(reads['plat-1'], 'plat-1');
  assertInOrder(reads['plat-2'], 'plat-2');
  assertCommittedToEnd();

  for (const s of streams) await s.close();
  await leaveAndClose(c1);
  await leaveAndClose(c2);
  const g = broker.groups(GROUP)[0];
  assert.equal(g.state, 'Empty', 'both left the group');
  assert.equal(g.members.length, 0);
  assert.equal(g.offsets.length, PARTITIONS, 'the committed offsets outlive the members');
});

test('a new member resumes at the committed offsets; one that stops half way hands over exactly there', async () => {
  const values = await produce(40);

  // The first reader commits each message before taking the next and stops after 20.
  const c3 = consumer('plat-3');
  const stream3 = await c3.consume(fromCommitted());
  const first: Read[] = [];
  for await (const m of stream3 as AsyncIterable<StringMessage>) {
    first.push({ partition: m.partition, offset: Number(m.offset), value: m.value });
    await m.commit();
    if (first.length === 20) break;
  }
  await stream3.close();
  await c3.close();
  assert.ok(first.every((r) => values.includes(r.value)), 'nothing from before the last commit was read again');

  const committed = new Map(broker.groups(GROUP)[0].offsets.map((o) => [o.partition, o.committedOffset]));
  const lastRead = new Map<number, number>();
  for (const r of first) lastRead.set(r.partition, r.offset);
  for (const [p, o] of lastRead) assert.equal(committed.get(p), o + 1, `partition ${p}: committed after the last message read`);

  const c4 = consumer('plat-4');
  const stream4 = await c4.consume(fromCommitted());
  const second: Read[] = [];
  const commits: Promise<void>[] = [];
  stream4.on('data', (m: StringMessage) => {
    second.push({ partition: m.partition, offset: Number(m.offset), value: m.value });
    commits.push(m.commit() as Promise<void>);
  });
  await waitFor('the other 20 messages', () => second.length >= 20, 15_000, () => second.length);
  await Promise.all(commits);
  await new Promise((r) => setTimeout(r, 300));
  for (const r of second) assert.equal(r.offset >= (committed.get(r.partition) ?? 0), true, `partition ${r.partition} offset ${r.offset} is before the commit`);
  const both = [...first, ...second].map((r) => r.value);
  assert.equal(both.length, 40, 'no message read twice');
  assert.deepEqual(new Set(both), new Set(values), 'every new message read once');
  assertInOrder(second, 'plat-4');
  assertCommittedToEnd();
  await stream4.close();
  await c4.close();
});
