import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordBatchHeader } from '../protocol/records/record-batch.js';
import { TailCache } from './tail-cache.js';
import { batch } from './test-fixtures.js';

function withOffset(b: Buffer, offset: number): Buffer {
  new RecordBatchHeader(b, 0).setBaseOffset(offset);
  return b;
}

test('TailCache serves the tail, evicts whole chunks from the front, and hands out stable copies', () => {
  const cache = new TailCache(200 * 1024);
  const source = withOffset(batch(2, { valueBytes: 1000 }), 0);
  cache.append(source);
  source.fill(0); // the cache copied it
  const first = cache.read(1, 1 << 20, Infinity, true)!;
  assert.equal(new RecordBatchHeader(first.batches[0], 0).baseOffset, 0);
  assert.ok(new RecordBatchHeader(first.batches[0], 0).isCrcValid());

  let next = 2;
  for (let i = 0; i < 300; i++) {
    cache.append(withOffset(batch(2, { valueBytes: 1000 }), next));
    next += 2;
  }
  assert.ok(cache.startOffset! > 0, 'old chunks were evicted');
  assert.equal(cache.read(0, 100, Infinity, true), undefined);
  assert.ok(new RecordBatchHeader(first.batches[0], 0).isCrcValid(), 'evicted slices stay intact');
  assert.equal(cache.read(next, 100, Infinity, true), undefined, 'past the end');

  const from = cache.startOffset! + 3;
  const got = cache.read(from, 5000, next - 4, false)!;
  const bases = got.batches.map((b) => new RecordBatchHeader(b, 0).baseOffset);
  assert.equal(bases[0], from - 1);
  assert.ok(got.size <= 5000);
  assert.deepEqual(bases, bases.map((_, i) => from - 1 + 2 * i));
  const all = cache.read(from, 1 << 30, next - 4, false)!;
  assert.equal(new RecordBatchHeader(all.batches[all.batches.length - 1], 0).lastOffset, next - 5);
});

test('TailCache.resize evicts at once down to the new budget', () => {
  const cache = new TailCache(4 * 1024 * 1024);
  let next = 0;
  for (let i = 0; i < 2000; i++) {
    cache.append(withOffset(batch(2, { valueBytes: 1000 }), next));
    next += 2;
  }
  assert.ok(cache.bytesHeld > 3 * 1024 * 1024);
  cache.resize(256 * 1024);
  assert.ok(cache.bytesHeld <= 256 * 1024, `holds ${cache.bytesHeld} bytes`);
  cache.append(withOffset(batch(2, { valueBytes: 1000 }), next));
  assert.ok(cache.read(next, 1 << 20, Infinity, true), 'new appends are served again');
  cache.resize(0);
  assert.equal(cache.startOffset, undefined);
});
