// Dynamic broker configuration and group configuration through real clients and the wire:
// AlterConfigs/IncrementalAlterConfigs on BROKER resources (this node's id, or "" for the cluster
// default) change what the running broker does, DescribeConfigs reports the new sources, and both
// survive a restart (brook-dynamic-configs.json in the data directory). GROUP resources carry
// Kafka 4's group configs, which KIP-848 groups use. Before, every BROKER change and every GROUP
// request was INVALID_REQUEST.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import kafkajs, { type Admin } from 'kafkajs';
import { WireClient } from '../src/client/wire-client.js';
import { ErrorCode } from '../src/protocol/errors.js';
import { TestBroker } from './helpers/broker.js';
import { WireClient as RawClient } from './helpers/wire-client.js';

const { ConfigResourceTypes, logLevel } = kafkajs;
const API = { DESCRIBE_CONFIGS: 32, INCREMENTAL_ALTER_CONFIGS: 44, CONSUMER_GROUP_HEARTBEAT: 68 } as const;
const BROKER = 4;
const GROUP = 32;
const Op = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
const Source = { GROUP_CONFIG: 8, DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

let tb: TestBroker;
let admin: Admin;
let wire: WireClient;

before(async () => {
  tb = await TestBroker.start({ settings: { 'log.retention.hours': 48 } });
  admin = new kafkajs.Kafka({ brokers: [tb.bootstrap], clientId: 'dynamic-configs', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  wire = await WireClient.connect('localhost', tb.port);
});

after(async () => {
  wire?.close();
  await admin?.disconnect();
  const errors = tb?.errors() ?? [];
  await tb?.cleanup();
  assert.deepEqual(errors, [], 'the broker logged errors');
});

type Change = { name: string; configOperation: number; value: string | null };
interface Described {
  errorCode: number;
  errorMessage: string | null;
  configs: { name: string; value: string | null; configSource: number; synonyms: { name: string; value: string | null; source: number }[] }[];
}

async function incremental(resourceType: number, resourceName: string, configs: Change[], validateOnly = false): Promise<{ errorCode: number; errorMessage: string | null }> {
  const res = await wire.request<{ responses: { errorCode: number; errorMessage: string | null }[] }>(API.INCREMENTAL_ALTER_CONFIGS, 1, {
    resources: [{ resourceType, resourceName, configs }],
    validateOnly,
  });
  const [r] = res.responses;
  return { errorCode: r?.errorCode ?? -1, errorMessage: r?.errorMessage ?? null };
}

async function describe(resourceType: number, resourceName: string, keys: string[] | null = null): Promise<Described> {
  const res = await wire.request<{ results: Described[] }>(API.DESCRIBE_CONFIGS, 4, {
    resources: [{ resourceType, resourceName, configurationKeys: keys }],
    includeSynonyms: true,
    includeDocumentation: false,
  });
  return res.results[0] as Described;
}

test('kafkajs sets message.max.bytes on the broker: topics inherit it, DescribeConfigs names its source, a restart keeps it', async () => {
  await admin.createTopics({ topics: [{ topic: 'inherits', numPartitions: 1 }] });
  // kafkajs refuses the resource name "" (the cluster-wide default): the wire tests cover that one.
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '0', configEntries: [{ name: 'message.max.bytes', value: '2000' }] }] });
  assert.equal(tb.broker.cluster.topic('inherits')?.settings.maxMessageBytes, 2000, 'an existing topic inherits the new default');

  const producer = new kafkajs.Kafka({ brokers: [tb.bootstrap], clientId: 'dynamic-producer', logLevel: logLevel.NOTHING, retry: { retries: 0 } }).producer();
  await producer.connect();
  try {
    await producer.send({ topic: 'inherits', acks: -1, messages: [{ value: 'small' }] });
    await assert.rejects(producer.send({ topic: 'inherits', acks: -1, messages: [{ value: 'x'.repeat(3000) }] }), /larger than the max message size|MESSAGE_TOO_LARGE/);
  } finally {
    await producer.disconnect();
  }

  const check = async () => {
    const described = await admin.describeConfigs({
      includeSynonyms: true,
      resources: [
        { type: ConfigResourceTypes.BROKER, name: '0', configNames: ['message.max.bytes'] },
        { type: ConfigResourceTypes.TOPIC, name: 'inherits', configNames: ['max.message.bytes'] },
      ],
    });
    const [own, topic] = described.resources;
    const entry = own?.configEntries[0];
    assert.equal(entry?.configValue, '2000');
    assert.equal(entry?.configSource, Source.DYNAMIC_BROKER_CONFIG);
    assert.equal(topic?.configEntries[0]?.configValue, '2000');
    assert.equal(topic?.configEntries[0]?.configSource, Source.DYNAMIC_BROKER_CONFIG);
  };
  await check();
  wire.close();
  await admin.disconnect();
  await tb.restart();
  await admin.connect();
  wire = await WireClient.connect('localhost', tb.port);
  await check();
  assert.equal(tb.broker.cluster.topic('inherits')?.settings.maxMessageBytes, 2000, 'applied again at startup');
  // The legacy API replaces the resource's settings: none left.
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '0', configEntries: [] }] });
  assert.equal(tb.broker.cluster.topic('inherits')?.settings.maxMessageBytes, 1048588, 'back to the static default');
});

