// Idempotent produce at the protocol level, every rule Kafka 4's ProducerStateManager applies:
// InitProducerId in every version, a retry answered with its original offset and stored once,
// sequence gaps, stale and bumped epochs, producers the partition does not know, sequence
// wrap-around at Int32.MAX, transactional batches without a transactional id, DescribeProducers,
// and the expiry of idle producer ids.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WireClient } from '../src/client/wire-client.js';
import type { ApiVersionsResponse } from '../src/protocol/messages/api-versions.js';
import { TestBroker } from './helpers/broker.js';
import { Api, describeProducers, fetchPartition, initProducerId, produce, producerBatch } from './helpers/producer-wire.js';
import { waitFor } from './helpers/wait-for.js';

const E = {
  NONE: 0, UNKNOWN_TOPIC_OR_PARTITION: 3, INVALID_TOPIC_EXCEPTION: 17, INVALID_REQUEST: 42, OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  INVALID_PRODUCER_EPOCH: 47, INVALID_TXN_STATE: 48, TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
} as const;
const MAX = 0x7fffffff;

let tb: TestBroker;
let c: WireClient;

before(async () => {
  // Hand-built transactional batches here test the partition side alone, as on a Kafka broker
  // with KIP-890's verification off; transactions-*.test.ts go through the coordinator.
  tb = await TestBroker.start({ settings: { 'num.partitions': 1, 'transaction.partition.verification.enable': false } });
  for (const t of ['dup', 'gap', 'epoch', 'unknown', 'wrap', 'txn', 'describe']) assert.equal((await tb.broker.cluster.createTopic(t, 1, {})).errorCode, 0);
  c = await WireClient.connect('localhost', tb.port);
});

after(async () => {
  c.close();
  assert.deepEqual(tb.errors(), [], 'nothing logged at error level');
  await tb.cleanup();
});

test('ApiVersions advertises InitProducerId v0-5, WriteTxnMarkers v0-1 and DescribeProducers v0', async () => {
  const res = await c.request<ApiVersionsResponse>(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '0' });
  const range = (k: number) => res.apiKeys.find((a) => a.apiKey === k);
  assert.deepEqual(range(22), { apiKey: 22, minVersion: 0, maxVersion: 5 });
  assert.deepEqual(range(27), { apiKey: 27, minVersion: 0, maxVersion: 1 });
  assert.deepEqual(range(61), { apiKey: 61, minVersion: 0, maxVersion: 0 });
});

test('InitProducerId: every version gives a new id with epoch 0; bad combinations are INVALID_REQUEST', async () => {
  const ids: number[] = [];
  for (let v = 0; v <= 5; v++) {
    const r = await initProducerId(c, v);
    assert.deepEqual([r.errorCode, r.producerEpoch], [E.NONE, 0], `v${v}`);
    ids.push(r.producerId);
  }
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
  assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]));
  // KIP-360 (v3+): an idempotent producer naming its id and epoch gets a fresh id, as from Kafka 4.
  const bump = await initProducerId(c, 4, { producerId: ids[5], producerEpoch: 3 });
  assert.deepEqual([bump.errorCode, bump.producerEpoch], [E.NONE, 0]);
  assert.ok(bump.producerId > ids[5]);
  for (const half of [{ producerId: ids[0], producerEpoch: -1 }, { producerId: -1, producerEpoch: 0 }]) {
    const r = await initProducerId(c, 3, half);
    assert.deepEqual([r.errorCode, r.producerId, r.producerEpoch], [E.INVALID_REQUEST, -1, -1]);
  }
  assert.equal((await initProducerId(c, 2, { transactionalId: '' })).errorCode, E.INVALID_REQUEST);
});

test('a retried batch is answered with its original offset and stored once, for any of the last five', async () => {
  const { producerId } = await initProducerId(c);
  const batches = [0, 2, 4, 6, 8, 10].map((seq) => producerBatch({ producerId, producerEpoch: 0, baseSequence: seq, values: [`d${seq}`, `d${seq + 1}`] }));
  const offsets: number[] = [];
  for (const b of batches) {
    const r = await produce(c, 'dup', 0, b);
    assert.equal(r.errorCode, E.NONE);
    offsets.push(Number(r.baseOffset));
  }
  assert.deepEqual(offsets, [0, 2, 4, 6, 8, 10]);
  for (const i of [5, 1, 3]) {
    const retry = await produce(c, 'dup', 0, batches[i]);
    assert.equal(retry.errorCode, E.NONE, `retry of batch ${i}`);
    assert.equal(Number(retry.baseOffset), offsets[i], `retry of batch ${i} gets its original offset`);
  }
  // Batch 0 is no longer among the last five: a retry of it is out of order, not a duplicate.
  assert.equal((await produce(c, 'dup', 0, batches[0])).errorCode, E.OUT_OF_ORDER_SEQUENCE_NUMBER);
  const read = await fetchPartition(c, 'dup', 0, 0, 0);
  assert.deepEqual(read.values, Array.from({ length: 12 }, (_, i) => `d${i}`), 'every record exactly once');
  assert.equal(Number(read.highWatermark), 12);
});

