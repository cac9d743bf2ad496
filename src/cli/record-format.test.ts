import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordFormatter } from './record-format.js';
import { UsageError } from './usage-error.js';

const record = {
  topic: 'events',
  partition: 2,
  offset: 41,
  timestamp: 1700000000000,
  key: Buffer.from('user-1'),
  value: Buffer.from([0x68, 0x69, 0xff]),
  headers: [{ key: 'a', value: Buffer.from('1') }, { key: 'b', value: null }],
};

test('kcat-style templates: every field, escapes and a literal percent; bytes pass through', () => {
  const out = recordFormatter('%t %p %o %T %K:%k %S:%s [%h] 100%%\\t|\\n')(record);
  assert.ok(Buffer.isBuffer(out));
  assert.deepEqual(out, Buffer.concat([Buffer.from('events 2 41 1700000000000 6:user-1 3:'), Buffer.from([0x68, 0x69, 0xff]), Buffer.from(' [a=1,b=] 100%\t|\n')]));
  assert.equal(String(recordFormatter('%k|%s\\n')({ ...record, key: null, value: null })), '|\n');
  assert.equal(String(recordFormatter('%K %S')({ ...record, key: null, value: null })), '-1 -1');
  assert.throws(() => recordFormatter('%x'), UsageError);
});

test('json: one object per line with the fields scripts rely on', () => {
  const line = String(recordFormatter('json')({ ...record, value: Buffer.from('hello') }));
  assert.ok(line.endsWith('\n'));
  assert.deepEqual(JSON.parse(line), { topic: 'events', partition: 2, offset: 41, timestamp: 1700000000000, key: 'user-1', value: 'hello', headers: [{ key: 'a', value: '1' }, { key: 'b', value: null }] });
});
