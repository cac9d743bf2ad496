// @platformatic/kafka 1.x takes zstd from node:zlib, which has it only from Node 22.15; on
// Node 20 it throws UnsupportedCompressionError when it meets a zstd batch, even while fetching
// other records. Like a codec plugin, this fills the gap with @toondepauw/node-zstd (a project dependency)
// when, and only when, the runtime lacks it. Client-side test glue: nothing here is Brook's.
import { compressionsAlgorithms } from '@platformatic/kafka';
import { Decoder as ZstdDecoder, Encoder as ZstdEncoder } from '@toondepauw/node-zstd';

interface MutableAlgorithm {
  compressSync: (data: Buffer | { buffer: Buffer }) => Buffer;
  decompressSync: (data: Buffer | { buffer: Buffer }) => Buffer;
  available?: boolean;
}

const asBuffer = (d: Buffer | { buffer: Buffer }): Buffer => (Buffer.isBuffer(d) ? d : d.buffer);

/** Makes @platformatic/kafka read and write zstd on Node versions without zlib zstd (idempotent). */
export function registerPlatformaticZstd(): void {
  const zstd = compressionsAlgorithms.zstd as unknown as MutableAlgorithm;
  if (zstd.available) return;
  const encoder = new ZstdEncoder(3);
  const decoder = new ZstdDecoder();
  zstd.compressSync = (d) => encoder.encodeSync(asBuffer(d));
  zstd.decompressSync = (d) => decoder.decodeSync(asBuffer(d));
  zstd.available = true;
}
