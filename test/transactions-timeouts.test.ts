// Transaction timeouts at the protocol level, on a broker with small limits so that nothing waits
// for Kafka's defaults: transaction.timeout.ms aborts the transaction of a producer that went
// away (with a bumped epoch that fences it when it comes back), transaction.max.timeout.ms is
// enforced (INVALID_TRANSACTION_TIMEOUT), and transactional.id.expiration.ms forgets idle ids.
// The assertions wait with generous deadlines; none depends on how fast the broker's timers fire.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WireClient } from '../src/client/wire-client.js';
import { ErrorCode as E } from '../src/protocol/errors.js';
import { TestBroker } from './helpers/broker.js';
import { fetchPartition, listLatest, produce, producerBatch } from './helpers/producer-wire.js';
import { type Producer, addPartitions, describeTransactions, endTxn, initTxn, initTxnRetrying } from './helpers/txn-wire.js';
import { waitFor } from './helpers/wait-for.js';

const MAX_TIMEOUT_MS = 5_000;

let tb: TestBroker;
let c: WireClient;

before(async () => {
  tb = await TestBroker.start({
    settings: {
      'num.partitions': 1,
      'transaction.max.timeout.ms': MAX_TIMEOUT_MS,
      'transaction.abort.timed.out.transaction.cleanup.interval.ms': 50,
    },
  });
  assert.equal((await tb.broker.cluster.createTopic('tt', 1, {})).errorCode, 0);
  c = await WireClient.connect('localhost', tb.port);
});

after(async () => {
  c.close();
  assert.deepEqual(tb.errors(), [], 'nothing logged at error level');
  await tb.cleanup();
});

const send = (p: Producer, baseSequence: number, values: string[]) =>
  produce(c, 'tt', 0, producerBatch({ producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence, values, transactional: true }), p.transactionalId);

test('transaction.max.timeout.ms: InitProducerId asking for more is INVALID_TRANSACTION_TIMEOUT, the limit itself is accepted', async () => {
  for (const v of [0, 1, 2, 3, 4, 5]) {
    assert.equal((await initTxn(c, 'tt-max', { version: v, timeoutMs: MAX_TIMEOUT_MS + 1 })).errorCode, E.INVALID_TRANSACTION_TIMEOUT, `v${v}`);
  }
  assert.equal((await initTxn(c, 'tt-max', { timeoutMs: -1 })).errorCode, E.INVALID_TRANSACTION_TIMEOUT);
  const ok = await initTxn(c, 'tt-max', { timeoutMs: MAX_TIMEOUT_MS });
  assert.equal(ok.errorCode, E.NONE);
  // A refused timeout left the id as the accepted call made it.
  assert.equal((await initTxn(c, 'tt-max', { timeoutMs: MAX_TIMEOUT_MS * 2 })).errorCode, E.INVALID_TRANSACTION_TIMEOUT);
  const [d] = await describeTransactions(c, ['tt-max']);
  assert.deepEqual([d.errorCode, d.transactionState, d.transactionTimeoutMs, Number(d.producerId)], [E.NONE, 'Empty', MAX_TIMEOUT_MS, Number(ok.producerId)]);
});

