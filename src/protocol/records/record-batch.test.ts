import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchHeader, CompressionType, RecordBatchHeader, batchSizeAt, batchesOf } from './record-batch.js';
import { buildRecordBatch, decodeRecords } from './records.js';

const NOW = 1_700_000_000_000;

describe('RecordBatchHeader', () => {
  it('reads fields at a non-zero position and agrees with BigInt reads', () => {
    const batch = buildRecordBatch({ baseOffset: 2 ** 40 + 3, producerId: 2 ** 45, records: [{ value: 'a', timestamp: NOW }], now: NOW });
    const buf = Buffer.concat([Buffer.alloc(7, 0xee), batch]);
    const h = new RecordBatchHeader(buf, 7);
    assert.equal(h.baseOffset, Number(buf.readBigInt64BE(7)));
    assert.equal(h.baseOffset, 2 ** 40 + 3);
    assert.equal(h.producerId, 2 ** 45);
    assert.equal(h.lastOffset, 2 ** 40 + 3);
    assert.equal(h.sizeInBytes, batch.length);
    assert.equal(batchSizeAt(buf, 7), batch.length);
    assert.equal(batchSizeAt(buf, buf.length - 5), -1);
    assert.equal(h.isCrcValid(), true);
  });

  it('patches base offset and leader epoch without touching the CRC', () => {
    const buf = buildRecordBatch({ records: [{ value: 'a' }, { value: 'b' }] });
    const h = new RecordBatchHeader(buf, 0);
    const crc = h.crc;
    h.setBaseOffset(123_456_789_012);
    h.setPartitionLeaderEpoch(7);
    assert.equal(h.baseOffset, 123_456_789_012);
    assert.equal(h.partitionLeaderEpoch, 7);
    assert.equal(h.crc, crc);
    assert.equal(h.isCrcValid(), true, 'the CRC starts at attributes');
    assert.deepEqual(decodeRecords(buf).map((r) => r.offset), [123_456_789_012, 123_456_789_013]);
  });

  it('setMaxTimestamp and setLogAppendTime rewrite the CRC', () => {
    const buf = buildRecordBatch({ compression: CompressionType.GZIP, records: [{ value: 'a', timestamp: NOW }] });
    const h = new RecordBatchHeader(buf, 0);
    const before = h.crc;
    h.setMaxTimestamp(NOW);
    assert.equal(h.crc, before, 'unchanged value: no rewrite');
    h.setMaxTimestamp(NOW + 5);
    assert.equal(h.maxTimestamp, NOW + 5);
    assert.notEqual(h.crc, before);
    assert.equal(h.isCrcValid(), true);
    h.setLogAppendTime(NOW + 9);
    assert.equal(h.timestampTypeIsLogAppend, true);
    assert.equal(h.compression, CompressionType.GZIP, 'other attribute bits survive');
    assert.equal(h.maxTimestamp, NOW + 9);
    assert.equal(h.isCrcValid(), true);
  });

  it('batchesOf yields each whole batch and skips a header too short to be v2', () => {
    const a = buildRecordBatch({ records: [{ value: 'a' }] });
    const bogus = Buffer.alloc(BatchHeader.LOG_OVERHEAD + 20);
    bogus.writeInt32BE(20, BatchHeader.BATCH_LENGTH);
    assert.deepEqual([...batchesOf(Buffer.concat([a, a]))].map((b) => b.pos), [0, a.length]);
    assert.deepEqual([...batchesOf(Buffer.concat([a, bogus, a]))].map((b) => b.pos), [0]);
  });
});
