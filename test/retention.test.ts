// Retention end to end, as Kafka applies it every log.retention.check.interval.ms (here 100 ms):
// a quiet topic whose records have all expired empties (the active segment rolls, offsets go
// on), retention.ms=-1 keeps records however old, retention.bytes keeps the log at or above the
// limit, deleted segments wait as `.deleted` files for file.delete.delay.ms (a ManualScheduler
// holds them here, so no test waits on a clock), and a fetch parked on a partition while
// retention empties it is answered by the next append.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import kafkajs from 'kafkajs';
import { TestBroker } from './helpers/broker.js';
import { kcatConsume, kcatProduce, assertKcatOk } from './helpers/kcat.js';
import { waitFor } from './helpers/wait-for.js';
import { WireClient } from './helpers/wire-client.js';
import { assertContiguous } from './helpers/records.js';
import { ManualScheduler } from '../src/storage/test-fixtures.js';
import { kafkaErrorNames } from './helpers/client-errors.js';
import { buildRecordBatch } from '../src/protocol/records/records.js';

const { Kafka, logLevel } = kafkajs;

const scheduler = new ManualScheduler();
let broker: TestBroker;
let kafka: InstanceType<typeof Kafka>;

before(async () => {
  broker = await TestBroker.start({ scheduler, settings: { 'num.partitions': 1, 'log.retention.check.interval.ms': 100 } });
  kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'retention', logLevel: logLevel.NOTHING });
});
after(async () => {
  scheduler.runAll();
  await broker.cleanup();
});

const DAY_MS = 86_400_000;
const folder = (topic: string): string[] => readdirSync(join(broker.dataDir, `${topic}-0`)).sort();

async function offsets(topic: string): Promise<{ low: number; high: number }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [p] = await admin.fetchTopicOffsets(topic);
    return { low: Number(p.low), high: Number(p.high) };
  } finally {
    await admin.disconnect();
  }
}

test('a quiet topic empties once all its records expired; retention.ms=-1 keeps them; offsets go on; .deleted files wait for file.delete.delay.ms', async () => {
  const admin = kafka.admin();
  await admin.connect();
  // local.retention.* apply only with tiered storage (as in Kafka): accepted, no effect here.
  await assert.rejects(admin.createTopics({ topics: [{ topic: 'bad', configEntries: [{ name: 'local.retention.ms', value: '-3' }] }] }), (err: unknown) => kafkaErrorNames(err).includes('INVALID_CONFIG'));
  await admin.createTopics({
    topics: [
      { topic: 'kept', configEntries: [{ name: 'retention.ms', value: '-1' }, { name: 'local.retention.ms', value: '1' }, { name: 'local.retention.bytes', value: '1' }] },
      { topic: 'quiet', configEntries: [{ name: 'retention.ms', value: '3600000' }, { name: 'file.delete.delay.ms', value: '12345' }] },
    ],
  });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const old = String(Date.now() - DAY_MS);
  const messages = Array.from({ length: 50 }, (_, i) => ({ value: `v${i}`, timestamp: old }));
  // "kept" first: the retention run that empties "quiet" has looked at "kept" too.
  await producer.send({ topic: 'kept', acks: -1, messages });
  await producer.send({ topic: 'quiet', acks: -1, messages });

  await waitFor('retention empties the quiet topic', async () => (await offsets('quiet')).low === 50);
  assert.deepEqual(await offsets('quiet'), { low: 50, high: 50 });
  assert.deepEqual(await offsets('kept'), { low: 0, high: 50 });
  assert.deepEqual(await kcatConsume(broker.bootstrap, 'quiet', { partition: 0, offset: 'beginning' }), []);
  assert.equal((await kcatConsume(broker.bootstrap, 'kept', { partition: 0, offset: 'beginning' })).length, 50);

  // The expired active segment was rolled: a new one at offset 50, with the producer-state
  // snapshot Kafka takes at every roll; the old files wait, renamed.
  assert.deepEqual(folder('quiet').filter((f) => !f.endsWith('.deleted')).filter((f) => /^\d{20}\./.test(f)), ['00000000000000000050.log', '00000000000000000050.snapshot']);
  assert.ok(folder('quiet').includes('00000000000000000000.log.deleted'), folder('quiet').join(' '));
  assert.ok(scheduler.pending.includes(12_345), `file.delete.delay.ms honoured: ${scheduler.pending.join(',')}`);
  scheduler.runAll();
  await waitFor('the .deleted files go', () => !folder('quiet').some((f) => f.endsWith('.deleted')));

  // Offsets are never reused, before or after a restart.
  const [sent] = await producer.send({ topic: 'quiet', acks: -1, messages: [{ value: 'after' }] });
  assert.equal(sent.baseOffset, '50');
  await producer.disconnect();
  await broker.restart();
  assert.deepEqual(await offsets('quiet'), { low: 50, high: 51 });
  const after = await kcatConsume(broker.bootstrap, 'quiet', { partition: 0, offset: 'beginning' });
  assert.deepEqual(after.map((r) => [r.offset, r.value?.toString()]), [[50, 'after']]);
});

