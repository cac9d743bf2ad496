import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordBatchHeader } from './record-batch.js';
import { RecordBatchBuilder } from './record-batch-builder.js';
import { buildRecordBatch, decodeRecords } from './records.js';

const records = [
  { key: Buffer.from('k1'), value: Buffer.from('v1'), headers: [{ key: 'h', value: Buffer.from('x') }, { key: 'ü', value: null }], timestamp: 1_700_000_000_500 },
  { key: null, value: Buffer.from('a longer value'.repeat(20)), headers: [], timestamp: 1_700_000_000_000 },
  { key: Buffer.alloc(0), value: null, headers: [], timestamp: 1_700_000_009_999 },
];

test('appending record by record gives the bytes buildRecordBatch gives, for every codec', () => {
  for (const compression of [0, 1, 2, 3, 4]) {
    const builder = new RecordBatchBuilder(64); // small: the buffer has to grow
    for (const r of records) builder.append(r.timestamp, r.key, r.value, r.headers);
    assert.equal(builder.recordCount, 3);
    const built = builder.build(compression);
    const expected = buildRecordBatch({ records, compression });
    assert.deepEqual(built, expected, `codec ${compression}`);
    const header = new RecordBatchHeader(built, 0);
    assert.ok(header.isCrcValid());
    assert.equal(header.baseTimestamp, 1_700_000_000_500);
    assert.equal(header.maxTimestamp, 1_700_000_009_999);
    assert.equal(header.lastOffsetDelta, 2);
    const decoded = decodeRecords(built);
    assert.deepEqual(decoded.map((r) => [r.offset, r.timestamp, r.key && String(r.key), r.value && String(r.value), r.headers.map((h) => h.key)]), [
      [0, 1_700_000_000_500, 'k1', 'v1', ['h', 'ü']],
      [1, 1_700_000_000_000, null, 'a longer value'.repeat(20), []],
      [2, 1_700_000_009_999, '', null, []],
    ]);
  }
});
