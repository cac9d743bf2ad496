// `brook log dump|verify` on a real broker's data directory (written by a broker that then
// stopped), and on copies damaged on purpose: each problem is reported at its byte position.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaClient } from '../src/client/kafka-client.js';
import { Producer } from '../src/client/producer.js';
import { createTopics } from '../src/client/topic-admin.js';
import { TestBroker, tempDir } from './helpers/broker.js';
import { brook, brookJson, brookOk } from './helpers/brook-cli.js';

const scratch = tempDir('brook-log-');
const RECORDS = 2500;
const value = (i: number): string => `value-${i}-${'x'.repeat(1000)}`;
let broker: TestBroker;
let partitionDir: string;

interface Batch {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  crcValid: boolean;
  records: { offset: number; key?: string | null; value?: string | null }[];
}
interface Verified {
  ok: boolean;
  segments: { path: string; ok: boolean; batches: number; records: number; problems: { file: string; position: number | null; offset: number | null; message: string }[] }[];
}

before(async () => {
  broker = await TestBroker.start();
  const client = new KafkaClient({ brokers: [broker.bootstrap] });
  try {
    // The smallest segments (1 MiB) and a dense index: three segments of 1 KB records, each
    // with offset and time index entries.
    const [created] = await createTopics(client, [{ name: 'logs', partitions: 1, configs: { 'segment.bytes': '1048576', 'index.interval.bytes': '2000' } }]);
    assert.equal(created.errorCode, 0);
    const producer = new Producer(client, undefined, { batchBytes: 8000, lingerMs: 1 });
    await producer.prepare('logs');
    for (let i = 0; i < RECORDS; i++) {
      producer.send({ topic: 'logs', partition: 0, key: Buffer.from(`k${i}`), value: Buffer.from(value(i)), timestamp: 1_700_000_000_000 + i });
      if (i % 100 === 99) await producer.flush();
    }
    await producer.flush();
  } finally {
    client.close();
  }
  await broker.stop();
  partitionDir = join(broker.dataDir, 'logs-0');
});
after(async () => {
  await broker.cleanup();
});

test('verify passes a cleanly stopped broker\'s data directory; dump prints batches, records and index entries', async () => {
  const verified = await brookJson<Verified>(['log', 'verify', broker.dataDir]);
  assert.equal(verified.ok, true, JSON.stringify(verified.segments.filter((s) => !s.ok), null, 2));
  const ours = verified.segments.filter((s) => s.path.startsWith(partitionDir));
  assert.ok(ours.length >= 3, `several segments (${ours.length})`);
  assert.equal(ours.reduce((n, s) => n + s.records, 0), RECORDS);

  const [first] = await brookJson<{ batches: Batch[] }[]>(['log', 'dump', join(partitionDir, '00000000000000000000.log'), '--print-data']);
  assert.ok(first.batches.length > 1);
  assert.equal(first.batches[0].position, 0);
  assert.equal(first.batches[1].position, first.batches[0].size);
  assert.deepEqual(first.batches[0].records[0], { offset: 0, timestamp: 1_700_000_000_000, keySize: 2, valueSize: value(0).length, headers: [], key: 'k0', value: value(0) });

  const text = await brookOk(['log', 'dump', join(partitionDir, '00000000000000000000.log')]);
  assert.match(text, /^baseOffset: 0 lastOffset: \d+ count: \d+ position: 0 size: \d+ magic: 2 compression: none crc: \d+ isValid: true/m);
  assert.match(text, new RegExp(`^\\| offset: 0 timestamp: 1700000000000 keySize: 2 valueSize: ${value(0).length} headers: 0$`, 'm'));
  const index = await brookOk(['log', 'dump', join(partitionDir, '00000000000000000000.index')]);
  assert.match(index, /^offset: \d+ position: \d+$/m);
  const timeIndex = await brookOk(['log', 'dump', join(partitionDir, '00000000000000000000.timeindex')]);
  assert.match(timeIndex, /^timestamp: 1700000000\d{3} offset: \d+$/m);
});

/** A copy of the partition directory to damage. */
function copy(name: string): string {
  const dir = join(scratch, name, 'logs-0');
  cpSync(partitionDir, dir, { recursive: true });
  return dir;
}

test('verify names the file, byte and offset of a batch whose bytes changed, and exits 1', async () => {
  const dir = copy('crc');
  const segment = join(dir, '00000000000000000000.log');
  const [{ batches }] = await brookJson<{ batches: Batch[] }[]>(['log', 'dump', segment, '--no-records']);
  const victim = batches[2];
  const bytes = readFileSync(segment);
  bytes[victim.position + victim.size - 3] ^= 0x55; // inside the last record's value
  writeFileSync(segment, bytes);

  const r = await brook(['log', 'verify', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`^DAMAGED  ${escape(segment)} `, 'm'));
  assert.match(r.stdout, new RegExp(`${escape(segment)} at byte ${victim.position} \\(offset ${victim.baseOffset}\\): CRC mismatch: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}`));
  assert.match(r.stdout, /^\d+ segment\(s\) checked, 1 damaged$/m);
  const [dumped] = await brookJson<{ batches: Batch[] }[]>(['log', 'dump', segment, '--no-records']);
  assert.equal(dumped.batches[2].crcValid, false);
});

test('verify finds a torn write at the end of the last segment and a wrong index entry', async () => {
  const dir = copy('torn');
  const logs = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
  const last = join(dir, logs[logs.length - 1]);
  const size = readFileSync(last).length;
  truncateSync(last, size - 5);
  const torn = await brookJson<Verified>(['log', 'verify', dir]).catch(() => undefined);
  assert.equal(torn, undefined, 'exit 1');
  const r = await brook(['log', 'verify', dir, '--format', 'json']);
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as Verified;
  const problem = report.segments.flatMap((s) => s.problems).find((p) => p.file === last);
  assert.ok(problem, r.stdout);
  assert.match(problem.message, /batch claims \d+ bytes but only \d+ remain \(truncated/);

  const dir2 = copy('index');
  const index = join(dir2, '00000000000000000000.index');
  const entries = readFileSync(index);
  assert.ok(entries.length >= 16, 'at least two index entries');
  entries.writeInt32BE(entries.readInt32BE(4) + 1, 4); // the first entry's position, off by one
  writeFileSync(index, entries);
  const bad = await brook(['log', 'verify', dir2]);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, new RegExp(`${escape(index)} at byte 0 \\(offset \\d+\\): entry 0 \\(offset \\d+, position \\d+\\): no batch ending at offset \\d+ starts at that position`));
});

test('log commands say what is wrong with their arguments', async () => {
  const missing = await brook(['log', 'verify', join(scratch, 'nowhere')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nowhere: no such file or directory/);
  const notLog = join(scratch, 'notes.txt');
  writeFileSync(notLog, 'hello');
  const wrong = await brook(['log', 'dump', notLog]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /is not a segment \(\.log\) or index/);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
