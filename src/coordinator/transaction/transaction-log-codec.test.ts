import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTxnKey, decodeTxnValue, encodeTxnKey, encodeTxnValue } from './transaction-log-codec.js';
import type { TxnTransit } from './transaction-metadata.js';
import { TopicPartitionSet } from './topic-partition-set.js';
import { TxnState } from './transaction-state.js';

const ongoing: TxnTransit = {
  producerId: 5,
  prevProducerId: 4,
  nextProducerId: -1,
  producerEpoch: 1,
  lastProducerEpoch: 0,
  txnTimeoutMs: 60000,
  state: TxnState.ONGOING,
  partitions: new TopicPartitionSet([{ topic: 'a', partition: 0 }, { topic: 'a', partition: 3 }]),
  txnStartTimestamp: 900,
  txnLastUpdateTimestamp: 1000,
  clientTransactionVersion: 0,
};

/** Hex bytes; `#` starts a comment to the end of the line. */
const hex = (s: string) => Buffer.from(s.replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex');

test('keys and values are Kafka\'s TransactionLogKey v0 and TransactionLogValue v0/v1, byte for byte', () => {
  assert.deepEqual(encodeTxnKey('tx'), hex('0000 0002 7478'));
  assert.equal(decodeTxnKey(hex('0000 0002 7478')), 'tx');
  assert.equal(decodeTxnKey(hex('0001 0002 7478')), null, 'an unknown key version is skipped');

  const v0 = hex(`
    0000                                  # version 0
    0000000000000005 0001 0000ea60 01     # producer id, epoch, timeout, Ongoing
    00000001 0001 61 00000002 00000000 00000003   # [ a: [0, 3] ]
    00000000000003e8 0000000000000384     # last update, start`);
  assert.deepEqual(encodeTxnValue(ongoing, 0), v0);
  const v1 = hex(`
    0001
    0000000000000005 0001 0000ea60 01
    02 02 61 03 00000000 00000003 00      # compact [ a: [0, 3] ], no tags
    00000000000003e8 0000000000000384
    01 00 08 0000000000000004             # one tag: 0 = previous producer id 4`);
  assert.deepEqual(encodeTxnValue(ongoing, 1), v1);
  assert.deepEqual(encodeTxnValue(ongoing), v1, 'Brook writes v1');

  for (const bytes of [v0, v1]) {
    const d = decodeTxnValue(bytes);
    assert.deepEqual(
      [d.producerId, d.producerEpoch, d.txnTimeoutMs, d.state, d.partitions, d.txnLastUpdateTimestamp, d.txnStartTimestamp],
      [5, 1, 60000, TxnState.ONGOING, [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 3 }], 1000, 900],
    );
  }
  assert.equal(decodeTxnValue(v1).previousProducerId, 4);
  assert.equal(decodeTxnValue(v0).previousProducerId, -1, 'v0 has no previous producer id');
});

test('an Empty state stores no partitions (null), and v1 tags round-trip', () => {
  const empty: TxnTransit = { ...ongoing, state: TxnState.EMPTY, partitions: new TopicPartitionSet(), nextProducerId: 9, clientTransactionVersion: 2 };
  const d = decodeTxnValue(encodeTxnValue(empty));
  assert.deepEqual([d.state, d.partitions, d.nextProducerId, d.clientTransactionVersion], [TxnState.EMPTY, [], 9, 2]);
  assert.throws(() => encodeTxnValue({ ...ongoing, state: TxnState.EMPTY }), /no partitions/);
  assert.throws(() => decodeTxnValue(hex('0002 00')), /unknown __transaction_state value version 2/);
});
