import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OffsetIndex } from './offset-index.js';

test('OffsetIndex lookup, truncate and round trip through its file bytes', () => {
  const index = new OffsetIndex(100, OffsetIndex.maxEntriesFor(8 * 40));
  assert.deepEqual(index.lookup(150), { offset: 100, position: 0 });
  for (let i = 1; i <= 40; i++) index.append(100 + i * 10, i * 1000);
  assert.ok(index.isFull);
  index.append(105, 999_999); // not increasing: ignored
  assert.equal(index.entries, 40);
  assert.deepEqual(index.lookup(99), { offset: 100, position: 0 });
  assert.deepEqual(index.lookup(109), { offset: 100, position: 0 });
  assert.deepEqual(index.lookup(110), { offset: 110, position: 1000 });
  assert.deepEqual(index.lookup(259), { offset: 250, position: 15000 });
  assert.deepEqual(index.lookup(10_000), { offset: 500, position: 40000 });

  const bytes = index.toBuffer();
  assert.equal(bytes.length, 320);
  assert.equal(bytes.readInt32BE(0), 10); // relative offset, big-endian
  assert.equal(bytes.readInt32BE(4), 1000);
  const parsed = OffsetIndex.fromBuffer(100, bytes, 1000, 50_000)!;
  assert.deepEqual(parsed.lookup(259), { offset: 250, position: 15000 });
  assert.equal(OffsetIndex.fromBuffer(100, bytes, 1000, 40_000), null, 'position past the log');
  assert.equal(OffsetIndex.fromBuffer(100, bytes.subarray(0, 13), 1000, 50_000), null, 'partial entry');
  const swapped = Buffer.from(bytes);
  bytes.copy(swapped, 0, 8, 16);
  assert.equal(OffsetIndex.fromBuffer(100, swapped, 1000, 50_000), null, 'not increasing');

  index.truncateTo(250);
  assert.equal(index.lastOffset, 240);
  assert.deepEqual(index.lookup(1000), { offset: 240, position: 14000 });
});
