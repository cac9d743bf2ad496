import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseOffsetSpec, resolveOffset } from './offset-spec.js';
import { UsageError } from './usage-error.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

test('positions by name, offset, distance from either end, time and duration', () => {
  assert.deepEqual(parseOffsetSpec('start'), { kind: 'start' });
  assert.deepEqual(parseOffsetSpec('beginning'), { kind: 'start' });
  assert.deepEqual(parseOffsetSpec('END'), { kind: 'end' });
  assert.deepEqual(parseOffsetSpec('42'), { kind: 'offset', offset: 42 });
  assert.deepEqual(parseOffsetSpec('-10'), { kind: 'fromEnd', count: 10 });
  assert.deepEqual(parseOffsetSpec('+3'), { kind: 'fromStart', count: 3 });
  assert.deepEqual(parseOffsetSpec('@1700000000000'), { kind: 'timestamp', timestamp: 1700000000000 });
  assert.deepEqual(parseOffsetSpec('@2024-05-01T00:00:00Z'), { kind: 'timestamp', timestamp: Date.UTC(2024, 4, 1) });
  assert.deepEqual(parseOffsetSpec('2024-05-01T00:00:00Z'), { kind: 'timestamp', timestamp: Date.UTC(2024, 4, 1) });
  assert.deepEqual(parseOffsetSpec('-15m', NOW), { kind: 'timestamp', timestamp: NOW - 15 * 60_000 });
  assert.deepEqual(parseOffsetSpec('1h30m', NOW), { kind: 'timestamp', timestamp: NOW - 90 * 60_000 });
  assert.deepEqual(parseOffsetSpec('@-2d', NOW), { kind: 'timestamp', timestamp: NOW - 2 * 86_400_000 });
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1w'), 604_800_000);
  assert.equal(parseDuration('5 minutes'), undefined);
  for (const bad of ['soon', '', '1.5', '@', '-', '12x', '99999999999999999999']) assert.throws(() => parseOffsetSpec(bad), UsageError, bad);
});

test('resolving against a partition clamps the relative forms to its log', () => {
  const range = { start: 10, end: 20 };
  assert.equal(resolveOffset({ kind: 'start' }, range), 10);
  assert.equal(resolveOffset({ kind: 'end' }, range), 20);
  assert.equal(resolveOffset({ kind: 'offset', offset: 15 }, range), 15);
  assert.equal(resolveOffset({ kind: 'fromEnd', count: 3 }, range), 17);
  assert.equal(resolveOffset({ kind: 'fromEnd', count: 30 }, range), 10);
  assert.equal(resolveOffset({ kind: 'fromStart', count: 3 }, range), 13);
  assert.equal(resolveOffset({ kind: 'fromStart', count: 30 }, range), 20);
  assert.equal(resolveOffset({ kind: 'timestamp', timestamp: 1 }, range, 12), 12);
  assert.equal(resolveOffset({ kind: 'timestamp', timestamp: 1 }, range, -1), 20, 'no record that late: the end');
});
