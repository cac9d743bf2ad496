// End to end with @platformatic/kafka 1.x (Producer, Consumer, Admin) against an in-process
// Brook over real TCP and real files. What it writes is read back by itself (low-level fetch
// and group consumer), by kcat and by kafkajs' group consumer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  Admin,
  Consumer,
  ConfigResourceTypes,
  IncrementalAlterConfigOperationTypes,
  Producer,
  serializersFrom,
  stringSerializer,
} from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { TestBroker } from './helpers/broker.js';
import { kafkaErrorNames } from './helpers/client-errors.js';
import { registerKafkajsCodecs } from './helpers/kafkajs-codecs.js';
import { kcatConsume } from './helpers/kcat.js';
import { registerPlatformaticZstd } from './helpers/platformatic-codecs.js';
import { platformaticFetchPartition } from './helpers/platformatic-fetch.js';
import { readAllKafkajs, readAllKcat, readAllPlatformatic, readTopicsKcat, readAllPlatformaticGroup } from './helpers/read-back.js';
import { DEFAULT_MAX_MESSAGE_BYTES, assertContiguous, assertKeyedDelivery, byPartition, keyedMessages, singleRecordBatchSize, valueLenForBatchSize, type SeenRecord } from './helpers/records.js';

registerPlatformaticZstd();
registerKafkajsCodecs();

const PARTITIONS = 4;
/** Kafka's ConfigSource values in DescribeConfigs. */
const TOPIC_CONFIG = 1;
const DEFAULT_CONFIG = 5;

let tb: TestBroker;
let producer: Producer<string, string, string, string>;
let bufferProducer: Producer;
let reader: Consumer;
let admin: Admin;
const topics = new Map<string, number>();

before(async () => {
  tb = await TestBroker.start({ settings: { 'num.partitions': PARTITIONS, 'group.initial.rebalance.delay.ms': 0 } });
  const base = { bootstrapBrokers: [tb.bootstrap], retries: 10, retryDelay: 100 };
  producer = new Producer({ ...base, clientId: 'e2e-plt', serializers: serializersFrom(stringSerializer), autocreateTopics: true });
  bufferProducer = new Producer({ ...base, clientId: 'e2e-plt-raw', autocreateTopics: true });
  reader = new Consumer({ ...base, clientId: 'e2e-plt-reader', groupId: 'unused-reader' });
  admin = new Admin({ ...base, clientId: 'e2e-plt-admin' });
});

after(async () => {
  await producer?.close();
  await bufferProducer?.close();
  await reader?.close();
  await admin?.close();
  const errors = tb?.errors() ?? [];
  await tb?.cleanup();
  assert.deepEqual(errors, [], 'the broker logged errors');
});

test('keyed messages with headers: each key stays in one partition, in order, read back by kcat and platformatic', async () => {
  const topic = 'plt-keyed';
  topics.set(topic, PARTITIONS);
  const sent = keyedMessages(300, 10, 'platformatic');
  for (let i = 0; i < sent.length; i += 50) {
    const res = await producer.send({ acks: -1, messages: sent.slice(i, i + 50).map((m) => ({ topic, key: m.key, value: m.value, headers: m.headers })) });
    assert.ok((res.offsets?.length ?? 0) > 0);
  }
  const viaKcat = await readAllKcat(tb.bootstrap, topic, PARTITIONS);
  assertKeyedDelivery(sent, viaKcat);
  const used = byPartition(viaKcat);
  assert.ok(used.size >= 2, 'ten keys use more than one partition');
  for (const [p, records] of used) assertContiguous(records.map((r) => r.offset), 0, `partition ${p}`);
  assertKeyedDelivery(sent, await readAllPlatformatic(reader, topic, PARTITIONS));
});

test('platformatic group consumer reads the keyed topic', async () => {
  const sent = keyedMessages(300, 10, 'platformatic');
  const consumer = new Consumer({ clientId: 'e2e-plt-group', bootstrapBrokers: [tb.bootstrap], groupId: 'plt-keyed-reader', maxWaitTime: 100 });
  try {
    assertKeyedDelivery(sent, await readAllPlatformaticGroup(consumer, 'plt-keyed', sent.length));
  } finally {
    await consumer.close(true);
  }
});

