// End to end with kafkajs 2.2.4 as the producer and admin client, against an in-process Brook
// over real TCP and real files. What kafkajs writes is read back by kcat and by
// @platformatic/kafka's fetch and by kafkajs' own group consumer, so each check also crosses
// clients.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import kafkajs, { type Admin, type Kafka, type Producer } from 'kafkajs';
import { Consumer } from '@platformatic/kafka';
import { TestBroker } from './helpers/broker.js';
import { registerKafkajsCodecs } from './helpers/kafkajs-codecs.js';
import { kcatConsume } from './helpers/kcat.js';
import { registerPlatformaticZstd } from './helpers/platformatic-codecs.js';
import { platformaticFetchPartition } from './helpers/platformatic-fetch.js';
import { readAllKafkajs, readAllKcat, readAllPlatformatic, readTopicsKcat } from './helpers/read-back.js';
import { DEFAULT_MAX_MESSAGE_BYTES, assertContiguous, assertKeyedDelivery, byPartition, keyedMessages, singleRecordBatchSize, valueLenForBatchSize, type SeenRecord } from './helpers/records.js';

const { Kafka: KafkaClient, logLevel, CompressionTypes, ConfigResourceTypes } = kafkajs;

registerKafkajsCodecs();
registerPlatformaticZstd();

const PARTITIONS = 4;

let tb: TestBroker;
let kafka: Kafka;
let producer: Producer;
let admin: Admin;
let reader: Consumer;
/** Topics this file created and their partition counts: the restart test reads them all back. */
const topics = new Map<string, number>();

before(async () => {
  tb = await TestBroker.start({ settings: { 'num.partitions': PARTITIONS, 'group.initial.rebalance.delay.ms': 0 } });
  kafka = new KafkaClient({ brokers: [tb.bootstrap], clientId: 'e2e-kafkajs', logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
  producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  admin = kafka.admin();
  await admin.connect();
  reader = new Consumer({ clientId: 'e2e-kafkajs-reader', bootstrapBrokers: [tb.bootstrap], groupId: 'unused-reader' });
});

after(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await reader?.close();
  const errors = tb?.errors() ?? [];
  await tb?.cleanup();
  assert.deepEqual(errors, [], 'the broker logged errors');
});

const value = (r: SeenRecord): string => r.value ?? '<null>';

test('keyed messages with headers: each key stays in one partition, in order, read back by kcat and platformatic', async () => {
  const topic = 'kjs-keyed';
  topics.set(topic, PARTITIONS);
  const sent = keyedMessages(300, 10, 'kafkajs');
  for (let i = 0; i < sent.length; i += 50) {
    const res = await producer.send({
      topic,
      acks: -1,
      messages: sent.slice(i, i + 50).map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
    });
    for (const r of res) assert.equal(r.errorCode, 0);
  }
  const viaKcat = await readAllKcat(tb.bootstrap, topic, PARTITIONS);
  assertKeyedDelivery(sent, viaKcat);
  const used = byPartition(viaKcat);
  assert.ok(used.size >= 2, `10 keys should land in more than one of ${PARTITIONS} partitions`);
  for (const [p, records] of used) assertContiguous(records.map((r) => r.offset), 0, `partition ${p}`);

  const viaPlatformatic = await readAllPlatformatic(reader, topic, PARTITIONS);
  assertKeyedDelivery(sent, viaPlatformatic);
  assert.deepEqual(viaPlatformatic.map(value).sort(), viaKcat.map(value).sort());
});

test('kafkajs group consumer reads the keyed topic', async () => {
  const sent = keyedMessages(300, 10, 'kafkajs');
  const seen = await readAllKafkajs(kafka, 'kjs-keyed', sent.length, { groupId: 'kjs-reader' });
  assertKeyedDelivery(sent, seen);
});

test('read from the beginning, from an offset and from a timestamp (ListOffsets by time)', async () => {
  const topic = 'kjs-time';
  topics.set(topic, PARTITIONS);
  const t0 = Date.now() - 3_600_000;
  // Two batches of ten records one second apart each: the lookup must find a record inside a
  // batch, not only a batch boundary.
  for (const half of [0, 10]) {
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `t-${half + i}`, timestamp: String(t0 + (half + i) * 1000) })),
    });
  }
  const all = await kcatConsume(tb.bootstrap, topic, { partition: 0, offset: 'beginning' });
  assert.deepEqual(all.map((r) => r.offset), Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual(all.map((r) => r.timestamp), Array.from({ length: 20 }, (_, i) => t0 + i * 1000), 'CreateTime kept');

  const fromSeven = await kcatConsume(tb.bootstrap, topic, { partition: 0, offset: 7 });
  assert.deepEqual(fromSeven.map((r) => r.value?.toString()), Array.from({ length: 13 }, (_, i) => `t-${7 + i}`));

  const at = async (ts: number): Promise<number> => {
    const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, ts);
    return Number(offsets.find((o) => o.partition === 0)?.offset);
  };
  assert.equal(await at(t0 - 1), 0, 'before everything: the first offset');
  assert.equal(await at(t0 + 5000), 5, 'an exact timestamp inside the first batch');
  assert.equal(await at(t0 + 13_500), 14, 'between two records of the second batch');
  assert.equal(await at(t0 + 19_000), 19, 'the last record');
  assert.equal(await at(t0 + 60_000), 20, 'after everything: kafkajs falls back to the high watermark');

  const offset = await at(t0 + 13_500);
  const fromTime = await platformaticFetchPartition(reader, topic, 0, offset);
  assert.equal(fromTime.records[0].timestamp, t0 + 14_000);
  assert.equal(fromTime.records.length, 6);

  const offsets = await admin.fetchTopicOffsets(topic);
  const p0 = offsets.find((o) => o.partition === 0);
  assert.deepEqual({ low: p0?.low, high: p0?.high }, { low: '0', high: '20' });
});

