// Bounded internal state: `__consumer_offsets` is a compacted topic, so after many offset commits
// the log cleaner leaves one record per key (a group's metadata, one offset per partition), the
// tombstones of deleted groups, deleted offsets and deleted topics' offsets go with what they
// delete, and a restart replays only what is left. Commits go over the wire (OffsetCommit v8),
// deletions through kafkajs' admin client, and the topic is read back with kcat.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { decodeGroupRecord } from '../src/coordinator/group/records-codec.js';
import { TestBroker } from './helpers/broker.js';
import { CleanRequests } from './helpers/cleaning.js';
import { kcatConsume } from './helpers/kcat.js';
import { WireClient } from './helpers/wire-client.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;
const OFFSET_COMMIT = 8;
const OFFSET_DELETE = 47;
const PARTITIONS = 100;

let tb: TestBroker;
let kafka: Kafka;
let admin: Admin;
let wire: WireClient;
let cleans: CleanRequests | undefined;

before(async () => {
  tb = await TestBroker.start({
    logLevel: 'info',
    settings: {
      'offsets.topic.num.partitions': 1,
      'offsets.topic.segment.bytes': 1_048_576,
      'log.cleaner.backoff.ms': 86_400_000,
      'log.cleaner.delete.retention.ms': 0,
      'log.cleaner.min.cleanable.ratio': 0.01,
    },
  });
  kafka = new KafkaClient({ brokers: [tb.bootstrap], clientId: 'offsets-compaction', logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
  admin = kafka.admin();
  await admin.connect();
  wire = await WireClient.connect(tb.port);
});

after(async () => {
  wire?.destroy();
  await admin?.disconnect();
  const errors = tb?.errors() ?? [];
  await tb?.cleanup();
  assert.deepEqual(errors, [], 'the broker logged errors');
});

async function commit(groupId: string, topic: string, partitions: number[], offset: number): Promise<void> {
  const res = (await wire.request(OFFSET_COMMIT, 8, {
    groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
    topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: `at ${offset}` })) }],
  })) as { topics: { partitions: { errorCode: number }[] }[] };
  assert.ok(res.topics[0].partitions.every((p) => p.errorCode === 0));
}

interface OffsetsRecord {
  offset: number;
  kind: string;
  groupId: string;
  tombstone: boolean;
}

async function readOffsetsTopic(): Promise<OffsetsRecord[]> {
  const records = await kcatConsume(tb.bootstrap, '__consumer_offsets', { partition: 0, offset: 'beginning', timeoutMs: 60_000 });
  return records.map((r) => {
    const rec = decodeGroupRecord(r.key!, r.value);
    assert.ok(rec, `a record Brook wrote at offset ${r.offset}`);
    const kind = rec.type === 0 ? `offset ${rec.groupId} ${(rec as { topic: string }).topic}-${(rec as { partition: number }).partition}` : `type ${rec.type} ${rec.groupId}`;
    return { offset: r.offset, kind, groupId: rec.groupId, tombstone: r.value === null };
  });
}

async function cleanOffsetsTopic(): Promise<number> {
  cleans ??= new CleanRequests(tb);
  return cleans.clean('__consumer_offsets', 0, 20);
}

