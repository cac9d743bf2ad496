// kafkajs ships only gzip; snappy, lz4 and zstd come from codec plugins (kafkajs-snappy,
// kafkajs-lz4, @kafkajs/zstd), which are thin wrappers over native libraries. These are the same
// thin wrappers over the native libraries the project already depends on, so kafkajs can read
// (and write) every codec in the end-to-end tests. They are client-side test glue: nothing here
// comes from Brook.
import kafkajs from 'kafkajs';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { Decoder as ZstdDecoder, Encoder as ZstdEncoder } from '@toondepauw/node-zstd';

const { CompressionCodecs, CompressionTypes } = kafkajs;
const zstdEncoder = new ZstdEncoder(3);
const zstdDecoder = new ZstdDecoder();

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** snappy-java's stream header ("\x82SNAPPY\0", version, compatible version): the Java client's framing. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

function unsnappy(data: Buffer): Buffer {
  if (data.length < 16 || !data.subarray(0, 8).equals(XERIAL_MAGIC)) return snappyUncompress(data, { asBuffer: true }) as Buffer;
  const parts: Buffer[] = [];
  for (let pos = 16; pos < data.length; ) {
    const len = data.readInt32BE(pos);
    pos += 4;
    parts.push(snappyUncompress(data.subarray(pos, pos + len), { asBuffer: true }) as Buffer);
    pos += len;
  }
  return Buffer.concat(parts);
}

const codecs: Record<number, Codec> = {
  [CompressionTypes.Snappy]: {
    compress: async (e) => snappyCompress(e.buffer),
    decompress: async (b) => unsnappy(b),
  },
  [CompressionTypes.LZ4]: {
    compress: async (e) => compressFrameSync(e.buffer),
    decompress: async (b) => decompressFrameSync(b),
  },
  [CompressionTypes.ZSTD]: {
    compress: async (e) => zstdEncoder.encodeSync(e.buffer),
    decompress: async (b) => zstdDecoder.decodeSync(b),
  },
};

let registered = false;

/** Installs the snappy, lz4 and zstd codecs into kafkajs (idempotent). */
export function registerKafkajsCodecs(): void {
  if (registered) return;
  registered = true;
  const table = CompressionCodecs as unknown as Record<number, () => Codec>;
  for (const [type, codec] of Object.entries(codecs)) table[Number(type)] = () => codec;
}
