import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../errors.js';
import { buildTxnMarkerBatch } from './control-record.js';
import { stampLogAppendTime, validateProduceRecords } from './produce-validation.js';
import type { ProduceValidationOptions } from './produce-validation.js';
import { BatchHeader, CompressionType, RecordBatchHeader } from './record-batch.js';
import { buildRecordBatch, decodeRecords } from './records.js';
import type { RecordInput } from './records.js';

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;
const LONG_MAX = 9223372036854775807;

const opts = (over: Partial<ProduceValidationOptions> = {}): ProduceValidationOptions => ({
  maxMessageBytes: 1_048_588,
  timestampType: 'CreateTime',
  timestampBeforeMaxMs: LONG_MAX,
  timestampAfterMaxMs: LONG_MAX,
  now: NOW,
  ...over,
});

const records = (n: number, ts = NOW): RecordInput[] => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `value-${i}`, timestamp: ts + i }));

/** Rewrites the CRC after a deliberate edit, so that the check under test is the one that fires. */
function recrc(buf: Buffer, pos = 0): Buffer {
  buf.writeUInt32BE(new RecordBatchHeader(buf, pos).computeCrc(), pos + BatchHeader.CRC);
  return buf;
}

describe('validateProduceRecords: accepted input', () => {
  it('accepts an uncompressed batch and reports what the append needs', () => {
    const buf = buildRecordBatch({ records: records(3), producerId: 9, producerEpoch: 2, baseSequence: 40, transactional: true });
    const before = Buffer.from(buf);
    const r = validateProduceRecords(buf, opts());
    assert.equal(r.errorCode, ErrorCode.NONE);
    assert.equal(r.errorMessage, undefined);
    assert.equal(r.batches, 1);
    assert.equal(r.records, 3);
    assert.equal(r.maxTimestamp, NOW + 2);
    assert.equal(r.validBytes, buf.length);
    assert.equal(r.producerId, 9);
    assert.equal(r.producerEpoch, 2);
    assert.equal(r.baseSequence, 40);
    assert.equal(r.isTransactional, true);
    assert.deepEqual(buf, before, 'validation never writes');
  });

  for (const codec of [CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD]) {
    it(`accepts a batch compressed with codec ${codec}`, () => {
      const r = validateProduceRecords(buildRecordBatch({ compression: codec, records: records(50) }), opts());
      assert.equal(r.errorCode, ErrorCode.NONE);
      assert.equal(r.records, 50);
      assert.equal(r.compression, codec);
    });
  }

  it('accepts several batches only when singleBatch is false', () => {
    const buf = Buffer.concat([buildRecordBatch({ records: records(2) }), buildRecordBatch({ records: records(3, NOW + 10) })]);
    const kafka = validateProduceRecords(buf, opts());
    assert.equal(kafka.errorCode, ErrorCode.INVALID_RECORD);
    assert.match(kafka.errorMessage ?? '', /exactly one record batch per partition/);
    const internal = validateProduceRecords(buf, opts({ singleBatch: false }));
    assert.equal(internal.errorCode, ErrorCode.NONE);
    assert.equal(internal.batches, 2);
    assert.equal(internal.records, 5);
    assert.equal(internal.maxTimestamp, NOW + 12);
  });

  it('skips the range check for records without a timestamp (-1)', () => {
    const buf = buildRecordBatch({ records: [{ value: 'a', timestamp: NOW }, { value: 'b', timestamp: -1 }] });
    assert.equal(validateProduceRecords(buf, opts({ timestampBeforeMaxMs: HOUR, timestampAfterMaxMs: HOUR })).errorCode, ErrorCode.NONE);
  });
});

