import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeptRecords, buildRetainedBatch, emptyBatch, recordsSection, scanRecords } from './batch-compaction.js';
import { Attributes, CompressionType, RecordBatchHeader } from './record-batch.js';
import { buildRecordBatch, decodeRecords } from './records.js';

function sample(compression: number, opts: { logAppendTime?: number; producer?: boolean } = {}): Buffer {
  const b = buildRecordBatch({
    baseOffset: 100,
    partitionLeaderEpoch: 7,
    compression,
    ...(opts.producer ? { producerId: 4242, producerEpoch: 3, baseSequence: 17, transactional: true } : {}),
    ...(opts.logAppendTime ? { timestampType: 'LogAppendTime' as const, logAppendTime: opts.logAppendTime } : {}),
    records: [
      { key: 'a', value: 'a1', timestamp: 5000, headers: [{ key: 'h', value: 'x' }] },
      { key: 'b', value: 'b1', timestamp: 5010 },
      { key: 'a', value: null, timestamp: 5020 },
      { key: 'c', value: 'c1', timestamp: 4990 },
    ],
  });
  return b;
}

/** Keeps the records whose index is in `keep`. */
function filter(buf: Buffer, keep: number[], deleteHorizonMs = -1): Buffer {
  const h = new RecordBatchHeader(buf, 0);
  const section = recordsSection(buf, 0, h);
  const kept = new KeptRecords();
  let i = 0;
  scanRecords(section, h.recordsCount, (r) => {
    if (keep.includes(i)) kept.add(r, h.baseTimestamp);
    i++;
  });
  return buildRetainedBatch(h, section, kept, { deleteHorizonMs });
}

for (const [name, codec] of Object.entries(CompressionType)) {
  test(`a rewritten ${name} batch keeps offsets, timestamps, headers and the header fields Kafka keeps`, () => {
    const original = sample(codec, { producer: true });
    const out = filter(original, [1, 2]);
    const o = new RecordBatchHeader(original, 0);
    const h = new RecordBatchHeader(out, 0);
    assert.ok(h.isCrcValid());
    assert.equal(h.sizeInBytes, out.length);
    assert.equal(h.compression, codec);
    assert.equal(h.baseOffset, 100);
    assert.equal(h.lastOffsetDelta, o.lastOffsetDelta, 'the last offset (and so the last sequence) stays');
    assert.equal(h.partitionLeaderEpoch, 7);
    assert.deepEqual([h.producerId, h.producerEpoch, h.baseSequence, h.isTransactional], [4242, 3, 17, true]);
    assert.equal(h.recordsCount, 2);
    assert.equal(h.maxTimestamp, 5020);
    assert.equal(h.deleteHorizonMs, -1);
    const records = decodeRecords(out);
    assert.deepEqual(
      records.map((r) => [r.offset, r.timestamp, r.key?.toString(), r.value?.toString() ?? null]),
      [
        [101, 5010, 'b', 'b1'],
        [102, 5020, 'a', null],
      ],
    );
  });
}

test('setting a delete horizon moves the base timestamp there and keeps every record timestamp', () => {
  for (const codec of [CompressionType.NONE, CompressionType.GZIP, CompressionType.ZSTD]) {
    const out = filter(sample(codec), [0, 2, 3], 90_000);
    const h = new RecordBatchHeader(out, 0);
    assert.ok(h.isCrcValid());
    assert.equal(h.attributes & Attributes.DELETE_HORIZON, Attributes.DELETE_HORIZON);
    assert.equal(h.deleteHorizonMs, 90_000);
    assert.equal(h.baseTimestamp, 90_000);
    assert.equal(h.maxTimestamp, 5020);
    const records = decodeRecords(out);
    assert.deepEqual(
      records.map((r) => [r.offset, r.timestamp, r.key?.toString(), r.value?.toString() ?? null, r.headers.map((x) => x.key)]),
      [
        [100, 5000, 'a', 'a1', ['h']],
        [102, 5020, 'a', null, []],
        [103, 4990, 'c', 'c1', []],
      ],
    );
    // Filtered again later, the horizon is kept as it is.
    const again = filter(out, [1]);
    assert.equal(new RecordBatchHeader(again, 0).deleteHorizonMs, 90_000);
    assert.deepEqual(decodeRecords(again).map((r) => [r.offset, r.timestamp]), [[102, 5020]]);
  }
});

test('a LogAppendTime batch keeps its append time as max timestamp', () => {
  const out = filter(sample(CompressionType.NONE, { logAppendTime: 77_777 }), [3]);
  const h = new RecordBatchHeader(out, 0);
  assert.equal(h.timestampTypeIsLogAppend, true);
  assert.equal(h.maxTimestamp, 77_777);
  assert.deepEqual(decodeRecords(out).map((r) => [r.offset, r.timestamp]), [[103, 77_777]]);
});

test("an empty batch is Kafka's: header only, no codec, offsets and producer fields kept", () => {
  const original = sample(CompressionType.LZ4, { producer: true });
  const out = emptyBatch(new RecordBatchHeader(original, 0));
  const h = new RecordBatchHeader(out, 0);
  assert.equal(out.length, 61);
  assert.ok(h.isCrcValid());
  assert.deepEqual([h.baseOffset, h.lastOffset, h.recordsCount, h.compression], [100, 103, 0, 0]);
  assert.deepEqual([h.producerId, h.producerEpoch, h.baseSequence, h.isTransactional], [4242, 3, 17, true]);
  assert.equal(h.baseTimestamp, -1);
  assert.equal(h.maxTimestamp, 5020);
  assert.deepEqual(decodeRecords(out), []);
});

test('scanRecords gives each record its key, value nullness and offset delta, and refuses garbage', () => {
  const buf = sample(CompressionType.SNAPPY);
  const h = new RecordBatchHeader(buf, 0);
  const section = recordsSection(buf, 0, h);
  const seen: [string, number, boolean][] = [];
  scanRecords(section, h.recordsCount, (r) => seen.push([section.subarray(r.keyStart, r.keyStart + r.keyLength).toString(), r.offsetDelta, r.valueLength < 0]));
  assert.deepEqual(seen, [
    ['a', 0, false],
    ['b', 1, false],
    ['a', 2, true],
    ['c', 3, false],
  ]);
  assert.throws(() => scanRecords(section, 5, () => undefined), /invalid length/);
  assert.throws(() => scanRecords(section, 3, () => undefined), /bytes left/);
});
