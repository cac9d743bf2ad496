// Transactions at the protocol level, through the transaction coordinator, every error path a
// producer can meet: FindCoordinator and ApiVersions, committed and aborted transactions with
// duplicates and gaps, KIP-890 verification of produce, AddPartitionsToTxn's forms and refusals,
// fencing of zombie producers, INVALID_TXN_STATE sequences, transaction version 2, and the admin
// APIs. Offsets in transactions: transactions-offsets.test.ts; faults: transactions-faults.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WireClient } from '../src/client/wire-client.js';
import { ErrorCode as E } from '../src/protocol/errors.js';
import type { ApiVersionsResponse } from '../src/protocol/messages/api-versions.js';
import { TestBroker } from './helpers/broker.js';
import { fetchPartition, listLatest, produce, producerBatch } from './helpers/producer-wire.js';
import {
  type Producer,
  addPartitions,
  addPartitionsBatched,
  describeTransactions,
  endTxn,
  findTxnCoordinator,
  initTxn,
  initTxnRetrying,
  listTransactions,
} from './helpers/txn-wire.js';

let tb: TestBroker;
let c: WireClient;

before(async () => {
  tb = await TestBroker.start({ settings: { 'num.partitions': 1, 'transaction.max.timeout.ms': 120_000 } });
  for (const [t, n] of [['tw', 2], ['tw-verify', 1], ['tw-fence', 1], ['tw-states', 1], ['tw-v2', 1], ['tw-admin', 1]] as const) {
    assert.equal((await tb.broker.cluster.createTopic(t, n, {})).errorCode, 0);
  }
  c = await WireClient.connect('localhost', tb.port);
});

after(async () => {
  c.close();
  assert.deepEqual(tb.errors(), [], 'nothing logged at error level');
  await tb.cleanup();
});

/** A transactional batch of `p` at `baseSequence`. */
const batch = (p: Producer, baseSequence: number, values: string[]) => producerBatch({ producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence, values, transactional: true });
const send = (p: Producer, topic: string, partition: number, baseSequence: number, values: string[], version = 9) => produce(c, topic, partition, batch(p, baseSequence, values), p.transactionalId, version);

test('ApiVersions advertises the transaction APIs, and transaction.version 1 as supported and finalized', async () => {
  const res = await c.request<ApiVersionsResponse>(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '0' });
  const range = (k: number) => res.apiKeys.find((a) => a.apiKey === k);
  assert.deepEqual([range(24), range(25), range(26), range(28), range(65), range(66)], [
    { apiKey: 24, minVersion: 0, maxVersion: 5 },
    { apiKey: 25, minVersion: 0, maxVersion: 4 },
    { apiKey: 26, minVersion: 0, maxVersion: 5 },
    { apiKey: 28, minVersion: 0, maxVersion: 4 },
    { apiKey: 65, minVersion: 0, maxVersion: 0 },
    { apiKey: 66, minVersion: 0, maxVersion: 1 },
  ]);
  assert.deepEqual(res.supportedFeatures, [{ name: 'transaction.version', minVersion: 0, maxVersion: 1 }]);
  assert.deepEqual(res.finalizedFeatures, [{ name: 'transaction.version', minVersionLevel: 1, maxVersionLevel: 1 }]);
  assert.equal(Number(res.finalizedFeaturesEpoch), 1);
});

test('FindCoordinator TRANSACTION (v0-3 and v4 batches) names this broker; __transaction_state is created on first use as Kafka creates it', async () => {
  for (let v = 0; v <= 3; v++) assert.deepEqual(await findTxnCoordinator(c, ['tx-a'], v), [{ key: 'tx-a', errorCode: E.NONE, nodeId: 0 }], `v${v}`);
  assert.deepEqual((await findTxnCoordinator(c, ['tx-a', 'tx-b'], 4)).map((k) => [k.key, k.errorCode]), [['tx-a', E.NONE], ['tx-b', E.NONE]]);
  const topic = tb.broker.cluster.topic('__transaction_state');
  assert.ok(topic?.internal);
  assert.equal(topic.partitions.length, 50);
  assert.deepEqual([topic.configs['cleanup.policy'], topic.configs['segment.bytes']], ['compact', '104857600']);
});