describe('validateProduceRecords: framing', () => {
  it('refuses an empty partition', () => {
    const r = validateProduceRecords(Buffer.alloc(0), opts({ apiVersion: 9 }));
    assert.equal(r.errorCode, ErrorCode.INVALID_RECORD);
    assert.match(r.errorMessage ?? '', /version 9 must have at least one record batch/);
  });

  it('answers CORRUPT_MESSAGE for trailing partial bytes and truncated batches', () => {
    const buf = buildRecordBatch({ records: records(2) });
    const trailing = validateProduceRecords(Buffer.concat([buf, Buffer.alloc(5)]), opts());
    assert.equal(trailing.errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.equal(validateProduceRecords(buf.subarray(0, buf.length - 1), opts()).errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.equal(validateProduceRecords(buf.subarray(0, 10), opts()).errorCode, ErrorCode.CORRUPT_MESSAGE);
  });

  it('checks batchLength and magic like Kafka', () => {
    const tiny = buildRecordBatch({ records: records(1) });
    tiny.writeInt32BE(13, BatchHeader.BATCH_LENGTH);
    const small = validateProduceRecords(tiny, opts());
    assert.equal(small.errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.match(small.errorMessage ?? '', /minimum record overhead \(14\)/);

    const magic3 = buildRecordBatch({ records: records(1) });
    magic3.writeInt8(3, BatchHeader.MAGIC);
    assert.equal(validateProduceRecords(magic3, opts()).errorCode, ErrorCode.CORRUPT_MESSAGE);

    // A magic 1 message set (offset, size, crc, magic 1, attributes, timestamp, key, value).
    const v1 = Buffer.alloc(12 + 4 + 1 + 1 + 8 + 4 + 4 + 3);
    v1.writeInt32BE(v1.length - 12, 8);
    v1.writeInt8(1, 16);
    v1.writeInt32BE(-1, 26);
    v1.writeInt32BE(3, 30);
    const legacy = validateProduceRecords(v1, opts({ apiVersion: 8 }));
    assert.equal(legacy.errorCode, ErrorCode.INVALID_RECORD);
    assert.match(legacy.errorMessage ?? '', /version 8 are only allowed to contain record batches with magic version 2/);
  });

  it('answers INVALID_RECORD when record framing disagrees with the header', () => {
    const short = buildRecordBatch({ records: records(2) });
    short.writeInt32BE(3, BatchHeader.RECORDS_COUNT);
    short.writeInt32BE(2, BatchHeader.LAST_OFFSET_DELTA);
    const premature = validateProduceRecords(recrc(short), opts());
    assert.equal(premature.errorCode, ErrorCode.INVALID_RECORD);
    assert.match(premature.errorMessage ?? '', /premature EOF/);

    const long = buildRecordBatch({ records: records(2) });
    long.writeInt32BE(1, BatchHeader.RECORDS_COUNT);
    long.writeInt32BE(0, BatchHeader.LAST_OFFSET_DELTA);
    assert.match(validateProduceRecords(recrc(long), opts()).errorMessage ?? '', /records still remaining/);

    const badLength = buildRecordBatch({ records: records(2) });
    badLength[BatchHeader.SIZE] += 2; // first record claims one more byte
    const r = validateProduceRecords(recrc(badLength), opts());
    assert.equal(r.errorCode, ErrorCode.INVALID_RECORD);
  });
});

describe('validateProduceRecords: batch checks in Kafka order', () => {
  it('refuses zstd before Produce v7', () => {
    const buf = buildRecordBatch({ compression: CompressionType.ZSTD, records: records(2) });
    assert.equal(validateProduceRecords(buf, opts({ apiVersion: 6 })).errorCode, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    assert.equal(validateProduceRecords(buf, opts({ apiVersion: 7 })).errorCode, ErrorCode.NONE);
  });

  it('requires baseOffset 0 from clients', () => {
    const r = validateProduceRecords(buildRecordBatch({ baseOffset: 5, records: records(1) }), opts());
    assert.equal(r.errorCode, ErrorCode.INVALID_RECORD);
    assert.match(r.errorMessage ?? '', /should be 0, but it is 5/);
  });

  it('compares the whole batch (log overhead included) with max.message.bytes and segment.bytes', () => {
    const buf = buildRecordBatch({ records: records(10) });
    assert.equal(validateProduceRecords(buf, opts({ maxMessageBytes: buf.length })).errorCode, ErrorCode.NONE);
    const r = validateProduceRecords(buf, opts({ maxMessageBytes: buf.length - 1 }));
    assert.equal(r.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    assert.match(r.errorMessage ?? '', new RegExp(`${buf.length} bytes which exceeds the maximum configured value of ${buf.length - 1}`));
    assert.equal(validateProduceRecords(buf, opts({ segmentBytes: buf.length - 1 })).errorCode, ErrorCode.RECORD_LIST_TOO_LARGE);
  });

  it('checks the size before the CRC, as Kafka does', () => {
    const buf = buildRecordBatch({ records: records(10) });
    buf[buf.length - 1] ^= 0xff;
    assert.equal(validateProduceRecords(buf, opts({ maxMessageBytes: 10 })).errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    assert.equal(validateProduceRecords(buf, opts()).errorCode, ErrorCode.CORRUPT_MESSAGE);
  });

  it('detects a flipped bit anywhere under the CRC', () => {
    const good = buildRecordBatch({ compression: CompressionType.LZ4, records: records(5) });
    for (const at of [BatchHeader.ATTRIBUTES + 1, BatchHeader.MAX_TIMESTAMP + 3, BatchHeader.SIZE + 2, good.length - 1]) {
      const bad = Buffer.from(good);
      bad[at] ^= 0x10;
      const r = validateProduceRecords(bad, opts());
      assert.equal(r.errorCode, ErrorCode.CORRUPT_MESSAGE, `byte ${at}`);
      assert.match(r.errorMessage ?? '', /Record is corrupt \(stored crc = \d+\)/);
    }
  });

  it('answers UNKNOWN_SERVER_ERROR for compression ids 5..7, like Kafka', () => {
    const buf = buildRecordBatch({ records: records(1) });
    buf.writeInt16BE(5, BatchHeader.ATTRIBUTES);
    const r = validateProduceRecords(recrc(buf), opts());
    assert.equal(r.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
    assert.equal(r.errorMessage, 'Unknown compression type id: 5');
  });

  it('checks count and offset range', () => {
    const zero = buildRecordBatch({ records: [], lastOffsetDelta: -1 });
    assert.match(validateProduceRecords(zero, opts()).errorMessage ?? '', /invalid offset range/);
    const noRecords = buildRecordBatch({ records: [], lastOffsetDelta: 0 });
    assert.match(validateProduceRecords(noRecords, opts()).errorMessage ?? '', /Invalid reported count for record batch: 0/);
    const mismatch = buildRecordBatch({ records: records(3), lastOffsetDelta: 5 });
    const r = validateProduceRecords(mismatch, opts());
    assert.equal(r.errorCode, ErrorCode.INVALID_RECORD);
    assert.match(r.errorMessage ?? '', /Inconsistent batch offset range \[0, 5\] and count of records 3/);
  });

  it('refuses control batches and producer ids without a sequence', () => {
    const marker = buildTxnMarkerBatch({ commit: true, producerId: 1, producerEpoch: 0, coordinatorEpoch: 0 });
    const control = validateProduceRecords(marker, opts());
    assert.equal(control.errorCode, ErrorCode.INVALID_RECORD);
    assert.match(control.errorMessage ?? '', /not allowed to write control records/);

    const noSeq = validateProduceRecords(buildRecordBatch({ records: records(1), producerId: 3, baseSequence: -1 }), opts());
    assert.equal(noSeq.errorCode, ErrorCode.INVALID_RECORD);
    assert.match(noSeq.errorMessage ?? '', /Invalid sequence number -1/);
  });
});

describe('validateProduceRecords: records', () => {
  const window = { timestampBeforeMaxMs: HOUR, timestampAfterMaxMs: HOUR };

  it('checks every uncompressed record timestamp (KIP-937) and names the offenders', () => {
    const buf = buildRecordBatch({
      records: [
        { value: 'ok', timestamp: NOW },
        { value: 'old', timestamp: NOW - HOUR - 1 },
        { value: 'edge', timestamp: NOW + HOUR },
        { value: 'future', timestamp: NOW + HOUR + 1 },
      ],
    });
    const r = validateProduceRecords(buf, opts(window));
    assert.equal(r.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.equal(r.errorMessage, 'One or more records have been rejected due to invalid timestamp');
    assert.deepEqual(r.recordErrors?.map((e) => e.batchIndex), [1, 3]);
    assert.equal(
      r.recordErrors?.[0].message,
      `Timestamp ${NOW - HOUR - 1} of message with offset 1 is out of range. The timestamp should be within [${NOW - HOUR}, ${NOW + HOUR}]`,
    );
  });

  it('judges compressed batches on baseTimestamp and maxTimestamp only', () => {
    const oldFirst = buildRecordBatch({ compression: CompressionType.GZIP, records: [{ value: 'a', timestamp: NOW - 2 * HOUR }, { value: 'b', timestamp: NOW }] });
    const a = validateProduceRecords(oldFirst, opts(window));
    assert.equal(a.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.deepEqual(a.recordErrors?.map((e) => e.batchIndex), [0]);

    const future = buildRecordBatch({ compression: CompressionType.GZIP, records: [{ value: 'a', timestamp: NOW }, { value: 'b', timestamp: NOW + 2 * HOUR }] });
    const b = validateProduceRecords(future, opts(window));
    assert.equal(b.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.deepEqual(b.recordErrors, []);
    assert.match(b.errorMessage ?? '', /Timestamp \d+ of the batch is out of range/);

    // The documented approximation: an old record in the middle of a compressed batch passes.
    const middle = buildRecordBatch({ compression: CompressionType.GZIP, records: [{ value: 'a', timestamp: NOW }, { value: 'b', timestamp: NOW - 2 * HOUR }, { value: 'c', timestamp: NOW }] });
    assert.equal(validateProduceRecords(middle, opts(window)).errorCode, ErrorCode.NONE);
  });

  it('on LogAppendTime topics ignores CreateTime values but refuses client-set LogAppendTime', () => {
    const ancient = buildRecordBatch({ records: [{ value: 'a', timestamp: 0 }] });
    assert.equal(validateProduceRecords(ancient, opts({ ...window, timestampType: 'LogAppendTime' })).errorCode, ErrorCode.NONE);

    for (const compression of [CompressionType.NONE, CompressionType.SNAPPY]) {
      const clientLat = buildRecordBatch({ compression, records: records(2), timestampType: 'LogAppendTime', logAppendTime: NOW });
      const r = validateProduceRecords(clientLat, opts({ timestampType: 'LogAppendTime' }));
      assert.equal(r.errorCode, ErrorCode.INVALID_TIMESTAMP);
      assert.deepEqual(r.recordErrors?.map((e) => e.batchIndex), [0, 1]);
    }
  });

  it('requires keys on compacted topics (uncompressed batches)', () => {
    const buf = buildRecordBatch({ records: [{ key: 'a', value: '1' }, { key: null, value: '2' }, { key: null, value: '3' }] });
    assert.equal(validateProduceRecords(buf, opts()).errorCode, ErrorCode.NONE);
    const r = validateProduceRecords(buf, opts({ compacted: true }));
    assert.equal(r.errorCode, ErrorCode.INVALID_RECORD);
    assert.deepEqual(r.recordErrors?.map((e) => e.batchIndex), [1, 2]);
    assert.match(r.errorMessage ?? '', /rejected due to 2 record errors in total/);
  });
});

describe('stampLogAppendTime', () => {
  it('marks every batch LogAppendTime with a valid CRC', () => {
    const buf = Buffer.concat([buildRecordBatch({ records: records(2) }), buildRecordBatch({ compression: CompressionType.LZ4, records: records(3) })]);
    stampLogAppendTime(buf, NOW + 42);
    const second = buildRecordBatch({ records: records(2) }).length;
    for (const pos of [0, second]) {
      const h = new RecordBatchHeader(buf, pos);
      assert.equal(h.timestampTypeIsLogAppend, true);
      assert.equal(h.maxTimestamp, NOW + 42);
      assert.equal(h.isCrcValid(), true);
      assert.ok(decodeRecords(buf, pos).every((r) => r.timestamp === NOW + 42));
    }
  });
});
