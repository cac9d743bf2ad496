// The coordinators' compacted topics under the log cleaner with transactions: `__transaction_state`
// keeps one record per transactional id, and `__consumer_offsets` loses the offsets of aborted
// transactions while it keeps committed ones and an open transaction's (at or after the last
// stable offset nothing is cleaned). A restart replays what is left into the same state:
// committed offsets, a pending transactional offset still pending, the open transaction still
// open and committable.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WireClient } from '../src/client/wire-client.js';
import { ErrorCode as E } from '../src/protocol/errors.js';
import { batchesOf } from '../src/protocol/records/record-batch.js';
import { TestBroker } from './helpers/broker.js';
import { CleanRequests } from './helpers/cleaning.js';
import { addOffsets, committedOffsets, endTxn, initTxnRetrying, txnOffsetCommit } from './helpers/txn-wire.js';

let tb: TestBroker;
let c: WireClient;

before(async () => {
  tb = await TestBroker.start({
    logLevel: 'info',
    settings: {
      'offsets.topic.num.partitions': 1,
      'transaction.state.log.num.partitions': 1,
      'log.cleaner.backoff.ms': 86_400_000,
      'log.cleaner.delete.retention.ms': 0,
      'log.cleaner.min.cleanable.ratio': 0.01,
    },
  });
  assert.equal((await tb.broker.cluster.createTopic('tc', 2, {})).errorCode, 0);
  c = await WireClient.connect('localhost', tb.port);
});

after(async () => {
  c.close();
  const errors = tb.errors();
  await tb.cleanup();
  assert.deepEqual(errors, [], 'the broker logged errors');
});

/** Records in partition 0 of `topic`, counted from the batch headers. */
const records = (topic: string): number => {
  const p = tb.broker.cluster.partition(topic, 0);
  assert.ok(p);
  let n = 0;
  for (let offset = p.logStartOffset; offset < p.highWatermark; ) {
    const res = p.log.read(offset, 1 << 20, { maxOffset: p.highWatermark, minOneBatch: true });
    if (!res || res.batches.length === 0) break;
    for (const chunk of res.batches) {
      for (const b of batchesOf(chunk)) {
        if (b.lastOffset >= offset) n += b.recordsCount;
        offset = Math.max(offset, b.lastOffset + 1);
      }
    }
  }
  return n;
};

test('compaction of __transaction_state and __consumer_offsets through committed, aborted and open transactions; a restart replays the same state', async () => {
  const p = await initTxnRetrying(c, 'tc-1');
  const ROUNDS = 60;
  let lastCommitted = -1;
  for (let i = 0; i < ROUNDS; i++) {
    assert.equal(await addOffsets(c, p, 'tc-group'), E.NONE);
    assert.deepEqual(await txnOffsetCommit(c, p, 'tc-group', { 'tc-0': i, 'tc-1': 1000 + i }), [E.NONE, E.NONE]);
    const commit = i % 3 !== 2;
    assert.equal((await endTxn(c, p, commit)).errorCode, E.NONE);
    if (commit) lastCommitted = i;
  }
  // The last transaction aborts: its offsets must not come back through compaction or replay.
  assert.equal(lastCommitted, ROUNDS - 2);
  // Segments are at least 1 MiB (segment.bytes' minimum): roll them, as much writing would, so
  // that all but the active segments can be cleaned. The cleaner takes whole segments below the
  // last stable offset, so the open transaction starts in a segment of its own.
  const roll = () => {
    for (const topic of ['__transaction_state', '__consumer_offsets']) tb.broker.cluster.partition(topic, 0)?.log.roll();
  };
  roll();
  // One left open, with offsets pending.
  assert.equal(await addOffsets(c, p, 'tc-group'), E.NONE);
  assert.deepEqual(await txnOffsetCommit(c, p, 'tc-group', { 'tc-1': 5000 }), [E.NONE]);
  roll();

  const before = { state: records('__transaction_state'), offsets: records('__consumer_offsets') };
  // One CleanRequests each: the first may clean both topics (the cleaner takes every log that needs it).
  await new CleanRequests(tb).clean('__transaction_state', 0);
  await new CleanRequests(tb).clean('__consumer_offsets', 0);
  const cleaned = { state: records('__transaction_state'), offsets: records('__consumer_offsets') };
  assert.ok(cleaned.state < before.state / 4, `__transaction_state: ${before.state} records, ${cleaned.state} after cleaning`);
  assert.ok(cleaned.offsets < before.offsets / 2, `__consumer_offsets: ${before.offsets} records, ${cleaned.offsets} after cleaning`);

  const expectState = async (client: WireClient) => {
    assert.deepEqual(await committedOffsets(client, 'tc-group', 'tc', [0, 1]), [lastCommitted, 1000 + lastCommitted]);
    assert.deepEqual(await committedOffsets(client, 'tc-group', 'tc', [0, 1], true), [lastCommitted, `error ${E.UNSTABLE_OFFSET_COMMIT}`]);
    assert.deepEqual(tb.broker.transactions().map((t) => [t.transactionalId, t.state, t.producerId, t.producerEpoch]), [['tc-1', 'Ongoing', p.producerId, p.producerEpoch]]);
  };
  await expectState(c);

  c.close();
  await tb.restart();
  await tb.broker.ready;
  c = await WireClient.connect('localhost', tb.port);
  await expectState(c);
  assert.equal((await endTxn(c, p, true)).errorCode, E.NONE, 'the open transaction commits after the restart');
  assert.deepEqual(await committedOffsets(c, 'tc-group', 'tc', [0, 1], true), [lastCommitted, 5000]);
});
