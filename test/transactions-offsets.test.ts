// Consumer offsets in transactions at the protocol level (KIP-98, KIP-447, KIP-890):
// AddOffsetsToTxn + TxnOffsetCommit make offsets that OffsetFetch shows only once the transaction
// commits (UNSTABLE_OFFSET_COMMIT meanwhile for requireStable), that an abort drops, that a
// restart rebuilds from __consumer_offsets with the same outcome, and that a member of an older
// generation cannot write.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WireClient } from '../src/client/wire-client.js';
import { ErrorCode as E } from '../src/protocol/errors.js';
import { encodeSubscription } from '../src/protocol/consumer-protocol.js';
import { batchesOf } from '../src/protocol/records/record-batch.js';
import { TestBroker } from './helpers/broker.js';
import { FAST_CLASSIC_GROUPS } from './helpers/group-broker.js';
import { addOffsets, addPartitions, committedOffsets, endTxn, initTxnRetrying, txnOffsetCommit } from './helpers/txn-wire.js';

let tb: TestBroker;
let c: WireClient;

before(async () => {
  tb = await TestBroker.start({ settings: { ...FAST_CLASSIC_GROUPS, 'num.partitions': 1 } });
  assert.equal((await tb.broker.cluster.createTopic('to', 2, {})).errorCode, 0);
  c = await WireClient.connect('localhost', tb.port);
});

after(async () => {
  c.close();
  assert.deepEqual(tb.errors(), [], 'nothing logged at error level');
  await tb.cleanup();
});

test('offsets committed in a transaction are invisible until it commits (UNSTABLE_OFFSET_COMMIT for requireStable), dropped if it aborts', async () => {
  const p = await initTxnRetrying(c, 'to-1');
  assert.equal(await addOffsets(c, p, 'g-1'), E.NONE);
  assert.deepEqual(await txnOffsetCommit(c, p, 'g-1', { 'to-0': 10, 'to-1': 20 }), [E.NONE, E.NONE]);
  assert.deepEqual(await committedOffsets(c, 'g-1', 'to', [0, 1]), [-1, -1]);
  assert.deepEqual(await committedOffsets(c, 'g-1', 'to', [0, 1], true), [`error ${E.UNSTABLE_OFFSET_COMMIT}`, `error ${E.UNSTABLE_OFFSET_COMMIT}`]);
  assert.equal((await endTxn(c, p, true)).errorCode, E.NONE);
  assert.deepEqual(await committedOffsets(c, 'g-1', 'to', [0, 1], true), [10, 20]);

  assert.equal(await addOffsets(c, p, 'g-1'), E.NONE);
  assert.deepEqual(await txnOffsetCommit(c, p, 'g-1', { 'to-0': 99 }), [E.NONE]);
  assert.equal((await endTxn(c, p, false)).errorCode, E.NONE);
  assert.deepEqual(await committedOffsets(c, 'g-1', 'to', [0, 1], true), [10, 20], 'the aborted commit left no trace');
  // The group coordinator saw the markers in its own partition of __consumer_offsets.
  const [state] = tb.broker.producers('__consumer_offsets').filter((s) => s.producers.some((x) => x.producerId === p.producerId));
  assert.ok(state, 'the transactional batches went to the group\'s partition');
  assert.equal(state.lastStableOffset, state.highWatermark);
});

test('TxnOffsetCommit without AddOffsetsToTxn is INVALID_TXN_STATE (TRANSACTION_ABORTABLE from v4); unknown topics, fenced producers', async () => {
  const p = await initTxnRetrying(c, 'to-2');
  assert.deepEqual(await addPartitions(c, p, 'to', [0]), [E.NONE]);
  assert.deepEqual(await txnOffsetCommit(c, p, 'g-2', { 'to-0': 1 }), [E.INVALID_TXN_STATE]);
  assert.deepEqual(await txnOffsetCommit(c, p, 'g-2', { 'to-0': 1 }, { version: 4 }), [E.TRANSACTION_ABORTABLE]);
  assert.deepEqual(await txnOffsetCommit(c, p, 'g-2', { 'nope-0': 1, 'to-5': 1 }), [E.UNKNOWN_TOPIC_OR_PARTITION, E.UNKNOWN_TOPIC_OR_PARTITION]);
  assert.equal(await addOffsets(c, p, 'g-2'), E.NONE);
  assert.deepEqual(await txnOffsetCommit(c, p, 'g-2', { 'to-0': 1 }), [E.NONE]);
  // Fenced: a new producer for the id aborts this transaction; the zombie cannot commit offsets.
  const fresh = await initTxnRetrying(c, 'to-2');
  assert.deepEqual(await txnOffsetCommit(c, p, 'g-2', { 'to-0': 2 }), [E.INVALID_PRODUCER_EPOCH]);
  assert.equal(await addOffsets(c, p, 'g-2'), E.PRODUCER_FENCED);
  assert.equal(await addOffsets(c, p, 'g-2', 1), E.INVALID_PRODUCER_EPOCH);
  assert.deepEqual(await committedOffsets(c, 'g-2', 'to', [0]), [-1], 'the fenced transaction was aborted with its offsets');
  assert.equal(await addOffsets(c, fresh, 'g-2'), E.NONE);
  assert.deepEqual(await txnOffsetCommit(c, fresh, 'g-2', { 'to-0': 3 }), [E.NONE]);
  assert.equal((await endTxn(c, fresh, true)).errorCode, E.NONE);
  assert.deepEqual(await committedOffsets(c, 'g-2', 'to', [0]), [3]);
});

