import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { ErrorCode } from '../errors.js';
import { compressionName } from './compression.js';
import {
  ControlRecordType,
  buildTxnMarkerBatch,
  decodeControlRecordKey,
  decodeEndTxnMarkerValue,
} from './control-record.js';
import { BatchHeader, CompressionType, RecordBatchHeader, batchesOf } from './record-batch.js';
import { RecordDecodeError, buildRecordBatch, decodeBatches, decodeRecords } from './records.js';

const NOW = 1_700_000_000_000;
const CODECS = [CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD];

const sample = [
  { key: 'user-1', value: 'hello', headers: [{ key: 'trace', value: 'abc' }, { key: 'empty', value: null }], timestamp: NOW },
  { key: null, value: Buffer.alloc(300, 7), timestamp: NOW - 5 },
  { key: Buffer.from([0, 1, 2]), value: null, timestamp: NOW + 1234 },
  { key: '', value: '', headers: [{ key: 'ünïcode', value: Buffer.from('é') }], timestamp: NOW + 3 },
];

describe('buildRecordBatch / decodeRecords', () => {
  for (const codec of CODECS) {
    it(`round-trips records with ${compressionName(codec)}`, () => {
      const buf = buildRecordBatch({ baseOffset: 100, compression: codec, records: sample, now: NOW });
      const h = new RecordBatchHeader(buf, 0);
      assert.equal(h.sizeInBytes, buf.length);
      assert.equal(h.magic, 2);
      assert.equal(h.isCrcValid(), true);
      assert.equal(h.compression, codec);
      assert.equal(h.baseOffset, 100);
      assert.equal(h.lastOffsetDelta, 3);
      assert.equal(h.recordsCount, 4);
      assert.equal(h.baseTimestamp, NOW, 'first record');
      assert.equal(h.maxTimestamp, NOW + 1234, 'largest record');
      assert.equal(h.producerId, -1);
      assert.equal(h.producerEpoch, -1);
      assert.equal(h.baseSequence, -1);
      assert.equal(h.partitionLeaderEpoch, -1);

      const records = decodeRecords(buf);
      assert.deepEqual(
        records.map((r) => r.offset),
        [100, 101, 102, 103],
      );
      assert.deepEqual(
        records.map((r) => r.timestamp),
        [NOW, NOW - 5, NOW + 1234, NOW + 3],
      );
      assert.equal(records[0].key?.toString(), 'user-1');
      assert.equal(records[0].value?.toString(), 'hello');
      assert.deepEqual(records[0].headers, [
        { key: 'trace', value: Buffer.from('abc') },
        { key: 'empty', value: null },
      ]);
      assert.equal(records[1].key, null);
      assert.deepEqual(records[1].value, Buffer.alloc(300, 7));
      assert.deepEqual(records[2].key, Buffer.from([0, 1, 2]));
      assert.equal(records[2].value, null);
      assert.deepEqual(records[3].key, Buffer.alloc(0), 'empty is not null');
      assert.deepEqual(records[3].headers, [{ key: 'ünïcode', value: Buffer.from('é') }]);
    });
  }

  it('is byte-exact: an uncompressed batch equals a hand-assembled one', () => {
    const buf = buildRecordBatch({ records: [{ key: 'k', value: 'v', timestamp: NOW }], now: NOW });
    // record: length 8 | attrs 0 | tsDelta 0 | offsetDelta 0 | key len 1 'k' | value len 1 'v' | 0 headers
    const record = Buffer.from([0x10, 0x00, 0x00, 0x00, 0x02, 0x6b, 0x02, 0x76, 0x00]);
    const expected = Buffer.alloc(BatchHeader.SIZE + record.length);
    expected.writeBigInt64BE(0n, 0);
    expected.writeInt32BE(expected.length - 12, 8);
    expected.writeInt32BE(-1, 12);
    expected.writeInt8(2, 16);
    expected.writeInt16BE(0, 21);
    expected.writeInt32BE(0, 23);
    expected.writeBigInt64BE(BigInt(NOW), 27);
    expected.writeBigInt64BE(BigInt(NOW), 35);
    expected.writeBigInt64BE(-1n, 43);
    expected.writeInt16BE(-1, 51);
    expected.writeInt32BE(-1, 53);
    expected.writeInt32BE(1, 57);
    record.copy(expected, 61);
    expected.writeUInt32BE(new RecordBatchHeader(expected, 0).computeCrc(), 17);
    assert.deepEqual(buf, expected);
  });

  it('encodes producer fields, transactional flag, LogAppendTime and explicit offset deltas', () => {
    const buf = buildRecordBatch({
      records: [{ value: 'a', timestamp: NOW, offsetDelta: 0 }, { value: 'b', timestamp: NOW + 1, offsetDelta: 5 }],
      producerId: 2 ** 40,
      producerEpoch: 3,
      baseSequence: 17,
      transactional: true,
      partitionLeaderEpoch: 9,
      timestampType: 'LogAppendTime',
      logAppendTime: NOW + 999,
    });
    const h = new RecordBatchHeader(buf, 0);
    assert.equal(h.producerId, 2 ** 40);
    assert.equal(h.producerEpoch, 3);
    assert.equal(h.baseSequence, 17);
    assert.equal(h.isTransactional, true);
    assert.equal(h.isControl, false);
    assert.equal(h.partitionLeaderEpoch, 9);
    assert.equal(h.timestampTypeIsLogAppend, true);
    assert.equal(h.lastOffsetDelta, 5);
    const records = decodeRecords(buf);
    assert.deepEqual(records.map((r) => r.offset), [0, 5]);
    assert.deepEqual(records.map((r) => r.timestamp), [NOW + 999, NOW + 999], 'LogAppendTime overrides record timestamps');
  });

  it('handles timestamp deltas beyond 32 bits and an empty batch', () => {
    const buf = buildRecordBatch({ records: [{ value: 'x', timestamp: NOW }, { value: 'y', timestamp: -1 }] });
    assert.deepEqual(decodeRecords(buf).map((r) => r.timestamp), [NOW, -1]);
    const empty = buildRecordBatch({ records: [], lastOffsetDelta: 4 });
    const h = new RecordBatchHeader(empty, 0);
    assert.equal(h.recordsCount, 0);
    assert.equal(h.lastOffsetDelta, 4);
    assert.equal(h.maxTimestamp, -1);
    assert.deepEqual(decodeRecords(empty), []);
  });

  it('decodes every batch of a concatenation at its position', () => {
    const a = buildRecordBatch({ baseOffset: 0, records: [{ value: 'a' }] });
    const b = buildRecordBatch({ baseOffset: 1, compression: CompressionType.LZ4, records: [{ value: 'b' }, { value: 'c' }] });
    const all = decodeBatches(Buffer.concat([a, b]));
    assert.deepEqual(all.map((x) => x.batch.pos), [0, a.length]);
    assert.deepEqual(all.flatMap((x) => x.records.map((r) => `${r.offset}:${r.value?.toString()}`)), ['0:a', '1:b', '2:c']);
  });

  it('throws RecordDecodeError on damaged records', () => {
    const good = buildRecordBatch({ records: [{ key: 'k', value: 'v' }] });
    const truncated = good.subarray(0, good.length - 1);
    assert.throws(() => decodeRecords(truncated), RecordDecodeError);

    const badLength = Buffer.from(good);
    badLength[BatchHeader.SIZE] = 0x20; // record claims 16 bytes
    assert.throws(() => decodeRecords(badLength), /invalid length|do not add up/);

    const extraCount = Buffer.from(good);
    extraCount.writeInt32BE(2, BatchHeader.RECORDS_COUNT);
    assert.throws(() => decodeRecords(extraCount), RecordDecodeError);

    const lz4 = buildRecordBatch({ compression: CompressionType.LZ4, records: [{ value: 'v' }] });
    lz4.fill(0xff, BatchHeader.SIZE + 7);
    const err = (() => {
      try {
        decodeRecords(lz4);
      } catch (e) {
        return e;
      }
      return null;
    })();
    assert.ok(err instanceof RecordDecodeError);
    assert.equal(err.errorCode, ErrorCode.CORRUPT_MESSAGE);
  });
});

