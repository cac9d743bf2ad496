/**
 * Growable output buffer that keeps large byte slices (record batches) as separate chunks
 * instead of copying them, so a fetch response goes out with writev over the log's own bytes.
 */
const CHUNK_THRESHOLD = 4096; // below this, copying is cheaper than another iovec entry

export class Writer {
  private buf: Buffer;
  pos = 0;
  /** Where the part of `buf` not yet moved to `chunks` starts. */
  private start = 0;
  private readonly chunks: Buffer[] = [];
  private chunkBytes = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.chunkBytes + (this.pos - this.start);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const used = this.pos - this.start;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, used + n + 256));
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = used;
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }
  int8(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos++);
  }
  int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }
  uint16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }
  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }
  uint32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }
  int64(v: number | bigint): void {
    this.ensure(8);
    if (typeof v === 'bigint') {
      this.buf.writeBigInt64BE(v, this.pos);
    } else if (v >= 9223372036854775807) {
      // Long.MAX_VALUE (a sentinel some clients send) reads as a number rounded up to 2^63, which
      // has no int64 form: write it back as Long.MAX_VALUE instead of throwing.
      this.buf.writeInt32BE(0x7fffffff, this.pos);
      this.buf.writeUInt32BE(0xffffffff, this.pos + 4);
    } else {
      const hi = Math.floor(v / 4294967296);
      this.buf.writeInt32BE(hi, this.pos);
      this.buf.writeUInt32BE(v - hi * 4294967296, this.pos + 4);
    }
    this.pos += 8;
  }
  float64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }
  uvarint(v: number): void {
    this.ensure(5);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }
  uuid(v: string): void {
    this.ensure(16);
    const n = this.buf.write(v, this.pos, 16, 'base64url');
    if (n !== 16) throw new RangeError(`invalid uuid ${v}`);
    this.pos += 16;
  }

  private text(v: string, len: number): void {
    this.ensure(len);
    this.buf.write(v, this.pos, len, 'utf8');
    this.pos += len;
  }
  string(v: string): void {
    const len = Buffer.byteLength(v);
    this.int16(len);
    this.text(v, len);
  }
  nullableString(v: string | null): void {
    if (v === null) return this.int16(-1);
    this.string(v);
  }
  compactString(v: string): void {
    const len = Buffer.byteLength(v);
    this.uvarint(len + 1);
    this.text(v, len);
  }
  compactNullableString(v: string | null): void {
    if (v === null) return this.uvarint(0);
    this.compactString(v);
  }

  /** Raw bytes with no length prefix; large ones are referenced, not copied. */
  raw(b: Buffer): void {
    if (b.length >= CHUNK_THRESHOLD) {
      if (this.pos > this.start) {
        this.chunks.push(this.buf.subarray(this.start, this.pos));
        this.chunkBytes += this.pos - this.start;
        this.start = this.pos;
      }
      this.chunks.push(b);
      this.chunkBytes += b.length;
      return;
    }
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }
  private rawAll(bs: readonly Buffer[]): void {
    for (const b of bs) this.raw(b);
  }

  bytes(v: Buffer): void {
    this.int32(v.length);
    this.raw(v);
  }
  nullableBytes(v: Buffer | null): void {
    if (v === null) return this.int32(-1);
    this.bytes(v);
  }
  compactBytes(v: Buffer): void {
    this.uvarint(v.length + 1);
    this.raw(v);
  }
  compactNullableBytes(v: Buffer | null): void {
    if (v === null) return this.uvarint(0);
    this.compactBytes(v);
  }
  /** Record data: one buffer or a list of batch slices read from the log. */
  records(v: Buffer | readonly Buffer[] | null, compact: boolean): void {
    if (v === null) return compact ? this.uvarint(0) : this.int32(-1);
    const parts = Buffer.isBuffer(v) ? [v] : v;
    let size = 0;
    for (const p of parts) size += p.length;
    if (compact) this.uvarint(size + 1);
    else this.int32(size);
    this.rawAll(parts);
  }

  /** The output as a list of buffers (for socket writev). */
  finish(): Buffer[] {
    if (this.pos > this.start) {
      this.chunks.push(this.buf.subarray(this.start, this.pos));
      this.chunkBytes += this.pos - this.start;
      this.start = this.pos;
    }
    return this.chunks;
  }

  /** The output as one buffer (tests and small messages). */
  toBuffer(): Buffer {
    const parts = this.finish();
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
}
