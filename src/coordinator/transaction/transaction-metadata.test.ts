import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../protocol/errors.js';
import { TransactionMetadata, TransactionVersion, type TxnTransit } from './transaction-metadata.js';
import { TxnState } from './transaction-state.js';

const tp = (topic: string, partition: number) => ({ topic, partition });

function apply(m: TransactionMetadata, t: TxnTransit | number): TxnTransit {
  assert.equal(typeof t, 'object', `a transition, not error ${String(t)}`);
  m.completeTransitionTo(t as TxnTransit);
  return t as TxnTransit;
}

test('a new id gets epoch 0, each InitProducerId the next; a KIP-360 retry of a bump gets the same epoch back, any other epoch is fenced', () => {
  const m = TransactionMetadata.create('t', 7, 60_000, 1000);
  assert.deepEqual([m.producerId, m.producerEpoch, m.state], [7, -1, TxnState.EMPTY]);
  // A new id accepts whatever epoch the producer names (@platformatic/kafka names 0).
  apply(m, m.prepareIncrementProducerEpoch(60_000, 0, 1001));
  assert.deepEqual([m.producerEpoch, m.lastProducerEpoch], [0, -1]);
  apply(m, m.prepareIncrementProducerEpoch(30_000, null, 1002));
  assert.deepEqual([m.producerEpoch, m.lastProducerEpoch, m.txnTimeoutMs], [1, -1, 30_000]);
  // The producer names epoch 1: bumped to 2, remembering 1.
  apply(m, m.prepareIncrementProducerEpoch(30_000, 1, 1003));
  assert.deepEqual([m.producerEpoch, m.lastProducerEpoch], [2, 1]);
  // Its retry (the answer was lost) names 1 again: epoch 2 once more, not 3.
  apply(m, m.prepareIncrementProducerEpoch(30_000, 1, 1004));
  assert.equal(m.producerEpoch, 2);
  assert.equal(m.prepareIncrementProducerEpoch(30_000, 0, 1005), ErrorCode.PRODUCER_FENCED);
  assert.equal(m.pendingState, null, 'a refusal prepares nothing');
});

test('a transaction: Ongoing from the first partition (its start time), Prepare*, Complete*; one pending transition at a time', () => {
  const m = TransactionMetadata.create('t', 7, 60_000, 1000);
  apply(m, m.prepareIncrementProducerEpoch(60_000, null, 1000));
  const add = m.prepareAddPartitions([tp('a', 0)], 2000);
  assert.equal(m.pendingState, TxnState.ONGOING);
  assert.throws(() => m.prepareAddPartitions([tp('b', 0)], 2001), /pending/);
  m.completeTransitionTo(add);
  apply(m, m.prepareAddPartitions([tp('b', 1), tp('a', 0)], 2500));
  assert.deepEqual([m.state, m.txnStartTimestamp, [...m.partitions]], [TxnState.ONGOING, 2000, [tp('a', 0), tp('b', 1)]]);
  apply(m, m.prepareAbortOrCommit(TxnState.PREPARE_COMMIT, TransactionVersion.TV_0, -1, 3000));
  assert.deepEqual([m.state, m.producerEpoch], [TxnState.PREPARE_COMMIT, 0], 'version 1: the epoch stays');
  m.removePartition(tp('a', 0));
  m.removePartition(tp('b', 1));
  apply(m, m.prepareComplete(3100));
  assert.deepEqual([m.state, m.partitions.size, m.txnLastUpdateTimestamp], [TxnState.COMPLETE_COMMIT, 0, 3100]);
  // The next transaction starts at its own first partition.
  apply(m, m.prepareAddPartitions([tp('a', 0)], 4000));
  assert.equal(m.txnStartTimestamp, 4000);
  assert.throws(() => m.prepareIncrementProducerEpoch(60_000, null, 4001), /cannot become Empty/, 'InitProducerId never skips an open transaction');
});

test('transaction version 2: the epoch is bumped at PrepareCommit; an exhausted epoch moves to the next producer id at completion', () => {
  const m = TransactionMetadata.create('t', 7, 60_000, 1000);
  apply(m, m.prepareIncrementProducerEpoch(60_000, null, 1000));
  apply(m, m.prepareAddPartitions([tp('a', 0)], 2000));
  apply(m, m.prepareAbortOrCommit(TxnState.PREPARE_COMMIT, TransactionVersion.TV_2, -1, 3000));
  assert.deepEqual([m.producerEpoch, m.lastProducerEpoch], [1, 0]);
  m.removePartition(tp('a', 0));
  apply(m, m.prepareComplete(3001));
  assert.deepEqual([m.producerId, m.producerEpoch, m.state], [7, 1, TxnState.COMPLETE_COMMIT]);

  m.producerEpoch = 32766; // exhausted
  apply(m, m.prepareAddPartitions([tp('a', 0)], 4000));
  apply(m, m.prepareAbortOrCommit(TxnState.PREPARE_ABORT, TransactionVersion.TV_2, 8, 4001));
  assert.deepEqual([m.producerEpoch, m.nextProducerId], [32767, 8]);
  m.removePartition(tp('a', 0));
  apply(m, m.prepareComplete(4002));
  assert.deepEqual([m.producerId, m.producerEpoch, m.previousProducerId, m.state], [8, 0, 7, TxnState.COMPLETE_ABORT]);
});

test('an epoch fence bumps once, even when its write failed and it is tried again', () => {
  const m = TransactionMetadata.create('t', 7, 60_000, 1000);
  apply(m, m.prepareIncrementProducerEpoch(60_000, null, 1000));
  apply(m, m.prepareAddPartitions([tp('a', 0)], 2000));
  const fence = m.prepareFenceProducerEpoch();
  assert.deepEqual([fence.producerEpoch, fence.state, m.pendingState], [1, TxnState.PREPARE_EPOCH_FENCE, TxnState.PREPARE_EPOCH_FENCE]);
  assert.throws(() => m.completeTransitionTo(fence), /never completed/);
  m.clearPending();
  m.producerEpoch = fence.producerEpoch;
  m.hasFailedEpochFence = true;
  assert.equal(m.prepareFenceProducerEpoch().producerEpoch, 1, 'not bumped a second time');
});

test('an exhausted epoch rotates the producer id; the state checks refuse transitions that would lose data', () => {
  const m = TransactionMetadata.create('t', 7, 60_000, 1000);
  apply(m, m.prepareIncrementProducerEpoch(60_000, null, 1000));
  m.producerEpoch = 32766;
  assert.equal(m.isProducerEpochExhausted, true);
  assert.throws(() => m.prepareIncrementProducerEpoch(60_000, null, 1001), /no epochs left/);
  apply(m, m.prepareProducerIdRotation(9, 60_000, 1001, true));
  assert.deepEqual([m.producerId, m.producerEpoch, m.lastProducerEpoch, m.previousProducerId], [9, 0, 32766, 7]);
  assert.throws(() => m.prepareAbortOrCommit(TxnState.PREPARE_COMMIT, 0, -1, 1002), /Empty cannot become PrepareCommit/);
  assert.throws(() => m.removePartition(tp('a', 0)), /no markers/);
});