test('read from the beginning, from an offset and from a timestamp (ListOffsets by time)', async () => {
  const topic = 'plt-time';
  topics.set(topic, PARTITIONS);
  const t0 = Date.now() - 3_600_000;
  for (const half of [0, 10]) {
    await producer.send({
      acks: -1,
      messages: Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, value: `t-${half + i}`, timestamp: BigInt(t0 + (half + i) * 1000) })),
    });
  }
  const all = await platformaticFetchPartition(reader, topic, 0, 0);
  assert.deepEqual(all.records.map((r) => r.timestamp), Array.from({ length: 20 }, (_, i) => t0 + i * 1000));
  const fromSeven = await platformaticFetchPartition(reader, topic, 0, 7);
  assert.deepEqual(fromSeven.records.map((r) => r.value?.toString()), Array.from({ length: 13 }, (_, i) => `t-${7 + i}`));

  const at = async (ts: number): Promise<bigint | undefined> => {
    const offsets = await reader.listOffsets({ topics: [topic], partitions: { [topic]: [0] }, timestamp: BigInt(ts) });
    return offsets.get(topic)?.[0];
  };
  assert.equal(await at(t0 - 1), 0n);
  assert.equal(await at(t0 + 5000), 5n);
  assert.equal(await at(t0 + 13_500), 14n);
  assert.equal(await at(-2), 0n, 'earliest');
  assert.equal(await at(-1), 20n, 'latest');

  const listed = await admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: BigInt(t0 + 13_500) }] }] });
  assert.equal(listed[0].partitions[0].offset, 14n);
  assert.equal(listed[0].partitions[0].timestamp, BigInt(t0 + 14_000), 'ListOffsets returns the found record timestamp');

  const maxTs = await admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -3n }] }] });
  assert.deepEqual([maxTs[0].partitions[0].offset, maxTs[0].partitions[0].timestamp], [19n, BigInt(t0 + 19_000)], 'MAX_TIMESTAMP (-3)');

  const group = new Consumer({ clientId: 'e2e-plt-seek', bootstrapBrokers: [tb.bootstrap], groupId: 'plt-time-reader', maxWaitTime: 100 });
  try {
    const manual = await readAllPlatformaticGroup(group, topic, 6, { offsets: [{ partition: 0, offset: 14 }] });
    assert.deepEqual(manual.map((r) => [r.offset, r.timestamp]), Array.from({ length: 6 }, (_, i) => [14 + i, t0 + (14 + i) * 1000]), 'a group consumer started at the looked-up offset');
  } finally {
    await group.close(true);
  }

  // kcat's s@<ms> makes librdkafka do its own ListOffsets by time before fetching.
  const viaKcat = await kcatConsume(tb.bootstrap, topic, { partition: 0, offset: `s@${t0 + 13_500}` });
  assert.deepEqual(viaKcat.map((r) => r.offset), [14, 15, 16, 17, 18, 19]);
});

test('every codec platformatic writes is stored as such and read back by platformatic and kcat', async () => {
  const topic = 'plt-codecs';
  topics.set(topic, PARTITIONS);
  const codecs = [
    ['none', 0],
    ['gzip', 1],
    ['snappy', 2],
    ['lz4', 3],
    ['zstd', 4], // with @toondepauw/node-zstd standing in for Node 22's zlib zstd
  ] as const;
  const expected: string[] = [];
  for (const [name] of codecs) {
    const messages = Array.from({ length: 20 }, (_, i) => ({ topic, partition: 3, key: `${name}-k`, value: `${name}-${i}-${'y'.repeat(300)}`, headers: { codec: name } }));
    expected.push(...messages.map((m) => m.value));
    await producer.send({ acks: -1, compression: name, messages });
  }
  const stored = await platformaticFetchPartition(reader, topic, 3, 0);
  assert.deepEqual(stored.records.map((r) => r.value?.toString()), expected);
  assert.deepEqual(stored.records.map((r) => r.codec), codecs.flatMap(([, c]) => Array<number>(20).fill(c)), 'stored with the producer codec');
  const viaKcat = await kcatConsume(tb.bootstrap, topic, { partition: 3, offset: 'beginning' });
  assert.deepEqual(viaKcat.map((r) => r.value?.toString()), expected);
  assertContiguous(viaKcat.map((r) => r.offset));
});

