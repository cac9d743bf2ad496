import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../protocol/errors.js';
import { inSequence, lastSequenceOf } from './producer-state-entry.js';
import { AppendOrigin, type BatchCheck, type ProducerBatch, ProducerStateManager } from './producer-state-manager.js';

const MAX = 0x7fffffff;
const DAY = 86_400_000;

function b(producerId: number, producerEpoch: number, firstSeq: number, records = 1, isTransactional = false): ProducerBatch {
  return { producerId, producerEpoch, firstSeq, lastSeq: lastSequenceOf(firstSeq, records - 1), isTransactional };
}

/** Checks as a client batch and, when accepted and new, appends it at `offset`. */
function clientAppend(m: ProducerStateManager, batch: ProducerBatch, offset: number, records = 1, ts = 1000): BatchCheck {
  const check = m.checkDataBatch(batch, AppendOrigin.CLIENT);
  if ('duplicate' in check && check.duplicate === null) m.appendDataBatch(batch, offset, offset + records - 1, ts);
  return check;
}

test('sequences wrap at Int32.MAX, and in-sequence follows the wrap', () => {
  assert.equal(lastSequenceOf(10, 4), 14);
  assert.equal(lastSequenceOf(MAX - 1, 3), 1);
  assert.equal(lastSequenceOf(MAX, 0), MAX);
  assert.ok(inSequence(4, 5));
  assert.ok(inSequence(MAX, 0));
  assert.ok(inSequence(-1, 0));
  assert.ok(!inSequence(4, 6));
});