test('retention.bytes: old segments go while the partition stays at or above the limit (kcat)', async () => {
  const admin = kafka.admin();
  await admin.connect();
  const segment = 1024 * 1024;
  await admin.createTopics({ topics: [{ topic: 'sized', configEntries: [{ name: 'segment.bytes', value: String(segment) }, { name: 'retention.bytes', value: String(segment) }] }] });
  await admin.disconnect();
  const value = 'x'.repeat(10_000);
  const r = await kcatProduce(broker.bootstrap, 'sized', Array.from({ length: 350 }, (_, i) => ({ value: `${i}:${value}` })), { partition: 0, props: { 'batch.num.messages': 10 } });
  assertKcatOk(r, 'produce');
  // At most one segment beyond the limit stays: the oldest goes while the rest still holds retention.bytes.
  const log = broker.broker.cluster.partition('sized', 0)!.log;
  await waitFor('retention.bytes deletes old segments', () => log.size < 2 * segment + 200_000);
  const { low, high } = await offsets('sized');
  assert.equal(high, 350);
  assert.ok(low > 0);
  assert.ok(log.size >= segment, `size ${log.size} stays at or above retention.bytes`);
  const records = await kcatConsume(broker.bootstrap, 'sized', { partition: 0, offset: 'beginning' });
  assert.equal(records[0].offset, low);
  assertContiguous(records.map((x) => x.offset), low, 'sized after retention');
  for (const rec of records) assert.equal(rec.value?.toString().split(':')[0], String(rec.offset));
  scheduler.runAll();
});

test('a fetch parked on a partition while retention empties it is answered by the next append', async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'parked', configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
  await admin.disconnect();
  const client = await WireClient.connect(broker.port);
  try {
    const PRODUCE = 0;
    const produce = (ts: number, value: string) =>
      client.request(PRODUCE, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'parked', partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ value: Buffer.from(value), timestamp: ts }], now: ts }) }] }] });
    for (let i = 0; i < 5; i++) await produce(Date.now() - DAY_MS, `old${i}`);
    const fetcher = await WireClient.connect(broker.port);
    const parked = fetcher.request(1, 11, {
      replicaId: -1, maxWaitMs: 30_000, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'parked', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 5, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: '',
    }, 30_000);
    await waitFor('retention empties the partition under the parked fetch', async () => (await offsets('parked')).low === 5);
    await produce(Date.now(), 'new');
    const res = (await parked) as { responses: { partitions: { errorCode: number; logStartOffset: number; records: Buffer | null }[] }[] };
    const p = res.responses[0].partitions[0];
    assert.equal(p.errorCode, 0);
    assert.equal(p.logStartOffset, 5);
    assert.ok(p.records && p.records.includes(Buffer.from('new')), 'the parked fetch returns the new record');
    fetcher.destroy();
  } finally {
    client.destroy();
  }
});
