import { test } from 'node:test';
import assert from 'node:assert/strict';
import { murmur2, partitionForKey } from './partitioner.js';

test('murmur2 matches Kafka (Utils.murmur2 test vectors)', () => {
  const cases: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [input, expected] of cases) assert.equal(murmur2(Buffer.from(input)), expected, input);
});

test('keyed records map to a partition in range, the same one every time', () => {
  for (let i = 0; i < 100; i++) {
    const key = Buffer.from(`key-${i}`);
    const p = partitionForKey(key, 7);
    assert.ok(p >= 0 && p < 7);
    assert.equal(partitionForKey(key, 7), p);
  }
  // Java: toPositive(murmur2("foobar")) % 3 = (-790332482 & 0x7fffffff) % 3
  assert.equal(partitionForKey(Buffer.from('foobar'), 3), (-790332482 & 0x7fffffff) % 3);
});
