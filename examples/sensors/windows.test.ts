// The window state on its own: lateness, grace and closing by watermark, without a broker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GRACE_MS, WINDOW_MS } from './events.js';
import { WindowState } from './windows.js';

const reading = (at: number, value = 1) => ({ deviceId: 'd', at, value });

test('a window closes once the watermark passes its end plus the grace period', () => {
  const s = new WindowState();
  assert.deepEqual(s.add(0, reading(1_000, 2)), []);
  assert.deepEqual(s.add(0, reading(WINDOW_MS + GRACE_MS - 1)), [], 'still within grace');
  const closed = s.add(0, reading(WINDOW_MS + GRACE_MS));
  assert.equal(closed.length, 1);
  assert.deepEqual(closed[0], { deviceId: 'd', windowStart: 0, count: 1, min: 2, max: 2, sum: 2, mean: 2 });
});

test('a late reading for an open window counts; one for a closed window is dropped', () => {
  const s = new WindowState();
  s.add(0, reading(30_000));
  s.add(0, reading(WINDOW_MS + 5_000));
  s.add(0, reading(50_000, 4)); // late (behind the watermark), window 0 still open
  assert.equal(s.lateCounted, 1);
  const closed = s.add(0, reading(2 * WINDOW_MS + GRACE_MS));
  assert.equal(closed[0].count, 2);
  s.add(0, reading(59_000)); // window 0 is closed
  assert.equal(s.dropped, 1);
});

test('watermarks are per partition', () => {
  const s = new WindowState();
  s.add(0, reading(1_000));
  assert.deepEqual(s.add(1, { deviceId: 'e', at: 10 * WINDOW_MS, value: 1 }), [], "another partition's time does not close partition 0's windows");
});