test('per-broker over cluster default over static: log.retention.ms with its synonyms', async () => {
  assert.equal((await incremental(BROKER, '', [{ name: 'log.retention.ms', configOperation: Op.SET, value: '7200000' }])).errorCode, ErrorCode.NONE);
  assert.equal((await incremental(BROKER, '0', [{ name: 'log.retention.ms', configOperation: Op.SET, value: '3600000' }])).errorCode, ErrorCode.NONE);
  const [entry] = (await describe(BROKER, '0', ['log.retention.ms'])).configs;
  assert.equal(entry?.value, '3600000');
  assert.deepEqual(entry?.synonyms.map((s) => [s.name, s.value, s.source]), [
    ['log.retention.ms', '3600000', Source.DYNAMIC_BROKER_CONFIG],
    ['log.retention.ms', '7200000', Source.DYNAMIC_DEFAULT_BROKER_CONFIG],
    ['log.retention.hours', '48', Source.STATIC_BROKER_CONFIG],
    ['log.retention.hours', '168', Source.DEFAULT_CONFIG],
  ]);
  await admin.createTopics({ topics: [{ topic: 'retained', numPartitions: 1 }] });
  assert.equal(tb.broker.cluster.topic('retained')?.settings.retentionMs, 3_600_000);
  assert.equal((await incremental(BROKER, '0', [{ name: 'log.retention.ms', configOperation: Op.DELETE, value: null }])).errorCode, ErrorCode.NONE);
  assert.equal(tb.broker.cluster.topic('retained')?.settings.retentionMs, 7_200_000);
  assert.equal((await incremental(BROKER, '', [{ name: 'log.retention.ms', configOperation: Op.DELETE, value: null }])).errorCode, ErrorCode.NONE);
  assert.equal(tb.broker.cluster.topic('retained')?.settings.retentionMs, 48 * 3_600_000);
});

test('librdkafka\'s admin sequence on a BROKER resource: SET/APPEND, then DELETE/SUBTRACT, and a setting Brook does not define', async () => {
  const set = await incremental(BROKER, '0', [
    { name: 'background.threads', configOperation: Op.SET, value: '9' },
    { name: 'log.cleanup.policy', configOperation: Op.APPEND, value: 'compact' },
  ]);
  assert.deepEqual(set, { errorCode: ErrorCode.NONE, errorMessage: null });
  assert.equal((await describe(BROKER, '0', ['log.cleanup.policy'])).configs[0]?.value, 'delete,compact');
  const removed = await incremental(BROKER, '0', [
    { name: 'background.threads', configOperation: Op.DELETE, value: '' },
    { name: 'log.cleanup.policy', configOperation: Op.SUBTRACT, value: 'compact' },
  ]);
  assert.equal(removed.errorCode, ErrorCode.NONE);
  assert.equal((await describe(BROKER, '0', ['log.cleanup.policy'])).configs[0]?.value, 'delete');
  assert.equal((await incremental(BROKER, '0', [{ name: 'sasl.kerberos.min.time.before.relogin', configOperation: Op.SET, value: '58000' }])).errorCode, ErrorCode.NONE);
  assert.equal((await incremental(BROKER, '0', [{ name: 'sasl.kerberos.min.time.before.relogin', configOperation: Op.DELETE, value: null }])).errorCode, ErrorCode.NONE);
});

test('dynamic broker settings are refused as Kafka refuses them', async () => {
  const cases: [string, Change, number, string][] = [
    ['0', { name: 'num.partitions', configOperation: Op.SET, value: '3' }, ErrorCode.INVALID_REQUEST, 'Cannot update these configs dynamically: Set(num.partitions)'],
    ['', { name: 'log.segment.bytes', configOperation: Op.SET, value: '1' }, ErrorCode.INVALID_REQUEST, 'Invalid value 1 for configuration log.segment.bytes: Value must be at least 1048576'],
    ['', { name: 'advertised.listeners', configOperation: Op.SET, value: 'PLAINTEXT://h:1' }, ErrorCode.INVALID_REQUEST, 'Cannot update these configs at default cluster level, broker id must be specified: Set(advertised.listeners)'],
    ['0', { name: 'message.max.bytes', configOperation: Op.APPEND, value: '1' }, ErrorCode.INVALID_CONFIG, 'Config value append is not allowed for config key: message.max.bytes'],
    ['7', { name: 'message.max.bytes', configOperation: Op.SET, value: '1' }, ErrorCode.INVALID_REQUEST, 'Unexpected broker id, expected 0, but received 7'],
  ];
  for (const [name, change, code, message] of cases) {
    assert.deepEqual(await incremental(BROKER, name, [change]), { errorCode: code, errorMessage: message }, `${name}: ${change.name}`);
  }
  assert.equal((await incremental(BROKER, '', [{ name: 'log.retention.bytes', configOperation: Op.SET, value: '1' }], true)).errorCode, ErrorCode.NONE);
  assert.deepEqual((await describe(BROKER, '')).configs, [], 'validateOnly changed nothing');
});

