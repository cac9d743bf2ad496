// Crash safety with the real CLI in a child process. (1) A kafkajs producer streams with
// acks=all while the broker is SIGKILLed; after a restart on the same data dir every
// acknowledged record is there, offsets run from 0 without a gap, nothing is duplicated, and
// each unacknowledged batch is there whole or not at all. (2) With the broker down after a
// crash, the tail of a partition's active segment is torn (half a batch, garbage, a batch with a
// bad CRC); recovery truncates exactly the torn bytes and produce continues at the right offset.
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import kafkajs from 'kafkajs';
import { BrokerProcess } from './helpers/broker-process.js';
import { tempDir } from './helpers/broker.js';
import { assertKcatOk, kcatConsume, kcatProduce } from './helpers/kcat.js';
import { assertContiguous } from './helpers/records.js';
import { mulberry32 } from './helpers/prng.js';

const { Kafka, logLevel } = kafkajs;

const dirs: string[] = [];
const children: BrokerProcess[] = [];

after(async () => {
  for (const c of children) await c.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function spawn(dataDir: string, port?: number): Promise<BrokerProcess> {
  const child = await BrokerProcess.spawn({ dataDir, ...(port === undefined ? {} : { port }), settings: { 'num.partitions': 2, 'group.initial.rebalance.delay.ms': 0 } });
  children.push(child);
  return child;
}

function segmentPath(dataDir: string, topic: string, partition: number): string {
  return join(dataDir, `${topic}-${partition}`, '00000000000000000000.log');
}

test('SIGKILL mid-stream: every acknowledged record survives, offsets continuous, no duplicates', async () => {
  const dataDir = tempDir('brook-crash-');
  dirs.push(dataDir);
  const topic = 'crash-stream';
  const LOOPS = 4;
  const BATCH = 10;
  const KILL_AFTER = 600; // acknowledged records
  let broker = await spawn(dataDir);

  const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'crash-producer', logLevel: logLevel.NOTHING, retry: { retries: 0 }, requestTimeout: 5000 });
  const producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 0 } });
  await producer.connect();
  // Each loop has one batch in flight at a time, so its records reach the log in order and
  // what survives of a loop must be an acknowledged prefix plus, at most, one whole batch.
  const acked = Array<number>(LOOPS).fill(0);
  let total = 0;
  let killed: Promise<unknown> | undefined;
  const loop = async (id: number): Promise<void> => {
    for (let n = 0; ; n += BATCH) {
      const messages = Array.from({ length: BATCH }, (_, i) => ({ key: `loop-${id}`, value: `${id}:${n + i}`, partition: id % 2 }));
      try {
        await producer.send({ topic, acks: -1, messages });
      } catch {
        return; // the broker is gone
      }
      acked[id] = n + BATCH;
      total += BATCH;
      if (total >= KILL_AFTER && !killed) killed = broker.kill('SIGKILL');
    }
  };
  await Promise.all(Array.from({ length: LOOPS }, (_, id) => loop(id)));
  assert.ok(killed, 'the broker was killed by the stream');
  const exit = await broker.kill();
  assert.equal(exit.signal, 'SIGKILL');
  await producer.disconnect().catch(() => {});

  broker = await spawn(dataDir, broker.port);
  const seen = new Map<number, number>(); // loop -> records present
  for (let p = 0; p < 2; p++) {
    const records = await kcatConsume(broker.bootstrap, topic, { partition: p, offset: 'beginning' });
    assertContiguous(records.map((r) => r.offset), 0, `partition ${p} after the crash`);
    const values = records.map((r) => r.value?.toString() ?? '');
    assert.equal(new Set(values).size, values.length, `partition ${p}: no duplicates`);
    const next = new Map<number, number>();
    for (const v of values) {
      const [id, n] = v.split(':').map(Number);
      assert.equal(id % 2, p, `loop ${id} wrote to partition ${id % 2}, found in ${p}`);
      assert.equal(n, next.get(id) ?? 0, `loop ${id}: record ${n} out of order or after a gap`);
      next.set(id, n + 1);
    }
    for (const [id, count] of next) seen.set(id, count);
  }
  for (let id = 0; id < LOOPS; id++) {
    const present = seen.get(id) ?? 0;
    assert.ok(present >= acked[id], `loop ${id}: ${acked[id]} acknowledged, only ${present} recovered`);
    assert.ok(present === acked[id] || present === acked[id] + BATCH, `loop ${id}: ${present - acked[id]} unacknowledged records; a batch is all or nothing`);
  }

  // The recovered log takes new writes at its end.
  const before = await kcatConsume(broker.bootstrap, topic, { partition: 0, offset: 'beginning' });
  assertKcatOk(await kcatProduce(broker.bootstrap, topic, [{ value: 'after-crash' }], { partition: 0 }), 'produce');
  const after = await kcatConsume(broker.bootstrap, topic, { partition: 0, offset: before.length });
  assert.deepEqual(after.map((r) => [r.offset, r.value?.toString()]), [[before.length, 'after-crash']]);
  await broker.stop();
});

