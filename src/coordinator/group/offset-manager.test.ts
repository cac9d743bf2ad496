import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../protocol/errors.js';
import { encodeAssignment, encodeSubscription } from '../../protocol/consumer-protocol.js';
import { GroupCoordinator } from './group-coordinator.js';
import type { GroupCoordinatorConfig } from './group-coordinator-config.js';
import type { JoinGroupParams, OffsetCommitParams, TopicMetadataView } from './group-types.js';
import { MemoryGroupLog } from './memory-group-log.js';
import { ManualScheduler } from './scheduler.js';

const topics: TopicMetadataView = {
  topicByName: (name) => ({ id: `id-${name}`, name, partitions: 2 }),
  topicById: (id) => ({ id, name: id.slice(3), partitions: 2 }),
};

function setup(config: Partial<GroupCoordinatorConfig> = {}) {
  const scheduler = new ManualScheduler();
  const log = new MemoryGroupLog();
  const coord = new GroupCoordinator({ log, topics, scheduler, config: { classicGroupInitialRebalanceDelayMs: 0, ...config } });
  const commit = (groupId: string, offsets: Record<string, number>, extra: Partial<OffsetCommitParams> = {}) =>
    coord.commitOffsets({
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      apiVersion: 9,
      topics: Object.entries(offsets).map(([tp, offset]) => {
        const [name, p] = tp.split('-');
        return { name, partitions: [{ partitionIndex: Number(p), committedOffset: offset, committedLeaderEpoch: 3, committedMetadata: `m${offset}` }] };
      }),
      ...extra,
    });
  const fetch = (groupId: string, topicsReq: { name: string; partitionIndexes: number[] }[] | null) =>
    coord.fetchOffsets([{ groupId, topics: topicsReq, memberId: null, memberEpoch: -1 }])[0];
  /** One classic member, Stable, subscribed to `t`. */
  const stableMember = async (groupId: string) => {
    const p: JoinGroupParams = {
      groupId,
      memberId: '',
      groupInstanceId: null,
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: encodeSubscription({ topics: ['t'] }) }],
      reason: null,
      clientId: 'c',
      clientHost: 'h',
      apiVersion: 3,
    };
    const join = coord.joinGroup(p);
    scheduler.advance(0);
    const j = await join;
    await coord.syncGroup({
      groupId,
      generationId: j.generationId,
      memberId: j.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [{ memberId: j.memberId, assignment: encodeAssignment({ assignedPartitions: [{ topic: 't', partitions: [0, 1] }] }) }],
    });
    return j;
  };
  return { scheduler, log, coord, commit, fetch, stableMember };
}

const errors = (r: { topics: { partitions: { errorCode: number }[] }[] }) => r.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));

test('fetch with no commit returns -1 without error; admin commit into a missing group creates it', async () => {
  const h = setup();
  const none = h.fetch('g', [{ name: 't', partitionIndexes: [0, 1] }]);
  assert.equal(none.errorCode, ErrorCode.NONE);
  assert.deepEqual(none.topics[0].partitions.map((p) => [p.committedOffset, p.committedLeaderEpoch, p.metadata, p.errorCode]), [
    [-1, -1, '', 0],
    [-1, -1, '', 0],
  ]);
  assert.deepEqual(errors(await h.commit('g', { 't-0': 42 })), [ErrorCode.NONE]);
  const got = h.fetch('g', [{ name: 't', partitionIndexes: [0, 1] }]);
  assert.deepEqual(got.topics[0].partitions.map((p) => p.committedOffset), [42, -1]);
  assert.equal(got.topics[0].partitions[0].metadata, 'm42');
  assert.equal(got.topics[0].partitions[0].committedLeaderEpoch, 3);
  const all = h.fetch('g', null);
  assert.deepEqual(all.topics, [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 3, metadata: 'm42', errorCode: 0 }] }]);
  assert.deepEqual(h.coord.listGroups().groups, [{ groupId: 'g', protocolType: '', groupState: 'Empty', groupType: 'classic' }]);
  // A commit claiming a generation of a group that does not exist.
  assert.deepEqual(errors(await h.commit('nope', { 't-0': 1 }, { generationIdOrMemberEpoch: 3, memberId: 'x' })), [ErrorCode.GROUP_ID_NOT_FOUND]);
  assert.deepEqual(errors(await h.commit('nope', { 't-0': 1 }, { generationIdOrMemberEpoch: 3, memberId: 'x', apiVersion: 8 })), [ErrorCode.ILLEGAL_GENERATION]);
});