test('a sequence gap is OUT_OF_ORDER_SEQUENCE_NUMBER and stores nothing', async () => {
  const { producerId } = await initProducerId(c);
  assert.equal((await produce(c, 'gap', 0, producerBatch({ producerId, producerEpoch: 0, baseSequence: 0, values: ['g0'] }))).errorCode, E.NONE);
  const gap = await produce(c, 'gap', 0, producerBatch({ producerId, producerEpoch: 0, baseSequence: 2, values: ['g2'] }));
  assert.deepEqual([gap.errorCode, Number(gap.baseOffset)], [E.OUT_OF_ORDER_SEQUENCE_NUMBER, -1]);
  assert.equal((await produce(c, 'gap', 0, producerBatch({ producerId, producerEpoch: 0, baseSequence: 1, values: ['g1'] }))).errorCode, E.NONE);
  assert.deepEqual((await fetchPartition(c, 'gap', 0, 0, 0)).values, ['g0', 'g1']);
});

test('epochs: an older one is INVALID_PRODUCER_EPOCH; a bumped one starts at sequence 0 (the client-side KIP-360 bump)', async () => {
  const { producerId } = await initProducerId(c);
  const at = (producerEpoch: number, baseSequence: number, v: string) => produce(c, 'epoch', 0, producerBatch({ producerId, producerEpoch, baseSequence, values: [v] }));
  assert.equal((await at(0, 0, 'e0')).errorCode, E.NONE);
  assert.equal((await at(0, 1, 'e1')).errorCode, E.NONE);
  assert.equal((await at(1, 5, 'x')).errorCode, E.OUT_OF_ORDER_SEQUENCE_NUMBER, 'a new epoch must restart at 0');
  assert.equal((await at(1, 0, 'e2')).errorCode, E.NONE);
  assert.equal((await at(0, 2, 'x')).errorCode, E.INVALID_PRODUCER_EPOCH);
  assert.equal((await at(0, 1, 'e1')).errorCode, E.INVALID_PRODUCER_EPOCH, 'a retry from the fenced epoch is refused too');
  assert.equal((await at(1, 1, 'e3')).errorCode, E.NONE);
  assert.deepEqual((await fetchPartition(c, 'epoch', 0, 0, 0)).values, ['e0', 'e1', 'e2', 'e3']);
});

