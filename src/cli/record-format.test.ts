import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumerRecord } from '../client/fetch-decoder.js';
import { OutputBuffer, recordFormatter } from './record-format.js';
import { UsageError } from './usage-error.js';

const record: ConsumerRecord = {
  topic: 'events',
  partition: 2,
  offset: 41,
  timestamp: 1700000000000,
  key: Buffer.from('user-1'),
  value: Buffer.from([0x68, 0x69, 0xff]),
  headers: [{ key: 'a', value: Buffer.from('1') }, { key: 'b', value: null }],
};

function format(template: string, r: ConsumerRecord): Buffer {
  const out = new OutputBuffer();
  recordFormatter(template)(r, out);
  return out.take();
}

test('kcat-style templates: every field, escapes and a literal percent; bytes pass through', () => {
  const out = format('%t %p %o %T %K:%k %S:%s [%h] 100%%\\t|\\n', record);
  assert.deepEqual(out, Buffer.concat([Buffer.from('events 2 41 1700000000000 6:user-1 3:'), Buffer.from([0x68, 0x69, 0xff]), Buffer.from(' [a=1,b=] 100%\t|\n')]));
  assert.equal(String(format('%k|%s\\n', { ...record, key: null, value: null })), '|\n');
  assert.equal(String(format('%K %S', { ...record, key: null, value: null })), '-1 -1');
  assert.throws(() => recordFormatter('%x'), UsageError);
});

test('the output buffer grows past its first 64 KiB without losing bytes', () => {
  const out = new OutputBuffer();
  const big = Buffer.alloc(100_000, 0x61);
  out.write('start:');
  out.write(big);
  out.write('é');
  const taken = out.take();
  assert.equal(taken.length, 6 + 100_000 + 2);
  assert.equal(taken.subarray(-2).toString(), 'é');
  assert.equal(out.length, 0);
});

test('json: one object per line with the fields scripts rely on', () => {
  const line = String(format('json', { ...record, value: Buffer.from('hello') }));
  assert.ok(line.endsWith('\n'));
  assert.deepEqual(JSON.parse(line), { topic: 'events', partition: 2, offset: 41, timestamp: 1700000000000, key: 'user-1', value: 'hello', headers: [{ key: 'a', value: '1' }, { key: 'b', value: null }] });
});