test('commits from members: stale generation, unknown member, outsiders while the group is active', async () => {
  const h = setup();
  const j = await h.stableMember('g');
  const asMember = { generationIdOrMemberEpoch: j.generationId, memberId: j.memberId };
  assert.deepEqual(errors(await h.commit('g', { 't-0': 5 }, asMember)), [ErrorCode.NONE]);
  assert.deepEqual(errors(await h.commit('g', { 't-0': 6 }, { ...asMember, generationIdOrMemberEpoch: j.generationId - 1 })), [ErrorCode.ILLEGAL_GENERATION]);
  assert.deepEqual(errors(await h.commit('g', { 't-0': 6 }, { ...asMember, memberId: 'stranger' })), [ErrorCode.UNKNOWN_MEMBER_ID]);
  // Admin reset (generation -1, no member) is refused while the group has members.
  assert.deepEqual(errors(await h.commit('g', { 't-0': 0 })), [ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.equal(h.fetch('g', [{ name: 't', partitionIndexes: [0] }]).topics[0].partitions[0].committedOffset, 5);
  const tooBig = await h.coord.commitOffsets({
    groupId: 'g',
    ...asMember,
    groupInstanceId: null,
    retentionTimeMs: -1,
    apiVersion: 9,
    topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: 'x'.repeat(5000) }] }],
  });
  assert.deepEqual(errors(tooBig), [ErrorCode.OFFSET_METADATA_TOO_LARGE]);
  // A rebalance in CompletingRebalance: the member knows the new generation but has no assignment.
  const rejoin = h.coord.joinGroup({
    groupId: 'g', memberId: j.memberId, groupInstanceId: null, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000,
    protocolType: 'consumer', protocols: [{ name: 'range', metadata: encodeSubscription({ topics: ['t', 'u'] }) }],
    reason: null, clientId: 'c', clientHost: 'h', apiVersion: 9,
  });
  const j2 = await rejoin;
  assert.equal(j2.generationId, j.generationId + 1);
  assert.deepEqual(errors(await h.commit('g', { 't-0': 7 }, { generationIdOrMemberEpoch: j2.generationId, memberId: j.memberId })), [ErrorCode.REBALANCE_IN_PROGRESS]);
});

test('a commit is answered only once its record is durable, and a failed append changes nothing', async () => {
  const h = setup();
  h.log.hold();
  let answered = false;
  const pending = h.commit('g', { 't-0': 10 }).then((r) => ((answered = true), r));
  await new Promise((r) => setImmediate(r));
  assert.equal(answered, false);
  h.log.release();
  assert.deepEqual(errors(await pending), [ErrorCode.NONE]);
  h.log.failNext = 1;
  assert.deepEqual(errors(await h.commit('g', { 't-0': 11 })), [ErrorCode.COORDINATOR_NOT_AVAILABLE]);
  assert.equal(h.fetch('g', [{ name: 't', partitionIndexes: [0] }]).topics[0].partitions[0].committedOffset, 10);
});