describe('control records', () => {
  it('builds COMMIT and ABORT markers that decode back', () => {
    for (const commit of [true, false]) {
      const buf = buildTxnMarkerBatch({ commit, producerId: 42, producerEpoch: 7, coordinatorEpoch: 5, baseOffset: 10, timestamp: NOW });
      const h = new RecordBatchHeader(buf, 0);
      assert.equal(h.isControl, true);
      assert.equal(h.isTransactional, true);
      assert.equal(h.producerId, 42);
      assert.equal(h.producerEpoch, 7);
      assert.equal(h.baseSequence, -1);
      assert.equal(h.isCrcValid(), true);
      const [record] = decodeRecords(buf);
      assert.equal(record.offset, 10);
      assert.deepEqual(record.key, Buffer.from([0, 0, 0, commit ? 1 : 0]));
      assert.deepEqual(decodeControlRecordKey(record.key), { version: 0, type: commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT });
      assert.deepEqual(decodeEndTxnMarkerValue(record.value), { version: 0, coordinatorEpoch: 5 });
    }
  });

  it('refuses keys that are not control keys', () => {
    assert.equal(decodeControlRecordKey(null), null);
    assert.equal(decodeControlRecordKey(Buffer.from([0, 0, 1])), null);
    assert.equal(decodeControlRecordKey(Buffer.from([0xff, 0xff, 0, 1])), null, 'negative version');
    assert.equal(decodeEndTxnMarkerValue(Buffer.from([0, 0])), null);
  });
});