test('max.connections.per.ip applies to new connections at once', async () => {
  assert.equal((await incremental(BROKER, '', [{ name: 'max.connections.per.ip', configOperation: Op.SET, value: '1' }])).errorCode, ErrorCode.NONE);
  const refused = await RawClient.connect(tb.port);
  assert.ok(await refused.waitClosed(5000), 'a connection beyond the new limit is closed');
  assert.equal((await incremental(BROKER, '', [{ name: 'max.connections.per.ip', configOperation: Op.DELETE, value: null }])).errorCode, ErrorCode.NONE);
  const accepted = await RawClient.connect(tb.port);
  try {
    const versions = await accepted.request(18, 0, {});
    assert.equal(versions.errorCode, ErrorCode.NONE, 'accepted and served again once the limit is gone');
  } finally {
    accepted.destroy();
  }
});

test('group configs: set, described, used by a KIP-848 group, kept across a restart', async () => {
  // librdkafka's admin test: a group that does not exist yet may be configured.
  assert.deepEqual(await incremental(GROUP, 'not-yet', [{ name: 'consumer.session.timeout.ms', configOperation: Op.SET, value: '50000' }]), { errorCode: ErrorCode.NONE, errorMessage: null });
  assert.equal((await incremental(GROUP, 'not-yet', [{ name: 'consumer.session.timeout.ms', configOperation: Op.DELETE, value: '' }])).errorCode, ErrorCode.NONE);
  assert.deepEqual(await incremental(GROUP, 'tuned', [{ name: 'consumer.heartbeat.interval.ms', configOperation: Op.SET, value: '1' }]), {
    errorCode: ErrorCode.INVALID_CONFIG,
    errorMessage: 'consumer.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms',
  });
  assert.deepEqual(await incremental(GROUP, 'tuned', [{ name: 'heartbeat.interval.ms', configOperation: Op.SET, value: '6000' }]), {
    errorCode: ErrorCode.INVALID_CONFIG,
    errorMessage: 'Unknown group config name: heartbeat.interval.ms',
  });
  assert.deepEqual(await incremental(GROUP, '', [{ name: 'consumer.heartbeat.interval.ms', configOperation: Op.SET, value: '6000' }]), {
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: 'Default group resources are not allowed.',
  });
  assert.equal((await incremental(GROUP, 'tuned', [{ name: 'consumer.heartbeat.interval.ms', configOperation: Op.SET, value: '6000' }])).errorCode, ErrorCode.NONE);

  await admin.createTopics({ topics: [{ topic: 'grouped', numPartitions: 1 }] });
  const join = async (groupId: string) => {
    const res = await wire.request<{ errorCode: number; heartbeatIntervalMs: number }>(API.CONSUMER_GROUP_HEARTBEAT, 1, {
      groupId, memberId: `m-${groupId}-${Date.now()}`, memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 5000,
      subscribedTopicNames: ['grouped'], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [],
    });
    assert.equal(res.errorCode, ErrorCode.NONE);
    return res.heartbeatIntervalMs;
  };
  assert.deepEqual([await join('tuned'), await join('plain')], [6000, 5000]);

  const check = async () => {
    const described = await describe(GROUP, 'tuned');
    assert.equal(described.errorCode, ErrorCode.NONE);
    const byName = new Map(described.configs.map((c) => [c.name, c]));
    assert.deepEqual([byName.get('consumer.heartbeat.interval.ms')?.value, byName.get('consumer.heartbeat.interval.ms')?.configSource], ['6000', Source.GROUP_CONFIG]);
    assert.deepEqual([byName.get('consumer.session.timeout.ms')?.value, byName.get('consumer.session.timeout.ms')?.configSource], ['45000', Source.DEFAULT_CONFIG]);
    assert.deepEqual([...byName.keys()], ['consumer.heartbeat.interval.ms', 'consumer.session.timeout.ms', 'share.heartbeat.interval.ms', 'share.record.lock.duration.ms', 'share.session.timeout.ms']);
  };
  await check();
  wire.close();
  await admin.disconnect();
  await tb.restart();
  await admin.connect();
  wire = await WireClient.connect('localhost', tb.port);
  await check();
  assert.equal(await join('tuned'), 6000);
  assert.equal((await describe(GROUP, '')).errorMessage, 'Group name must not be empty');
});
