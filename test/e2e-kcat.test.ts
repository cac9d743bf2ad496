// End to end with kcat 1.7.1 (librdkafka 2.0.2) against an in-process Brook over real TCP and
// real files. kcat produces with keys and headers and consumes in assign mode (-p, -o); what it
// writes is read back by itself, by @platformatic/kafka's fetch, by kcat's own balanced
// consumer (-G) and by kafkajs' group consumer.
//
// librdkafka 2.0.2 compresses gzip/snappy/lz4 only when the broker's Produce range includes v0,
// which Brook's (like Kafka 4's) does not, so with those codecs it sends plain batches; zstd it
// does compress. The codec test therefore pins zstd as stored and only round-trips the others.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Consumer } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { TestBroker, tempDir } from './helpers/broker.js';
import { registerKafkajsCodecs } from './helpers/kafkajs-codecs.js';
import { assertKcatOk, kcatConsume, kcatOffsetForTime, kcatProduce, kcatProduceFile, parseKcatOutput, runKcat } from './helpers/kcat.js';
import { registerPlatformaticZstd } from './helpers/platformatic-codecs.js';
import { platformaticFetchPartition } from './helpers/platformatic-fetch.js';
import { readAllKafkajs, readAllKcat, readAllPlatformatic, readTopicsKcat } from './helpers/read-back.js';
import { DEFAULT_MAX_MESSAGE_BYTES, assertContiguous, assertKeyedDelivery, byPartition, singleRecordBatchSize, toSeen, valueLenForBatchSize, type SeenRecord, type SentMessage } from './helpers/records.js';

registerPlatformaticZstd();
registerKafkajsCodecs();

const PARTITIONS = 4;
/** librdkafka refuses messages over its own message.max.bytes (1000000) before sending. */
const BIG_CLIENT_LIMIT = { 'message.max.bytes': 4_000_000 };

let tb: TestBroker;
let reader: Consumer;
const topics = new Map<string, number>();

before(async () => {
  tb = await TestBroker.start({ settings: { 'num.partitions': PARTITIONS, 'group.initial.rebalance.delay.ms': 0 } });
  reader = new Consumer({ clientId: 'e2e-kcat-reader', bootstrapBrokers: [tb.bootstrap], groupId: 'unused-reader', retries: 10, retryDelay: 100 });
});

after(async () => {
  await reader?.close();
  const errors = tb?.errors() ?? [];
  await tb?.cleanup();
  assert.deepEqual(errors, [], 'the broker logged errors');
});

/** kcat sends one header set per run; the per-key order is carried by the send order itself. */
function kcatKeyed(count: number, keys: number): SentMessage[] {
  return Array.from({ length: count }, (_, i) => ({ key: `kc-key-${i % keys}`, value: `kc-value-${i}`, headers: { source: 'kcat', run: 'keyed' } }));
}

test('keyed messages with headers: each key stays in one partition, in order, read back by kcat and platformatic', async () => {
  const topic = 'kc-keyed';
  topics.set(topic, PARTITIONS);
  const sent = kcatKeyed(300, 10);
  assertKcatOk(await kcatProduce(tb.bootstrap, topic, sent, { headers: sent[0].headers }), 'produce');
  const viaKcat = await readAllKcat(tb.bootstrap, topic, PARTITIONS);
  assertKeyedDelivery(sent, viaKcat);
  const used = byPartition(viaKcat);
  assert.ok(used.size >= 2, 'ten keys use more than one partition');
  for (const [p, records] of used) assertContiguous(records.map((r) => r.offset), 0, `partition ${p}`);
  assertKeyedDelivery(sent, await readAllPlatformatic(reader, topic, PARTITIONS));

  const meta = await runKcat(['-L', '-b', tb.bootstrap, '-t', topic]);
  assertKcatOk(meta, 'metadata');
  assert.match(meta.stdout.toString(), new RegExp(`topic "${topic}" with ${PARTITIONS} partitions`));
});