// kafkajs ships its own RecordBatch v2 encoder/decoder (gzip built in): an independent
// implementation to check both directions against.
interface KafkajsRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}
interface KafkajsBatch {
  firstOffset: string;
  lastOffsetDelta: number;
  producerId: string;
  inTransaction: boolean;
  records: KafkajsRecord[];
}
interface Kafkajs {
  encodeBatch(opts: Record<string, unknown>): Promise<{ buffer: Buffer }>;
  encodeRecord(opts: Record<string, unknown>): unknown;
  decodeBatch(buf: Buffer): Promise<KafkajsBatch>;
}

function loadKafkajs(): Kafkajs {
  const require = createRequire(import.meta.url);
  const root = require.resolve('kafkajs').replace(/index\.js$/, 'src/protocol/');
  const { RecordBatch } = require(`${root}recordBatch/v0/index.js`) as {
    RecordBatch: (o: Record<string, unknown>) => Promise<{ buffer: Buffer }>;
  };
  const Record = require(`${root}recordBatch/record/v0/index.js`) as (o: Record<string, unknown>) => unknown;
  const decoder = require(`${root}recordBatch/v0/decoder.js`) as (d: unknown) => Promise<KafkajsBatch>;
  const Decoder = require(`${root}decoder.js`) as new (b: Buffer) => unknown;
  return {
    encodeBatch: RecordBatch,
    encodeRecord: Record,
    decodeBatch: (buf) => decoder(new Decoder(buf)),
  };
}

