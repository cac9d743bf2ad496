// @platformatic/kafka transactions against an in-process Brook. Its transactional producer
// begins with producerId 0 / epoch 0 for a new transactional id (Kafka accepts that: the
// coordinator answers with the id's real producer id), commits and aborts; read_committed
// consumers (the client's default) see only the committed records, read_uncommitted ones all.
// Its consume-transform-produce helpers (addConsumer, addOffset) send TxnOffsetCommit with the
// consumer's generation and member id, which the group coordinator checks (KIP-447). Restarted
// with the same transactional id, its default 0/0 is a KIP-360 claim to be producer 0, fenced as
// Kafka fences it; -1/-1 is a plain InitProducerId that fences the dead instance.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Consumer, FetchIsolationLevels, Producer, stringDeserializers, stringSerializers, type Message } from '@platformatic/kafka';
import { WireClient } from '../src/client/wire-client.js';
import { TestBroker } from './helpers/broker.js';
import { committedOffsets } from './helpers/txn-wire.js';

let tb: TestBroker;
const open: { close(force?: boolean): Promise<void> }[] = [];

before(async () => {
  tb = await TestBroker.start({ settings: { 'num.partitions': 2, 'group.initial.rebalance.delay.ms': 0 } });
});

after(async () => {
  for (const c of open.splice(0)) await c.close(true).catch(() => {});
  const errors = tb.errors();
  await tb.cleanup();
  assert.deepEqual(errors, [], 'the broker logged errors');
});

function producer(transactionalId: string): Producer<string, string, string, string> {
  const p = new Producer<string, string, string, string>({
    clientId: transactionalId,
    bootstrapBrokers: [tb.bootstrap],
    transactionalId,
    idempotent: true,
    autocreateTopics: true,
    serializers: stringSerializers,
  });
  open.push(p);
  return p;
}

function consumer(groupId: string): Consumer<string, string, string, string> {
  const c = new Consumer<string, string, string, string>({
    clientId: groupId,
    groupId,
    bootstrapBrokers: [tb.bootstrap],
    deserializers: stringDeserializers,
    maxWaitTime: 100,
    sessionTimeout: 10_000,
    heartbeatInterval: 300,
  });
  open.push(c);
  return c;
}

/** Reads `count` messages of `topic` from the beginning with a group consumer at `isolationLevel`. */
async function read(topic: string, count: number, groupId: string, isolationLevel: number): Promise<Message<string, string, string, string>[]> {
  const c = consumer(groupId);
  const stream = await c.consume({ topics: [topic], mode: 'earliest', autocommit: false, isolationLevel });
  const out: Message<string, string, string, string>[] = [];
  const timer = setTimeout(() => stream.destroy(new Error(`read ${out.length} of ${count} messages of ${topic}`)), 20_000);
  try {
    for await (const m of stream) {
      out.push(m);
      if (out.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
    await stream.close();
    await c.close(true);
  }
  return out;
}

const valuesOf = (ms: readonly Message<string, string, string, string>[]) => ms.map((m) => m.value).sort();

test('@platformatic/kafka transactional producer: committed transactions are read by read_committed consumers, aborted ones only by read_uncommitted ones', async () => {
  const topic = 'plt-txn';
  const p = producer('plt-txn');
  const batch = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ topic, key: `k${i % 4}`, value: `${prefix}${i}` }));
  const run = async (prefix: string, n: number, commit: boolean) => {
    const txn = await p.beginTransaction();
    await txn.send({ messages: batch(prefix, n) });
    await (commit ? txn.commit() : txn.abort());
  };
  await run('c', 12, true);
  await run('a', 6, false);
  await run('d', 12, true);
  const info = tb.broker.transactions({ transactionalId: 'plt-txn' });
  assert.deepEqual(info.map((t) => [t.state, t.partitions]), [['CompleteCommit', []]]);
  assert.ok(info[0].producerId >= 0);
  await p.close();

  const committed = [...batch('c', 12), ...batch('d', 12)].map((m) => m.value).sort();
  // The aborted records sit between the committed ones: a reader that did not skip them would
  // reach 24 messages before the last committed ones.
  assert.deepEqual(valuesOf(await read(topic, committed.length, 'plt-txn-rc', FetchIsolationLevels.READ_COMMITTED)), committed);
  const all = await read(topic, committed.length + 6, 'plt-txn-ru', FetchIsolationLevels.READ_UNCOMMITTED);
  assert.deepEqual(valuesOf(all), [...committed, ...batch('a', 6).map((m) => m.value)].sort());
  for (const s of tb.broker.producers(topic)) assert.equal(s.lastStableOffset, s.highWatermark, `partition ${s.partition}: nothing open`);
});

