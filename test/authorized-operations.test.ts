// The authorizedOperations fields of the describe APIs on the wire. Brook has no authorizer, so
// it answers as Kafka without one: when asked, every operation the resource type supports (a
// topic 8: READ WRITE CREATE DELETE ALTER DESCRIBE DESCRIBE_CONFIGS ALTER_CONFIGS; the cluster 7:
// CREATE ALTER DESCRIBE CLUSTER_ACTION DESCRIBE_CONFIGS ALTER_CONFIGS IDEMPOTENT_WRITE; a group 5:
// READ DELETE DESCRIBE DESCRIBE_CONFIGS ALTER_CONFIGS); when not asked, Integer.MIN_VALUE.
// librdkafka's admin tests (DescribeTopics/DescribeCluster with include_authorized_operations)
// failed on the "not requested" value.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WireClient } from '../src/client/wire-client.js';
import { TestBroker } from './helpers/broker.js';

const METADATA = 3;
const DESCRIBE_GROUPS = 15;
const DESCRIBE_CLUSTER = 60;
const CONSUMER_GROUP_DESCRIBE = 69;
const DESCRIBE_TOPIC_PARTITIONS = 75;
const NOT_REQUESTED = -2147483648;

/** AclOperation codes as a bit field. */
function ops(...codes: number[]): number {
  return codes.reduce((f, c) => f | (1 << c), 0);
}
const TOPIC_OPS = ops(3, 4, 5, 6, 7, 8, 10, 11);
const CLUSTER_OPS = ops(5, 7, 8, 9, 10, 11, 12);
const GROUP_OPS = ops(3, 6, 8, 10, 11);

let tb: TestBroker;
let client: WireClient;

before(async () => {
  tb = await TestBroker.start();
  await tb.broker.cluster.createTopic('ops', 2, {});
  client = await WireClient.connect('localhost', tb.port);
});

after(async () => {
  client?.close();
  await tb?.cleanup();
});

interface MetadataAnswer {
  topics: { name: string | null; errorCode: number; topicAuthorizedOperations: number }[];
  clusterAuthorizedOperations: number;
}

function metadata(version: number, include: boolean, topics: { name: string | null; topicId?: string }[]): Promise<MetadataAnswer> {
  return client.request<MetadataAnswer>(METADATA, version, {
    topics: topics.map((t) => ({ name: t.name, topicId: t.topicId ?? 'AAAAAAAAAAAAAAAAAAAAAA' })),
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: include,
    includeTopicAuthorizedOperations: include,
  });
}

test('Metadata v8-v10: topic and cluster operations when asked, "not requested" otherwise', async () => {
  for (const version of [8, 10]) {
    const asked = await metadata(version, true, [{ name: 'ops' }, { name: 'absent' }]);
    assert.deepEqual(asked.topics.map((t) => [t.name, t.topicAuthorizedOperations]), [['ops', TOPIC_OPS], ['absent', TOPIC_OPS]], `v${version}`);
    assert.equal(asked.clusterAuthorizedOperations, CLUSTER_OPS, `v${version}`);
    const plain = await metadata(version, false, [{ name: 'ops' }]);
    assert.equal(plain.topics[0]?.topicAuthorizedOperations, NOT_REQUESTED);
    assert.equal(plain.clusterAuthorizedOperations, NOT_REQUESTED);
  }
});

test('Metadata v12: topic operations when asked; a topic asked for by an unknown id has none', async () => {
  const res = await metadata(12, true, [{ name: 'ops' }, { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }]);
  assert.deepEqual(res.topics.map((t) => t.topicAuthorizedOperations), [TOPIC_OPS, NOT_REQUESTED]);
});

test('DescribeCluster: cluster operations when asked', async () => {
  for (const version of [0, 1]) {
    const asked = await client.request<{ clusterAuthorizedOperations: number }>(DESCRIBE_CLUSTER, version, { includeClusterAuthorizedOperations: true, endpointType: 1 });
    assert.equal(asked.clusterAuthorizedOperations, CLUSTER_OPS, `v${version}`);
    const plain = await client.request<{ clusterAuthorizedOperations: number }>(DESCRIBE_CLUSTER, version, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    assert.equal(plain.clusterAuthorizedOperations, NOT_REQUESTED, `v${version}`);
  }
});

test('DescribeTopicPartitions: every described topic carries its operations', async () => {
  const res = await client.request<MetadataAnswer>(DESCRIBE_TOPIC_PARTITIONS, 0, { topics: [{ name: 'ops' }, { name: 'absent' }], responsePartitionLimit: 2000, cursor: null });
  assert.deepEqual(res.topics.map((t) => [t.name, t.topicAuthorizedOperations]), [['absent', TOPIC_OPS], ['ops', TOPIC_OPS]]);
});

test('DescribeGroups v3+ and ConsumerGroupDescribe: group operations when asked, for a group without error', async () => {
  const groups = await client.request<{ groups: { errorCode: number; authorizedOperations: number }[] }>(DESCRIBE_GROUPS, 5, { groups: ['no-such-group'], includeAuthorizedOperations: true });
  assert.deepEqual(groups.groups.map((g) => [g.errorCode, g.authorizedOperations]), [[0, GROUP_OPS]]);
  const plain = await client.request<{ groups: { authorizedOperations: number }[] }>(DESCRIBE_GROUPS, 5, { groups: ['no-such-group'], includeAuthorizedOperations: false });
  assert.equal(plain.groups[0]?.authorizedOperations, NOT_REQUESTED);
  const consumer = await client.request<{ groups: { errorCode: number; authorizedOperations: number }[] }>(CONSUMER_GROUP_DESCRIBE, 0, { groupIds: ['no-such-group'], includeAuthorizedOperations: true });
  assert.deepEqual(consumer.groups.map((g) => g.authorizedOperations), [NOT_REQUESTED], 'an unknown group is an error: no operations');
});
