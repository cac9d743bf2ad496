import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from '../index.js';
import type { RequestContext } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { ZERO_UUID } from '../cluster/topic-name.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { createPartitionsHandler } from './create-partitions.js';
import { describeTopicPartitionsHandler } from './describe-topic-partitions.js';
import type { CreateTopicsRequestCreatableTopic, CreateTopicsResponse } from '../protocol/messages/create-topics.js';
import type { DeleteTopicsResponse } from '../protocol/messages/delete-topics.js';
import type { CreatePartitionsResponse } from '../protocol/messages/create-partitions.js';
import type { DescribeTopicPartitionsResponse } from '../protocol/messages/describe-topic-partitions.js';

let dir: string;
let broker: Broker;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'brook-topic-admin-'));
  broker = await startBroker({ port: 0, dataDir: dir, settings: { 'num.partitions': 2 } });
});
after(async () => {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

function ctx(apiVersion: number): RequestContext {
  return { apiVersion, correlationId: 1, clientId: 'test', clientHost: 'localhost:1', connectionId: 1, broker: broker.context };
}

function topic(name: string, more: Partial<CreateTopicsRequestCreatableTopic> = {}): CreateTopicsRequestCreatableTopic {
  return { name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [], ...more };
}

async function create(topics: CreateTopicsRequestCreatableTopic[], validateOnly = false, version = 7): Promise<CreateTopicsResponse> {
  return (await createTopicsHandler.handle({ topics, timeoutMs: 1000, validateOnly }, ctx(version))) as CreateTopicsResponse;
}

test('CreateTopics applies defaults and answers v5+ with partitions, replication factor and configs', async () => {
  const res = await create([topic('ct-default', { configs: [{ name: 'retention.ms', value: '1000' }] })]);
  const r = res.topics[0];
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.equal(r.numPartitions, 2);
  assert.equal(r.replicationFactor, 1);
  assert.equal(r.topicId, broker.cluster.topic('ct-default')?.id);
  const retention = r.configs?.find((c) => c.name === 'retention.ms');
  assert.deepEqual(retention, { name: 'retention.ms', value: '1000', readOnly: false, configSource: 1, isSensitive: false });
  assert.equal(broker.cluster.topic('ct-default')?.partitions.length, 2);

  const again = await create([topic('ct-default')]);
  assert.equal(again.topics[0].errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
});

test('CreateTopics refuses what one node cannot place, bad configs and duplicates', async () => {
  const res = await create([
    topic('ct-rf3', { replicationFactor: 3, numPartitions: 1 }),
    topic('ct-rf0', { replicationFactor: 0 }),
    topic('ct-p0', { numPartitions: 0 }),
    topic('ct-badconf', { configs: [{ name: 'retention.ms', value: 'soon' }] }),
    topic('ct-unknownconf', { configs: [{ name: 'no.such.config', value: '1' }] }),
    topic('ct-assign-other', { assignments: [{ partitionIndex: 0, brokerIds: [7] }] }),
    topic('ct-assign-gap', { assignments: [{ partitionIndex: 0, brokerIds: [0] }, { partitionIndex: 2, brokerIds: [0] }] }),
    topic('ct-assign-rf', { replicationFactor: 1, assignments: [{ partitionIndex: 0, brokerIds: [0] }] }),
    topic('ct-dup'),
    topic('ct-dup'),
    topic('bad name!'),
  ]);
  const byName = new Map(res.topics.map((t) => [t.name, t]));
  assert.equal(res.topics.length, 10);
  assert.equal(byName.get('ct-rf3')?.errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
  assert.equal(
    byName.get('ct-rf3')?.errorMessage,
    'Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered.',
  );
  assert.equal(byName.get('ct-rf0')?.errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
  assert.equal(byName.get('ct-p0')?.errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.equal(byName.get('ct-badconf')?.errorCode, ErrorCode.INVALID_CONFIG);
  assert.equal(byName.get('ct-unknownconf')?.errorMessage, 'Unknown topic config name: no.such.config');
  assert.equal(byName.get('ct-assign-other')?.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  assert.equal(byName.get('ct-assign-gap')?.errorMessage, 'partitions should be a consecutive 0-based integer sequence');
  assert.equal(byName.get('ct-assign-rf')?.errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(byName.get('ct-dup')?.errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(byName.get('ct-dup')?.errorMessage, 'Duplicate topic name.');
  assert.equal(byName.get('bad name!')?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  for (const name of byName.keys()) assert.equal(broker.cluster.topic(name), undefined, name);
});

test('CreateTopics with a manual assignment on this node, and validateOnly creating nothing', async () => {
  const manual = await create([topic('ct-manual', { assignments: [0, 1, 2].map((i) => ({ partitionIndex: i, brokerIds: [0] })) })]);
  assert.equal(manual.topics[0].errorCode, ErrorCode.NONE);
  assert.equal(broker.cluster.topic('ct-manual')?.partitions.length, 3);

  const dry = await create([topic('ct-dry', { numPartitions: 4 })], true);
  assert.equal(dry.topics[0].errorCode, ErrorCode.NONE);
  assert.equal(dry.topics[0].numPartitions, 4);
  assert.equal(broker.cluster.topic('ct-dry'), undefined);
});

test('CreatePartitions grows a topic and refuses shrinking, bad assignments and duplicates', async () => {
  await create([topic('cp', { numPartitions: 1 })]);
  const run = async (topics: { name: string; count: number; assignments: { brokerIds: number[] }[] | null }[], validateOnly = false) =>
    (await createPartitionsHandler.handle({ topics, timeoutMs: 1000, validateOnly }, ctx(3))) as CreatePartitionsResponse;

  const grown = await run([{ name: 'cp', count: 3, assignments: [{ brokerIds: [0] }, { brokerIds: [0] }] }]);
  assert.deepEqual(grown.results, [{ name: 'cp', errorCode: ErrorCode.NONE, errorMessage: null }]);
  assert.equal(broker.cluster.topic('cp')?.partitions.length, 3);

  const dry = await run([{ name: 'cp', count: 5, assignments: null }], true);
  assert.equal(dry.results[0].errorCode, ErrorCode.NONE);
  assert.equal(broker.cluster.topic('cp')?.partitions.length, 3);

  const bad = await run([
    { name: 'cp', count: 2, assignments: null },
    { name: 'missing-topic', count: 2, assignments: null },
  ]);
  assert.equal(bad.results[0].errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.equal(bad.results[0].errorMessage, 'The topic cp currently has 3 partition(s); 2 would not be an increase.');
  assert.equal(bad.results[1].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

  const same = await run([{ name: 'cp', count: 3, assignments: null }]);
  assert.equal(same.results[0].errorMessage, 'Topic already has 3 partition(s).');
  const other = await run([{ name: 'cp', count: 4, assignments: [{ brokerIds: [5] }] }]);
  assert.equal(other.results[0].errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  const short = await run([{ name: 'cp', count: 5, assignments: [{ brokerIds: [0] }] }]);
  assert.equal(short.results[0].errorMessage, 'Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified.');
  const dup = await run([
    { name: 'cp', count: 4, assignments: null },
    { name: 'cp', count: 5, assignments: null },
  ]);
  assert.deepEqual(dup.results, [{ name: 'cp', errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' }]);
  assert.equal(broker.cluster.topic('cp')?.partitions.length, 3);
});

test('DeleteTopics by name (v5) and by id (v6), with unknown and duplicate entries', async () => {
  await create([topic('dt-a'), topic('dt-b'), topic('dt-c')]);
  const idB = broker.cluster.topic('dt-b')?.id as string;

  const byName = (await deleteTopicsHandler.handle({ topics: [], topicNames: ['dt-a', 'dt-missing'], timeoutMs: 1000 }, ctx(5))) as DeleteTopicsResponse;
  assert.equal(byName.responses[0].errorCode, ErrorCode.NONE);
  assert.equal(byName.responses[1].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(broker.cluster.topic('dt-a'), undefined);

  const unknownId = 'AAAAAAAAAAAAAAAAAAAAAQ';
  const byId = (await deleteTopicsHandler.handle(
    {
      topics: [
        { name: null, topicId: idB },
        { name: null, topicId: unknownId },
        { name: null, topicId: ZERO_UUID },
        { name: 'dt-c', topicId: unknownId },
      ],
      topicNames: [],
      timeoutMs: 1000,
    },
    ctx(6),
  )) as DeleteTopicsResponse;
  assert.deepEqual(byId.responses[0], { name: 'dt-b', topicId: idB, errorCode: ErrorCode.NONE, errorMessage: null });
  assert.equal(byId.responses[1].errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
  assert.equal(byId.responses[2].errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(byId.responses[3].errorMessage, 'You may not specify both topic name and topic id.');
  assert.equal(broker.cluster.topic('dt-b'), undefined);
  assert.ok(broker.cluster.topic('dt-c'));

  const dup = (await deleteTopicsHandler.handle({ topics: [], topicNames: ['dt-c', 'dt-c'], timeoutMs: 1000 }, ctx(5))) as DeleteTopicsResponse;
  assert.deepEqual(dup.responses.map((r) => [r.name, r.errorCode]), [['dt-c', ErrorCode.INVALID_REQUEST]]);
  assert.ok(broker.cluster.topic('dt-c'));
});

test('DescribeTopicPartitions pages by partitions with a cursor', async () => {
  await create([topic('dtp-a', { numPartitions: 3 }), topic('dtp-b', { numPartitions: 2 })]);
  const describe = async (limit: number, cursor: { topicName: string; partitionIndex: number } | null, names = ['dtp-b', 'dtp-a', 'dtp-none']) =>
    (await describeTopicPartitionsHandler.handle(
      { topics: names.map((name) => ({ name })), responsePartitionLimit: limit, cursor },
      ctx(0),
    )) as DescribeTopicPartitionsResponse;

  const first = await describe(2, null);
  assert.deepEqual(first.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]), [['dtp-a', [0, 1]]]);
  assert.deepEqual(first.nextCursor, { topicName: 'dtp-a', partitionIndex: 2 });
  assert.deepEqual(first.topics[0].partitions[0].eligibleLeaderReplicas, []);
  assert.deepEqual(first.topics[0].partitions[0].replicaNodes, [0]);

  const second = await describe(2, first.nextCursor);
  assert.deepEqual(second.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]), [['dtp-a', [2]], ['dtp-b', [0]]]);
  assert.deepEqual(second.nextCursor, { topicName: 'dtp-b', partitionIndex: 1 });

  const rest = await describe(10, second.nextCursor);
  assert.deepEqual(rest.topics.map((t) => [t.name, t.errorCode, t.partitions.length]), [['dtp-b', 0, 1], ['dtp-none', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0]]);
  assert.equal(rest.nextCursor, null);

  const badCursor = await describe(10, { topicName: 'zzz', partitionIndex: 0 });
  assert.ok(badCursor.topics.every((t) => t.errorCode === ErrorCode.INVALID_REQUEST));
});
