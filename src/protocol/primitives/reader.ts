/**
 * Cursor over a request or response frame. Out-of-bounds reads throw (Buffer's own bounds
 * checks, plus explicit ones for lengths): a frame that does not decode is malformed and its
 * connection is closed, so there is nothing to recover and no per-read error flag to test.
 * Strings are copied out (they are small); bytes and records are zero-copy slices.
 */
export class Reader {
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new RangeError(`frame too short: need ${n} bytes at ${this.pos}`);
  }

  bool(): boolean {
    this.need(1);
    return this.buf[this.pos++] !== 0;
  }
  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  /** int64 as a number: exact below 2^53, which covers offsets, timestamps and producer ids. */
  int64(): number {
    this.need(8);
    const hi = this.buf.readInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return hi * 4294967296 + lo;
  }
  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }
  uvarint(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      this.need(1);
      const b = this.buf[this.pos++];
      if (shift === 28) {
        if (b > 0x0f) throw new RangeError('varint too long');
        return value + b * 268435456;
      }
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value >>> 0;
      shift += 7;
    }
  }
  /** Kafka UUID, in Kafka's own text form: URL-safe base64 without padding (22 chars). */
  uuid(): string {
    this.need(16);
    const s = this.buf.toString('base64url', this.pos, this.pos + 16);
    this.pos += 16;
    return s;
  }

  private text(len: number): string {
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
  private slice(len: number): Buffer {
    this.need(len);
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  string(): string {
    const len = this.int16();
    if (len < 0) throw new RangeError('null in a non-nullable string');
    return this.text(len);
  }
  nullableString(): string | null {
    const len = this.int16();
    return len < 0 ? null : this.text(len);
  }
  compactString(): string {
    const len = this.uvarint() - 1;
    if (len < 0) throw new RangeError('null in a non-nullable string');
    return this.text(len);
  }
  compactNullableString(): string | null {
    const len = this.uvarint() - 1;
    return len < 0 ? null : this.text(len);
  }
  bytes(): Buffer {
    const len = this.int32();
    if (len < 0) throw new RangeError('null in non-nullable bytes');
    return this.slice(len);
  }
  nullableBytes(): Buffer | null {
    const len = this.int32();
    return len < 0 ? null : this.slice(len);
  }
  compactBytes(): Buffer {
    const len = this.uvarint() - 1;
    if (len < 0) throw new RangeError('null in non-nullable bytes');
    return this.slice(len);
  }
  compactNullableBytes(): Buffer | null {
    const len = this.uvarint() - 1;
    return len < 0 ? null : this.slice(len);
  }
  /** Array length, -1 for null; bounded by the bytes left so a hostile length cannot allocate. */
  arrayLength(): number {
    return this.checkCount(this.int32());
  }
  compactArrayLength(): number {
    return this.checkCount(this.uvarint() - 1);
  }
  private checkCount(n: number): number {
    if (n > this.remaining) throw new RangeError(`array length ${n} exceeds frame`);
    return n < 0 ? -1 : n;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}
