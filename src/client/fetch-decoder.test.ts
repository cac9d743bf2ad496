import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTxnMarkerBatch } from '../protocol/records/control-record.js';
import { BatchHeader } from '../protocol/records/record-batch.js';
import { buildRecordBatch } from '../protocol/records/records.js';
import { decodeFetchedRecords } from './fetch-decoder.js';
import { KafkaError } from './kafka-error.js';

const batch = (baseOffset: number, values: string[], txn?: { producerId: number }): Buffer =>
  buildRecordBatch({ baseOffset, records: values.map((value) => ({ value })), ...(txn ? { transactional: true, producerId: txn.producerId, producerEpoch: 0, baseSequence: 0 } : {}) });

const values = (records: readonly { value: Buffer | null }[]): string[] => records.map((r) => String(r.value));

test('skips records before the position and batches before it, and reports the next offset', () => {
  const bytes = Buffer.concat([batch(0, ['a', 'b']), batch(2, ['c', 'd', 'e'])]);
  const out = decodeFetchedRecords('t', 0, bytes, 3);
  assert.deepEqual(values(out.records), ['d', 'e']);
  assert.deepEqual(out.records.map((r) => r.offset), [3, 4]);
  assert.equal(out.nextOffset, 5);
});

test('a partial batch at the end is left for the next fetch', () => {
  const whole = batch(0, ['a']);
  const next = batch(1, ['b', 'c']);
  const out = decodeFetchedRecords('t', 0, Buffer.concat([whole, next.subarray(0, next.length - 3)]), 0);
  assert.deepEqual(values(out.records), ['a']);
  assert.equal(out.nextOffset, 1);
});

test('control batches are hidden; read_committed drops the batches of aborted transactions', () => {
  const bytes = Buffer.concat([
    batch(0, ['plain']),
    batch(1, ['aborted-1', 'aborted-2'], { producerId: 7 }),
    batch(3, ['committed'], { producerId: 8 }),
    buildTxnMarkerBatch({ commit: false, producerId: 7, producerEpoch: 0, coordinatorEpoch: 0, baseOffset: 5 }),
    buildTxnMarkerBatch({ commit: true, producerId: 8, producerEpoch: 0, coordinatorEpoch: 0, baseOffset: 6 }),
    // After its abort marker, producer 7's next transaction is not aborted.
    batch(7, ['later'], { producerId: 7 }),
  ]);
  const uncommitted = decodeFetchedRecords('t', 0, bytes, 0, null);
  assert.deepEqual(values(uncommitted.records), ['plain', 'aborted-1', 'aborted-2', 'committed', 'later']);
  const committed = decodeFetchedRecords('t', 0, bytes, 0, [{ producerId: 7, firstOffset: 1 }]);
  assert.deepEqual(values(committed.records), ['plain', 'committed', 'later']);
  assert.equal(committed.nextOffset, 8);
});

test('a batch with a bad CRC is CORRUPT_MESSAGE naming the partition and offset', () => {
  const bytes = batch(10, ['x']);
  bytes[BatchHeader.SIZE + 2] ^= 0xff;
  assert.throws(() => decodeFetchedRecords('t', 2, bytes, 10), (err: unknown) => {
    assert.ok(err instanceof KafkaError);
    assert.equal(err.errorName, 'CORRUPT_MESSAGE');
    assert.match(err.message, /t\[2\].*offset 10/);
    return true;
  });
});
