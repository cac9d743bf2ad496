import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writer } from '../../protocol/primitives/writer.js';
import { ErrorCode } from '../../protocol/errors.js';
import { decodeAssignment, encodeAssignment, encodeSubscription } from '../../protocol/consumer-protocol.js';
import { GroupCoordinator } from './group-coordinator.js';
import type { GroupLogRecord, JoinGroupParams, TopicMetadataView } from './group-types.js';
import { MemoryGroupLog } from './memory-group-log.js';
import { decodeGroupRecord, encodeGroupRecord, type GroupRecord, GroupRecordType, groupIdOfKey } from './records-codec.js';
import { ManualScheduler } from './scheduler.js';

const topics: TopicMetadataView = {
  topicByName: (name) => (name === 't' ? { id: 'T', name: 't', partitions: 4 } : undefined),
  topicById: (id) => (id === 'T' ? { id: 'T', name: 't', partitions: 4 } : undefined),
};

function coordinator(log: MemoryGroupLog, scheduler = new ManualScheduler()) {
  return { scheduler, coord: new GroupCoordinator({ log, topics, scheduler, config: { classicGroupInitialRebalanceDelayMs: 0 } }) };
}

const joinParams = (memberId: string, groupInstanceId: string | null = null): JoinGroupParams => ({
  groupId: 'g',
  memberId,
  groupInstanceId,
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 10_000,
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: encodeSubscription({ topics: ['t'] }) }],
  reason: null,
  clientId: 'c',
  clientHost: 'h',
  apiVersion: 5,
});