test('kafkajs group consumer seeks to an offset and to the offset of a timestamp', async () => {
  const t0 = (await kcatConsume(tb.bootstrap, 'kjs-time', { partition: 0, offset: 0, count: 1 }))[0].timestamp;
  const fromOffset = await readAllKafkajs(kafka, 'kjs-time', 13, { groupId: 'kjs-seek-offset', seek: { partition: 0, offset: 7 } });
  assert.deepEqual(fromOffset.map((r) => r.offset), Array.from({ length: 13 }, (_, i) => 7 + i));
  const [byTime] = (await admin.fetchTopicOffsetsByTimestamp('kjs-time', t0 + 13_500)).filter((o) => o.partition === 0);
  const fromTime = await readAllKafkajs(kafka, 'kjs-time', 6, { groupId: 'kjs-seek-time', seek: { partition: 0, offset: Number(byTime.offset) } });
  assert.deepEqual(fromTime.map((r) => [r.offset, r.timestamp]), Array.from({ length: 6 }, (_, i) => [14 + i, t0 + (14 + i) * 1000]));
});

test('every codec kafkajs writes is stored as such and read back by kcat and platformatic', async () => {
  const topic = 'kjs-codecs';
  topics.set(topic, PARTITIONS);
  const codecs = [
    ['none', CompressionTypes.None],
    ['gzip', CompressionTypes.GZIP],
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
    ['zstd', CompressionTypes.ZSTD],
  ] as const;
  const expected: string[] = [];
  for (const [name, type] of codecs) {
    const messages = Array.from({ length: 20 }, (_, i) => ({ partition: 1, key: `${name}-k`, value: `${name}-${i}-${'x'.repeat(200)}`, headers: { codec: name } }));
    expected.push(...messages.map((m) => m.value));
    await producer.send({ topic, acks: -1, compression: type, messages });
  }
  const stored = await platformaticFetchPartition(reader, topic, 1, 0);
  assert.deepEqual(stored.records.map((r) => r.value?.toString()), expected);
  assert.deepEqual(
    stored.records.map((r) => r.codec),
    codecs.flatMap(([, type]) => Array<number>(20).fill(type)),
    'each batch is stored with the codec it was produced with',
  );
  const viaKcat = await kcatConsume(tb.bootstrap, topic, { partition: 1, offset: 'beginning' });
  assert.deepEqual(viaKcat.map((r) => r.value?.toString()), expected);
  assert.deepEqual(viaKcat.map((r) => r.headers[0]?.[1]), codecs.flatMap(([name]) => Array<string>(20).fill(name)));
  assertContiguous(viaKcat.map((r) => r.offset));
});

