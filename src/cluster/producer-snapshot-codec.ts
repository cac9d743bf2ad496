import { readInt64, writeInt64 } from '../protocol/records/varint.js';
import { NUM_BATCHES_TO_RETAIN, ProducerStateEntry } from './producer-state-entry.js';

/**
 * The payload of a producer snapshot (storage frames it with a version and a CRC). Unlike
 * Kafka's, which keeps only each producer's last batch, it keeps all five retained batches, so a
 * retry of any in-flight batch is still recognised after a restart. Layout (big-endian):
 *
 *   int16 version (1) | int32 producer count | per producer:
 *     int64 producerId | int16 epoch | int32 coordinatorEpoch | int64 lastTimestamp |
 *     int64 currentTxnFirstOffset (-1: none) | int8 batch count | per batch (oldest first):
 *       int32 firstSeq | int32 lastSeq | int64 firstOffset | int64 lastOffset | int64 timestamp
 */
const VERSION = 1;
const PRODUCER_BYTES = 8 + 2 + 4 + 8 + 8 + 1;
const BATCH_BYTES = 4 + 4 + 8 + 8 + 8;

export function encodeProducerSnapshot(entries: Iterable<ProducerStateEntry>): Buffer {
  const list = [...entries];
  let size = 2 + 4;
  for (const e of list) size += PRODUCER_BYTES + e.batches.length * BATCH_BYTES;
  const buf = Buffer.allocUnsafe(size);
  buf.writeInt16BE(VERSION, 0);
  buf.writeInt32BE(list.length, 2);
  let pos = 6;
  for (const e of list) {
    writeInt64(buf, e.producerId, pos);
    buf.writeInt16BE(e.producerEpoch, pos + 8);
    buf.writeInt32BE(e.coordinatorEpoch, pos + 10);
    writeInt64(buf, e.lastTimestamp, pos + 14);
    writeInt64(buf, e.currentTxnFirstOffset, pos + 22);
    buf.writeInt8(e.batches.length, pos + 30);
    pos += PRODUCER_BYTES;
    for (const b of e.batches) {
      buf.writeInt32BE(b.firstSeq, pos);
      buf.writeInt32BE(b.lastSeq, pos + 4);
      writeInt64(buf, b.firstOffset, pos + 8);
      writeInt64(buf, b.lastOffset, pos + 16);
      writeInt64(buf, b.timestamp, pos + 24);
      pos += BATCH_BYTES;
    }
  }
  return buf;
}

/** Throws on a payload that does not parse (storage's CRC makes that a bug or a foreign file). */
export function decodeProducerSnapshot(buf: Buffer): ProducerStateEntry[] {
  const fail = (why: string): never => {
    throw new Error(`producer snapshot: ${why}`);
  };
  if (buf.length < 6) fail('too short');
  const version = buf.readInt16BE(0);
  if (version !== VERSION) fail(`unknown version ${version}`);
  const count = buf.readInt32BE(2);
  const entries: ProducerStateEntry[] = [];
  let pos = 6;
  for (let i = 0; i < count; i++) {
    if (pos + PRODUCER_BYTES > buf.length) fail('truncated');
    const entry = new ProducerStateEntry(readInt64(buf, pos), buf.readInt16BE(pos + 8), buf.readInt32BE(pos + 10), readInt64(buf, pos + 14), readInt64(buf, pos + 22));
    const batches = buf.readInt8(pos + 30);
    if (batches < 0 || batches > NUM_BATCHES_TO_RETAIN) fail(`${batches} batches for producer ${entry.producerId}`);
    pos += PRODUCER_BYTES;
    if (pos + batches * BATCH_BYTES > buf.length) fail('truncated');
    for (let b = 0; b < batches; b++) {
      entry.batches.push({
        firstSeq: buf.readInt32BE(pos),
        lastSeq: buf.readInt32BE(pos + 4),
        firstOffset: readInt64(buf, pos + 8),
        lastOffset: readInt64(buf, pos + 16),
        timestamp: readInt64(buf, pos + 24),
      });
      pos += BATCH_BYTES;
    }
    entries.push(entry);
  }
  if (pos !== buf.length) fail('trailing bytes');
  return entries;
}