test('a committed transaction is visible to read_committed once EndTxn answers, an aborted one never; retries are stored once, gaps refused', async () => {
  const p = await initTxnRetrying(c, 'tw-commit');
  assert.deepEqual(await addPartitions(c, p, 'tw', [0, 1]), [E.NONE, E.NONE]);
  const first = await send(p, 'tw', 0, 0, ['c0', 'c1']);
  assert.equal(first.errorCode, E.NONE);
  const retry = await send(p, 'tw', 0, 0, ['c0', 'c1']);
  assert.deepEqual([retry.errorCode, Number(retry.baseOffset)], [E.NONE, Number(first.baseOffset)], 'a retry gets its original offset');
  assert.equal((await send(p, 'tw', 0, 5, ['gap'])).errorCode, E.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal((await send(p, 'tw', 1, 0, ['c2'])).errorCode, E.NONE);
  assert.deepEqual([await listLatest(c, 'tw', 0, 1), await listLatest(c, 'tw', 0, 0)], [0, 2], 'the LSO holds at the open transaction');
  assert.deepEqual(tb.broker.transactions().map((t) => [t.transactionalId, t.state, t.partitions.length]), [['tw-commit', 'Ongoing', 2]]);

  assert.equal((await endTxn(c, p, true)).errorCode, E.NONE);
  // Markers are written before EndTxn answers (they are local appends): the LSO has moved.
  assert.deepEqual((await fetchPartition(c, 'tw', 0, 0, 1)).values, ['c0', 'c1', `<COMMIT ${p.producerId}>`]);
  assert.deepEqual((await fetchPartition(c, 'tw', 1, 0, 1)).values, ['c2', `<COMMIT ${p.producerId}>`]);
  assert.deepEqual(tb.broker.transactions(), [], 'nothing open');

  // The next transaction of the same producer, aborted.
  assert.deepEqual(await addPartitions(c, p, 'tw', [0]), [E.NONE]);
  assert.equal((await send(p, 'tw', 0, 2, ['a0'])).errorCode, E.NONE);
  assert.equal((await endTxn(c, p, false)).errorCode, E.NONE);
  const rc = await fetchPartition(c, 'tw', 0, 0, 1);
  assert.deepEqual(rc.abortedTransactions?.map((t) => [Number(t.producerId), Number(t.firstOffset)]), [[p.producerId, 3]]);
  assert.deepEqual(tb.broker.transactions({ transactionalId: 'tw-commit' }).map((t) => [t.state, t.producerEpoch]), [['CompleteAbort', 0]]);
});

test('KIP-890: a transactional produce to a partition not in the transaction is INVALID_TXN_STATE before Produce v11, TRANSACTION_ABORTABLE from v11; nothing is written', async () => {
  const p = await initTxnRetrying(c, 'tw-verify');
  for (const [v, code] of [[3, E.INVALID_TXN_STATE], [9, E.INVALID_TXN_STATE], [10, E.INVALID_TXN_STATE], [11, E.TRANSACTION_ABORTABLE]] as const) {
    const r = await send(p, 'tw-verify', 0, 0, ['x'], v);
    assert.deepEqual([r.errorCode, r.errorMessage ?? null], [code, v >= 8 ? 'Partition was not added to the transaction' : null], `Produce v${v}`);
  }
  // Another producer's id under this transactional id, and an unknown transactional id.
  assert.equal((await produce(c, 'tw-verify', 0, batch({ ...p, producerId: p.producerId + 1000 }, 0, ['x']), 'tw-verify')).errorCode, E.INVALID_PRODUCER_ID_MAPPING);
  assert.equal((await produce(c, 'tw-verify', 0, batch(p, 0, ['x']), 'no-such-id')).errorCode, E.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await listLatest(c, 'tw-verify', 0, 0), 0);
  // Added: accepted, and later batches of this transaction need no verification.
  assert.deepEqual(await addPartitions(c, p, 'tw-verify', [0]), [E.NONE]);
  assert.equal((await send(p, 'tw-verify', 0, 0, ['v0'], 11)).errorCode, E.NONE);
  assert.equal((await endTxn(c, p, true)).errorCode, E.NONE);
  // After the commit the partition is no longer in a transaction: a late batch is refused again.
  assert.equal((await send(p, 'tw-verify', 0, 1, ['late'], 11)).errorCode, E.TRANSACTION_ABORTABLE);
  assert.deepEqual((await fetchPartition(c, 'tw-verify', 0, 0, 1)).values, ['v0', `<COMMIT ${p.producerId}>`]);
});

test('AddPartitionsToTxn: unknown partitions fail the whole request, internal topics are refused to producers; v4 batches and verifyOnly', async () => {
  const p = await initTxnRetrying(c, 'tw-add');
  assert.deepEqual(await addPartitions(c, p, 'tw', [0, 7]), [E.OPERATION_NOT_ATTEMPTED, E.UNKNOWN_TOPIC_OR_PARTITION]);
  assert.deepEqual(await addPartitions(c, p, 'no-such-topic', [0]), [E.UNKNOWN_TOPIC_OR_PARTITION]);
  assert.deepEqual(await addPartitions(c, p, '__consumer_offsets', [0]), [E.TOPIC_AUTHORIZATION_FAILED]);
  assert.deepEqual(tb.broker.transactions({ transactionalId: 'tw-add' })[0].state, 'Empty', 'nothing was added');
  for (let v = 0; v <= 3; v++) assert.deepEqual(await addPartitions(c, p, 'tw', [1], v), [E.NONE], `v${v}`);

  const q = await initTxnRetrying(c, 'tw-add-2');
  const checked = await addPartitionsBatched(c, [
    { p, topics: [{ name: 'tw', partitions: [0, 1] }], verifyOnly: true },
    { p: q, topics: [{ name: 'tw', partitions: [1] }] },
    { p: { ...q, transactionalId: 'tw-add-unknown' }, topics: [{ name: 'tw', partitions: [0] }] },
  ]);
  assert.equal(checked.errorCode, E.NONE);
  assert.deepEqual(Object.fromEntries(checked.results), {
    'tw-add': { 'tw-0': E.TRANSACTION_ABORTABLE, 'tw-1': E.NONE },
    'tw-add-2': { 'tw-1': E.NONE },
    'tw-add-unknown': { 'tw-0': E.INVALID_PRODUCER_ID_MAPPING },
  });
  assert.deepEqual(tb.broker.transactions({ transactionalId: 'tw-add-2' })[0].partitions, [{ topic: 'tw', partition: 1 }], 'added by the batched form');
  assert.equal((await endTxn(c, p, false)).errorCode, E.NONE);
  assert.equal((await endTxn(c, q, false)).errorCode, E.NONE);
});

test('fencing: InitProducerId aborts the open transaction (CONCURRENT_TRANSACTIONS, then a bumped epoch); the zombie is refused everywhere and its records never become visible', async () => {
  const zombie = await initTxnRetrying(c, 'tw-fence');
  assert.deepEqual(await addPartitions(c, zombie, 'tw-fence', [0]), [E.NONE]);
  assert.equal((await send(zombie, 'tw-fence', 0, 0, ['z0', 'z1'])).errorCode, E.NONE);

  const fencing = await initTxn(c, 'tw-fence');
  assert.equal(fencing.errorCode, E.CONCURRENT_TRANSACTIONS, 'the open transaction is being aborted');
  const fresh = await initTxnRetrying(c, 'tw-fence');
  assert.deepEqual([fresh.producerId, fresh.producerEpoch], [zombie.producerId, 2], 'epoch 1 fenced the zombie and aborted its transaction; 2 is the new producer');

  assert.equal((await send(zombie, 'tw-fence', 0, 2, ['z2'])).errorCode, E.INVALID_PRODUCER_EPOCH);
  assert.deepEqual(await addPartitions(c, zombie, 'tw-fence', [0]), [E.PRODUCER_FENCED]);
  assert.deepEqual(await addPartitions(c, zombie, 'tw-fence', [0], 1), [E.INVALID_PRODUCER_EPOCH], 'v0-1 clients do not know PRODUCER_FENCED');
  assert.equal((await endTxn(c, zombie, true)).errorCode, E.PRODUCER_FENCED);
  assert.equal((await endTxn(c, zombie, true, 1)).errorCode, E.INVALID_PRODUCER_EPOCH);
  assert.equal((await initTxn(c, 'tw-fence', { producerId: zombie.producerId, producerEpoch: 0 })).errorCode, E.PRODUCER_FENCED, 'KIP-360 with a fenced epoch');
  assert.equal((await initTxn(c, 'tw-fence', { producerId: zombie.producerId, producerEpoch: 0, version: 3 })).errorCode, E.INVALID_PRODUCER_EPOCH, 'v3 gets the old code');

  assert.deepEqual(await addPartitions(c, fresh, 'tw-fence', [0]), [E.NONE]);
  assert.equal((await send(fresh, 'tw-fence', 0, 0, ['f0'])).errorCode, E.NONE);
  assert.equal((await endTxn(c, fresh, true)).errorCode, E.NONE);
  const rc = await fetchPartition(c, 'tw-fence', 0, 0, 1);
  assert.deepEqual(rc.abortedTransactions?.map((t) => Number(t.firstOffset)), [0]);
  assert.deepEqual(rc.values, ['z0', 'z1', `<ABORT ${zombie.producerId}>`, 'f0', `<COMMIT ${zombie.producerId}>`], 'read_committed consumers drop z0, z1 (listed as aborted)');
});

test('INVALID_TXN_STATE sequences, bad timeouts and ids', async () => {
  const p = await initTxnRetrying(c, 'tw-states');
  assert.equal((await endTxn(c, p, true)).errorCode, E.INVALID_TXN_STATE, 'EndTxn without a transaction');
  assert.equal((await endTxn(c, p, false)).errorCode, E.INVALID_TXN_STATE);
  assert.deepEqual(await addPartitions(c, p, 'tw-states', [0]), [E.NONE]);
  assert.equal((await endTxn(c, p, true)).errorCode, E.NONE);
  assert.equal((await endTxn(c, p, true)).errorCode, E.NONE, 'a retried commit is answered as the commit was');
  assert.equal((await endTxn(c, p, false)).errorCode, E.INVALID_TXN_STATE, 'aborting what was committed');
  assert.deepEqual(await addPartitions(c, p, 'tw-states', [0]), [E.NONE]);
  assert.equal((await endTxn(c, p, false)).errorCode, E.NONE);
  assert.equal((await endTxn(c, p, true)).errorCode, E.INVALID_TXN_STATE, 'committing what was aborted');

  assert.equal((await initTxn(c, 'tw-states', { timeoutMs: 120_001 })).errorCode, E.INVALID_TRANSACTION_TIMEOUT, 'above transaction.max.timeout.ms');
  assert.equal((await initTxn(c, 'tw-states', { timeoutMs: 0 })).errorCode, E.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await initTxn(c, '')).errorCode, E.INVALID_REQUEST);
  assert.equal((await endTxn(c, { ...p, transactionalId: '' }, true)).errorCode, E.INVALID_REQUEST);
  assert.equal((await endTxn(c, { ...p, producerId: p.producerId + 1 }, true)).errorCode, E.INVALID_PRODUCER_ID_MAPPING);
});

