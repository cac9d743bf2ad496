/**
 * Variable-length integers as Kafka writes them (protobuf encoding): 7 bits per byte, least
 * significant group first, high bit = "more bytes follow". Signed values are zigzag-mapped first
 * (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...), so small negative numbers stay short.
 *
 * - varint:  signed int32, at most 5 bytes (record lengths, key/value lengths, offset deltas).
 * - varlong: signed int64, at most 10 bytes (timestamp deltas). Decoded to a JS number: exact for
 *            |v| < 2^53, which covers every delta a real batch holds.
 * - unsigned varint: uint32 without zigzag (compact lengths and tagged fields of flexible messages).
 *
 * Reading goes through `ByteCursor`, a position over a buffer with a sticky failure flag: a
 * truncated or over-long integer sets `failed` and yields 0, and the caller checks the flag once
 * after a run of reads. Nothing is allocated per value, which keeps record walks on the produce
 * path free of garbage. Writing is plain functions that return the next position.
 */

const TWO_POW_32 = 4294967296;

/** A read position over `buf[pos, end)`; every read advances `pos` or sets `failed`. */
export class ByteCursor {
  /** True once a read ran past `end` or met a malformed varint; later reads return 0. */
  failed = false;

  constructor(
    readonly buf: Buffer,
    public pos = 0,
    readonly end = buf.length,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  private fail(): number {
    this.failed = true;
    this.pos = this.end;
    return 0;
  }

  int8(): number {
    if (this.pos + 1 > this.end) return this.fail();
    return this.buf.readInt8(this.pos++);
  }

  int16(): number {
    if (this.pos + 2 > this.end) return this.fail();
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    if (this.pos + 4 > this.end) return this.fail();
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** int64 as a number (exact below 2^53); no BigInt is created. */
  int64(): number {
    if (this.pos + 8 > this.end) return this.fail();
    const v = readInt64(this.buf, this.pos);
    this.pos += 8;
    return v;
  }

  /** Unsigned varint (uint32, no zigzag). */
  unsignedVarint(): number {
    const buf = this.buf;
    let pos = this.pos;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= this.end) return this.fail();
      const b = buf[pos++];
      if (shift === 28 && b > 0x0f) return this.fail(); // would exceed 32 bits
      value |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    return this.fail();
  }

  /** Signed zigzag varint (int32). */
  varint(): number {
    const raw = this.unsignedVarint();
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** Signed zigzag varlong (int64) as a number. */
  varlong(): number {
    const buf = this.buf;
    let pos = this.pos;
    // The first 28 bits fit bitwise arithmetic; the rest is accumulated by multiplication.
    let low = 0;
    let shift = 0;
    for (; shift < 28; shift += 7) {
      if (pos >= this.end) return this.fail();
      const b = buf[pos++];
      low |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return (low >>> 1) ^ -(low & 1);
      }
    }
    let high = 0;
    let scale = 1;
    for (; shift < 70; shift += 7) {
      if (pos >= this.end) return this.fail();
      const b = buf[pos++];
      if (shift === 63 && b > 0x01) return this.fail(); // would exceed 64 bits
      high += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) {
        this.pos = pos;
        // raw = high * 2^28 + low; unzigzag from floor(raw / 2), formed exactly (high < 2^26
        // whenever the result is below 2^53). raw's parity is low's.
        const half = high * 134217728 + (low >>> 1); // 2^27
        return (low & 1) === 0 ? half : -half - 1;
      }
    }
    return this.fail();
  }

  /** `n` bytes as a view into the underlying buffer (no copy). */
  bytes(n: number): Buffer {
    if (n < 0 || this.pos + n > this.end) {
      this.fail();
      return EMPTY;
    }
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  skip(n: number): void {
    if (n < 0 || this.pos + n > this.end) this.fail();
    else this.pos += n;
  }
}

const EMPTY = Buffer.alloc(0);

/** Big-endian int64 at `pos` as a number, exact for |v| < 2^53, without allocating a BigInt. */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_POW_32 + buf.readUInt32BE(pos + 4);
}

/** Writes `value` (|value| < 2^53, an integer) as a big-endian int64 at `pos`; returns the next position. */
export function writeInt64(buf: Buffer, value: number, pos: number): number {
  const high = Math.floor(value / TWO_POW_32);
  buf.writeInt32BE(high, pos);
  buf.writeUInt32BE(value - high * TWO_POW_32, pos + 4);
  return pos + 8;
}

/** Bytes an unsigned varint takes (value: uint32). */
export function sizeOfUnsignedVarint(value: number): number {
  const v = value >>> 0;
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

/** Bytes a signed (zigzag) varint takes (value: int32). */
export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint((value << 1) ^ (value >> 31));
}

/** Bytes a signed (zigzag) varlong takes (value: an integer number, |value| < 2^53). */
export function sizeOfVarlong(value: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return sizeOfVarint(value);
  let high = zigzagHigh(value); // >= 1, as in writeVarlong
  let n = 5;
  while (high >= 128) {
    high = Math.floor(high / 128);
    n++;
  }
  return n;
}

/** Writes an unsigned varint (uint32) at `pos`; returns the next position. */
export function writeUnsignedVarint(buf: Buffer, value: number, pos: number): number {
  let v = value >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/** Writes a signed zigzag varint (int32) at `pos`; returns the next position. */
export function writeVarint(buf: Buffer, value: number, pos: number): number {
  return writeUnsignedVarint(buf, (value << 1) ^ (value >> 31), pos);
}

/** Writes a signed zigzag varlong at `pos` (value: integer, |value| < 2^53); returns the next position. */
export function writeVarlong(buf: Buffer, value: number, pos: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return writeVarint(buf, value, pos);
  // The zigzag of |value| up to 2^53 needs 54 bits: form it as high * 2^28 + low, both exact.
  // Here |value| >= 2^30, so the zigzag has at least 31 bits and high >= 1.
  let high = zigzagHigh(value);
  const low = zigzagLow;
  buf[pos++] = (low & 0x7f) | 0x80;
  buf[pos++] = ((low >>> 7) & 0x7f) | 0x80;
  buf[pos++] = ((low >>> 14) & 0x7f) | 0x80;
  buf[pos++] = ((low >>> 21) & 0x7f) | 0x80;
  while (high >= 128) {
    buf[pos++] = (high % 128) | 0x80;
    high = Math.floor(high / 128);
  }
  buf[pos++] = high;
  return pos;
}

/** Low 28 bits of the last zigzagHigh() call: a module slot, so no pair is allocated. */
let zigzagLow = 0;

/**
 * Zigzag of `value` split exactly: returns the bits above 28 and leaves the low 28 in zigzagLow.
 * zigzag(v) = 2|v| - (v < 0 ? 1 : 0).
 */
function zigzagHigh(value: number): number {
  const negative = value < 0;
  const m = negative ? -value : value;
  let high = Math.floor(m / 134217728); // 2^27: 2m = high * 2^28 + 2 * (m mod 2^27)
  let low = 2 * (m - high * 134217728);
  if (negative) {
    if (low === 0) {
      high -= 1;
      low = 268435455; // 2^28 - 1, borrowing one from high
    } else {
      low -= 1;
    }
  }
  zigzagLow = low;
  return high;
}
