import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { compressSync as rawSnappy } from 'snappy';
import {
  compress,
  compressionName,
  decompress,
  isXerialSnappy,
  snappyDecompress,
  snappyXerialCompress,
} from './compression.js';
import { CompressionType } from './record-batch.js';

// Repetitive but not trivial, and larger than one xerial block (32 KiB) and one lz4 block (64 KiB).
const payload = Buffer.from(Array.from({ length: 12_000 }, (_, i) => `record-${i % 97}-${i};`).join(''));

describe('compression codecs', () => {
  for (const codec of [CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD]) {
    it(`${compressionName(codec)} round-trips and actually compresses`, () => {
      const packed = compress(codec, payload);
      assert.ok(packed.length < payload.length / 2, `${packed.length} vs ${payload.length}`);
      assert.deepEqual(decompress(codec, packed), payload);
      assert.deepEqual(decompress(codec, compress(codec, Buffer.alloc(0))), Buffer.alloc(0));
    });
  }

  it('writes the wire magic each codec is known by', () => {
    assert.deepEqual(compress(CompressionType.GZIP, payload).subarray(0, 2), Buffer.from([0x1f, 0x8b]));
    // LZ4 frame magic 0x184D2204 little-endian; FLG 0x60 = version 01, independent blocks, no checksums.
    const lz4 = compress(CompressionType.LZ4, payload);
    assert.deepEqual(lz4.subarray(0, 4), Buffer.from([0x04, 0x22, 0x4d, 0x18]));
    assert.equal(lz4[4], 0x60, 'the Java client refuses linked blocks');
    // zstd frame magic 0xFD2FB528 little-endian.
    assert.deepEqual(compress(CompressionType.ZSTD, payload).subarray(0, 4), Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
    // Raw snappy starts with the uncompressed length as an unsigned varint.
    const snappy = compress(CompressionType.SNAPPY, payload);
    assert.equal(isXerialSnappy(snappy), false);
    assert.deepEqual(snappy, rawSnappy(payload));
  });

  it('xerial framing: Java header, 32 KiB blocks, both framings decode', () => {
    const framed = snappyXerialCompress(payload);
    assert.deepEqual(framed.subarray(0, 16), Buffer.from('82534e41505059000000000100000001', 'hex'));
    assert.equal(isXerialSnappy(framed), true);
    let blocks = 0;
    for (let pos = 16; pos < framed.length; pos += 4 + framed.readInt32BE(pos)) blocks++;
    assert.equal(blocks, Math.ceil(payload.length / 32768));
    assert.deepEqual(snappyDecompress(framed), payload);
    assert.deepEqual(snappyDecompress(rawSnappy(payload)), payload);
  });

  it('zstd: reads a frame without a content size, as the Java client streams it', () => {
    // `zstd -c` from a pipe: frame header descriptor 0x04 (no content size, not single-segment).
    const streamed = Buffer.from(
      '28b52ffd045885040022081213b017d20100b961922249b6edbda5ec6712070143f4e9edecebd2ab539fde4e3e2ebc38f1e1e5e4e3c26bd39eddcdbd2dbb36edd91533f0004b5d34cdd3cbb9376479301404842127208093d2036594b18c329451c632ca504619ca2843196594b18c329471193b65e8959157065e197765d8955157065d197365c86524838c6490810c3290410623c359f4021b1972b8',
      'hex',
    );
    assert.equal(streamed[4] & 0xe0, 0, 'no content size in the frame header');
    const expected = Array.from({ length: 40 }, (_, i) => `record-${i % 7}-${i};`).join('');
    assert.equal(decompress(CompressionType.ZSTD, streamed).toString(), expected);
  });

  it('rejects corrupt input by throwing', () => {
    const framed = snappyXerialCompress(payload);
    assert.throws(() => snappyDecompress(framed.subarray(0, framed.length - 10)));
    assert.throws(() => decompress(CompressionType.GZIP, Buffer.from('not gzip')));
    assert.throws(() => decompress(CompressionType.LZ4, Buffer.from([0x04, 0x22, 0x4d, 0x18, 0xff])));
    assert.throws(() => decompress(CompressionType.ZSTD, Buffer.from('not zstd at all')));
    assert.throws(() => compress(5, payload), /Unknown compression type id: 5/);
  });

  it('interoperates with @platformatic/kafka codecs (independent snappy and lz4 implementations)', async () => {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('@platformatic/kafka').replace(/index\.js$/, 'protocol/compression.js');
    const mod = (await import(entry)) as { compressionsAlgorithms: Record<string, Codec> };
    const theirs = mod.compressionsAlgorithms;
    for (const [name, codec] of [['gzip', 1], ['snappy', 2], ['lz4', 3]] as const) {
      assert.deepEqual(decompress(codec, Buffer.from(theirs[name].compressSync(payload))), payload, `we read their ${name}`);
      assert.deepEqual(Buffer.from(theirs[name].decompressSync(compress(codec, payload))), payload, `they read our ${name}`);
    }
    // The reason compress() writes raw snappy: this client cannot read the xerial framing.
    assert.throws(() => theirs.snappy.decompressSync(snappyXerialCompress(payload)));
  });
});

interface Codec {
  compressSync(data: Buffer): Uint8Array;
  decompressSync(data: Buffer): Uint8Array;
}