test('a new producer may start at any sequence; it must continue without gaps; retries of the last five are duplicates', () => {
  const m = new ProducerStateManager('t-0', DAY);
  // Kafka 4 accepts an unknown producer at any sequence (no UNKNOWN_PRODUCER_ID since KIP-360).
  assert.deepEqual(clientAppend(m, b(7, 0, 42, 3), 0, 3), { errorCode: 0, duplicate: null });
  let offset = 3;
  for (let seq = 45; seq < 45 + 6 * 2; seq += 2) {
    assert.equal(clientAppend(m, b(7, 0, seq, 2), offset, 2).errorCode, ErrorCode.NONE);
    offset += 2;
  }
  const entry = m.entry(7)!;
  assert.equal(entry.batches.length, 5, 'five batches retained');
  assert.equal(entry.lastSeq, 56);
  // The oldest retained batch (47..48, offsets 5..6) and the newest are recognised.
  const oldest = m.checkDataBatch(b(7, 0, 47, 2), AppendOrigin.CLIENT);
  assert.ok('duplicate' in oldest && oldest.duplicate?.firstOffset === 5 && oldest.duplicate.lastOffset === 6);
  const newest = m.checkDataBatch(b(7, 0, 55, 2), AppendOrigin.CLIENT);
  assert.ok('duplicate' in newest && newest.duplicate?.firstOffset === 13);
  // A batch older than the five, a gap, and a partial overlap are out of order.
  assert.equal(m.checkDataBatch(b(7, 0, 45, 2), AppendOrigin.CLIENT).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(m.checkDataBatch(b(7, 0, 58, 1), AppendOrigin.CLIENT).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(m.checkDataBatch(b(7, 0, 56, 2), AppendOrigin.CLIENT).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(m.checkDataBatch(b(7, 0, 57, 1), AppendOrigin.CLIENT).errorCode, ErrorCode.NONE);
});

test('epochs: a stale one is INVALID_PRODUCER_EPOCH, a new one must start at 0 and forgets the old batches', () => {
  const m = new ProducerStateManager('t-0', DAY);
  clientAppend(m, b(1, 3, 0, 5), 0, 5);
  assert.equal(m.checkDataBatch(b(1, 2, 5), AppendOrigin.CLIENT).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  // A retry of an appended batch under an older epoch is still stale, not a duplicate.
  assert.equal(m.checkDataBatch(b(1, 2, 0, 5), AppendOrigin.CLIENT).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal(m.checkDataBatch(b(1, 4, 5), AppendOrigin.CLIENT).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(clientAppend(m, b(1, 4, 0, 2), 5, 2).errorCode, ErrorCode.NONE);
  assert.deepEqual(m.entry(1)!.batches.map((x) => x.firstOffset), [5], 'the epoch-3 batches are gone');
  assert.equal(m.checkDataBatch(b(1, 3, 5), AppendOrigin.CLIENT).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  // Coordinator appends check only epochs; replayed batches nothing.
  assert.equal(m.checkDataBatch(b(1, 4, 99), AppendOrigin.COORDINATOR).errorCode, ErrorCode.NONE);
  assert.equal(m.checkDataBatch(b(1, 3, 99), AppendOrigin.COORDINATOR).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal(m.checkDataBatch(b(1, 0, 99), AppendOrigin.REPLAY).errorCode, ErrorCode.NONE);
});

test('sequence numbers wrap around at Int32.MAX', () => {
  const m = new ProducerStateManager('t-0', DAY);
  clientAppend(m, b(9, 0, MAX - 4, 3), 0, 3); // MAX-4 .. MAX-2
  const wrapping = b(9, 0, MAX - 1, 4); // MAX-1, MAX, 0, 1
  assert.equal(wrapping.lastSeq, 1);
  assert.equal(clientAppend(m, wrapping, 3, 4).errorCode, ErrorCode.NONE);
  const dup = m.checkDataBatch(b(9, 0, MAX - 1, 4), AppendOrigin.CLIENT);
  assert.ok('duplicate' in dup && dup.duplicate?.firstOffset === 3);
  assert.equal(clientAppend(m, b(9, 0, 2, 1), 7).errorCode, ErrorCode.NONE);
  assert.equal(m.checkDataBatch(b(9, 0, 4, 1), AppendOrigin.CLIENT).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
});

test('transactions: begin with a transactional batch, end with a marker; LSO and aborted-index bounds follow', () => {
  const m = new ProducerStateManager('t-0', DAY);
  assert.equal(m.firstUndecidedOffset(), -1);
  clientAppend(m, b(1, 0, 0, 2, true), 10, 2);
  clientAppend(m, b(2, 0, 0, 1, true), 12);
  clientAppend(m, b(1, 0, 2, 1, true), 13);
  assert.equal(m.firstUndecidedOffset(), 10);
  assert.ok(m.hasOngoingTransaction(1) && m.hasOngoingTransaction(2));
  assert.equal(m.entry(1)!.currentTxnFirstOffset, 10, 'the transaction starts at its first batch');
  // Inside a transaction a plain batch is refused.
  assert.equal(m.checkDataBatch(b(1, 0, 3), AppendOrigin.CLIENT).errorCode, ErrorCode.INVALID_TXN_STATE);
  // Markers: a stale producer epoch, a zombie coordinator.
  m.appendMarker(3, 0, 5, true, 14, 1000);
  assert.equal(m.checkMarker(3, 0, 4).errorCode, ErrorCode.TRANSACTION_COORDINATOR_FENCED);
  assert.equal(m.checkMarker(1, -1, 0).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal(m.checkMarker(99, 0, 0).errorCode, ErrorCode.NONE, 'a producer the partition does not know');
  // Abort producer 1 while producer 2's transaction (from 12) is open: LSO recorded is 12.
  assert.deepEqual(m.appendMarker(1, 0, 0, false, 15, 1000), { producerId: 1, firstOffset: 10, lastOffset: 15, aborted: true, lastStableOffset: 12 });
  assert.equal(m.firstUndecidedOffset(), 12);
  assert.deepEqual(m.appendMarker(2, 0, 0, true, 16, 1000), { producerId: 2, firstOffset: 12, lastOffset: 16, aborted: false, lastStableOffset: 17 });
  assert.equal(m.firstUndecidedOffset(), -1);
  assert.equal(m.appendMarker(2, 0, 0, true, 17, 1000), null, 'a marker without an open transaction completes nothing');
  // After the marker the producer writes plainly again, continuing its sequence.
  assert.equal(m.checkDataBatch(b(1, 0, 3), AppendOrigin.CLIENT).errorCode, ErrorCode.NONE);
  // A marker with a higher epoch (transaction version 2's bump) starts the epoch: sequence 0 next.
  m.appendMarker(2, 1, 0, true, 18, 1000);
  assert.equal(m.checkDataBatch(b(2, 1, 1), AppendOrigin.CLIENT).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(m.checkDataBatch(b(2, 1, 0), AppendOrigin.CLIENT).errorCode, ErrorCode.NONE);
});

test('expiry drops idle producers but never one with an open transaction; snapshots round-trip', () => {
  const m = new ProducerStateManager('t-0', 1000);
  clientAppend(m, b(1, 0, 0, 3), 0, 3, 5_000);
  clientAppend(m, b(1, 0, 3, 1), 3, 1, 5_100);
  clientAppend(m, b(2, 0, 0, 1, true), 4, 1, 5_000);
  clientAppend(m, b(3, 2, 9, 1), 5, 1, 9_000);
  m.appendMarker(4, 1, 7, false, 6, 9_000);

  const copy = new ProducerStateManager('t-0', 1000);
  copy.loadSnapshot(m.toSnapshot(), 6_000);
  assert.equal(copy.producerCount, 4);
  assert.deepEqual(copy.entry(1)!.batches, m.entry(1)!.batches, 'every retained batch survives');
  assert.equal(copy.firstUndecidedOffset(), 4);
  assert.deepEqual([copy.entry(4)!.producerEpoch, copy.entry(4)!.coordinatorEpoch], [1, 7]);
  const dup = copy.checkDataBatch(b(1, 0, 0, 3), AppendOrigin.CLIENT);
  assert.ok('duplicate' in dup && dup.duplicate?.firstOffset === 0);

  assert.equal(m.removeExpiredProducers(6_099), 0);
  assert.equal(m.removeExpiredProducers(6_100), 1, 'producer 1 idle for 1000 ms');
  assert.equal(m.removeExpiredProducers(1e9), 2, 'producers 3 and 4; producer 2 has an open transaction');
  assert.deepEqual([...m.entries()].map((e) => e.producerId), [2]);
  // Loading leaves out what expired meanwhile.
  const late = new ProducerStateManager('t-0', 1000);
  late.loadSnapshot(copy.toSnapshot(), 9_500);
  assert.deepEqual([...late.entries()].map((e) => e.producerId).sort(), [2, 3, 4]);
});