test('kafkajs group consumer reads every codec', async () => {
  const seen = await readAllKafkajs(kafka, 'kjs-codecs', 100, { groupId: 'kjs-codec-reader' });
  assert.deepEqual(
    seen.map((r) => r.headers.codec),
    ['none', 'gzip', 'snappy', 'lz4', 'zstd'].flatMap((c) => Array<string>(20).fill(c)),
  );
});

test('a batch of exactly max.message.bytes is accepted, one byte more is MESSAGE_TOO_LARGE', async () => {
  const topic = 'kjs-large';
  topics.set(topic, PARTITIONS);
  const fits = valueLenForBatchSize(DEFAULT_MAX_MESSAGE_BYTES);
  assert.equal(singleRecordBatchSize(fits), DEFAULT_MAX_MESSAGE_BYTES);
  const big = Buffer.alloc(fits, 'a');
  big.write('head', 0);
  big.write('tail', fits - 4);
  const [ok] = await producer.send({ topic, acks: -1, messages: [{ partition: 2, value: big }] });
  assert.equal(ok.errorCode, 0);
  assert.equal(ok.baseOffset, '0');

  const tooBig = Buffer.alloc(fits + 1, 'b');
  await assert.rejects(
    producer.send({ topic, acks: -1, messages: [{ partition: 2, value: tooBig }] }),
    (err: Error & { type?: string }) => {
      assert.equal(err.type, 'MESSAGE_TOO_LARGE', `kafkajs error ${err.name}: ${err.message}`);
      return true;
    },
  );
  const back = await kcatConsume(tb.bootstrap, topic, { partition: 2, offset: 'beginning' });
  assert.equal(back.length, 1, 'the rejected batch was not appended');
  assert.ok(back[0].value?.equals(big), 'the large value came back byte for byte via kcat');
  const viaPlatformatic = await platformaticFetchPartition(reader, topic, 2, 0, { partitionMaxBytes: 1024 });
  assert.ok(viaPlatformatic.records[0]?.value?.equals(big), 'a fetch smaller than the batch still returns the whole batch');
});

test('admin: create a topic with configs, describe and alter them, 1 MiB message under a raised limit', async () => {
  const topic = 'kjs-admin';
  topics.set(topic, PARTITIONS);
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, configEntries: [{ name: 'max.message.bytes', value: '2097152' }] }] });
  assert.equal(created, true);
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] }), false, 'creating it again reports that it exists');

  const describe = async (): Promise<Map<string, { value: string; isDefault: boolean }>> => {
    const res = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }], includeSynonyms: false });
    assert.equal(res.resources[0].errorCode, 0);
    return new Map(res.resources[0].configEntries.map((e) => [e.configName, { value: e.configValue, isDefault: e.isDefault }]));
  };
  let configs = await describe();
  assert.deepEqual(configs.get('max.message.bytes'), { value: '2097152', isDefault: false });
  assert.deepEqual(configs.get('retention.ms'), { value: '604800000', isDefault: true });
  assert.deepEqual(configs.get('cleanup.policy'), { value: 'delete', isDefault: true });

  // AlterConfigs (not incremental) replaces the topic's whole override set.
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '3600000' }, { name: 'max.message.bytes', value: '2097152' }] }],
  });
  configs = await describe();
  assert.deepEqual(configs.get('retention.ms'), { value: '3600000', isDefault: false });
  assert.deepEqual(configs.get('max.message.bytes'), { value: '2097152', isDefault: false });

  await assert.rejects(
    admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }),
    (err: Error & { type?: string }) => err.type === 'INVALID_CONFIG' || /INVALID_CONFIG|invalid/i.test(err.message),
  );
  assert.equal((await describe()).get('retention.ms')?.value, '3600000', 'a rejected alter changes nothing');

  const mib = Buffer.alloc(1_048_576, 'm');
  const [res] = await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: mib }] });
  assert.equal(res.errorCode, 0);
  const back = await kcatConsume(tb.bootstrap, topic, { partition: 0, offset: 0 });
  assert.equal(back[0].value?.length, mib.length);
  await assert.rejects(
    producer.send({ topic, acks: -1, messages: [{ partition: 0, value: Buffer.alloc(2_097_152, 'x') }] }),
    (err: Error & { type?: string }) => err.type === 'MESSAGE_TOO_LARGE',
  );
});

