// Client-neutral records and the checks every end-to-end test makes on what it read back:
// each produced message exactly once, a key always in one partition, per-key order kept, offsets
// contiguous inside a partition, headers intact.
import assert from 'node:assert/strict';

/** A record as read back by any client, normalised. */
export interface SeenRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** A message as the test sent it. `seq` orders the messages of one key. */
export interface SentMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** `count` messages over `keys` keys; headers carry the key's sequence number and the source. */
export function keyedMessages(count: number, keys: number, source: string, prefix = 'm'): SentMessage[] {
  const seqByKey = new Map<string, number>();
  const out: SentMessage[] = [];
  for (let i = 0; i < count; i++) {
    const key = `${prefix}-key-${i % keys}`;
    const seq = seqByKey.get(key) ?? 0;
    seqByKey.set(key, seq + 1);
    out.push({ key, value: `${prefix}-value-${i}`, headers: { seq: String(seq), source } });
  }
  return out;
}

export function toSeen(r: {
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: readonly (readonly [string, string])[];
}): SeenRecord {
  return {
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key === null ? null : r.key.toString('utf8'),
    value: r.value === null ? null : r.value.toString('utf8'),
    headers: Object.fromEntries(r.headers),
  };
}

/**
 * Every sent message appears exactly once with its headers; all records of a key share one
 * partition and appear there in send order; offsets within each partition are strictly
 * increasing. `seen` may hold other records (from other tests) only if `exclusive` is false.
 */
export function assertKeyedDelivery(sent: readonly SentMessage[], seen: readonly SeenRecord[], exclusive = true): void {
  const byValue = new Map<string, SeenRecord>();
  for (const r of seen) {
    assert.ok(r.value !== null, `record at ${r.partition}/${r.offset} has a null value`);
    assert.ok(!byValue.has(r.value), `value ${r.value} seen twice (${r.partition}/${r.offset})`);
    byValue.set(r.value, r);
  }
  if (exclusive) assert.equal(seen.length, sent.length, 'record count');
  const partitionOfKey = new Map<string, number>();
  const lastByKey = new Map<string, SeenRecord>();
  for (const m of sent) {
    const r = byValue.get(m.value);
    assert.ok(r, `message ${m.value} (key ${m.key}) was not read back`);
    assert.equal(r.key, m.key, `key of ${m.value}`);
    assert.deepEqual(r.headers, m.headers, `headers of ${m.value}`);
    const p = partitionOfKey.get(m.key);
    if (p === undefined) partitionOfKey.set(m.key, r.partition);
    else assert.equal(r.partition, p, `key ${m.key} spread over partitions ${p} and ${r.partition}`);
    const prev = lastByKey.get(m.key);
    if (prev) assert.ok(r.offset > prev.offset, `key ${m.key}: ${m.value} at offset ${r.offset} is not after ${prev.value} at ${prev.offset}`);
    lastByKey.set(m.key, r);
  }
  assertOffsetsIncreasing(seen);
}

/** Within each partition, offsets strictly increase in read order. */
export function assertOffsetsIncreasing(seen: readonly SeenRecord[]): void {
  const last = new Map<number, number>();
  for (const r of seen) {
    const prev = last.get(r.partition);
    if (prev !== undefined) assert.ok(r.offset > prev, `partition ${r.partition}: offset ${r.offset} after ${prev}`);
    last.set(r.partition, r.offset);
  }
}

/** Offsets of one partition are exactly from, from+1, ... (no gap, no duplicate). */
export function assertContiguous(offsets: readonly number[], from = 0, what = 'offsets'): void {
  offsets.forEach((o, i) => assert.equal(o, from + i, `${what}: position ${i} holds offset ${o}, expected ${from + i}`));
}

/** Groups by partition, each sorted by offset. */
export function byPartition<T extends { partition: number; offset: number }>(records: readonly T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of records) {
    let list = out.get(r.partition);
    if (!list) out.set(r.partition, (list = []));
    list.push(r);
  }
  for (const list of out.values()) list.sort((a, b) => a.offset - b.offset);
  return out;
}

/** Bytes of a zigzag varint (Kafka's record-level varint). */
function varintSize(v: number): number {
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  let n = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 128);
    n++;
  }
  return n;
}

/** The 61-byte v2 batch header (12 bytes of log overhead included, as max.message.bytes counts them). */
const BATCH_HEADER_SIZE = 61;

/** Kafka's default max.message.bytes (and message.max.bytes): 1 MiB plus the 12-byte log overhead. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * Size in bytes of an uncompressed v2 batch holding one record with a null key, no headers and
 * timestamp/offset deltas 0 (what every client sends for a lone keyless message) and a value of
 * `valueLen` bytes. Kafka compares exactly this (log overhead included) with max.message.bytes.
 */
export function singleRecordBatchSize(valueLen: number): number {
  const body = 1 + 1 + 1 + 1 + varintSize(valueLen) + valueLen + 1; // attributes, tsDelta, offsetDelta, null key, value, header count
  return BATCH_HEADER_SIZE + varintSize(body) + body;
}

/** The value length whose single-record batch is exactly `batchSize` bytes. */
export function valueLenForBatchSize(batchSize: number): number {
  let v = batchSize - BATCH_HEADER_SIZE - 10;
  while (singleRecordBatchSize(v) > batchSize) v--;
  while (singleRecordBatchSize(v) < batchSize) v++;
  if (singleRecordBatchSize(v) !== batchSize) throw new Error(`no value length gives a ${batchSize}-byte batch`);
  return v;
}
