import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryPool } from './memory-pool.js';

test('allocations that fit are granted; one that does not is refused', () => {
  const pool = new MemoryPool(100);
  assert.equal(pool.tryAllocate(60), true);
  assert.equal(pool.tryAllocate(40), true);
  assert.equal(pool.tryAllocate(1), false);
  assert.equal(pool.used, 100);
  pool.release(100);
  assert.equal(pool.used, 0);
});

test('a request larger than the whole pool is granted when nothing else holds memory, so it never waits forever', () => {
  const pool = new MemoryPool(100);
  assert.equal(pool.tryAllocate(10), true);
  assert.equal(pool.tryAllocate(500), false);
  pool.release(10);
  assert.equal(pool.tryAllocate(500), true);
  assert.equal(pool.tryAllocate(1), false);
});

test('released memory goes to waiters in arrival order; a smaller one behind a big one that does not fit goes first', () => {
  const pool = new MemoryPool(100);
  assert.equal(pool.tryAllocate(100), true);
  const granted: string[] = [];
  pool.waitFor(80, () => granted.push('a'));
  pool.waitFor(90, () => granted.push('b'));
  pool.waitFor(10, () => granted.push('c'));
  assert.equal(pool.waiting, 3);
  pool.release(50);
  assert.deepEqual(granted, ['c']); // 60 used: neither 80 nor 90 fits
  pool.release(50);
  assert.deepEqual(granted, ['c', 'a']); // 10 + 80
  pool.release(10);
  pool.release(80);
  assert.deepEqual(granted, ['c', 'a', 'b']);
  assert.equal(pool.used, 90);
  assert.equal(pool.waiting, 0);
});

test('a withdrawn waiter is never granted', () => {
  const pool = new MemoryPool(10);
  pool.tryAllocate(10);
  let granted = false;
  const cancel = pool.waitFor(5, () => (granted = true));
  cancel();
  pool.release(10);
  assert.equal(granted, false);
  assert.equal(pool.used, 0);
});

test('a grant callback may release and re-enter the pool', () => {
  const pool = new MemoryPool(10);
  pool.tryAllocate(10);
  const order: string[] = [];
  pool.waitFor(10, () => {
    order.push('a');
    pool.release(10); // e.g. a request answered synchronously
  });
  pool.waitFor(10, () => order.push('b'));
  pool.release(10);
  assert.deepEqual(order, ['a', 'b']);
  assert.equal(pool.used, 10);
});

test('a capacity of -1 (Kafka: unbounded) never refuses', () => {
  const pool = new MemoryPool(-1);
  assert.equal(pool.tryAllocate(Number.MAX_SAFE_INTEGER / 2), true);
  assert.equal(pool.tryAllocate(Number.MAX_SAFE_INTEGER / 2), true);
});
