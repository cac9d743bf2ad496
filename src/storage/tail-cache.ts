import { RecordBatchHeader } from '../protocol/records/record-batch.js';

interface Chunk {
  buf: Buffer;
  used: number;
  /** Per batch, parallel arrays: offsets for the binary search, positions/sizes for slicing. */
  baseOffsets: number[];
  lastOffsets: number[];
  positions: number[];
  sizes: number[];
}

const FIRST_CHUNK = 64 * 1024;
const MAX_CHUNK = 1024 * 1024;

/**
 * A copy of the most recently appended batches of one partition, so that fetches from consumers
 * that keep up are served from memory. It always holds a contiguous run of batches that ends at
 * the log end offset. Batches are copied (not referenced) because the appended buffer is usually a
 * slice of a whole produce request, which would otherwise stay alive. Chunks are append-only and
 * dropped whole from the front, so slices handed to readers stay valid after eviction. Chunk
 * sizes start small and double, so quiet partitions hold only a little memory.
 */
export class TailCache {
  private chunks: Chunk[] = [];
  private bytes = 0;

  constructor(private maxBytes: number) {}

  /** Bytes of memory held (whole chunks). */
  get bytesHeld(): number {
    return this.bytes;
  }

  /** Changes the budget; evicts from the front at once when it shrank. */
  resize(maxBytes: number): void {
    this.maxBytes = maxBytes;
    this.evict();
  }

  private evict(): void {
    while (this.bytes > this.maxBytes && this.chunks.length > 1) {
      this.bytes -= this.chunks.shift()!.buf.length;
    }
    if (this.bytes > this.maxBytes) this.clear();
  }

  /** First offset held, or undefined when empty. */
  get startOffset(): number | undefined {
    const c = this.chunks[0];
    return c ? c.baseOffsets[0] : undefined;
  }

  /** Copies `batches` (whole batches with final offsets) into the cache. */
  append(batches: Buffer): void {
    if (this.maxBytes <= 0 || batches.length > this.maxBytes) {
      this.clear();
      return;
    }
    let chunk = this.chunks[this.chunks.length - 1];
    if (!chunk || chunk.buf.length - chunk.used < batches.length) {
      // A quarter of the budget at most, so eviction keeps about 3/4 of it warm.
      const cap = Math.min(MAX_CHUNK, Math.max(4096, Math.floor(this.maxBytes / 4)));
      const size = Math.max(Math.min(chunk ? chunk.buf.length * 2 : FIRST_CHUNK, cap), batches.length);
      chunk = { buf: Buffer.allocUnsafe(size), used: 0, baseOffsets: [], lastOffsets: [], positions: [], sizes: [] };
      this.chunks.push(chunk);
      this.bytes += size;
    }
    batches.copy(chunk.buf, chunk.used);
    let pos = 0;
    while (pos < batches.length) {
      const h = new RecordBatchHeader(batches, pos);
      const size = h.sizeInBytes;
      chunk.baseOffsets.push(h.baseOffset);
      chunk.lastOffsets.push(h.lastOffset);
      chunk.positions.push(chunk.used + pos);
      chunk.sizes.push(size);
      pos += size;
    }
    chunk.used += batches.length;
    this.evict();
  }

  /**
   * Batches from the one holding `offset`, like Log.read; undefined when `offset` is not in the
   * cache (the caller then reads the segment files).
   */
  read(offset: number, maxBytes: number, maxOffset: number, minOneBatch: boolean): { batches: Buffer[]; size: number } | undefined {
    const start = this.startOffset;
    if (start === undefined || offset < start) return undefined;
    let ci = 0;
    while (ci < this.chunks.length - 1 && this.chunks[ci + 1].baseOffsets[0] <= offset) ci++;
    let chunk = this.chunks[ci];
    let bi = findBatch(chunk.lastOffsets, offset);
    if (bi === chunk.lastOffsets.length) return undefined; // past the end
    const batches: Buffer[] = [];
    let size = 0;
    for (;;) {
      if (chunk.lastOffsets[bi] >= maxOffset) break;
      const batchSize = chunk.sizes[bi];
      if (size + batchSize > maxBytes && !(minOneBatch && batches.length === 0)) break;
      batches.push(chunk.buf.subarray(chunk.positions[bi], chunk.positions[bi] + batchSize));
      size += batchSize;
      if (++bi === chunk.sizes.length) {
        if (++ci === this.chunks.length) break;
        chunk = this.chunks[ci];
        bi = 0;
      }
    }
    return { batches, size };
  }

  clear(): void {
    this.chunks = [];
    this.bytes = 0;
  }
}

/** Index of the first batch whose last offset is ≥ `offset` (length when none). */
function findBatch(lastOffsets: number[], offset: number): number {
  let lo = 0;
  let hi = lastOffsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lastOffsets[mid] < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