test('DeleteGroups: NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, and deletion drops the offsets', async () => {
  const h = setup();
  const j = await h.stableMember('busy');
  await h.commit('idle', { 't-0': 1, 't-1': 2 });
  const res = await h.coord.deleteGroups(['busy', 'idle', 'ghost']);
  assert.deepEqual(res, [
    { groupId: 'busy', errorCode: ErrorCode.NON_EMPTY_GROUP },
    { groupId: 'idle', errorCode: ErrorCode.NONE },
    { groupId: 'ghost', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
  ]);
  assert.equal(h.fetch('idle', [{ name: 't', partitionIndexes: [0] }]).topics[0].partitions[0].committedOffset, -1);
  assert.deepEqual(h.coord.listGroups().groups.map((g) => g.groupId), ['busy']);
  assert.equal(h.coord.describeGroups(['idle'])[0].groupState, 'Dead');
  assert.equal(h.coord.describeGroups(['idle'], 6)[0].errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  // Tombstones reached the log: compaction leaves only the busy group's state.
  const keys = h.log.compacted().map((r) => r.key.toString('latin1'));
  assert.ok(keys.every((k) => !k.includes('idle')));
  assert.ok(j.memberId.length > 0);
});

test('OffsetDelete refuses topics the group consumes', async () => {
  const h = setup();
  const j = await h.stableMember('g');
  await h.commit('g', { 't-0': 1, 'u-0': 2 }, { generationIdOrMemberEpoch: j.generationId, memberId: j.memberId });
  const r = await h.coord.deleteOffsets('g', [
    { name: 't', partitionIndexes: [0] },
    { name: 'u', partitionIndexes: [0, 1] },
  ]);
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.deepEqual(r.topics, [
    { name: 't', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC }] },
    { name: 'u', partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 0 }] },
  ]);
  const after = h.fetch('g', null);
  assert.deepEqual(after.topics.map((t) => t.name), ['t']);
  assert.equal((await h.coord.deleteOffsets('ghost', [])).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
});

test('offsets of a group empty for offsets.retention.minutes expire, then the group goes', async () => {
  const h = setup({ offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 10_000 });
  await h.commit('simple', { 't-0': 1 });
  const j = await h.stableMember('live');
  await h.commit('live', { 't-0': 9, 'other-0': 3 }, { generationIdOrMemberEpoch: j.generationId, memberId: j.memberId });
  for (let i = 0; i < 14; i++) {
    h.scheduler.advance(5_000);
    await h.coord.heartbeat({ groupId: 'live', memberId: j.memberId, generationId: j.generationId, groupInstanceId: null });
  }
  await h.coord.flush();
  // The simple group's offset is older than the retention: gone, and the group with it.
  assert.equal(h.fetch('simple', [{ name: 't', partitionIndexes: [0] }]).topics[0].partitions[0].committedOffset, -1);
  assert.ok(!h.coord.listGroups().groups.some((g) => g.groupId === 'simple'));
  // A stable group keeps offsets of topics it consumes; others expire from their commit time.
  const live = h.fetch('live', null);
  assert.deepEqual(live.topics.map((t) => t.name), ['t']);
  // Once the group is empty, retention counts from when it became empty.
  assert.equal(h.coord.describeGroups(['live'])[0].groupState, 'Stable');
  await h.coord.leaveGroup('live', [{ memberId: j.memberId, groupInstanceId: null, reason: null }]);
  assert.equal(h.coord.describeGroups(['live'])[0].groupState, 'Empty');
  h.scheduler.advance(50_000);
  await h.coord.flush();
  assert.equal(h.fetch('live', null).topics.length, 1);
  h.scheduler.advance(20_000);
  await h.coord.flush();
  assert.equal(h.fetch('live', null).topics.length, 0);
  assert.deepEqual(h.coord.listGroups().groups, []);
});

test("a deleted topic's committed offsets become tombstones in every group (Kafka's onPartitionsDeleted)", async () => {
  const h = setup();
  await h.commit('a', { 'gone-0': 5, 'gone-1': 6, 'kept-0': 7 });
  await h.commit('b', { 'gone-1': 8 });
  const before = h.log.records.length;
  await h.coord.onPartitionsDeleted('gone', 2);
  await h.coord.flush();
  assert.equal(h.log.records.length - before, 3, 'one tombstone per group and partition');
  assert.ok(h.log.records.slice(before).every((r) => r.value === null));
  assert.deepEqual(h.fetch('a', null).topics.map((t) => t.name), ['kept']);
  assert.deepEqual(h.fetch('b', null).topics, []);
  // Compaction keeps nothing of the deleted topic.
  assert.ok(h.log.compacted().every((r) => !r.key.toString('latin1').includes('gone')));
});