test('admin: create partitions', async () => {
  const topic = 'kjs-grow';
  await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: 'before' }] });
  await admin.createPartitions({ topicPartitions: [{ topic, count: 6 }] });
  topics.set(topic, 6);
  const meta = await admin.fetchTopicMetadata({ topics: [topic] });
  assert.deepEqual(meta.topics[0].partitions.map((p) => p.partitionId).sort(), [0, 1, 2, 3, 4, 5]);
  await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] }), 'shrinking is refused');
  // kafkajs caches metadata; a fresh producer sees the new partitions.
  const p2 = kafka.producer();
  await p2.connect();
  try {
    const [r] = await p2.send({ topic, acks: -1, messages: [{ partition: 5, value: 'in the new partition' }] });
    assert.deepEqual([r.partition, r.baseOffset], [5, '0']);
  } finally {
    await p2.disconnect();
  }
  const back = await kcatConsume(tb.bootstrap, topic, { partition: 5, offset: 'beginning' });
  assert.deepEqual(back.map((r) => r.value?.toString()), ['in the new partition']);
});

test('admin: delete records moves the log start offset', async () => {
  const topic = 'kjs-time';
  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '12' }] });
  const p0 = (await admin.fetchTopicOffsets(topic)).find((o) => o.partition === 0);
  assert.deepEqual({ low: p0?.low, high: p0?.high }, { low: '12', high: '20' });
  const back = await kcatConsume(tb.bootstrap, topic, { partition: 0, offset: 'beginning' });
  assert.deepEqual(back.map((r) => r.offset), [12, 13, 14, 15, 16, 17, 18, 19]);
  const below = await platformaticFetchPartition(reader, topic, 0, 3);
  assert.equal(below.errorCode, 1, 'fetching below the log start offset is OFFSET_OUT_OF_RANGE');
  // As Kafka's ReplicaManager, an errored partition reports no offsets: the client asks ListOffsets.
  assert.equal(below.logStartOffset, -1);
});

test('admin: delete a topic', async () => {
  const topic = 'kjs-doomed';
  await producer.send({ topic, acks: -1, messages: [{ value: 'short-lived' }] });
  assert.ok((await admin.listTopics()).includes(topic));
  await admin.deleteTopics({ topics: [topic] });
  assert.ok(!(await admin.listTopics()).includes(topic));
  for (let p = 0; p < PARTITIONS; p++) assert.ok(!existsSync(join(tb.dataDir, `${topic}-${p}`)), `partition dir ${topic}-${p} is gone`);
});

test('restart: every topic reads back the same, log start offsets kept, produce continues at the end', async () => {
  const read = async (): Promise<Map<string, SeenRecord[]>> => {
    const live = await admin.listTopics();
    return readTopicsKcat(tb.bootstrap, new Map([...topics].filter(([t]) => live.includes(t))));
  };
  const offsetsOf = async (): Promise<unknown[]> => Promise.all([...topics.keys()].map(async (t) => [t, await admin.fetchTopicOffsets(t)]));
  const before = await read();
  const offsetsBefore = await offsetsOf();
  assert.ok(before.size >= 4);

  await tb.restart();
  assert.deepEqual(await read(), before);
  assert.deepEqual(await offsetsOf(), offsetsBefore);
  const keyed = before.get('kjs-keyed') ?? [];
  const partition = keyed[0].partition;
  const end = byPartition(keyed).get(partition)?.length ?? 0;
  const [r] = await producer.send({ topic: 'kjs-keyed', acks: -1, messages: [{ partition, key: 'after', value: 'after-restart' }] });
  assert.equal(Number(r.baseOffset), end, 'the next offset follows the recovered log end');
  const viaPlatformatic = await platformaticFetchPartition(reader, 'kjs-keyed', partition, end);
  assert.deepEqual(viaPlatformatic.records.map((x) => x.value?.toString()), ['after-restart']);
});