test('kcat balanced consumer (-G) and kafkajs read the keyed topic', async () => {
  const sent = kcatKeyed(300, 10);
  const r = await runKcat(['-b', tb.bootstrap, '-G', 'kc-group', '-q', '-e', '-X', 'auto.offset.reset=earliest', '-X', 'fetch.wait.max.ms=20', '-f', '%p %o %T %K %S %h\\n%k%s\\n', 'kc-keyed'], { timeoutMs: 30_000 });
  assertKcatOk(r, 'group consume');
  assertKeyedDelivery(sent, parseKcatOutput(r.stdout).map(toSeen));
  const kafka = new kafkajs.Kafka({ brokers: [tb.bootstrap], clientId: 'e2e-kcat-kafkajs', logLevel: kafkajs.logLevel.NOTHING });
  assertKeyedDelivery(sent, await readAllKafkajs(kafka, 'kc-keyed', sent.length, { groupId: 'kc-kafkajs' }));
});

test('read from the beginning, from an offset, from the end and from a timestamp', async () => {
  const topic = 'kc-time';
  topics.set(topic, PARTITIONS);
  const first = Array.from({ length: 10 }, (_, i) => ({ value: `t-${i}` }));
  assertKcatOk(await kcatProduce(tb.bootstrap, topic, first, { partition: 0 }), 'produce');
  // kcat stamps records with the time it sends them; every record of the second run is stamped
  // at or after `mid`, every record of the first run before it.
  await new Promise((resolve) => setTimeout(resolve, 5));
  const mid = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 5));
  const second = Array.from({ length: 10 }, (_, i) => ({ value: `t-${10 + i}` }));
  assertKcatOk(await kcatProduce(tb.bootstrap, topic, second, { partition: 0 }), 'produce');

  const all = await kcatConsume(tb.bootstrap, topic, { partition: 0, offset: 'beginning' });
  assert.deepEqual(all.map((r) => r.offset), Array.from({ length: 20 }, (_, i) => i));
  assert.ok(all.slice(0, 10).every((r) => r.timestamp < mid) && all.slice(10).every((r) => r.timestamp >= mid), 'CreateTime kept');

  assert.deepEqual((await kcatConsume(tb.bootstrap, topic, { partition: 0, offset: 15 })).map((r) => r.value?.toString()), ['t-15', 't-16', 't-17', 't-18', 't-19']);
  const tail = await runKcat(['-C', '-q', '-b', tb.bootstrap, '-t', topic, '-p', '0', '-o', '-3', '-e', '-X', 'fetch.wait.max.ms=20', '-f', '%o\\n']);
  assertKcatOk(tail, 'relative offset');
  assert.deepEqual(tail.stdout.toString().trim().split('\n'), ['17', '18', '19'], '-o -3: three before the end');

  assert.equal(await kcatOffsetForTime(tb.bootstrap, topic, 0, mid), 10, 'kcat -Q: first offset at or after the timestamp');
  assert.equal(await kcatOffsetForTime(tb.bootstrap, topic, 0, 0), 0);
  assert.equal(await kcatOffsetForTime(tb.bootstrap, topic, 0, mid + 3_600_000), -1, 'no record that late: -1');
  const fromTime = await kcatConsume(tb.bootstrap, topic, { partition: 0, offset: `s@${mid}` });
  assert.deepEqual(fromTime.map((r) => r.offset), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  const viaPlatformatic = await platformaticFetchPartition(reader, topic, 0, 10);
  assert.deepEqual(viaPlatformatic.records.map((r) => r.timestamp), fromTime.map((r) => r.timestamp));
});

