import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ByteCursor,
  readInt64,
  sizeOfUnsignedVarint,
  sizeOfVarint,
  sizeOfVarlong,
  writeInt64,
  writeUnsignedVarint,
  writeVarint,
  writeVarlong,
} from './varint.js';

function encodeVarint(v: number): Buffer {
  const buf = Buffer.alloc(10);
  return buf.subarray(0, writeVarint(buf, v, 0));
}
function encodeVarlong(v: number): Buffer {
  const buf = Buffer.alloc(10);
  return buf.subarray(0, writeVarlong(buf, v, 0));
}

describe('varint', () => {
  it('matches the protobuf zigzag bytes for known values', () => {
    // Reference bytes from the protobuf encoding spec (zigzag sint32/sint64).
    assert.deepEqual(encodeVarint(0), Buffer.from([0x00]));
    assert.deepEqual(encodeVarint(-1), Buffer.from([0x01]));
    assert.deepEqual(encodeVarint(1), Buffer.from([0x02]));
    assert.deepEqual(encodeVarint(-64), Buffer.from([0x7f]));
    assert.deepEqual(encodeVarint(64), Buffer.from([0x80, 0x01]));
    assert.deepEqual(encodeVarint(150), Buffer.from([0xac, 0x02]));
    assert.deepEqual(encodeVarint(2147483647), Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f]));
    assert.deepEqual(encodeVarint(-2147483648), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
  });

  it('round-trips int32 edges and sizes agree with the writer', () => {
    for (const v of [0, 1, -1, 63, -64, 64, -65, 8191, -8192, 8192, 1 << 20, -(1 << 27), 2147483647, -2147483648]) {
      const bytes = encodeVarint(v);
      assert.equal(bytes.length, sizeOfVarint(v), `size of ${v}`);
      const c = new ByteCursor(bytes);
      assert.equal(c.varint(), v);
      assert.equal(c.pos, bytes.length);
      assert.equal(c.failed, false);
    }
  });

  it('round-trips varlongs up to 2^53 and matches a BigInt reference encoder', () => {
    const values = [0, -1, 1, 1 << 30, -(1 << 30), 2 ** 31, -(2 ** 31) - 1, 1_700_000_000_000, -1_700_000_000_000, 2 ** 53 - 1, -(2 ** 53 - 1)];
    // Multiples of 2^27 exercise the borrow in the split zigzag; the rest is a deterministic spread.
    values.push(-(2 ** 27) * 9, -(2 ** 40), 2 ** 40, -(2 ** 52), 2 ** 52);
    let x = 12345;
    for (let i = 0; i < 500; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const magnitude = Math.floor((x / 2147483648) * 2 ** (i % 54));
      values.push(i % 2 === 0 || magnitude === 0 ? magnitude : -magnitude);
    }
    for (const v of values) {
      const bytes = encodeVarlong(v);
      assert.deepEqual(bytes, referenceVarlong(BigInt(v)), `bytes of ${v}`);
      assert.equal(bytes.length, sizeOfVarlong(v));
      const c = new ByteCursor(bytes);
      assert.equal(c.varlong(), v);
      assert.equal(c.pos, bytes.length);
    }
  });

  it('decodes a 10-byte varlong for int64 min/max approximately and rejects an 11th byte', () => {
    const max = referenceVarlong(2n ** 63n - 1n);
    assert.equal(max.length, 10);
    assert.equal(new ByteCursor(max).varlong(), 2 ** 63);
    const tooLong = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    const c = new ByteCursor(tooLong);
    c.varlong();
    assert.equal(c.failed, true);
  });

  it('sets the sticky failure on truncation and over-long varints', () => {
    const truncated = new ByteCursor(Buffer.from([0x80, 0x80]));
    assert.equal(truncated.varint(), 0);
    assert.equal(truncated.failed, true);
    assert.equal(truncated.int32(), 0, 'later reads return 0');

    const sixBytes = new ByteCursor(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    sixBytes.varint();
    assert.equal(sixBytes.failed, true);

    const bigFifth = new ByteCursor(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f]));
    bigFifth.unsignedVarint();
    assert.equal(bigFifth.failed, true, 'a fifth byte above 0x0f overflows 32 bits');
  });

  it('respects the cursor end rather than the buffer end', () => {
    const buf = Buffer.from([0x02, 0x04, 0x06]);
    const c = new ByteCursor(buf, 1, 2);
    assert.equal(c.varint(), 2);
    assert.equal(c.varint(), 0);
    assert.equal(c.failed, true);
    const d = new ByteCursor(buf, 0, 2);
    assert.equal(d.bytes(3).length, 0);
    assert.equal(d.failed, true);
  });

  it('writes and reads unsigned varints', () => {
    for (const v of [0, 127, 128, 16383, 16384, 2 ** 32 - 1]) {
      const buf = Buffer.alloc(5);
      const end = writeUnsignedVarint(buf, v, 0);
      assert.equal(end, sizeOfUnsignedVarint(v));
      assert.equal(new ByteCursor(buf.subarray(0, end)).unsignedVarint(), v);
    }
  });

  it('reads and writes int64 without BigInt, exact below 2^53', () => {
    const buf = Buffer.alloc(8);
    for (const v of [0, -1, 1, 2 ** 32, -(2 ** 32) - 5, 1_700_000_000_123, 2 ** 53 - 1, -(2 ** 53 - 1)]) {
      writeInt64(buf, v, 0);
      assert.equal(buf.readBigInt64BE(0), BigInt(v));
      assert.equal(readInt64(buf, 0), v);
    }
  });
});

/** Straightforward BigInt zigzag varlong, independent of the code under test. */
function referenceVarlong(v: bigint): Buffer {
  let zz = v >= 0n ? v << 1n : (-v << 1n) - 1n;
  const out: number[] = [];
  while (zz >= 0x80n) {
    out.push(Number(zz & 0x7fn) | 0x80);
    zz >>= 7n;
  }
  out.push(Number(zz));
  return Buffer.from(out);
}