test('a producer the partition does not know may start at any sequence (Kafka 4 no longer answers UNKNOWN_PRODUCER_ID), also after DeleteRecords removed its data', async () => {
  const { producerId } = await initProducerId(c);
  const first = await produce(c, 'unknown', 0, producerBatch({ producerId, producerEpoch: 0, baseSequence: 17, values: ['u17'] }));
  assert.equal(first.errorCode, E.NONE);
  const res = await c.request<{ topics: { partitions: { errorCode: number; lowWatermark: number }[] }[] }>(Api.DELETE_RECORDS, 2, {
    topics: [{ name: 'unknown', partitions: [{ partitionIndex: 0, offset: -1 }] }],
    timeoutMs: 1000,
  });
  assert.deepEqual(res.topics[0].partitions.map((p) => [p.errorCode, Number(p.lowWatermark)]), [[E.NONE, 1]]);
  // The partition still knows the producer (Kafka keeps the state until the producer expires).
  const retry = await produce(c, 'unknown', 0, producerBatch({ producerId, producerEpoch: 0, baseSequence: 17, values: ['u17'] }));
  assert.deepEqual([retry.errorCode, Number(retry.baseOffset)], [E.NONE, 0]);
  assert.equal((await produce(c, 'unknown', 0, producerBatch({ producerId, producerEpoch: 0, baseSequence: 19, values: ['x'] }))).errorCode, E.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal((await produce(c, 'unknown', 0, producerBatch({ producerId, producerEpoch: 0, baseSequence: 18, values: ['u18'] }))).errorCode, E.NONE);
});

test('sequences wrap around at Int32.MAX', async () => {
  const { producerId } = await initProducerId(c);
  const wrapping = producerBatch({ producerId, producerEpoch: 0, baseSequence: MAX - 1, values: ['w0', 'w1', 'w2'] }); // MAX-1, MAX, 0
  assert.equal((await produce(c, 'wrap', 0, producerBatch({ producerId, producerEpoch: 0, baseSequence: MAX - 3, values: ['a', 'b'] }))).errorCode, E.NONE);
  assert.equal((await produce(c, 'wrap', 0, wrapping)).errorCode, E.NONE);
  const retry = await produce(c, 'wrap', 0, wrapping);
  assert.deepEqual([retry.errorCode, Number(retry.baseOffset)], [E.NONE, 2]);
  assert.equal((await produce(c, 'wrap', 0, producerBatch({ producerId, producerEpoch: 0, baseSequence: 2, values: ['x'] }))).errorCode, E.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal((await produce(c, 'wrap', 0, producerBatch({ producerId, producerEpoch: 0, baseSequence: 1, values: ['w3'] }))).errorCode, E.NONE);
  assert.deepEqual((await fetchPartition(c, 'wrap', 0, 0, 0)).values, ['a', 'b', 'w0', 'w1', 'w2', 'w3']);
});

test('transactional batches need a transactional id; inside a transaction a plain batch is INVALID_TXN_STATE', async () => {
  const { producerId } = await initProducerId(c);
  const txnBatch = producerBatch({ producerId, producerEpoch: 0, baseSequence: 0, values: ['t0'], transactional: true });
  assert.equal((await produce(c, 'txn', 0, txnBatch)).errorCode, E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  assert.equal((await produce(c, 'txn', 0, txnBatch, 'tx-1')).errorCode, E.NONE);
  const plain = await produce(c, 'txn', 0, producerBatch({ producerId, producerEpoch: 0, baseSequence: 1, values: ['p'] }), 'tx-1');
  assert.equal(plain.errorCode, E.INVALID_TXN_STATE);
});

test('DescribeProducers shows each producer\'s epoch, last sequence, last timestamp and open transaction', async () => {
  const a = (await initProducerId(c)).producerId;
  const b = (await initProducerId(c)).producerId;
  const before = Date.now();
  await produce(c, 'describe', 0, producerBatch({ producerId: a, producerEpoch: 2, baseSequence: 0, values: ['1', '2', '3'] }));
  await produce(c, 'describe', 0, producerBatch({ producerId: b, producerEpoch: 0, baseSequence: 0, values: ['t'], transactional: true }), 'tx-d');
  const [p, missing] = await describeProducers(c, 'describe', [0, 4]);
  assert.equal(p.errorCode, E.NONE);
  const byId = new Map(p.activeProducers.map((s) => [Number(s.producerId), s]));
  assert.deepEqual(
    [byId.get(a)?.producerEpoch, byId.get(a)?.lastSequence, Number(byId.get(a)?.currentTxnStartOffset), byId.get(a)?.coordinatorEpoch],
    [2, 2, -1, -1],
  );
  assert.ok(Number(byId.get(a)?.lastTimestamp) >= before);
  assert.deepEqual([byId.get(b)?.lastSequence, Number(byId.get(b)?.currentTxnStartOffset)], [0, 3]);
  assert.equal(missing.errorCode, E.UNKNOWN_TOPIC_OR_PARTITION);
  const [bad] = await describeProducers(c, 'not a topic!', [0]);
  assert.equal(bad.errorCode, E.INVALID_TOPIC_EXCEPTION);
  // The embedded broker shows the same, with the last stable offset held by the open transaction.
  const [inspected] = tb.broker.producers('describe');
  assert.deepEqual([inspected.lastStableOffset, inspected.highWatermark, inspected.producers.length], [3, 4, 2]);
});

test('idle producer ids expire after producer.id.expiration.ms; one with an open transaction stays', async () => {
  const short = await TestBroker.start({ settings: { 'producer.id.expiration.ms': 300, 'producer.id.expiration.check.interval.ms': 20, 'transaction.partition.verification.enable': false } });
  const sc = await WireClient.connect('localhost', short.port);
  try {
    assert.equal((await short.broker.cluster.createTopic('exp', 1, {})).errorCode, 0);
    const idle = (await initProducerId(sc)).producerId;
    const open = (await initProducerId(sc)).producerId;
    assert.equal((await produce(sc, 'exp', 0, producerBatch({ producerId: idle, producerEpoch: 0, baseSequence: 0, values: ['i0'] }))).errorCode, E.NONE);
    assert.equal((await produce(sc, 'exp', 0, producerBatch({ producerId: open, producerEpoch: 0, baseSequence: 0, values: ['o0'], transactional: true }), 'tx-e')).errorCode, E.NONE);
    await waitFor('the idle producer to expire', async () => (await describeProducers(sc, 'exp', [0]))[0].activeProducers.length === 1, 10_000);
    const [left] = (await describeProducers(sc, 'exp', [0]))[0].activeProducers;
    assert.equal(Number(left.producerId), open);
    // Forgotten: the expired producer may start anywhere again (its next batch is not a gap).
    assert.equal((await produce(sc, 'exp', 0, producerBatch({ producerId: idle, producerEpoch: 0, baseSequence: 7, values: ['i7'] }))).errorCode, E.NONE);
  } finally {
    sc.close();
    await short.cleanup();
  }
});
