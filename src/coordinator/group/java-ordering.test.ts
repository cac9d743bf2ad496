import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  javaHashOrder,
  javaIntegerHash,
  javaStringHash,
  javaUuidCompare,
  javaUuidHash,
  tableSizeAfterInserts,
  tableSizeOfCopy,
} from './java-ordering.js';

// The expected orders were printed by OpenJDK 17 for the same collections.
test('hash codes are Java\'s', () => {
  assert.equal(javaStringHash('hello'), 99162322);
  assert.equal(javaStringHash('A'), 65);
  assert.equal(javaUuidHash('T1-A4s3VTwiI5CTbEp6POw'), 418407434);
});

test('HashSet<Integer> order: by bucket, so not ascending once partitions pass the table size', () => {
  assert.deepEqual(javaHashOrder([14, 15, 16, 17, 40], javaIntegerHash, tableSizeOfCopy(5)), [16, 17, 40, 14, 15]);
  const added = Array.from({ length: 13 }, (_, i) => 27 + i);
  assert.deepEqual(javaHashOrder(added, javaIntegerHash, tableSizeAfterInserts(13)), [32, 33, 34, 35, 36, 37, 38, 39, 27, 28, 29, 30, 31]);
});

test('HashMap<String> order, collisions in insertion order', () => {
  const ids = ['zK3nQ1xYTVa6b7cD8eF9gA', 'A', 'B', 'C', 'member-1', 'member-22', 'aaaaaaaaaaaaaaaaaaaaaa', 'Hello', 'x9', 'BB', 'Aa'];
  assert.deepEqual(javaHashOrder(ids, javaStringHash, tableSizeAfterInserts(ids.length)), [
    'BB', 'Aa', 'A', 'x9', 'zK3nQ1xYTVa6b7cD8eF9gA', 'B', 'C', 'member-1', 'Hello', 'member-22', 'aaaaaaaaaaaaaaaaaaaaaa',
  ]);
});

test('HashSet<Uuid> order and Uuid.compareTo', () => {
  const ids = ['T1-A4s3VTwiI5CTbEp6POw', 'T2-B4s3VTwiI5YHbPp6YUe', 'T3-CU8fVTLCz5YMkLoDQsa', 'T4-Tw9fVTLCz5HbPp6YQsa'];
  assert.deepEqual(javaHashOrder(ids, javaUuidHash, tableSizeOfCopy(4)), [ids[1], ids[3], ids[2], ids[0]]);
  // Signed halves: an id whose first byte has the high bit set sorts first.
  assert.equal(javaUuidCompare('_____________________w', 'AAAAAAAAAAAAAAAAAAAAAA'), -1);
  assert.equal(javaUuidCompare(ids[0], ids[1]), -1);
  assert.equal(javaUuidCompare(ids[2], ids[2]), 0);
});

test('table sizes: inserts resize past 3/4 full; copies size for n / 0.75 + 1', () => {
  assert.deepEqual([0, 12, 13, 24, 25].map(tableSizeAfterInserts), [16, 16, 32, 32, 64]);
  assert.deepEqual([0, 11, 12, 24].map(tableSizeOfCopy), [16, 16, 32, 64]);
});
