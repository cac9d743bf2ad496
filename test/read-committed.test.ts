// read_committed at the protocol level and with real consumers. Transactional batches are
// produced with hand-built headers and ended with WriteTxnMarkers, on a broker with
// transaction.partition.verification.enable=false (as a Kafka broker with KIP-890's check off),
// so that the partition side is tested alone; transactions-*.test.ts go through the transaction
// coordinator. The last stable offset stops at the earliest open
// transaction, read_committed fetches stop there and list the aborted transactions they cover,
// ListOffsets answers LATEST with the LSO, and kafkajs, @platformatic/kafka and kcat consumers
// skip aborted records and control batches. A restart recovers the LSO and the aborted index.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { Consumer } from '@platformatic/kafka';
import { WireClient } from '../src/client/wire-client.js';
import { buildRecordBatch } from '../src/protocol/records/records.js';
import { TestBroker } from './helpers/broker.js';
import { kcatConsume } from './helpers/kcat.js';
import { readAllKafkajs, readAllPlatformaticGroup } from './helpers/read-back.js';
import { fetchPartition, initProducerId, listLatest, produce, producerBatch, writeMarker } from './helpers/producer-wire.js';
import { waitFor } from './helpers/wait-for.js';

const { Kafka, logLevel } = kafkajs;
const E = { NONE: 0, UNKNOWN_TOPIC_OR_PARTITION: 3, INVALID_PRODUCER_EPOCH: 47, TRANSACTION_COORDINATOR_FENCED: 52 } as const;
const TOPIC = 'rc';

let tb: TestBroker;
let c: WireClient;
let A: number;
let B: number;

before(async () => {
  tb = await TestBroker.start({ settings: { 'transaction.partition.verification.enable': false } });
  assert.equal((await tb.broker.cluster.createTopic(TOPIC, 1, {})).errorCode, 0);
  c = await WireClient.connect('localhost', tb.port);
  A = (await initProducerId(c)).producerId;
  B = (await initProducerId(c)).producerId;
});

after(async () => {
  c?.close();
  assert.deepEqual(tb.errors(), [], 'nothing logged at error level');
  await tb.cleanup();
});

const committed = ['p0', 'b0', 'b1', 'a3'];

test('the LSO holds at the earliest open transaction; markers move it; read_committed fetches stop there and list aborted transactions', async () => {
  const txn = (producerId: number, producerEpoch: number, baseSequence: number, values: string[]) =>
    produce(c, TOPIC, 0, producerBatch({ producerId, producerEpoch, baseSequence, values, transactional: true }), 'tx');
  assert.equal((await txn(A, 2, 0, ['a0', 'a1', 'a2'])).errorCode, E.NONE); // 0-2
  assert.equal((await produce(c, TOPIC, 0, buildRecordBatch({ records: [{ value: 'p0' }] }))).errorCode, E.NONE); // 3
  assert.equal((await txn(B, 0, 0, ['b0', 'b1'])).errorCode, E.NONE); // 4-5

  let rc = await fetchPartition(c, TOPIC, 0, 0, 1);
  assert.deepEqual([Number(rc.highWatermark), Number(rc.lastStableOffset), rc.values, rc.abortedTransactions], [6, 0, [], []]);
  const ru = await fetchPartition(c, TOPIC, 0, 0, 0);
  assert.deepEqual([ru.values, ru.abortedTransactions], [['a0', 'a1', 'a2', 'p0', 'b0', 'b1'], null]);
  assert.deepEqual([await listLatest(c, TOPIC, 0, 1), await listLatest(c, TOPIC, 0, 0)], [0, 6]);

  assert.deepEqual(await writeMarker(c, { producerId: A, producerEpoch: 2, commit: false, coordinatorEpoch: 5, topic: TOPIC, partitions: [0] }), [E.NONE]); // 6
  rc = await fetchPartition(c, TOPIC, 0, 0, 1);
  assert.equal(Number(rc.lastStableOffset), 4, "B's transaction is still open");
  assert.deepEqual(rc.values, ['a0', 'a1', 'a2', 'p0']);
  assert.deepEqual(rc.abortedTransactions?.map((t) => [Number(t.producerId), Number(t.firstOffset)]), [[A, 0]]);
  // A fetch inside the aborted transaction's range [0, 6] lists it too.
  assert.deepEqual((await fetchPartition(c, TOPIC, 0, 3, 1)).abortedTransactions?.length, 1);

  // Markers from a fenced producer epoch or a zombie coordinator are refused, unknown partitions too.
  assert.deepEqual(await writeMarker(c, { producerId: A, producerEpoch: 1, commit: false, coordinatorEpoch: 5, topic: TOPIC, partitions: [0] }), [E.INVALID_PRODUCER_EPOCH]);
  assert.deepEqual(await writeMarker(c, { producerId: A, producerEpoch: 2, commit: true, coordinatorEpoch: 4, topic: TOPIC, partitions: [0] }, 0), [E.TRANSACTION_COORDINATOR_FENCED]);
  assert.deepEqual(await writeMarker(c, { producerId: A, producerEpoch: 2, commit: true, topic: TOPIC, partitions: [9] }), [E.UNKNOWN_TOPIC_OR_PARTITION]);

  assert.equal((await txn(A, 2, 3, ['a3'])).errorCode, E.NONE); // 7
  assert.deepEqual(await writeMarker(c, { producerId: B, producerEpoch: 0, commit: true, topic: TOPIC, partitions: [0] }), [E.NONE]); // 8
  rc = await fetchPartition(c, TOPIC, 0, 0, 1);
  assert.equal(Number(rc.lastStableOffset), 7, "A's second transaction is open");
  assert.deepEqual(rc.values, ['a0', 'a1', 'a2', 'p0', 'b0', 'b1', `<ABORT ${A}>`]);
  assert.deepEqual(await writeMarker(c, { producerId: A, producerEpoch: 2, commit: true, coordinatorEpoch: 5, topic: TOPIC, partitions: [0] }), [E.NONE]); // 9
  rc = await fetchPartition(c, TOPIC, 0, 0, 1);
  assert.deepEqual([Number(rc.lastStableOffset), Number(rc.highWatermark)], [10, 10]);
  assert.deepEqual(rc.abortedTransactions?.map((t) => [Number(t.producerId), Number(t.firstOffset)]), [[A, 0]]);
  assert.equal(await listLatest(c, TOPIC, 0, 1), 10);
  // A fetch after the aborted transaction's range does not list it.
  assert.deepEqual((await fetchPartition(c, TOPIC, 0, 7, 1)).abortedTransactions, []);
  const [state] = tb.broker.producers(TOPIC);
  assert.equal(state.lastStableOffset, 10);
  assert.ok(state.producers.every((p) => p.currentTxnStartOffset === -1), 'no transaction open');
});

