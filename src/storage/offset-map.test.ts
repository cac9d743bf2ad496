import assert from 'node:assert/strict';
import { test } from 'node:test';
import { murmur3x86x128 } from './key-hash.js';
import { OFFSET_MAP_SLOT_BYTES, OffsetMap, largestPrimeAtMost } from './offset-map.js';

const key = (s: string): Buffer => Buffer.from(s, 'utf8');

test('the map keeps the latest offset per key and its memory is what it was given', () => {
  const map = new OffsetMap(1000 * OFFSET_MAP_SLOT_BYTES, 1);
  assert.equal(map.slots, 997);
  assert.ok(map.bytes <= 1000 * OFFSET_MAP_SLOT_BYTES);
  for (let i = 0; i < 800; i++) {
    const k = key(`key-${i % 400}`);
    map.put(k, 0, k.length, i);
  }
  assert.equal(map.size, 400);
  assert.equal(map.latestOffset, 799);
  for (let i = 0; i < 400; i++) {
    const k = key(`key-${i}`);
    assert.equal(map.get(k, 0, k.length), 400 + i);
  }
  assert.equal(map.get(key('absent'), 0, 6), -1);
  // A key inside a larger buffer is the same key.
  const wrapped = key('xxkey-7yy');
  assert.equal(map.get(wrapped, 2, 7), 407);
  map.clear();
  assert.equal(map.size, 0);
  assert.equal(map.latestOffset, -1);
  assert.equal(map.get(key('key-7'), 0, 5), -1);
});

test('offsets beyond 2^32 survive, and a full map refuses a new key', () => {
  const map = new OffsetMap(3 * OFFSET_MAP_SLOT_BYTES, 9);
  assert.equal(map.slots, 3);
  map.put(key('a'), 0, 1, 2 ** 40 + 5);
  map.put(key('b'), 0, 1, 0);
  map.put(key('c'), 0, 1, 7);
  assert.equal(map.get(key('a'), 0, 1), 2 ** 40 + 5);
  assert.equal(map.get(key('b'), 0, 1), 0);
  map.put(key('c'), 0, 1, 8);
  assert.equal(map.get(key('c'), 0, 1), 8);
  assert.throws(() => map.put(key('d'), 0, 1, 9), /full/);
  assert.equal(map.get(key('d'), 0, 1), -1);
});

test('murmur3 x86 128 spreads keys (no collision among 200,000) and depends on the seed and every byte', () => {
  const out = new Uint32Array(4);
  const seen = new Set<string>();
  for (let i = 0; i < 200_000; i++) {
    const k = key(`k${i}`);
    murmur3x86x128(k, 0, k.length, 0, out);
    seen.add(out.join(','));
  }
  assert.equal(seen.size, 200_000);
  const digest = (b: Buffer, seed: number): string => {
    murmur3x86x128(b, 0, b.length, seed, out);
    return out.join(',');
  };
  const long = key('0123456789abcdefghijklmnopqrstuvwxyz');
  for (let len = 0; len <= long.length; len++) {
    const a = long.subarray(0, len);
    assert.notEqual(digest(a, 1), digest(a, 2));
    if (len > 0) {
      const b = Buffer.from(a);
      b[len - 1] ^= 1;
      assert.notEqual(digest(a, 1), digest(b, 1), `length ${len}`);
    }
  }
  // Reference values of MurmurHash3_x86_128 (seed 0; h1..h4 as hex): "" is all zero.
  assert.equal(digest(Buffer.alloc(0), 0), '0,0,0,0');
  murmur3x86x128(key('The quick brown fox jumps over the lazy dog'), 0, 43, 0, out);
  assert.equal([...out].map((w) => w.toString(16).padStart(8, '0')).join(''), '2f1583c3ecee2c675d7bf66ce5e91d2c');
});

test('largestPrimeAtMost', () => {
  assert.deepEqual([2, 3, 4, 10, 100, 1000].map(largestPrimeAtMost), [2, 3, 3, 7, 97, 997]);
});
