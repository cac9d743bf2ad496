// Admin APIs through real clients: kafkajs (CreateTopics, CreatePartitions, DescribeConfigs,
// AlterConfigs, DeleteRecords, DeleteTopics, Metadata) and @platformatic/kafka
// (IncrementalAlterConfigs, DescribeLogDirs, DescribeConfigs v4).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { Admin as PlatformaticAdmin } from '@platformatic/kafka';
import { startBroker, type Broker } from '../src/index.js';
import { tempDir } from './helpers/broker.js';

// kafkajs is CommonJS: its named exports are reachable only through the default export.
const { Kafka: KafkaClient, ConfigResourceTypes, logLevel } = kafkajs;

let dir: string;
let broker: Broker;
let kafka: Kafka;
let admin: Admin;

before(async () => {
  dir = tempDir('brook-admin-e2e-');
  broker = await startBroker({ port: 0, dataDir: dir });
  kafka = new KafkaClient({ clientId: 'admin-test', brokers: [`localhost:${broker.port}`], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
});
after(async () => {
  await admin.disconnect();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('kafkajs creates a topic with configs, grows it, and describes it', async () => {
  const created = await admin.createTopics({
    topics: [{ topic: 'orders', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
  });
  assert.equal(created, true);
  assert.equal(await admin.createTopics({ topics: [{ topic: 'orders' }] }), false, 'already exists');

  await admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 4 }] });
  const meta = await admin.fetchTopicMetadata({ topics: ['orders'] });
  assert.equal(meta.topics[0].partitions.length, 4);

  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders', configNames: ['retention.ms', 'cleanup.policy'] }],
  });
  const entries = new Map(described.resources[0].configEntries.map((e) => [e.configName, e]));
  assert.equal(entries.get('retention.ms')?.configValue, '3600000');
  assert.equal(entries.get('retention.ms')?.isDefault, false);
  assert.equal(entries.get('cleanup.policy')?.configValue, 'delete');
  assert.equal(entries.get('cleanup.policy')?.isDefault, true);
});

test('kafkajs is refused a replication factor one node cannot meet', async () => {
  await assert.rejects(
    admin.createTopics({ topics: [{ topic: 'replicated', numPartitions: 1, replicationFactor: 3 }] }),
    (err: Error & { errors?: { type?: string }[] }) => JSON.stringify(err.errors ?? err).includes('INVALID_REPLICATION_FACTOR') || /replication/i.test(err.message),
  );
  const topics = await admin.listTopics();
  assert.ok(!topics.includes('replicated'));
});

test('kafkajs alters topic configs (legacy AlterConfigs replaces overrides)', async () => {
  await admin.createTopics({ topics: [{ topic: 'alterable', configEntries: [{ name: 'retention.ms', value: '1000' }] }] });
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: 'alterable', configEntries: [{ name: 'max.message.bytes', value: '65536' }] }],
  });
  assert.deepEqual(broker.cluster.topic('alterable')?.configs, { 'max.message.bytes': '65536' });
  assert.equal(broker.cluster.topic('alterable')?.settings.maxMessageBytes, 65536);
});

test('kafkajs deletes records below an offset, then deletes the topic', async () => {
  await admin.createTopics({ topics: [{ topic: 'trimmed', numPartitions: 1 }] });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'trimmed', messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })) });
  await producer.disconnect();

  // kafkajs finds the partition leader in its metadata cache, which only holds topics it was asked about.
  await admin.fetchTopicMetadata({ topics: ['trimmed'] });
  await admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '6' }] });
  const offsets = await admin.fetchTopicOffsets('trimmed');
  assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]), [[0, '6', '10']]);

  await admin.deleteTopics({ topics: ['trimmed'] });
  assert.ok(!(await admin.listTopics()).includes('trimmed'));
  assert.equal(broker.cluster.topic('trimmed'), undefined);
});

test('@platformatic/kafka alters configs incrementally and describes log dirs', async () => {
  const client = new PlatformaticAdmin({ clientId: 'admin-test-p', bootstrapBrokers: [`localhost:${broker.port}`] });
  try {
    await client.createTopics({ topics: ['incremental'], partitions: 1 });
    await client.incrementalAlterConfigs({
      resources: [{
        resourceType: 2,
        resourceName: 'incremental',
        configs: [
          { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
          { name: 'retention.ms', configOperation: 0, value: '60000' },
        ],
      }],
    });
    assert.deepEqual(broker.cluster.topic('incremental')?.configs, { 'cleanup.policy': 'delete,compact', 'retention.ms': '60000' });

    const dirs = await client.describeLogDirs({ topics: [{ name: 'incremental', partitions: [0] }] });
    const result = dirs[0].results[0];
    assert.equal(result.logDir, broker.config.dataDir);
    const topic = result.topics.find((t) => t.name === 'incremental');
    assert.deepEqual(topic?.partitions.map((p) => p.partitionIndex), [0]);
  } finally {
    await client.close();
  }
});
