import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { AccumulatedHistogram } from './accumulated-histogram.js';

test('a registry renders the cells as a Prometheus histogram: cumulative buckets, +Inf, sum and count', async () => {
  const r = new Registry();
  const h = new AccumulatedHistogram(r, 'x_ms', 'Some time.', [1, 10], 'request');
  const produce = h.cell('Produce');
  for (const v of [0.5, 1, 5, 50]) produce.observe(v);
  h.cell('Fetch').observe(20);
  const text = await r.metrics();
  assert.match(text, /^# HELP x_ms Some time\.\n# TYPE x_ms histogram\n/);
  for (const line of [
    'x_ms_bucket{request="Produce",le="1"} 2',
    'x_ms_bucket{request="Produce",le="10"} 3',
    'x_ms_bucket{request="Produce",le="+Inf"} 4',
    'x_ms_sum{request="Produce"} 56.5',
    'x_ms_count{request="Produce"} 4',
    'x_ms_bucket{request="Fetch",le="10"} 0',
    'x_ms_count{request="Fetch"} 1',
  ]) {
    assert.ok(text.split('\n').includes(line), `${line} in\n${text}`);
  }
  h.remove('Fetch');
  assert.doesNotMatch(await r.metrics(), /Fetch/);
});

test('without a label: one series', async () => {
  const r = new Registry();
  new AccumulatedHistogram(r, 'y_ms', 'h', [1]).cell().observe(3);
  const lines = (await r.metrics()).split('\n');
  assert.ok(lines.includes('y_ms_bucket{le="1"} 0'));
  assert.ok(lines.includes('y_ms_bucket{le="+Inf"} 1'));
  assert.ok(lines.includes('y_ms_count 1'));
});
