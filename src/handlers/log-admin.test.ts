import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from '../index.js';
import type { RequestContext } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { buildRecordBatch } from '../protocol/records/records.js';
import { deleteRecordsHandler } from './delete-records.js';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.js';
import { describeLogDirsHandler } from './describe-log-dirs.js';
import { describeClusterHandler } from './describe-cluster.js';
import type { DeleteRecordsResponse } from '../protocol/messages/delete-records.js';
import type { OffsetForLeaderEpochResponse } from '../protocol/messages/offset-for-leader-epoch.js';
import type { DescribeLogDirsResponse } from '../protocol/messages/describe-log-dirs.js';
import type { DescribeClusterResponse } from '../protocol/messages/describe-cluster.js';

let dir: string;
let broker: Broker;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'brook-log-admin-'));
  broker = await startBroker({ port: 0, dataDir: dir, settings: { 'log.segment.bytes': 1024 * 1024 } });
  await broker.cluster.createTopic('logs', 2, {});
  await broker.cluster.createTopic('compacted', 1, { 'cleanup.policy': 'compact' });
  const p = broker.cluster.partition('logs', 0);
  for (let i = 0; i < 10; i++) {
    p?.append(buildRecordBatch({ records: [{ value: Buffer.from(`record-${i}`) }] }), Date.now());
  }
});
after(async () => {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

function ctx(apiVersion: number): RequestContext {
  return { apiVersion, correlationId: 1, clientId: 'test', clientHost: 'localhost:1', connectionId: 1, broker: broker.context };
}

async function epochs(partitions: { partition: number; currentLeaderEpoch: number; leaderEpoch: number }[], topic = 'logs') {
  const res = (await offsetForLeaderEpochHandler.handle({ replicaId: -1, topics: [{ topic, partitions }] }, ctx(4))) as OffsetForLeaderEpochResponse;
  return res.topics[0].partitions.map((p) => [p.errorCode, p.leaderEpoch, p.endOffset]);
}

test('OffsetForLeaderEpoch: epoch 0 ends at the log end offset; unknown epochs answer -1/-1', async () => {
  assert.deepEqual(
    await epochs([
      { partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 },
      { partition: 0, currentLeaderEpoch: -1, leaderEpoch: 3 },
      { partition: 0, currentLeaderEpoch: -1, leaderEpoch: -1 },
      { partition: 1, currentLeaderEpoch: 0, leaderEpoch: 0 },
      { partition: 0, currentLeaderEpoch: 1, leaderEpoch: 0 },
      { partition: 0, currentLeaderEpoch: -2, leaderEpoch: 0 },
      { partition: 9, currentLeaderEpoch: -1, leaderEpoch: 0 },
    ]),
    [
      [ErrorCode.NONE, 0, 10],
      [ErrorCode.NONE, -1, -1],
      [ErrorCode.NONE, -1, -1],
      [ErrorCode.NONE, 0, 0],
      [ErrorCode.UNKNOWN_LEADER_EPOCH, -1, -1],
      [ErrorCode.FENCED_LEADER_EPOCH, -1, -1],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1],
    ],
  );
});

test('DeleteRecords moves the log start offset, -1 meaning the high watermark', async () => {
  const run = async (topic: string, partitions: { partitionIndex: number; offset: number }[]) => {
    const res = (await deleteRecordsHandler.handle({ topics: [{ name: topic, partitions }], timeoutMs: 1000 }, ctx(2))) as DeleteRecordsResponse;
    return res.topics[0].partitions.map((p) => [p.partitionIndex, p.errorCode, p.lowWatermark]);
  };
  assert.deepEqual(await run('logs', [{ partitionIndex: 0, offset: 4 }, { partitionIndex: 1, offset: 0 }]), [
    [0, ErrorCode.NONE, 4],
    [1, ErrorCode.NONE, 0],
  ]);
  assert.equal(broker.cluster.partition('logs', 0)?.logStartOffset, 4);
  // Below the current start: nothing changes.
  assert.deepEqual(await run('logs', [{ partitionIndex: 0, offset: 2 }]), [[0, ErrorCode.NONE, 4]]);
  assert.deepEqual(await run('logs', [{ partitionIndex: 0, offset: 11 }, { partitionIndex: 5, offset: 0 }]), [
    [0, ErrorCode.OFFSET_OUT_OF_RANGE, -1],
    [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1],
  ]);
  assert.deepEqual(await run('compacted', [{ partitionIndex: 0, offset: -1 }]), [[0, ErrorCode.POLICY_VIOLATION, -1]]);
  assert.deepEqual(await run('logs', [{ partitionIndex: 0, offset: -1 }]), [[0, ErrorCode.NONE, 10]]);
  // The epoch's start followed the log start offset.
  assert.deepEqual(await epochs([{ partition: 0, currentLeaderEpoch: 0, leaderEpoch: -3 }]), [[ErrorCode.NONE, -3, 10]]);
});

test('DescribeLogDirs lists partition sizes of the data dir, filtered by topics (topics left without a partition omitted, as Kafka 4)', async () => {
  const all = (await describeLogDirsHandler.handle({ topics: null }, ctx(4))) as DescribeLogDirsResponse;
  assert.equal(all.results.length, 1);
  const [dirResult] = all.results;
  assert.equal(dirResult.errorCode, ErrorCode.NONE);
  assert.equal(dirResult.logDir, broker.config.dataDir);
  assert.ok((dirResult.totalBytes ?? 0) > 0 && (dirResult.usableBytes ?? 0) > 0);
  const logs = dirResult.topics.find((t) => t.name === 'logs');
  assert.deepEqual(logs?.partitions.map((p) => p.partitionIndex), [0, 1]);
  assert.equal(logs?.partitions[1].partitionSize, 0);

  const some = (await describeLogDirsHandler.handle({ topics: [{ topic: 'logs', partitions: [1] }] }, ctx(1))) as DescribeLogDirsResponse;
  const filtered = some.results[0].topics;
  assert.deepEqual(filtered.find((t) => t.name === 'logs')?.partitions.map((p) => p.partitionIndex), [1]);
  assert.deepEqual(filtered.map((t) => t.name), ['logs']);
});

test('DescribeCluster names this node as the only broker and the controller', async () => {
  const res = (await describeClusterHandler.handle({ includeClusterAuthorizedOperations: false, endpointType: 1 }, ctx(1))) as DescribeClusterResponse;
  assert.equal(res.errorCode, ErrorCode.NONE);
  assert.equal(res.clusterId, broker.cluster.clusterId);
  assert.equal(res.controllerId, 0);
  assert.deepEqual(res.brokers, [{ brokerId: 0, host: broker.context.advertised.host, port: broker.port, rack: null }]);

  const controller = (await describeClusterHandler.handle({ includeClusterAuthorizedOperations: false, endpointType: 2 }, ctx(1))) as DescribeClusterResponse;
  assert.equal(controller.errorCode, ErrorCode.MISMATCHED_ENDPOINT_TYPE);
  const unknown = (await describeClusterHandler.handle({ includeClusterAuthorizedOperations: false, endpointType: 7 }, ctx(1))) as DescribeClusterResponse;
  assert.equal(unknown.errorCode, ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
});