test('kafkajs group consumer reads every codec platformatic wrote', async () => {
  const kafka = new kafkajs.Kafka({ brokers: [tb.bootstrap], clientId: 'e2e-plt-kafkajs', logLevel: kafkajs.logLevel.NOTHING });
  const seen = await readAllKafkajs(kafka, 'plt-codecs', 100, { groupId: 'plt-codec-reader' });
  assert.deepEqual(seen.map((r) => r.headers.codec), ['none', 'gzip', 'snappy', 'lz4', 'zstd'].flatMap((c) => Array<string>(20).fill(c)));
});

test('a batch of exactly max.message.bytes is accepted, one byte more is MESSAGE_TOO_LARGE', async () => {
  const topic = 'plt-large';
  topics.set(topic, PARTITIONS);
  const fits = valueLenForBatchSize(DEFAULT_MAX_MESSAGE_BYTES);
  assert.equal(singleRecordBatchSize(fits), DEFAULT_MAX_MESSAGE_BYTES);
  const big = Buffer.alloc(fits, 'p');
  const ok = await bufferProducer.send({ acks: -1, messages: [{ topic, partition: 1, value: big }] });
  assert.equal(ok.offsets?.[0]?.offset, 0n);
  await assert.rejects(bufferProducer.send({ acks: -1, messages: [{ topic, partition: 1, value: Buffer.alloc(fits + 1, 'q') }] }), (err: unknown) => {
    assert.ok(kafkaErrorNames(err).includes('MESSAGE_TOO_LARGE'), `error names: ${kafkaErrorNames(err).join(', ')}`);
    return true;
  });
  const back = await platformaticFetchPartition(reader, topic, 1, 0);
  assert.equal(back.records.length, 1);
  assert.ok(back.records[0].value?.equals(big));
});

test('admin: create a topic with configs, describe, alter and incrementally alter them', async () => {
  const topic = 'plt-admin';
  topics.set(topic, PARTITIONS);
  const [created] = await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1, configs: [{ name: 'max.message.bytes', value: '2097152' }] });
  assert.equal(created.name, topic);
  assert.equal(created.partitions, PARTITIONS);
  await assert.rejects(admin.createTopics({ topics: [topic], partitions: 1 }), (err: unknown) => kafkaErrorNames(err).includes('TOPIC_ALREADY_EXISTS'));

  const describe = async (): Promise<Map<string, { value: string | null; source: number }>> => {
    const [res] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }] });
    return new Map(res.configs.map((c) => [c.name, { value: c.value ?? null, source: Number(c.configSource) }]));
  };
  let configs = await describe();
  assert.deepEqual(configs.get('max.message.bytes'), { value: '2097152', source: TOPIC_CONFIG });
  assert.deepEqual(configs.get('retention.ms'), { value: '604800000', source: DEFAULT_CONFIG });
  assert.deepEqual(configs.get('segment.bytes'), { value: '1073741824', source: DEFAULT_CONFIG });

  await admin.incrementalAlterConfigs({
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configs: [{ name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '7200000' }] }],
  });
  configs = await describe();
  assert.deepEqual(configs.get('retention.ms'), { value: '7200000', source: TOPIC_CONFIG });
  assert.deepEqual(configs.get('max.message.bytes'), { value: '2097152', source: TOPIC_CONFIG }, 'incremental SET keeps other overrides');

  const mib = Buffer.alloc(1_048_576, 'm');
  const res = await bufferProducer.send({ acks: -1, messages: [{ topic, partition: 2, value: mib }] });
  assert.equal(res.offsets?.[0]?.offset, 0n, 'a 1 MiB value fits under the raised topic limit');

  await admin.incrementalAlterConfigs({
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configs: [{ name: 'max.message.bytes', configOperation: IncrementalAlterConfigOperationTypes.DELETE }] }],
  });
  assert.deepEqual((await describe()).get('max.message.bytes'), { value: String(DEFAULT_MAX_MESSAGE_BYTES), source: DEFAULT_CONFIG }, 'DELETE restores the default');
  await assert.rejects(bufferProducer.send({ acks: -1, messages: [{ topic, partition: 2, value: mib }] }), (err: unknown) => kafkaErrorNames(err).includes('MESSAGE_TOO_LARGE'));

  await admin.alterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configs: [{ name: 'cleanup.policy', value: 'delete' }] }] });
  configs = await describe();
  assert.deepEqual(configs.get('cleanup.policy'), { value: 'delete', source: TOPIC_CONFIG });
  assert.deepEqual(configs.get('retention.ms'), { value: '604800000', source: DEFAULT_CONFIG }, 'AlterConfigs replaces the whole override set');

  await assert.rejects(
    admin.incrementalAlterConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configs: [{ name: 'no.such.config', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '1' }] }],
    }),
    (err: unknown) => kafkaErrorNames(err).includes('INVALID_CONFIG'),
  );
  const back = await kcatConsume(tb.bootstrap, topic, { partition: 2, offset: 'beginning' });
  assert.deepEqual(back.map((r) => r.value?.length), [mib.length]);
});

