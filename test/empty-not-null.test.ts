// Fields that are nullable in the schema but that Kafka fills with an empty or real value, seen
// on the wire (src/client/wire-client.ts: real TCP, the request and response codecs). A client
// written against Kafka may not expect null there: librdkafka reads a Fetch partition's
// message-set size before its error code and treats -1 as a protocol parse failure, so an
// errored partition with null records made it loop forever instead of resetting its offset.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WireClient } from '../src/client/wire-client.js';
import { ErrorCode } from '../src/protocol/errors.js';
import { TestBroker } from './helpers/broker.js';
import { kcatProduce, assertKcatOk } from './helpers/kcat.js';

let tb: TestBroker;
let client: WireClient;
let topicId: string;

const FETCH = 1;
const METADATA = 3;
const FIND_COORDINATOR = 10;
const DESCRIBE_CONFIGS = 32;

before(async () => {
  tb = await TestBroker.start({ settings: { 'broker.rack': 'rack-a' } });
  await tb.broker.cluster.createTopic('nn', 1, {});
  topicId = tb.broker.cluster.topic('nn')?.id ?? '';
  assertKcatOk(await kcatProduce(tb.bootstrap, 'nn', Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })), { partition: 0 }), 'produce');
  tb.broker.cluster.partition('nn', 0)?.deleteRecordsBefore(5);
  client = await WireClient.connect('localhost', tb.port);
});

after(async () => {
  client?.close();
  const errors = tb?.errors() ?? [];
  await tb?.cleanup();
  assert.deepEqual(errors, [], 'the broker logged errors');
});

type Json = Record<string, unknown>;
interface PartitionAnswer {
  partitionIndex: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  abortedTransactions: unknown[] | null;
  records: Buffer | null;
}

function fetchRequest(version: number, partitions: { topic: string; topicId: string; partition: number; offset: number; epoch?: number }[]): Json {
  return {
    clusterId: null,
    replicaId: -1,
    replicaState: { replicaId: -1, replicaEpoch: -1 },
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: partitions.map((p) => ({
      topic: p.topic,
      topicId: p.topicId,
      partitions: [{ partition: p.partition, currentLeaderEpoch: p.epoch ?? -1, fetchOffset: p.offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }],
    })),
    forgottenTopicsData: [],
    rackId: '',
  };
}

async function fetchPartitions(version: number, partitions: Parameters<typeof fetchRequest>[1]): Promise<PartitionAnswer[]> {
  const res = await client.request<{ responses: { partitions: PartitionAnswer[] }[] }>(FETCH, version, fetchRequest(version, partitions));
  return res.responses.flatMap((t) => t.partitions);
}

const UNKNOWN_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

for (const version of [4, 11, 12, 13, 17]) {
  test(`Fetch v${version}: every errored partition carries empty records, not null, and unknown offsets`, async () => {
    const byId = version >= 13;
    // currentLeaderEpoch exists from v9: before it, the third partition is an ordinary read.
    const epochs = version >= 9;
    const asked = [
      { topic: 'nn', topicId, partition: 0, offset: 2 }, // below the log start
      { topic: 'nn', topicId, partition: 0, offset: 11 }, // beyond the high watermark
      { topic: 'nn', topicId, partition: 0, offset: epochs ? 5 : 1, epoch: 3 }, // a future leader epoch
      { topic: 'nn', topicId, partition: 7, offset: 0 }, // no such partition
      { topic: 'missing', topicId: UNKNOWN_ID, partition: 0, offset: 0 }, // no such topic
    ];
    const answers = await fetchPartitions(version, asked);
    assert.deepEqual(answers.map((a) => a.errorCode), [
      ErrorCode.OFFSET_OUT_OF_RANGE,
      ErrorCode.OFFSET_OUT_OF_RANGE,
      epochs ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.OFFSET_OUT_OF_RANGE,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    for (const a of answers) {
      assert.ok(Buffer.isBuffer(a.records), `partition ${a.partitionIndex} error ${a.errorCode}: records must be empty, not null`);
      assert.equal(a.records.length, 0);
      // Kafka reports no offsets with an error (ReplicaManager's UnknownOffset).
      assert.deepEqual([a.highWatermark, a.lastStableOffset, a.logStartOffset], [-1, -1, -1]);
    }
    // KafkaApis refuses unknown partitions itself and leaves the aborted list empty; errors of
    // the log read leave it null (read_uncommitted).
    assert.deepEqual(answers.map((a) => a.abortedTransactions), [null, null, null, [], []]);
  });
}

test('Fetch: a partition without new data answers empty records beside one with data', async () => {
  const [empty, full] = await fetchPartitions(12, [
    { topic: 'nn', topicId, partition: 0, offset: 10 },
    { topic: 'nn', topicId, partition: 0, offset: 5 },
  ]);
  assert.equal(empty.errorCode, ErrorCode.NONE);
  assert.ok(Buffer.isBuffer(empty.records) && empty.records.length === 0);
  assert.equal(empty.highWatermark, 10);
  assert.equal(full.logStartOffset, 5);
  assert.ok(full.records && full.records.length > 0);
});

test('Metadata: the broker reports its broker.rack, as DescribeCluster does', async () => {
  for (const version of [1, 9, 12]) {
    const res = await client.request<{ brokers: { rack: string | null }[] }>(METADATA, version, {
      topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false,
    });
    assert.deepEqual(res.brokers.map((b) => b.rack), ['rack-a'], `v${version}`);
  }
});

test('FindCoordinator: a found coordinator carries Kafka\'s error message "NONE"', async () => {
  const v3 = await client.request<{ errorCode: number; errorMessage: string | null }>(FIND_COORDINATOR, 3, { key: 'g', keyType: 0 });
  assert.equal(v3.errorCode, ErrorCode.NONE);
  assert.equal(v3.errorMessage, 'NONE');
  const v4 = await client.request<{ coordinators: { errorMessage: string | null }[] }>(FIND_COORDINATOR, 4, { keyType: 0, coordinatorKeys: ['g'] });
  assert.deepEqual(v4.coordinators.map((c) => c.errorMessage), ['NONE']);
});

test('DescribeConfigs: a described resource and an unknown topic carry an empty error message, not null', async () => {
  const res = await client.request<{ results: { errorCode: number; errorMessage: string | null }[] }>(DESCRIBE_CONFIGS, 4, {
    resources: [
      { resourceType: 2, resourceName: 'nn', configurationKeys: ['retention.ms'] },
      { resourceType: 2, resourceName: 'nope', configurationKeys: null },
    ],
    includeSynonyms: false,
    includeDocumentation: false,
  });
  assert.deepEqual(res.results.map((r) => [r.errorCode, r.errorMessage]), [[ErrorCode.NONE, ''], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, '']]);
});
