import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CleanerThrottler } from './cleaner-throttler.js';

test('the throttler holds the cleaner to log.cleaner.io.max.bytes.per.second (simulated clock)', async () => {
  let now = 0;
  const sleeps: number[] = [];
  const t = new CleanerThrottler(10_000, () => now, async (ms) => {
    sleeps.push(ms);
    now += ms;
  });
  // 100 blocks of 1000 bytes, each taking 1 ms of work: 100,000 bytes must take about 10 s.
  for (let i = 0; i < 100; i++) {
    now += 1;
    await t.maybeThrottle(1000);
  }
  assert.ok(now >= 9_900 && now <= 10_100, `took ${now} ms`);
  assert.ok(sleeps.length > 10, 'paced in many small sleeps, not one');
  assert.ok(Math.abs(t.sleptMs - (now - 100)) < 1e-6);
});

test('the default rate (Double.MAX_VALUE) never sleeps', async () => {
  const t = new CleanerThrottler(Number.MAX_VALUE, () => 0, async () => assert.fail('slept'));
  assert.equal(t.unlimited, true);
  for (let i = 0; i < 10; i++) await t.maybeThrottle(1 << 30);
});