test('transaction.timeout.ms: the open transaction of a producer that went away is aborted with a bumped epoch; the producer, back, is fenced; its records never become visible', async () => {
  const gone = await initTxnRetrying(c, 'tt-gone', 200);
  assert.deepEqual(await addPartitions(c, gone, 'tt', [0]), [E.NONE]);
  assert.equal((await send(gone, 0, ['g0', 'g1'])).errorCode, E.NONE);
  assert.equal(await listLatest(c, 'tt', 0, 1), 0, 'the open transaction holds the LSO');

  // The producer sends nothing more: the coordinator's periodic check aborts the transaction.
  await waitFor('the timed-out transaction to be aborted', () => tb.broker.transactions({ transactionalId: 'tt-gone' })[0]?.state === 'CompleteAbort', 20_000, () => tb.broker.transactions({ all: true }));
  const [t] = tb.broker.transactions({ transactionalId: 'tt-gone' });
  assert.deepEqual([t.producerId, t.producerEpoch, t.partitions], [gone.producerId, gone.producerEpoch + 1, []], 'the abort bumped the epoch');
  const rc = await fetchPartition(c, 'tt', 0, 0, 1);
  assert.deepEqual(rc.values, ['g0', 'g1', `<ABORT ${gone.producerId}>`]);
  assert.deepEqual(rc.abortedTransactions?.map((a) => [Number(a.producerId), Number(a.firstOffset)]), [[gone.producerId, 0]]);
  assert.equal(Number(rc.lastStableOffset), 3);

  // The producer comes back with its old epoch: fenced everywhere, nothing more is written.
  assert.equal((await endTxn(c, gone, true)).errorCode, E.PRODUCER_FENCED);
  assert.equal((await endTxn(c, gone, true, 1)).errorCode, E.INVALID_PRODUCER_EPOCH, 'v0-1 clients do not know PRODUCER_FENCED');
  assert.deepEqual(await addPartitions(c, gone, 'tt', [0]), [E.PRODUCER_FENCED]);
  assert.equal((await send(gone, 2, ['g2'])).errorCode, E.INVALID_PRODUCER_EPOCH);
  assert.equal(await listLatest(c, 'tt', 0, 0), 3);

  // A new producer for the id starts cleanly after the abort, at the next epoch.
  const next = await initTxnRetrying(c, 'tt-gone', MAX_TIMEOUT_MS);
  assert.deepEqual([next.producerId, next.producerEpoch], [gone.producerId, gone.producerEpoch + 2]);
  assert.deepEqual(await addPartitions(c, next, 'tt', [0]), [E.NONE]);
  assert.equal((await send(next, 0, ['n0'])).errorCode, E.NONE);
  assert.equal((await endTxn(c, next, true)).errorCode, E.NONE);
  assert.deepEqual((await fetchPartition(c, 'tt', 0, 0, 1)).values.slice(3), ['n0', `<COMMIT ${gone.producerId}>`]);
});

test('transactional.id.expiration.ms: an id idle that long is forgotten (TRANSACTIONAL_ID_NOT_FOUND); one with an open transaction is kept', async () => {
  // Its own broker: ids of the other tests would expire under them.
  const eb = await TestBroker.start({
    settings: { 'num.partitions': 1, 'transactional.id.expiration.ms': 300, 'transaction.remove.expired.transaction.cleanup.interval.ms': 50 },
  });
  const ec = await WireClient.connect('localhost', eb.port);
  try {
    assert.equal((await eb.broker.cluster.createTopic('te', 1, {})).errorCode, 0);
    const idle = await initTxnRetrying(ec, 'te-idle');
    assert.deepEqual(await addPartitions(ec, idle, 'te', [0]), [E.NONE]);
    assert.equal((await endTxn(ec, idle, false)).errorCode, E.NONE);
    const open = await initTxnRetrying(ec, 'te-open');
    assert.deepEqual(await addPartitions(ec, open, 'te', [0]), [E.NONE]);

    await waitFor('the idle id to expire', async () => (await describeTransactions(ec, ['te-idle']))[0].errorCode === E.TRANSACTIONAL_ID_NOT_FOUND, 20_000);
    assert.deepEqual(eb.broker.transactions({ transactionalId: 'te-idle' }), []);
    // Expiry is written to __transaction_state: a restart does not bring the id back.
    ec.close();
    await eb.restart();
    const rc = await WireClient.connect('localhost', eb.port);
    try {
      const [gone, kept] = await describeTransactions(rc, ['te-idle', 'te-open']);
      assert.equal(gone.errorCode, E.TRANSACTIONAL_ID_NOT_FOUND);
      assert.deepEqual([kept.errorCode, kept.transactionState], [E.NONE, 'Ongoing'], 'an open transaction is never expired (its timeout aborts it first)');
      // The id can be used again, with a new producer id.
      const again = await initTxnRetrying(rc, 'te-idle');
      assert.notEqual(again.producerId, idle.producerId);
      assert.equal(again.producerEpoch, 0);
    } finally {
      rc.close();
    }
  } finally {
    ec.close();
    const errors = eb.errors();
    await eb.cleanup();
    assert.deepEqual(errors, []);
  }
});