test('@platformatic/kafka consume-transform-produce: addConsumer/addOffset commit the input offsets (with generation and member id) in the output\'s transaction', async () => {
  const input = 'plt-in';
  const output = 'plt-out';
  const groupId = 'plt-eos';
  const feeder = new Producer<string, string, string, string>({ clientId: 'plt-feeder', bootstrapBrokers: [tb.bootstrap], autocreateTopics: true, serializers: stringSerializers });
  open.push(feeder);
  const inputs = Array.from({ length: 20 }, (_, i) => ({ topic: input, key: `k${i % 5}`, value: `in${i}` }));
  await feeder.send({ messages: inputs });
  await feeder.close();

  const p = producer('plt-eos-processor');
  const c = consumer(groupId);
  const stream = await c.consume({ topics: [input], mode: 'earliest', autocommit: false });
  let processed = 0;
  let aborted = '';
  const timer = setTimeout(() => stream.destroy(new Error(`processed ${processed} of ${inputs.length}`)), 60_000);
  try {
    for await (const m of stream) {
      const step = async (commit: boolean) => {
        const txn = await p.beginTransaction();
        await txn.send({ messages: [{ topic: output, key: m.key, value: `out(${m.value})${commit ? '' : ' aborted'}` }] });
        await txn.addConsumer(c);
        await txn.addOffset(m);
        await (commit ? txn.commit() : txn.abort());
      };
      // One step fails once after writing and is redone. Only one: @platformatic/kafka 1.35's
      // read_committed filter keeps one aborted range per producer id in a fetch response, so it
      // would show all but the last of several aborted transactions of one producer (Brook lists
      // them all, as Kafka does: see transactions-wire.test.ts).
      if (processed === 7) {
        await step(false);
        aborted = `out(${m.value}) aborted`;
      }
      await step(true);
      if (++processed === inputs.length) break;
    }
  } finally {
    clearTimeout(timer);
    await stream.close();
    await c.close(true);
    await p.close();
  }

  const wc = await WireClient.connect('localhost', tb.port);
  try {
    const ends = tb.broker.producers(input).map((s) => [s.partition, s.highWatermark]);
    const offsets = await committedOffsets(wc, groupId, input, ends.map(([partition]) => partition), true);
    assert.deepEqual(offsets, ends.map(([, hw]) => hw), 'the group committed exactly what it consumed, through the transactions');
  } finally {
    wc.close();
  }
  const expected = inputs.map((m) => `out(${m.value})`).sort();
  assert.deepEqual(valuesOf(await read(output, expected.length, 'plt-out-rc', FetchIsolationLevels.READ_COMMITTED)), expected);
  const all = await read(output, expected.length + 1, 'plt-out-ru', FetchIsolationLevels.READ_UNCOMMITTED);
  assert.deepEqual(all.filter((m) => m.value.endsWith(' aborted')).map((m) => m.value), [aborted]);
});

test('@platformatic/kafka restarted with the same transactional id: its default producerId 0/epoch 0 is PRODUCER_FENCED (as on Kafka); with -1/-1 it fences the dead instance and aborts its open transaction', async () => {
  const topic = 'plt-restart';
  // Another producer id first, so that the transactional id does not get producer id 0.
  const other = producer('plt-restart-other');
  const warmup = await other.beginTransaction();
  await warmup.send({ messages: [{ topic, key: 'w', value: 'warm-up' }] });
  await warmup.commit();
  await other.close();

  const dead = producer('plt-restart');
  const left = await dead.beginTransaction();
  await left.send({ messages: [{ topic, key: 'k', value: 'left-open' }] });
  const [dangling] = tb.broker.transactions({ transactionalId: 'plt-restart' });
  assert.equal(dangling.state, 'Ongoing');
  assert.notEqual(dangling.producerId, 0);
  await dead.close(true); // "killed": the transaction stays open

  const naive = producer('plt-restart');
  await assert.rejects(naive.beginTransaction(), (err: Error & { errors?: { apiCode?: number }[] }) => {
    assert.ok(err.errors?.some((e) => e.apiCode === 90), `PRODUCER_FENCED expected: ${err.message} ${JSON.stringify(err.errors)}`);
    return true;
  });
  await naive.close(true);

  const restarted = new Producer<string, string, string, string>({
    clientId: 'plt-restart',
    bootstrapBrokers: [tb.bootstrap],
    transactionalId: 'plt-restart',
    idempotent: true,
    producerId: -1n,
    producerEpoch: -1,
    serializers: stringSerializers,
  });
  open.push(restarted);
  const again = await restarted.beginTransaction();
  await again.send({ messages: [{ topic, key: 'k', value: 'after-restart' }] });
  await again.commit();
  await restarted.close();
  const [t] = tb.broker.transactions({ transactionalId: 'plt-restart' });
  assert.deepEqual([t.state, t.producerId, t.producerEpoch], ['CompleteCommit', dangling.producerId, dangling.producerEpoch + 2], 'one epoch to fence and abort, one for the new instance');
  assert.deepEqual(valuesOf(await read(topic, 2, 'plt-restart-rc', FetchIsolationLevels.READ_COMMITTED)), ['after-restart', 'warm-up']);
  assert.deepEqual(valuesOf(await read(topic, 3, 'plt-restart-ru', FetchIsolationLevels.READ_UNCOMMITTED)), ['after-restart', 'left-open', 'warm-up']);
});