test('transaction version 2: EndTxn v5 bumps the epoch at every transaction and answers the new one; v4 and older keep it', async () => {
  const p = await initTxnRetrying(c, 'tw-v2');
  assert.deepEqual(await addPartitions(c, p, 'tw-v2', [0]), [E.NONE]);
  assert.equal((await send(p, 'tw-v2', 0, 0, ['t0'], 11)).errorCode, E.NONE);
  const v4 = await endTxn(c, p, true, 4);
  assert.equal(v4.errorCode, E.NONE);
  assert.deepEqual(await addPartitions(c, p, 'tw-v2', [0]), [E.NONE]);
  assert.equal((await send(p, 'tw-v2', 0, 1, ['t1'], 11)).errorCode, E.NONE);
  const v5 = await endTxn(c, p, true, 5);
  assert.deepEqual([v5.errorCode, Number(v5.producerId), v5.producerEpoch], [E.NONE, p.producerId, p.producerEpoch + 1]);
  assert.equal((await endTxn(c, p, true, 5)).errorCode, E.NONE, 'a retry with the old epoch is recognised');
  // The old epoch is fenced on the partition by the marker itself.
  assert.equal((await send(p, 'tw-v2', 0, 2, ['late'], 11)).errorCode, E.INVALID_PRODUCER_EPOCH);
  const next: Producer = { ...p, producerEpoch: v5.producerEpoch ?? -1 };
  assert.deepEqual(await addPartitions(c, next, 'tw-v2', [0]), [E.NONE]);
  assert.equal((await send(next, 'tw-v2', 0, 0, ['t2'], 11)).errorCode, E.NONE);
  assert.equal((await endTxn(c, next, true, 5)).errorCode, E.NONE);
  assert.deepEqual((await fetchPartition(c, 'tw-v2', 0, 0, 1)).values.filter((v) => !v.startsWith('<')), ['t0', 't1', 't2']);
});

