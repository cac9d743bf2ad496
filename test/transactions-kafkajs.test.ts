// kafkajs transactions against an in-process Brook, through the transaction coordinator:
// committed and aborted transactions read by read_committed (kafkajs' default) and
// read_uncommitted (`readUncommitted: true`) consumers, `sendOffsets` in a consume-transform-
// produce loop whose input offsets commit atomically with its output, a producer fenced by a
// second one with its transactional id, and transaction.max.timeout.ms as kafkajs meets it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import kafkajs from 'kafkajs';
import { TestBroker } from './helpers/broker.js';
import { readAllKafkajs } from './helpers/read-back.js';
import { assertKeyedDelivery, keyedMessages, type SeenRecord } from './helpers/records.js';

const { Kafka, logLevel } = kafkajs;
type KafkaJS = InstanceType<typeof Kafka>;

let tb: TestBroker;
let kafka: KafkaJS;

before(async () => {
  tb = await TestBroker.start({ settings: { 'num.partitions': 2, 'group.initial.rebalance.delay.ms': 0, 'transaction.max.timeout.ms': 300_000 } });
  kafka = new Kafka({ brokers: [tb.bootstrap], clientId: 'txn-kafkajs', logLevel: logLevel.NOTHING });
});

after(async () => {
  const errors = tb.errors();
  await tb.cleanup();
  assert.deepEqual(errors, [], 'the broker logged errors');
});

const transactional = (transactionalId: string) => kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
const values = (records: readonly SeenRecord[]) => records.map((r) => r.value).sort();

test('kafkajs transactions: committed ones are read by read_committed consumers, aborted ones only by read_uncommitted ones', async () => {
  const topic = 'kj-txn';
  const committed = keyedMessages(30, 6, 'kafkajs', 'c');
  const aborted = keyedMessages(10, 6, 'kafkajs', 'a');
  const producer = transactional('kj-txn');
  await producer.connect();
  try {
    const send = async (messages: typeof committed, commit: boolean) => {
      const txn = await producer.transaction();
      await txn.send({ topic, messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) });
      await (commit ? txn.commit() : txn.abort());
    };
    await send(committed.slice(0, 15), true);
    await send(aborted, false);
    await send(committed.slice(15), true);
  } finally {
    await producer.disconnect();
  }
  // The aborted records come between the two committed transactions in every partition, so a
  // reader that did not skip them would reach 30 records before the last committed ones.
  const rc = await readAllKafkajs(kafka, topic, committed.length, { groupId: 'kj-txn-rc' });
  assertKeyedDelivery(committed, rc);
  const ru = await readAllKafkajs(kafka, topic, committed.length + aborted.length, { groupId: 'kj-txn-ru', readUncommitted: true });
  assert.deepEqual(values(ru), [...committed, ...aborted].map((m) => m.value).sort());
  assert.deepEqual(tb.broker.transactions(), [], 'no transaction left open');
  for (const p of tb.broker.producers(topic)) assert.equal(p.lastStableOffset, p.highWatermark);
});

test('kafkajs sendOffsets in a consume-transform-produce loop: output and input offsets commit together; an aborted step leaves neither', async () => {
  const input = 'kj-in';
  const output = 'kj-out';
  const groupId = 'kj-eos';
  const sent = keyedMessages(40, 8, 'kafkajs', 'in');
  const plain = kafka.producer({ allowAutoTopicCreation: true });
  await plain.connect();
  await plain.send({ topic: input, acks: -1, messages: sent.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) });
  await plain.disconnect();

  const producer = transactional('kj-eos-processor');
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  let processed = 0;
  let abortedSteps = 0;
  await producer.connect();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: input, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`processed ${processed} of ${sent.length}`)), 60_000);
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message }) => {
            const step = async (commit: boolean) => {
              const txn = await producer.transaction();
              const value = `out(${message.value?.toString() ?? ''})${commit ? '' : ' aborted'}`;
              await txn.send({ topic: output, messages: [{ key: message.key, value, headers: message.headers }] });
              await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition, offset: String(Number(message.offset) + 1) }] }] });
              await (commit ? txn.commit() : txn.abort());
            };
            // Every fifth step fails once after writing (as a processor would on an error) and is redone.
            if (processed % 5 === 0) {
              await step(false);
              abortedSteps++;
            }
            await step(true);
            if (++processed === sent.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await done;
    await consumer.disconnect();
    // A last step that would rewind the group to the start, aborted: the offsets stay where they are.
    const rewind = await producer.transaction();
    await rewind.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [0, 1].map((partition) => ({ partition, offset: '0' })) }] });
    await rewind.abort();
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }

  // The group's offsets are the ends of the input partitions, committed only by the transactions.
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [input] });
    const ends = await admin.fetchTopicOffsets(input);
    assert.deepEqual(
      offsets.partitions.map((p) => [p.partition, p.offset]).sort(),
      ends.map((p) => [p.partition, p.high]).sort(),
    );
  } finally {
    await admin.disconnect();
  }
  // read_committed: every input exactly once, per-key order kept; the aborted copies only read_uncommitted.
  const expected = sent.map((m) => ({ ...m, value: `out(${m.value})` }));
  assertKeyedDelivery(expected, await readAllKafkajs(kafka, output, expected.length, { groupId: 'kj-out-rc' }));
  const ru = await readAllKafkajs(kafka, output, expected.length + abortedSteps, { groupId: 'kj-out-ru', readUncommitted: true });
  assert.equal(ru.filter((r) => r.value?.endsWith(' aborted')).length, abortedSteps);
  assert.ok(abortedSteps >= 8);
});

test('kafkajs fencing: a second producer with the same transactional id aborts the first one\'s transaction; the first cannot commit', async () => {
  const topic = 'kj-fence';
  const zombie = transactional('kj-fence');
  const successor = transactional('kj-fence');
  await zombie.connect();
  await successor.connect();
  try {
    const old = await zombie.transaction();
    await old.send({ topic, messages: [{ key: 'k', value: 'zombie' }] });
    const fresh = await successor.transaction(); // InitProducerId: aborts the zombie's transaction
    await fresh.send({ topic, messages: [{ key: 'k', value: 'successor' }] });
    await assert.rejects(old.commit(), (err: Error & { type?: string }) => {
      assert.ok(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED'].includes(err.type ?? ''), `${err.name}: ${err.message} (${err.type})`);
      return true;
    });
    await fresh.commit();
  } finally {
    await zombie.disconnect();
    await successor.disconnect();
  }
  const rc = await readAllKafkajs(kafka, topic, 1, { groupId: 'kj-fence-rc' });
  assert.deepEqual(values(rc), ['successor']);
  const ru = await readAllKafkajs(kafka, topic, 2, { groupId: 'kj-fence-ru', readUncommitted: true });
  assert.deepEqual(values(ru), ['successor', 'zombie']);
});

test('kafkajs with a transactionTimeout above transaction.max.timeout.ms gets INVALID_TRANSACTION_TIMEOUT', async () => {
  const producer = kafka.producer({ transactionalId: 'kj-timeout', idempotent: true, maxInFlightRequests: 1, transactionTimeout: 300_001 });
  try {
    await assert.rejects(
      (async () => {
        await producer.connect();
        await producer.transaction();
      })(),
      (err: Error & { type?: string }) => {
        assert.equal(err.type, 'INVALID_TRANSACTION_TIMEOUT', `${err.name}: ${err.message}`);
        return true;
      },
    );
  } finally {
    await producer.disconnect();
  }
});
