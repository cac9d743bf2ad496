import { createRequire } from 'node:module';
import { gunzipSync, gzipSync } from 'node:zlib';
import type * as Lz4 from 'lz4-napi';
import type * as Snappy from 'snappy';
import type * as Zstd from '@toondepauw/node-zstd';
import { CompressionType } from './record-batch.js';

// The native codecs load on first use: loading all three costs ~35 ms, which a short-lived
// process (the brook CLI, a consumer of uncompressed topics) need not pay. They are CommonJS
// packages, so a synchronous require keeps compress()/decompress() synchronous.
const require = createRequire(import.meta.url);
let lz4: typeof Lz4 | undefined;
let snappy: typeof Snappy | undefined;
let zstd: { encoder: Zstd.Encoder; decoder: Zstd.Decoder } | undefined;
const loadLz4 = (): typeof Lz4 => (lz4 ??= require('lz4-napi') as typeof Lz4);
const loadSnappy = (): typeof Snappy => (snappy ??= require('snappy') as typeof Snappy);
const loadZstd = (): { encoder: Zstd.Encoder; decoder: Zstd.Decoder } => {
  if (!zstd) {
    const { Decoder, Encoder } = require('@toondepauw/node-zstd') as typeof Zstd;
    // Level 3: zstd's default, and Kafka's compression.zstd.level default.
    zstd = { encoder: new Encoder(3), decoder: new Decoder() };
  }
  return zstd;
};
const snappyCompressSync = (data: Buffer): Buffer => loadSnappy().compressSync(data);
const snappyUncompressSync = (data: Buffer, options: { asBuffer: true }): Buffer => loadSnappy().uncompressSync(data, options) as Buffer;

/**
 * The four codecs of a v2 record batch, applied to the bytes of its records section (everything
 * after the 61-byte header). All calls are synchronous: a batch is at most a few MB and the
 * native codecs run in well under a millisecond per 100 KB.
 *
 * Wire formats, as Kafka's clients write them:
 * - gzip: an RFC 1952 stream (Java's GZIPOutputStream; librdkafka's zlib).
 * - snappy: the Java client wraps raw snappy blocks in snappy-java's "xerial" stream framing
 *   (below); other clients write one bare raw block. We read both. We WRITE a bare raw block:
 *   every client reads it (librdkafka and kafkajs-snappy detect the framing; snappy-java's
 *   SnappyInputStream falls back to raw when the magic is absent), while @platformatic/kafka 1.x
 *   cannot read xerial at all (its wasm decoder traps on it; checked in compression.test.ts).
 *   `snappyXerialCompress` produces the Java client's exact framing when that is wanted.
 * - lz4: the LZ4 *frame* format (magic 0x184D2204). The Java client rejects frames whose blocks
 *   are linked ("Dependent block stream is unsupported"); lz4-napi writes independent blocks
 *   without checksums (FLG 0x60), which the Java client and librdkafka accept.
 * - zstd: a standard zstd frame. The Java client streams it, so the frame may lack a content
 *   size; @toondepauw/node-zstd decodes such frames as a stream (checked in compression.test.ts).
 *
 * Corrupt input makes the native codec throw; callers that decode untrusted bytes catch it and
 * answer CORRUPT_MESSAGE.
 */

/** "\x82SNAPPY\0": snappy-java's stream magic, then int32 version 1 and int32 min-compatible 1. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
/** snappy-java's default block size, which the Java producer uses. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

export function compress(codec: number, data: Buffer): Buffer {
  switch (codec) {
    case CompressionType.NONE:
      return data;
    case CompressionType.GZIP:
      return gzipSync(data);
    case CompressionType.SNAPPY:
      return snappyCompressSync(data);
    case CompressionType.LZ4:
      return loadLz4().compressFrameSync(data);
    case CompressionType.ZSTD:
      return loadZstd().encoder.encodeSync(data);
    default:
      throw new RangeError(`Unknown compression type id: ${codec}`);
  }
}

export function decompress(codec: number, data: Buffer): Buffer {
  switch (codec) {
    case CompressionType.NONE:
      return data;
    case CompressionType.GZIP:
      return gunzipSync(data);
    case CompressionType.SNAPPY:
      return snappyDecompress(data);
    case CompressionType.LZ4:
      return loadLz4().decompressFrameSync(data);
    case CompressionType.ZSTD:
      return loadZstd().decoder.decodeSync(data);
    default:
      throw new RangeError(`Unknown compression type id: ${codec}`);
  }
}

/** Kafka's lower-case codec name (`compression.type` values), e.g. for log lines. */
export function compressionName(codec: number): string {
  return ['none', 'gzip', 'snappy', 'lz4', 'zstd'][codec] ?? `unknown(${codec})`;
}

export function isXerialSnappy(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && data.compare(XERIAL_MAGIC, 0, 8, 0, 8) === 0;
}

/** Xerial framing: 16-byte header, then [int32 compressed length, raw snappy block]*. */
export function snappyXerialCompress(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  parts.push(header);
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_SIZE) {
    const block = snappyCompressSync(data.subarray(pos, Math.min(pos + XERIAL_BLOCK_SIZE, data.length)));
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(block.length, 0);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

/** Reads xerial-framed or bare raw snappy. */
export function snappyDecompress(data: Buffer): Buffer {
  if (!isXerialSnappy(data)) return snappyUncompressSync(data, { asBuffer: true }) as Buffer;
  const parts: Buffer[] = [];
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw new RangeError('truncated xerial snappy block length');
    const len = data.readInt32BE(pos);
    pos += 4;
    if (len < 0 || pos + len > data.length) throw new RangeError('truncated xerial snappy block');
    parts.push(snappyUncompressSync(data.subarray(pos, pos + len), { asBuffer: true }) as Buffer);
    pos += len;
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}