test('DescribeTransactions and ListTransactions: states, partitions, start times; filters by state, producer id and duration', async () => {
  const open = await initTxnRetrying(c, 'tw-admin', 90_000);
  const before = Date.now();
  assert.deepEqual(await addPartitions(c, open, 'tw-admin', [0]), [E.NONE]);
  const [d, unknown, empty] = await describeTransactions(c, ['tw-admin', 'tw-admin-unknown', '']);
  assert.deepEqual(
    [d.errorCode, d.transactionState, Number(d.producerId), d.producerEpoch, d.transactionTimeoutMs, d.topics],
    [E.NONE, 'Ongoing', open.producerId, open.producerEpoch, 90_000, [{ topic: 'tw-admin', partitions: [0] }]],
  );
  assert.ok(Number(d.transactionStartTimeMs) >= before);
  assert.deepEqual([unknown.errorCode, empty.errorCode], [E.TRANSACTIONAL_ID_NOT_FOUND, E.INVALID_REQUEST]);

  const all = await listTransactions(c);
  assert.equal(all.errorCode, E.NONE);
  assert.ok(all.transactionStates.some((s) => s.transactionalId === 'tw-admin' && s.transactionState === 'Ongoing'));
  const ongoing = await listTransactions(c, { states: ['Ongoing', 'NoSuchState'] });
  assert.deepEqual([ongoing.transactionStates.map((s) => s.transactionalId), ongoing.unknownStateFilters], [['tw-admin'], ['NoSuchState']]);
  assert.deepEqual((await listTransactions(c, { producerIds: [open.producerId] })).transactionStates.map((s) => s.transactionalId), ['tw-admin']);
  // Duration (v1): only transactions running longer than that.
  assert.deepEqual((await listTransactions(c, { states: ['Ongoing'], durationMs: 3_600_000 })).transactionStates, []);
  assert.equal((await endTxn(c, open, false)).errorCode, E.NONE);
  assert.deepEqual((await listTransactions(c, { states: ['Ongoing'] }, 0)).transactionStates, []);
});