test('admin: create partitions, delete records, list offsets, delete a topic', async () => {
  const topic = 'plt-grow';
  await producer.send({ acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, value: `g-${i}` })) });
  await admin.createPartitions({ topics: [{ name: topic, count: 7 }] });
  topics.set(topic, 7);
  const meta = await admin.metadata({ topics: [topic], forceUpdate: true });
  assert.equal(meta.topics.get(topic)?.partitionsCount, 7);
  await producer.metadata({ topics: [topic], forceUpdate: true }); // the producer cached 4 partitions
  const r = await producer.send({ acks: -1, messages: [{ topic, partition: 6, value: 'new partition' }] });
  assert.deepEqual(r.offsets?.map((o) => [o.partition, o.offset]), [[6, 0n]]);

  const [deleted] = await admin.deleteRecords({ topics: [{ name: topic, partitions: [{ partition: 0, offset: 4n }] }] });
  assert.deepEqual(deleted.partitions, [{ partition: 0, lowWatermark: 4n }]);
  const [earliest] = await admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -2n }] }] });
  assert.equal(earliest.partitions[0].offset, 4n, 'ListOffsets earliest is the new log start');
  const back = await platformaticFetchPartition(reader, topic, 0, 4);
  assert.deepEqual(back.records.map((x) => x.value?.toString()), ['g-4', 'g-5', 'g-6', 'g-7', 'g-8', 'g-9']);
  assert.equal((await platformaticFetchPartition(reader, topic, 0, 0)).errorCode, 1, 'below the log start: OFFSET_OUT_OF_RANGE');

  const doomed = 'plt-doomed';
  await admin.createTopics({ topics: [doomed], partitions: 2 });
  await producer.send({ acks: -1, messages: [{ topic: doomed, value: 'x' }] });
  await admin.deleteTopics({ topics: [doomed] });
  assert.ok(!(await admin.listTopics()).includes(doomed));
  // The client retries UNKNOWN_TOPIC_OR_PARTITION; one without retries shows the answer at once.
  const impatient = new Admin({ clientId: 'e2e-plt-admin-once', bootstrapBrokers: [tb.bootstrap], retries: 0 });
  try {
    await assert.rejects(impatient.deleteTopics({ topics: [doomed] }), (err: unknown) => kafkaErrorNames(err).includes('UNKNOWN_TOPIC_OR_PARTITION'));
  } finally {
    await impatient.close();
  }
});

test('restart: every topic reads back the same, log start offsets kept, produce continues at the end', async () => {
  const read = (): Promise<Map<string, SeenRecord[]>> => readTopicsKcat(tb.bootstrap, topics);
  const earliest = async (): Promise<bigint[]> => {
    const res = await admin.listOffsets({
      topics: [...topics].map(([name, n]) => ({ name, partitions: Array.from({ length: n }, (_, p) => ({ partitionIndex: p, timestamp: -2n })) })),
    });
    return res.flatMap((t) => t.partitions.map((p) => p.offset));
  };
  const before = await read();
  const startsBefore = await earliest();
  await tb.restart();
  assert.deepEqual(await read(), before);
  assert.deepEqual(await earliest(), startsBefore);
  const keyed = byPartition(before.get('plt-keyed') ?? []);
  const [partition, records] = [...keyed][0];
  const res = await producer.send({ acks: -1, messages: [{ topic: 'plt-keyed', partition, value: 'after-restart' }] });
  assert.equal(res.offsets?.[0]?.offset, BigInt(records.length));
  const all = await readAllPlatformatic(reader, 'plt-keyed', PARTITIONS);
  assert.equal(all.length, 301);
});