/** Byte positions of the batches in a segment file: [start, end) of each. */
function batchSpans(file: Buffer): [number, number][] {
  const spans: [number, number][] = [];
  for (let pos = 0; pos + 12 <= file.length; ) {
    const end = pos + 12 + file.readInt32BE(pos + 8);
    if (end > file.length) break;
    spans.push([pos, end]);
    pos = end;
  }
  return spans;
}

test('a torn tail (half a batch, garbage, a bad CRC) is truncated on restart and produce continues', async () => {
  const dataDir = tempDir('brook-torn-');
  dirs.push(dataDir);
  const rand = mulberry32(0x70a1);
  const cases = ['half-batch', 'garbage', 'bad-crc'] as const;
  let broker = await spawn(dataDir);
  for (const c of cases) {
    for (let b = 0; b < 5; b++) {
      const messages = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `${c}-${b * 10 + i}` }));
      assertKcatOk(await kcatProduce(broker.bootstrap, `torn-${c}`, messages, { partition: 0, props: { 'linger.ms': 0 } }), 'produce');
    }
  }
  await broker.kill('SIGKILL'); // no clean-shutdown marker: the next start must recover the tail

  const sizes = new Map<string, number>();
  const cut = new Map<string, number>(); // bytes appended past the last whole batch
  let badBatchRecords = 0; // records of the whole batch appended with a bad CRC
  for (const c of cases) {
    const path = segmentPath(dataDir, `torn-${c}`, 0);
    const file = readFileSync(path);
    const spans = batchSpans(file);
    assert.equal(spans.at(-1)?.[1], file.length, `${path} holds whole batches only`);
    sizes.set(c, file.length);
    const [start, end] = spans[spans.length - 1];
    const last = Buffer.from(file.subarray(start, end));
    if (c === 'half-batch') {
      appendFileSync(path, last.subarray(0, Math.floor(last.length / 2)));
      cut.set(c, Math.floor(last.length / 2));
    } else if (c === 'garbage') {
      appendFileSync(path, Buffer.from(Array.from({ length: 137 }, () => Math.floor(rand() * 256))));
      cut.set(c, 137);
    } else {
      last.writeBigInt64BE(last.readBigInt64BE(0) + 10n, 0); // the next base offset, as a real append would have
      last[last.length - 3] ^= 0xff; // a record byte: the CRC no longer matches
      appendFileSync(path, last);
      cut.set(c, last.length);
      badBatchRecords = last.readInt32BE(57); // the batch header's record count
    }
  }

  broker = await spawn(dataDir, broker.port);
  // Recovery says what it cut: per partition a warning naming the segment, the offset and the
  // bytes and records removed (the records of the whole batch with a bad CRC; half a batch and
  // garbage hold none that can be counted), and the banner sums it up.
  const output = broker.stdout + broker.stderr;
  for (const c of cases) {
    const records = c === 'bad-crc' ? badBatchRecords : 0;
    assert.match(output, new RegExp(`torn-${c}-0: recovery cut segment 00000000000000000000\\.log at offset 50 \\(byte ${sizes.get(c)}\\): ${cut.get(c)} bytes and ${records} whole records`), `${c}: warning`);
  }
  const total = [...cut.values()].reduce((a, b) => a + b, 0);
  assert.match(broker.stdout, new RegExp(`^Brook recovered \\d+ logs \\(150 records\\) in [\\d.]+ m?s, \\d+ segments validated; cut ${total} bytes \\(${badBatchRecords} records?\\) from 3 logs`, 'm'));
  for (const c of cases) {
    const topic = `torn-${c}`;
    assert.equal(statSync(segmentPath(dataDir, topic, 0)).size, sizes.get(c), `${c}: the torn bytes were truncated`);
    const records = await kcatConsume(broker.bootstrap, topic, { partition: 0, offset: 'beginning' });
    assert.deepEqual(records.map((r) => r.value?.toString()), Array.from({ length: 50 }, (_, i) => `${c}-${i}`), `${c}: the valid records survive`);
    assertContiguous(records.map((r) => r.offset));
    assertKcatOk(await kcatProduce(broker.bootstrap, topic, [{ value: 'next-0' }, { value: 'next-1' }], { partition: 0 }), 'produce');
    const tail = await kcatConsume(broker.bootstrap, topic, { partition: 0, offset: 48 });
    assert.deepEqual(tail.map((r) => [r.offset, r.value?.toString()]), [[48, `${c}-48`], [49, `${c}-49`], [50, 'next-0'], [51, 'next-1']]);
  }
  const exit = await broker.stop();
  assert.equal(exit.code, 0, `clean stop; stderr: ${broker.stderr}`);
  // The clean restart after recovery finds everything again.
  broker = await spawn(dataDir, broker.port);
  const again = await kcatConsume(broker.bootstrap, 'torn-garbage', { partition: 0, offset: 'beginning' });
  assert.equal(again.length, 52);
  await broker.stop();
});
