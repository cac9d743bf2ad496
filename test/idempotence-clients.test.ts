// Idempotent producers of every client library against an in-process Brook: kafkajs
// (`idempotent: true`), @platformatic/kafka (`idempotent: true`) and librdkafka through kcat
// (`enable.idempotence=true`). Each gets a producer id from InitProducerId, sends with sequence
// numbers, and its records are read back exactly once, per-key order kept; the partitions know
// the producer with the sequence it reached.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Producer, serializersFrom, stringSerializer } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { TestBroker } from './helpers/broker.js';
import { assertKcatOk, kcatProduce } from './helpers/kcat.js';
import { readAllKafkajs, readAllKcat } from './helpers/read-back.js';
import { assertKeyedDelivery, byPartition, keyedMessages, type SentMessage } from './helpers/records.js';

const { Kafka, logLevel } = kafkajs;
const PARTITIONS = 3;

let tb: TestBroker;

before(async () => {
  tb = await TestBroker.start({ settings: { 'num.partitions': PARTITIONS, 'group.initial.rebalance.delay.ms': 0 } });
});

after(async () => {
  const errors = tb.errors();
  await tb.cleanup();
  assert.deepEqual(errors, [], 'the broker logged errors');
});

/** Every partition used knows exactly one producer, whose last sequence is its record count - 1. */
function assertOneProducerPerPartition(topic: string, seen: ReturnType<typeof byPartition>): void {
  for (const p of tb.broker.producers(topic)) {
    const records = seen.get(p.partition)?.length ?? 0;
    if (records === 0) continue;
    assert.equal(p.producers.length, 1, `partition ${p.partition}: one producer`);
    const [state] = p.producers;
    assert.ok(state.producerId >= 0 && state.producerEpoch >= 0);
    assert.equal(state.lastSequence, records - 1, `partition ${p.partition}: sequences 0..${records - 1}`);
    assert.equal(state.currentTxnStartOffset, -1);
  }
}

async function checkDelivery(topic: string, sent: SentMessage[]): Promise<void> {
  const seen = await readAllKcat(tb.bootstrap, topic, PARTITIONS);
  assertKeyedDelivery(sent, seen);
  assertOneProducerPerPartition(topic, byPartition(seen));
}

test('kafkajs idempotent producer: records read back exactly once, in per-key order', async () => {
  const topic = 'idem-kafkajs';
  const kafka = new Kafka({ brokers: [tb.bootstrap], clientId: 'idem-kafkajs', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
  await producer.connect();
  const sent = keyedMessages(400, 12, 'kafkajs', 'kj');
  try {
    for (let i = 0; i < sent.length; i += 40) {
      await producer.send({ topic, acks: -1, messages: sent.slice(i, i + 40).map((m) => ({ key: m.key, value: m.value, headers: m.headers })) });
    }
  } finally {
    await producer.disconnect();
  }
  await checkDelivery(topic, sent);
  // kafkajs' own (read_committed) group consumer sees the same.
  assertKeyedDelivery(sent, await readAllKafkajs(kafka, topic, sent.length, { groupId: 'idem-kafkajs-reader' }));
});

test('@platformatic/kafka idempotent producer: records read back exactly once, in per-key order', async () => {
  const topic = 'idem-platformatic';
  const producer = new Producer({
    clientId: 'idem-plt',
    bootstrapBrokers: [tb.bootstrap],
    idempotent: true,
    autocreateTopics: true,
    serializers: serializersFrom(stringSerializer),
  });
  const sent = keyedMessages(400, 12, 'platformatic', 'pl');
  try {
    for (let i = 0; i < sent.length; i += 40) {
      await producer.send({ messages: sent.slice(i, i + 40).map((m) => ({ topic, key: m.key, value: m.value, headers: m.headers })) });
    }
  } finally {
    await producer.close();
  }
  await checkDelivery(topic, sent);
});

test('kcat (librdkafka) with enable.idempotence=true: records read back exactly once, in per-key order', async () => {
  const topic = 'idem-kcat';
  const sent = keyedMessages(400, 12, 'kcat', 'kc');
  // kcat sets the same headers on every message; the per-key sequence header is left out.
  const plain = sent.map((m) => ({ ...m, headers: { source: 'kcat' } }));
  const r = await kcatProduce(tb.bootstrap, topic, plain, { headers: { source: 'kcat' }, props: { 'enable.idempotence': 'true', 'linger.ms': 5 } });
  assertKcatOk(r, 'idempotent produce');
  await checkDelivery(topic, plain);
});