async function buildState(log: MemoryGroupLog) {
  const { scheduler, coord } = coordinator(log);
  const ja = coord.joinGroup(joinParams('', 'inst-a'));
  const jb = coord.joinGroup(joinParams('', 'inst-b'));
  scheduler.advance(0);
  const [a, b] = await Promise.all([ja, jb]);
  const assignment = (ps: number[]) => encodeAssignment({ assignedPartitions: [{ topic: 't', partitions: ps }] });
  const assignments = [
    { memberId: a.memberId, assignment: assignment([0, 1]) },
    { memberId: b.memberId, assignment: assignment([2, 3]) },
  ];
  await Promise.all(
    [a, b].map((j, i) =>
      coord.syncGroup({
        groupId: 'g',
        generationId: j.generationId,
        memberId: j.memberId,
        groupInstanceId: i === 0 ? 'inst-a' : 'inst-b',
        protocolType: null,
        protocolName: null,
        assignments: j.memberId === j.leader ? assignments : [],
      }),
    ),
  );
  await coord.commitOffsets({
    groupId: 'g',
    generationIdOrMemberEpoch: a.generationId,
    memberId: a.memberId,
    groupInstanceId: 'inst-a',
    retentionTimeMs: -1,
    apiVersion: 8,
    topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 77, committedLeaderEpoch: 2, committedMetadata: 'meta' }] }],
  });
  await coord.commitOffsets({
    groupId: 'gone',
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    apiVersion: 8,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  await coord.deleteGroups(['gone']);
  // A KIP-848 group next to the classic one.
  const base = { groupId: 'kg', instanceId: null, rackId: 'r1', serverAssignor: null, subscribedTopicRegex: null, clientId: 'k', clientHost: 'h', apiVersion: 1 };
  await coord.consumerGroupHeartbeat({ ...base, memberId: 'K1', memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicNames: ['t'], topicPartitions: [] });
  const k2 = await coord.consumerGroupHeartbeat({ ...base, memberId: 'K2', memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicNames: ['t'], topicPartitions: [] });
  const k1 = await coord.consumerGroupHeartbeat({ ...base, memberId: 'K1', memberEpoch: 1, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: [{ topicId: 'T', partitions: [0, 1, 2, 3] }] });
  coord.close();
  return { a, b, k1, k2, before: coord.inspectGroups(), describedKg: coord.consumerGroupDescribe(['kg']) };
}

for (const mode of ['full log', 'compacted log'] as const) {
  test(`replay of the ${mode} rebuilds offsets, classic and consumer group state`, async () => {
    const log = new MemoryGroupLog();
    const { a, b, before, describedKg } = await buildState(log);
    const source = mode === 'full log' ? log.records : log.compacted();
    const { scheduler, coord } = coordinator(new MemoryGroupLog());
    await coord.replay(source);
    const after = coord.inspectGroups();
    assert.deepEqual(after.map((g) => g.groupId), ['g', 'kg']);
    const g = after[0];
    const g0 = before.find((x) => x.groupId === 'g');
    assert.equal(g.state, 'Stable');
    assert.equal(g.generationId, g0?.generationId);
    assert.equal(g.leader, g0?.leader);
    assert.equal(g.protocol, 'range');
    assert.deepEqual(g.members, g0?.members);
    assert.deepEqual(g.offsets, g0?.offsets);
    assert.equal(g.offsets[0].committedOffset, 77);
    assert.deepEqual(coord.consumerGroupDescribe(['kg']), describedKg);
    assert.deepEqual(coord.fetchOffsets([{ groupId: 'gone', topics: null, memberId: null, memberEpoch: -1 }])[0].topics, []);
    // Members carry on in the same generation; sessions restarted at load.
    const hb = (memberId: string, inst: string) => coord.heartbeat({ groupId: 'g', memberId, generationId: a.generationId, groupInstanceId: inst });
    assert.equal((await hb(a.memberId, 'inst-a')).errorCode, ErrorCode.NONE);
    const sync = await coord.syncGroup({ groupId: 'g', generationId: b.generationId, memberId: b.memberId, groupInstanceId: 'inst-b', protocolType: null, protocolName: null, assignments: [] });
    assert.deepEqual(decodeAssignment(sync.assignment)?.assignedPartitions, [{ topic: 't', partitions: [2, 3] }]);
    scheduler.advance(6000);
    assert.equal((await hb(a.memberId, 'inst-a')).errorCode, ErrorCode.NONE);
    scheduler.advance(6000);
    // inst-b stayed silent for 12 s > its 10 s session.
    assert.equal((await hb(a.memberId, 'inst-a')).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    coord.close();
  });
}

test('requests during replay get COORDINATOR_LOAD_IN_PROGRESS', async () => {
  const log = new MemoryGroupLog();
  await buildState(log);
  const { coord } = coordinator(new MemoryGroupLog());
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  async function* slow(): AsyncGenerator<GroupLogRecord> {
    yield log.records[0];
    await gate;
    yield* log.records.slice(1);
  }
  const loading = coord.replay(slow());
  await new Promise((r) => setImmediate(r));
  assert.equal(coord.isLoading(), true);
  assert.equal((await coord.joinGroup(joinParams(''))).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal(coord.fetchOffsets([{ groupId: 'g', topics: null, memberId: null, memberEpoch: -1 }])[0].errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal(coord.listGroups().errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  // Heartbeats are answered blindly while loading, as Kafka does.
  assert.equal((await coord.heartbeat({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null })).errorCode, ErrorCode.NONE);
  assert.equal((await coord.deleteOffsets('', [])).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  release();
  await loading;
  assert.equal(coord.isLoading(), false);
  assert.equal(coord.listGroups().errorCode, ErrorCode.NONE);
  coord.close();
});

/** `n` offset commits of group `g`, one per partition of topic t (partition numbers wrap). */
function commitRecords(n: number): GroupLogRecord[] {
  const value = { committedOffset: 1, leaderEpoch: -1, metadata: '', commitTimestampMs: 0, expireTimestampMs: -1 };
  return Array.from({ length: n }, (_, i) => encodeGroupRecord({ type: GroupRecordType.OFFSET_COMMIT, groupId: 'g', topic: 't', partition: i, value: { ...value, committedOffset: i } }));
}

test('replay of a sync source runs in slices that give the event loop its turn', async () => {
  const { coord } = coordinator(new MemoryGroupLog());
  const records = commitRecords(5000);
  // An I/O callback queued before the replay must run while it is still loading: a replay that
  // never yields to the event loop would keep the broker from accepting or answering anything.
  let loadingSeenByEventLoop: boolean | undefined;
  setImmediate(() => (loadingSeenByEventLoop = coord.isLoading()));
  let slices = 0;
  const result = await coord.replay(records, { sliceMs: 0, beforeSlice: async () => void slices++ });
  assert.equal(loadingSeenByEventLoop, true);
  // sliceMs 0: a new slice every 256 records (when the clock is read), plus the first.
  assert.equal(slices, 1 + Math.floor(5000 / 256));
  assert.deepEqual(result, { records: 5000, groups: 1, complete: true });
  assert.equal(coord.isLoading(), false);
  assert.equal(coord.fetchOffsets([{ groupId: 'g', topics: [{ name: 't', partitionIndexes: [4999] }], memberId: null, memberEpoch: -1 }])[0].topics[0].partitions[0].committedOffset, 4999);
  coord.close();
});

test('close() ends a replay at its next slice', async () => {
  const { coord } = coordinator(new MemoryGroupLog());
  let slices = 0;
  const result = await coord.replay(commitRecords(5000), {
    sliceMs: 0,
    beforeSlice: async () => {
      if (++slices === 2) coord.close();
    },
  });
  assert.equal(result.records, 256);
  assert.equal(result.complete, false);
  assert.equal(coord.isLoading(), false);
});

test('records codec round-trips every record type and skips unknown ones', () => {
  const samples: GroupRecord[] = [
    { type: GroupRecordType.OFFSET_COMMIT, groupId: 'g', topic: 't', partition: 3, value: { committedOffset: 2 ** 40, leaderEpoch: 5, metadata: 'µ', commitTimestampMs: 1_700_000_000_123, expireTimestampMs: -1 } },
    { type: GroupRecordType.OFFSET_COMMIT, groupId: 'g', topic: 't', partition: 3, value: null },
    {
      type: GroupRecordType.GROUP_METADATA,
      groupId: 'g',
      value: {
        protocolType: 'consumer',
        generationId: 9,
        protocolName: 'range',
        leader: 'm1',
        currentStateTimestampMs: 123,
        members: [{ memberId: 'm1', groupInstanceId: null, clientId: 'c', clientHost: 'h', rebalanceTimeoutMs: 1, sessionTimeoutMs: 2, subscription: Buffer.from([1]), assignment: Buffer.from([2, 3]) }],
      },
    },
    { type: GroupRecordType.CONSUMER_GROUP_METADATA, groupId: 'g', value: { epoch: 4, subscriptionMetadata: [{ id: 'T', name: 't', partitions: 4 }] } },
    {
      type: GroupRecordType.CONSUMER_GROUP_MEMBER_METADATA,
      groupId: 'g',
      memberId: 'm',
      value: { instanceId: 'i', rackId: null, clientId: 'c', clientHost: 'h', subscribedTopicNames: ['a', 'b'], subscribedTopicRegex: 'x.*', serverAssignor: 'range', rebalanceTimeoutMs: 100 },
    },
    { type: GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA, groupId: 'g', value: { assignmentEpoch: 4 } },
    { type: GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER, groupId: 'g', memberId: 'm', value: { partitions: [{ topicId: 'T', partitions: [0, 2] }] } },
    {
      type: GroupRecordType.CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT,
      groupId: 'g',
      memberId: 'm',
      value: { memberEpoch: 4, previousMemberEpoch: 3, state: 1, assigned: [{ topicId: 'T', partitions: [0] }], pendingRevocation: [{ topicId: 'T', partitions: [1] }] },
    },
    { type: GroupRecordType.CONSUMER_GROUP_REGULAR_EXPRESSION, groupId: 'g', regex: 'or.*', value: { topics: ['orders', 'orders-eu'], timestampMs: 1_700_000_000_000 } },
    { type: GroupRecordType.CONSUMER_GROUP_REGULAR_EXPRESSION, groupId: 'g', regex: 'or.*', value: null },
  ];
  for (const rec of samples) {
    const { key, value } = encodeGroupRecord(rec);
    assert.deepEqual(decodeGroupRecord(key, value), rec);
    assert.equal(groupIdOfKey(key), 'g');
  }
  const w = new Writer();
  w.int16(99);
  w.string('g');
  assert.equal(decodeGroupRecord(w.toBuffer(), null), undefined);
});