test('kafkajs, @platformatic/kafka and kcat read_committed consumers skip aborted records and markers; read_uncommitted sees all data', async () => {
  const kafka = new Kafka({ brokers: [tb.bootstrap], clientId: 'rc', logLevel: logLevel.NOTHING });
  const viaKafkajs = await readAllKafkajs(kafka, TOPIC, committed.length, { groupId: 'rc-kafkajs' }); // kafkajs reads committed by default
  assert.deepEqual(viaKafkajs.map((r) => r.value), committed);

  const consumer = new Consumer({ clientId: 'rc-p', groupId: 'rc-platformatic', bootstrapBrokers: [tb.bootstrap] });
  try {
    const viaPlatformatic = await readAllPlatformaticGroup(consumer, TOPIC, committed.length);
    assert.deepEqual(viaPlatformatic.map((r) => r.value), committed);
  } finally {
    await consumer.close(true);
  }

  const viaKcat = await kcatConsume(tb.bootstrap, TOPIC, { partition: 0, offset: 'beginning', props: { 'isolation.level': 'read_committed' } });
  assert.deepEqual(viaKcat.map((r) => r.value?.toString()), committed);
  const uncommitted = await kcatConsume(tb.bootstrap, TOPIC, { partition: 0, offset: 'beginning', props: { 'isolation.level': 'read_uncommitted' } });
  assert.deepEqual(uncommitted.map((r) => r.value?.toString()), ['a0', 'a1', 'a2', 'p0', 'b0', 'b1', 'a3']);
});

test('a restart recovers the last stable offset of an open transaction and the aborted-transaction index', async () => {
  const C = (await initProducerId(c)).producerId;
  assert.equal((await produce(c, TOPIC, 0, producerBatch({ producerId: C, producerEpoch: 0, baseSequence: 0, values: ['c0'], transactional: true }), 'tx')).errorCode, E.NONE); // 10
  assert.equal((await produce(c, TOPIC, 0, buildRecordBatch({ records: [{ value: 'p1' }] }))).errorCode, E.NONE); // 11
  c.close();
  await tb.restart();
  c = await WireClient.connect('localhost', tb.port);
  let rc = await fetchPartition(c, TOPIC, 0, 0, 1);
  assert.deepEqual([Number(rc.lastStableOffset), Number(rc.highWatermark)], [10, 12]);
  assert.deepEqual(rc.abortedTransactions?.map((t) => [Number(t.producerId), Number(t.firstOffset)]), [[A, 0]]);
  // The reloaded state knows C's open transaction: its abort is indexed like any other.
  assert.deepEqual(await writeMarker(c, { producerId: C, producerEpoch: 0, commit: false, topic: TOPIC, partitions: [0] }), [E.NONE]); // 12
  rc = await fetchPartition(c, TOPIC, 0, 0, 1);
  assert.equal(Number(rc.lastStableOffset), 13);
  assert.deepEqual(rc.abortedTransactions?.map((t) => [Number(t.producerId), Number(t.firstOffset)]), [[A, 0], [C, 10]]);
  const viaKcat = await kcatConsume(tb.bootstrap, TOPIC, { partition: 0, offset: 'beginning' }); // librdkafka reads committed by default
  assert.deepEqual(viaKcat.map((r) => r.value?.toString()), [...committed, 'p1']);
});

test('a parked read_committed fetch is not answered by appends inside a transaction, only once they are committed', async () => {
  const D = (await initProducerId(c)).producerId;
  const from = await listLatest(c, TOPIC, 0, 0);
  const other = await WireClient.connect('localhost', tb.port);
  try {
    const parked = fetchPartition(other, TOPIC, 0, from, 1, { minBytes: 1, maxWaitMs: 15_000 });
    const partition = tb.broker.cluster.partition(TOPIC, 0)!;
    await waitFor('the fetch to park', () => partition.appendWatchers.size > 0, 10_000);
    assert.equal((await produce(c, TOPIC, 0, producerBatch({ producerId: D, producerEpoch: 0, baseSequence: 0, values: ['d0'], transactional: true }), 'tx')).errorCode, E.NONE);
    assert.deepEqual(await writeMarker(c, { producerId: D, producerEpoch: 0, commit: true, topic: TOPIC, partitions: [0] }), [E.NONE]);
    const res = await parked;
    assert.deepEqual(res.values, ['d0', `<COMMIT ${D}>`]);
  } finally {
    other.close();
  }
});
