import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameBuffer, SMALL_FRAME_BYTES } from './frame-buffer.js';

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

function receive(size: number, chunkSize: number): { frame: FrameBuffer; expected: Buffer; rest: number } {
  const expected = bytes(size + 100, 7);
  const frame = new FrameBuffer(size);
  let pos = 0;
  while (!frame.complete) pos += frame.write(expected.subarray(pos, pos + chunkSize));
  return { frame, expected: expected.subarray(0, size), rest: expected.length - pos };
}

test('a small frame is assembled from chunks and takes no more than its size from the last one', () => {
  const { frame, expected, rest } = receive(1000, 300);
  assert.equal(rest, 100);
  assert.deepEqual(frame.take(), expected);
});

test('a large frame grows as bytes arrive and comes out as a plain (non-resizable) Buffer', () => {
  const size = SMALL_FRAME_BYTES * 3 + 12345;
  const { frame, expected } = receive(size, 65536);
  const out = frame.take();
  assert.equal(out.length, size);
  assert.ok(out.equals(expected));
  assert.equal((out.buffer as ArrayBuffer & { resizable?: boolean }).resizable ?? false, false, 'handlers read plain Buffers (faster in V8)');
});

test('a large frame announced but barely sent holds only what arrived, and nothing once discarded', () => {
  const frame = new FrameBuffer(100 * 1000 * 1000);
  frame.write(bytes(10, 1));
  assert.ok(frame.bytesHeld <= 2 * SMALL_FRAME_BYTES, `holds ${frame.bytesHeld} bytes for 10 received`);
  frame.discard();
  assert.equal(frame.bytesHeld, 0);
  assert.equal(frame.complete, false);
});
