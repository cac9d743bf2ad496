import { test } from 'node:test';
import assert from 'node:assert/strict';
import { murmur2, partitionForKey } from './default-partitioner.js';

// Values from Kafka's UtilsTest.testMurmur2 (a fact about the algorithm, checked against it).
test('murmur2 gives the values Kafka computes', () => {
  const cases: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [s, want] of cases) assert.equal(murmur2(Buffer.from(s)), want, s);
});

test('a keyed record goes to murmur2(key) made positive, modulo the partition count', () => {
  assert.equal(partitionForKey(Buffer.from('foobar'), 7), (-790332482 & 0x7fffffff) % 7);
  for (let i = 0; i < 100; i++) {
    const p = partitionForKey(Buffer.from(`k${i}`), 3);
    assert.ok(p >= 0 && p < 3);
  }
});
