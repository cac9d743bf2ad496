import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TimeIndex } from './time-index.js';

test('TimeIndex keeps strictly increasing timestamps and finds the last entry below a target', () => {
  const index = new TimeIndex(0, 100);
  assert.deepEqual(index.lookupBefore(5), { timestamp: -1, offset: 0 });
  index.maybeAppend(1000, 4);
  index.maybeAppend(1000, 9); // same timestamp: skipped
  index.maybeAppend(900, 12); // older: skipped
  index.maybeAppend(2000, 20);
  index.maybeAppend(3000, 31);
  assert.equal(index.entries, 3);
  assert.deepEqual(index.lookupBefore(1000), { timestamp: -1, offset: 0 });
  assert.deepEqual(index.lookupBefore(1001), { timestamp: 1000, offset: 4 });
  assert.deepEqual(index.lookupBefore(3000), { timestamp: 2000, offset: 20 });
  assert.deepEqual(index.lastEntry(), { timestamp: 3000, offset: 31 });

  const bytes = index.toBuffer();
  assert.equal(bytes.length, 36);
  assert.equal(bytes.readBigInt64BE(12), 2000n);
  assert.equal(bytes.readInt32BE(20), 20);
  assert.deepEqual(TimeIndex.fromBuffer(0, bytes, 100, 40)!.lastEntry(), { timestamp: 3000, offset: 31 });
  assert.equal(TimeIndex.fromBuffer(0, bytes, 100, 30), null, 'offset past the segment');
  assert.equal(TimeIndex.fromBuffer(0, Buffer.alloc(24), 100, 40), null, 'zeros: not increasing');

  index.truncateTo(20);
  assert.deepEqual(index.lastEntry(), { timestamp: 1000, offset: 4 });
});
