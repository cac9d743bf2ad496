// A full disk under a running broker (a FileSystem that answers ENOSPC, see FullDiskFileSystem):
// topic auto-creation answers the topic with KAFKA_STORAGE_ERROR instead of dropping the
// connection (librdkafka then blamed SASL) and leaves no temporary file; FindCoordinator says
// COORDINATOR_NOT_AVAILABLE when __consumer_offsets cannot be created; failed appends are logged
// once per partition with their stack, then counted, and the broker says when appends work again.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import kafkajs from 'kafkajs';
import { TestBroker } from './helpers/broker.js';
import { runKcat } from './helpers/kcat.js';
import { WireClient, decodeResponse, encodeRequest } from './helpers/wire-client.js';
import { kafkaErrorNames } from './helpers/client-errors.js';
import { FullDiskFileSystem } from '../src/storage/test-fixtures.js';
import { ErrorCode } from '../src/protocol/errors.js';

const { Kafka, logLevel } = kafkajs;

const fs = new FullDiskFileSystem();
let broker: TestBroker;

before(async () => {
  broker = await TestBroker.start({ fs, settings: { 'num.partitions': 1 } });
  await broker.broker.cluster.createTopic('existing', 1, {});
});
after(async () => {
  fs.full = false;
  await broker.cleanup();
});

/** Files the broker left in its data directory that a failed write should have removed. */
const strays = (): string[] => readdirSync(broker.dataDir).filter((n) => n.endsWith('.tmp'));

test('kcat: a topic that cannot be auto-created is listed with the storage error, the connection stays', async () => {
  fs.full = true;
  try {
    const r = await runKcat(['-b', broker.bootstrap, '-L', '-t', 'not-on-this-disk', '-m', '10']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /topic "not-on-this-disk" with 0 partitions: Broker: Disk error when trying to access log file on disk/);
    assert.doesNotMatch(r.stderr, /SASL|Disconnected|transport failure/i);
  } finally {
    fs.full = false;
  }
  assert.deepEqual(strays(), []);
  assert.equal(broker.broker.cluster.topic('not-on-this-disk'), undefined);
  // With space again, the same request creates it.
  const r = await runKcat(['-b', broker.bootstrap, '-L', '-t', 'not-on-this-disk', '-m', '10']);
  assert.match(r.stdout.toString(), /topic "not-on-this-disk" with 1 partitions:/);
});

// librdkafka asks for a topic it was told of in a Metadata request of its own, pipelined with the
// application's, so the two auto-creations overlap. The second used to answer
// UNKNOWN_TOPIC_OR_PARTITION: it saw the first one's creation under way and did not wait for it.
test('two Metadata requests sent together, both auto-creating, get the same answer: the storage error, then the topic', async () => {
  const client = await WireClient.connect(broker.port);
  const both = async (topic: string): Promise<{ errorCode: number; partitions: number }[]> => {
    const body = { topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false };
    client.write(Buffer.concat([encodeRequest(3, 12, 1, body), encodeRequest(3, 12, 2, body)]));
    const answers = [];
    for (let i = 0; i < 2; i++) {
      const frame = await client.nextFrame();
      assert.ok(frame, 'an answer');
      const { topics } = decodeResponse(3, 12, frame).body as { topics: { errorCode: number; partitions: unknown[] }[] };
      answers.push({ errorCode: topics[0].errorCode, partitions: topics[0].partitions.length });
    }
    return answers;
  };
  try {
    fs.full = true;
    const full = { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, partitions: 0 };
    assert.deepEqual(await both('pipelined'), [full, full]);
    fs.full = false;
    const created = { errorCode: ErrorCode.NONE, partitions: 1 };
    assert.deepEqual(await both('pipelined'), [created, created]);
  } finally {
    fs.full = false;
    client.destroy();
  }
});

test('kafkajs: producing to a topic that cannot be created fails with KAFKA_STORAGE_ERROR; the connection keeps working', async () => {
  const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'disk-full', logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 0 } });
  const admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
  try {
    fs.full = true;
    fs.directoriesToo = false; // the folders can be made, the topics file cannot be written
    await assert.rejects(producer.send({ topic: 'kafkajs-full', messages: [{ value: 'x' }] }), (err: unknown) => kafkaErrorNames(err).includes('KAFKA_STORAGE_ERROR'));
    const meta = await admin.fetchTopicMetadata({ topics: ['existing'] });
    assert.equal(meta.topics[0].partitions.length, 1);
    assert.deepEqual(strays(), [], 'no brook-topics.json.tmp left');
    assert.ok(!readdirSync(broker.dataDir).includes('kafkajs-full-0'), 'the folders made are removed again');
  } finally {
    fs.full = false;
    fs.directoriesToo = true;
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  }
});

test('FindCoordinator answers COORDINATOR_NOT_AVAILABLE while __consumer_offsets cannot be created', async () => {
  const client = await WireClient.connect(broker.port);
  try {
    fs.full = true;
    const res = (await client.request(10, 4, { keyType: 0, coordinatorKeys: ['g'] })) as { coordinators: { errorCode: number }[] };
    assert.equal(res.coordinators[0].errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    fs.full = false;
    const ok = (await client.request(10, 4, { keyType: 0, coordinatorKeys: ['g'] })) as { coordinators: { errorCode: number }[] };
    assert.equal(ok.coordinators[0].errorCode, ErrorCode.NONE);
  } finally {
    fs.full = false;
    client.socket.destroy();
  }
});

test('failed appends: the first per partition is logged with its stack, the rest counted, recovery announced', async () => {
  const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'disk-full-producer', logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const producer = kafka.producer({ retry: { retries: 0 } });
  await producer.connect();
  const logged = broker.logs.length;
  try {
    fs.full = true;
    for (let i = 0; i < 25; i++) {
      await assert.rejects(producer.send({ topic: 'existing', acks: -1, messages: [{ value: `v${i}` }] }), (err: unknown) => kafkaErrorNames(err).includes('KAFKA_STORAGE_ERROR'));
    }
    fs.full = false;
    await producer.send({ topic: 'existing', acks: -1, messages: [{ value: 'after' }] });
  } finally {
    fs.full = false;
    await producer.disconnect();
  }
  const lines = broker.logs.slice(logged);
  const errors = lines.filter((l) => l.level >= 50);
  assert.equal(errors.length, 1, JSON.stringify(errors.map((l) => l.msg)));
  assert.match(errors[0].msg, /^append to existing-0 failed; further failures of this partition are counted/);
  assert.match(String((errors[0].err as { stack?: string } | undefined)?.stack), /ENOSPC/);
  assert.ok(lines.some((l) => l.level === 40 && l.msg === 'existing-0: appends succeed again after 25 failures'));
});