test('codecs: zstd is stored compressed, gzip/snappy/lz4 round-trip, all read back by kcat and platformatic', async () => {
  const topic = 'kc-codecs';
  topics.set(topic, PARTITIONS);
  const codecs = ['zstd', 'gzip', 'snappy', 'lz4'] as const;
  const expected: string[] = [];
  for (const codec of codecs) {
    const messages = Array.from({ length: 20 }, (_, i) => ({ key: `${codec}-k`, value: `${codec}-${i}-${'z'.repeat(300)}` }));
    expected.push(...messages.map((m) => m.value));
    assertKcatOk(await kcatProduce(tb.bootstrap, topic, messages, { partition: 2, compression: codec, headers: { codec } }), `produce ${codec}`);
  }
  const viaKcat = await kcatConsume(tb.bootstrap, topic, { partition: 2, offset: 'beginning' });
  assert.deepEqual(viaKcat.map((r) => r.value?.toString()), expected);
  assert.deepEqual(viaKcat.map((r) => r.headers[0]?.[1]), codecs.flatMap((c) => Array<string>(20).fill(c)));
  assertContiguous(viaKcat.map((r) => r.offset));
  const stored = await platformaticFetchPartition(reader, topic, 2, 0);
  assert.deepEqual(stored.records.map((r) => r.value?.toString()), expected);
  assert.ok(stored.records.slice(0, 20).every((r) => r.codec === 4), 'kcat -z zstd batches are stored as zstd');
});

test('kafkajs group consumer reads what kcat compressed', async () => {
  const kafka = new kafkajs.Kafka({ brokers: [tb.bootstrap], clientId: 'e2e-kcat-kafkajs-codecs', logLevel: kafkajs.logLevel.NOTHING });
  const seen = await readAllKafkajs(kafka, 'kc-codecs', 80, { groupId: 'kc-codec-reader' });
  assert.deepEqual(seen.map((r) => r.headers.codec), ['zstd', 'gzip', 'snappy', 'lz4'].flatMap((c) => Array<string>(20).fill(c)));
});

test('a batch of exactly max.message.bytes is accepted, one byte more is "Message size too large"', async () => {
  const topic = 'kc-large';
  topics.set(topic, PARTITIONS);
  const fits = valueLenForBatchSize(DEFAULT_MAX_MESSAGE_BYTES);
  assert.equal(singleRecordBatchSize(fits), DEFAULT_MAX_MESSAGE_BYTES);
  const big = Buffer.alloc(fits, 'k');
  big.write('first', 0);
  big.write('last', fits - 4);
  const dir = tempDir('brook-kcat-files-');
  const okFile = join(dir, 'fits.bin');
  const badFile = join(dir, 'too-large.bin');
  writeFileSync(okFile, big);
  writeFileSync(badFile, Buffer.alloc(fits + 1, 'x'));
  try {
    assertKcatOk(await kcatProduceFile(tb.bootstrap, topic, okFile, { partition: 1, props: BIG_CLIENT_LIMIT }), 'produce fitting batch');
    const bad = await kcatProduceFile(tb.bootstrap, topic, badFile, { partition: 1, props: BIG_CLIENT_LIMIT });
    assert.notEqual(bad.code, 0, 'kcat reports the failed delivery');
    assert.match(bad.stderr, /Message size too large/, 'librdkafka names MESSAGE_TOO_LARGE');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const back = await kcatConsume(tb.bootstrap, topic, { partition: 1, offset: 'beginning' });
  assert.equal(back.length, 1, 'only the fitting batch was appended');
  assert.ok(back[0].value?.equals(big), 'read back byte for byte');
  assert.ok((await platformaticFetchPartition(reader, topic, 1, 0)).records[0]?.value?.equals(big));
});

test('restart: every topic reads back the same and produce continues at the end', async () => {
  const read = (): Promise<Map<string, SeenRecord[]>> => readTopicsKcat(tb.bootstrap, topics);
  const before = await read();
  await tb.restart();
  assert.deepEqual(await read(), before);
  assertKcatOk(await kcatProduce(tb.bootstrap, 'kc-time', [{ value: 'after-restart' }], { partition: 0 }), 'produce');
  const tail = await kcatConsume(tb.bootstrap, 'kc-time', { partition: 0, offset: 20 });
  assert.deepEqual(tail.map((r) => [r.offset, r.value?.toString()]), [[20, 'after-restart']]);
});