describe('interop with kafkajs', () => {
  const kafkajs = loadKafkajs();

  for (const codec of [CompressionType.NONE, CompressionType.GZIP]) {
    it(`reads a kafkajs ${compressionName(codec)} batch`, async () => {
      const records = [
        kafkajs.encodeRecord({ offsetDelta: 0, timestampDelta: 0, key: Buffer.from('k0'), value: Buffer.from('v0'), headers: { h: Buffer.from('x') } }),
        kafkajs.encodeRecord({ offsetDelta: 1, timestampDelta: 7, key: null, value: Buffer.from('v1') }),
      ];
      const encoded = await kafkajs.encodeBatch({
        compression: codec,
        firstOffset: 0,
        firstTimestamp: NOW,
        maxTimestamp: NOW + 7,
        lastOffsetDelta: 1,
        partitionLeaderEpoch: -1,
        records,
      });
      const buf = encoded.buffer;
      const h = new RecordBatchHeader(buf, 0);
      assert.equal(h.sizeInBytes, buf.length);
      assert.equal(h.isCrcValid(), true, 'kafkajs computes the same CRC32C range');
      const decoded = decodeRecords(buf);
      assert.deepEqual(decoded.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString()]), [
        [0, NOW, 'k0', 'v0'],
        [1, NOW + 7, null, 'v1'],
      ]);
      assert.deepEqual(decoded[0].headers, [{ key: 'h', value: Buffer.from('x') }]);
    });

    it(`kafkajs reads our ${compressionName(codec)} batch`, async () => {
      const buf = buildRecordBatch({ baseOffset: 5, compression: codec, records: sample, now: NOW, producerId: 77, producerEpoch: 1, baseSequence: 0, transactional: true });
      const batch = await kafkajs.decodeBatch(buf);
      assert.equal(batch.firstOffset, '5');
      assert.equal(batch.lastOffsetDelta, 3);
      assert.equal(batch.producerId, '77');
      assert.equal(batch.inTransaction, true);
      assert.deepEqual(batch.records.map((r) => [r.offset, r.timestamp]), [
        ['5', String(NOW)],
        ['6', String(NOW - 5)],
        ['7', String(NOW + 1234)],
        ['8', String(NOW + 3)],
      ]);
      assert.equal(batch.records[0].key?.toString(), 'user-1');
      assert.deepEqual(batch.records[0].headers.trace, Buffer.from('abc'));
      assert.deepEqual(batch.records[1].value, Buffer.alloc(300, 7));
    });
  }
});

// @platformatic/kafka 1.x: independent encoder plus wasm snappy/lz4 (zstd needs Node >= 22.15).
interface PlatformaticBatch {
  firstOffset: bigint;
  records: { offsetDelta: number; timestampDelta: bigint; key: Buffer; value: Buffer; headers: [Buffer, Buffer][] }[];
}
interface Platformatic {
  createRecordsBatch(messages: Record<string, unknown>[], options: Record<string, unknown>): { buffer: Buffer };
  readRecordsBatch(reader: unknown): PlatformaticBatch;
  Reader: { from(buf: Buffer): unknown };
}

describe('interop with @platformatic/kafka', () => {
  const codecs = [CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4];

  for (const codec of codecs) {
    it(`both directions with ${compressionName(codec)}`, async () => {
      const p = (await import('@platformatic/kafka')) as unknown as Platformatic;
      const theirs = p.createRecordsBatch(
        [
          { key: Buffer.from('a'), value: Buffer.from('one'), timestamp: BigInt(NOW), headers: new Map([[Buffer.from('h'), Buffer.from('v')]]) },
          { key: Buffer.from('b'), value: Buffer.from('two'.repeat(50)), timestamp: BigInt(NOW + 2) },
        ],
        { compression: compressionName(codec) },
      ).buffer;
      assert.equal(new RecordBatchHeader(theirs, 0).isCrcValid(), true);
      const ours = decodeRecords(theirs);
      assert.deepEqual(ours.map((r) => [r.offset, r.timestamp, r.key?.toString(), r.value?.toString()]), [
        [0, NOW, 'a', 'one'],
        [1, NOW + 2, 'b', 'two'.repeat(50)],
      ]);
      assert.deepEqual(ours[0].headers, [{ key: 'h', value: Buffer.from('v') }]);

      const mine = buildRecordBatch({ compression: codec, records: sample, now: NOW });
      const read = p.readRecordsBatch(p.Reader.from(mine));
      assert.equal(read.records.length, sample.length);
      assert.deepEqual(read.records.map((r) => Number(r.timestampDelta)), [0, -5, 1234, 3]);
      assert.equal(read.records[0].key.toString(), 'user-1');
      assert.deepEqual(read.records[1].value, Buffer.alloc(300, 7));
    });
  }
});

describe('batchesOf over built batches', () => {
  it('stops at a trailing partial batch', () => {
    const a = buildRecordBatch({ records: [{ value: 'a' }] });
    const b = buildRecordBatch({ records: [{ value: 'b' }] });
    const buf = Buffer.concat([a, b.subarray(0, 20)]);
    assert.deepEqual([...batchesOf(buf)].map((x) => x.pos), [0]);
  });
});