test('after many commits __consumer_offsets is compacted, tombstones go, and a restart replays only live state', async () => {
  await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: PARTITIONS }, { topic: 'temporary', numPartitions: 4 }] });
  // Groups to delete in three ways: the whole group, some offsets, a topic.
  await commit('doomed', 'orders', [0, 1, 2, 3], 1);
  await commit('trimmed', 'orders', [0, 1, 2, 3], 1);
  await commit('live', 'temporary', [0, 1, 2, 3], 1);
  let round = 0;
  // About 4 KB per round: a 1 MiB segment rolls every 250 rounds or so.
  const commitRounds = async (n: number): Promise<void> => {
    for (const stop = round + n; round < stop; ) await commit('live', 'orders', Array.from({ length: PARTITIONS }, (_, p) => p), ++round);
  };
  await commitRounds(250);

  // kafkajs throws unless every group was deleted.
  assert.deepEqual((await admin.deleteGroups(['doomed'])).map((g) => g.groupId), ['doomed']);
  const trimmed = (await wire.request(OFFSET_DELETE, 0, { groupId: 'trimmed', topics: [{ name: 'orders', partitions: [{ partitionIndex: 0 }, { partitionIndex: 1 }] }] })) as { errorCode: number };
  assert.equal(trimmed.errorCode, 0);
  await admin.deleteTopics({ topics: ['temporary'] });
  await tb.broker.context.groups.flush();

  const written = await readOffsetsTopic();
  assert.equal(written.length, 250 * PARTITIONS + 12 + 4 + 2 + 4 + 1, 'every commit is a record; deletions wrote tombstones');
  const tombstones = written.filter((r) => r.tombstone).map((r) => r.kind).sort();
  assert.deepEqual(tombstones, [
    'offset doomed orders-0', 'offset doomed orders-1', 'offset doomed orders-2', 'offset doomed orders-3',
    'offset live temporary-0', 'offset live temporary-1', 'offset live temporary-2', 'offset live temporary-3',
    'offset trimmed orders-0', 'offset trimmed orders-1',
    'type 1 doomed',
  ]);

  // Two cleans, each once the tombstones' segment and then more have rolled: the first keeps the
  // tombstones and gives them their horizon (delete.retention.ms is 0 here), the second removes them.
  await commitRounds(300);
  const end1 = await cleanOffsetsTopic();
  assert.ok(end1 > written.length, 'the first clean reached past the tombstones');
  await commitRounds(300);
  const end2 = await cleanOffsetsTopic();
  assert.ok(end2 > end1);
  const commits = round * PARTITIONS + 12;
  const left = await readOffsetsTopic();
  const cleaned = left.filter((r) => r.offset < end2);
  const keys = cleaned.map((r) => r.kind);
  assert.equal(new Set(keys).size, keys.length, 'one record per key in the cleaned part');
  assert.deepEqual(cleaned.filter((r) => r.tombstone), [], 'tombstones past their horizon are gone');
  assert.equal(cleaned.some((r) => r.groupId === 'doomed' || r.kind.includes('temporary') || r.kind === 'offset trimmed orders-0'), false, 'nothing of what was deleted');
  assert.ok(left.length < commits / 3, `__consumer_offsets holds ${left.length} records after ${commits} commits`);

  await tb.restart();
  const replayed = tb.logs.filter((l) => l.msg.startsWith('replayed __consumer_offsets')).at(-1);
  assert.ok(replayed, 'the replay was logged');
  assert.equal(replayed.records, left.length, 'the restart replayed exactly what the log holds now');
  const offsets = await admin.fetchOffsets({ groupId: 'live', topics: ['orders'] });
  assert.deepEqual(offsets[0].partitions.map((p) => Number(p.offset)), Array.from({ length: PARTITIONS }, () => round), 'committed offsets intact');
  const trimmedLeft = await admin.fetchOffsets({ groupId: 'trimmed', topics: ['orders'] });
  assert.deepEqual(trimmedLeft[0].partitions.filter((p) => Number(p.offset) >= 0).map((p) => p.partition).sort(), [2, 3]);
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId).sort();
  assert.deepEqual(groups, ['live', 'trimmed']);
});

test('offsets.topic.compression.codec compresses the coordinator\'s batches, and a restart reads them back', async () => {
  const zb = await TestBroker.start({ settings: { 'offsets.topic.num.partitions': 1, 'offsets.topic.compression.codec': 4 } });
  const conn = await WireClient.connect(zb.port);
  try {
    assert.equal((await zb.broker.cluster.createTopic('zt', 1, {})).errorCode, 0);
    const res = (await conn.request(OFFSET_COMMIT, 8, {
      groupId: 'zstd', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'zt', partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: 'm'.repeat(200) }] }],
    })) as { topics: { partitions: { errorCode: number }[] }[] };
    assert.equal(res.topics[0].partitions[0].errorCode, 0);
    const { RecordBatchHeader } = await import('../src/protocol/records/record-batch.js');
    const batches = zb.broker.cluster.partition('__consumer_offsets', 0)!.log.read(0, 1 << 20)!.batches;
    assert.deepEqual(batches.map((b) => new RecordBatchHeader(b, 0).compression), [4], 'one zstd batch');
    conn.destroy();
    await zb.restart();
    const fetched = await zb.broker.context.groups.fetchOffsets([{ groupId: 'zstd', topics: null, memberId: null, memberEpoch: -1 }]);
    assert.equal(fetched[0].topics[0].partitions[0].committedOffset, 42);
  } finally {
    conn.destroy();
    await zb.cleanup();
  }
});