test('KIP-447: TxnOffsetCommit from a stale generation is ILLEGAL_GENERATION, from an unknown member UNKNOWN_MEMBER_ID', async () => {
  const join = (memberId: string) =>
    c.request<{ errorCode: number; memberId: string; generationId: number }>(11, 5, {
      groupId: 'g-3', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: encodeSubscription({ version: 0, topics: ['to'] }) }],
    });
  const first = await join('');
  assert.equal(first.errorCode, E.MEMBER_ID_REQUIRED);
  const member = await join(first.memberId);
  assert.equal(member.errorCode, E.NONE);
  const sync = await c.request<{ errorCode: number }>(14, 3, { groupId: 'g-3', generationId: member.generationId, memberId: member.memberId, groupInstanceId: null, assignments: [{ memberId: member.memberId, assignment: Buffer.alloc(0) }] });
  assert.equal(sync.errorCode, E.NONE);

  const p = await initTxnRetrying(c, 'to-3');
  assert.equal(await addOffsets(c, p, 'g-3'), E.NONE);
  const as = (generationId: number, memberId: string) => txnOffsetCommit(c, p, 'g-3', { 'to-0': 5 }, { generationId, memberId });
  assert.deepEqual(await as(member.generationId - 1, member.memberId), [E.ILLEGAL_GENERATION], 'a zombie of an older generation');
  assert.deepEqual(await as(member.generationId, 'someone-else'), [E.UNKNOWN_MEMBER_ID]);
  assert.deepEqual(await as(member.generationId, member.memberId), [E.NONE]);
  assert.equal((await endTxn(c, p, true)).errorCode, E.NONE);
  assert.deepEqual(await committedOffsets(c, 'g-3', 'to', [0]), [5]);
  await c.request(13, 3, { groupId: 'g-3', members: [{ memberId: member.memberId, groupInstanceId: null }] });
});

test('a restart rebuilds transactional offsets from __consumer_offsets: committed ones stay, aborted ones stay gone, an open transaction stays pending until it ends', async () => {
  const p = await initTxnRetrying(c, 'to-4');
  assert.equal(await addOffsets(c, p, 'g-4'), E.NONE);
  assert.deepEqual(await txnOffsetCommit(c, p, 'g-4', { 'to-0': 7 }), [E.NONE]);
  assert.equal((await endTxn(c, p, true)).errorCode, E.NONE);
  assert.equal(await addOffsets(c, p, 'g-4'), E.NONE);
  assert.deepEqual(await txnOffsetCommit(c, p, 'g-4', { 'to-0': 8, 'to-1': 8 }), [E.NONE, E.NONE]);
  assert.equal((await endTxn(c, p, false)).errorCode, E.NONE);
  assert.equal(await addOffsets(c, p, 'g-4'), E.NONE);
  assert.deepEqual(await txnOffsetCommit(c, p, 'g-4', { 'to-1': 9 }), [E.NONE]); // left open

  c.close();
  await tb.restart();
  c = await WireClient.connect('localhost', tb.port);
  assert.deepEqual(await committedOffsets(c, 'g-4', 'to', [0, 1], true), [7, `error ${E.UNSTABLE_OFFSET_COMMIT}`]);
  assert.deepEqual(tb.broker.transactions().map((t) => [t.transactionalId, t.state]), [['to-4', 'Ongoing']]);
  assert.equal((await endTxn(c, p, true)).errorCode, E.NONE, 'the producer finishes after the restart');
  assert.deepEqual(await committedOffsets(c, 'g-4', 'to', [0, 1], true), [7, 9]);
});

test('with offsets.topic.compression.codec, transactional offset commits are compressed batches too, and a restart replays them', async () => {
  const zb = await TestBroker.start({ settings: { 'offsets.topic.num.partitions': 1, 'offsets.topic.compression.codec': 4 } });
  let zc = await WireClient.connect('localhost', zb.port);
  try {
    assert.equal((await zb.broker.cluster.createTopic('tz', 1, {})).errorCode, 0);
    const p = await initTxnRetrying(zc, 'tz-1');
    assert.equal(await addOffsets(zc, p, 'g-z'), E.NONE);
    assert.deepEqual(await txnOffsetCommit(zc, p, 'g-z', { 'tz-0': 11 }), [E.NONE]);
    assert.equal((await endTxn(zc, p, true)).errorCode, E.NONE);
    assert.equal(await addOffsets(zc, p, 'g-z'), E.NONE);
    assert.deepEqual(await txnOffsetCommit(zc, p, 'g-z', { 'tz-0': 12 }), [E.NONE]);
    assert.equal((await endTxn(zc, p, false)).errorCode, E.NONE);
    const batches = [...batchesOf(Buffer.concat(zb.broker.cluster.partition('__consumer_offsets', 0)?.log.read(0, 1 << 20)?.batches ?? []))];
    assert.deepEqual(
      batches.map((b) => [b.isTransactional, b.isControl, b.compression]),
      [[true, false, 4], [true, true, 0], [true, false, 4], [true, true, 0]],
      'zstd offset commits in the transaction, uncompressed markers',
    );
    zc.close();
    await zb.restart();
    zc = await WireClient.connect('localhost', zb.port);
    assert.deepEqual(await committedOffsets(zc, 'g-z', 'tz', [0], true), [11]);
  } finally {
    zc.close();
    const errors = zb.errors();
    await zb.cleanup();
    assert.deepEqual(errors, []);
  }
});
