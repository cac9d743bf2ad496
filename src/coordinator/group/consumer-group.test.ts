import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../protocol/errors.js';
import { GroupCoordinator } from './group-coordinator.js';
import type { GroupCoordinatorConfig } from './group-coordinator-config.js';
import type { ConsumerGroupHeartbeatParams, TopicMetadata, TopicMetadataView, TopicPartitions } from './group-types.js';
import { MemoryGroupLog } from './memory-group-log.js';
import { RangeAssignor } from './partition-assignor.js';
import { ManualScheduler } from './scheduler.js';

function setup(config: Partial<GroupCoordinatorConfig> = {}) {
  const topicList = new Map<string, TopicMetadata>([['t', { id: 'T', name: 't', partitions: 4 }]]);
  const topics: TopicMetadataView = {
    topicByName: (name) => topicList.get(name),
    topicById: (id) => [...topicList.values()].find((t) => t.id === id),
    topicNames: () => topicList.keys(),
    // Topics are only ever added here, so their number counts creations.
    topicCreations: () => topicList.size,
  };
  const scheduler = new ManualScheduler();
  const log = new MemoryGroupLog();
  const coord = new GroupCoordinator({ log, topics, scheduler, config });
  const hb = (memberId: string, memberEpoch: number, extra: Partial<ConsumerGroupHeartbeatParams> = {}) =>
    coord.consumerGroupHeartbeat({
      groupId: 'g',
      memberId,
      memberEpoch,
      instanceId: null,
      rackId: null,
      rebalanceTimeoutMs: memberEpoch === 0 ? 30_000 : -1,
      subscribedTopicNames: memberEpoch === 0 ? ['t'] : null,
      subscribedTopicRegex: null,
      serverAssignor: null,
      topicPartitions: memberEpoch === 0 ? [] : null,
      clientId: 'c',
      clientHost: 'h',
      apiVersion: 1,
      ...extra,
    });
  return { scheduler, log, coord, hb, topicList };
}

const parts = (a: TopicPartitions[] | null) => (a === null ? null : a.flatMap((tp) => tp.partitions.map((p) => `${tp.topicId}-${p}`)).sort());
const owned = (...ps: number[]): TopicPartitions[] => (ps.length === 0 ? [] : [{ topicId: 'T', partitions: ps }]);

test('KIP-848: the first member gets everything; a second one only after the first revoked', async () => {
  const h = setup();
  const a1 = await h.hb('A', 0);
  assert.equal(a1.errorCode, ErrorCode.NONE);
  assert.equal(a1.memberId, 'A');
  assert.equal(a1.memberEpoch, 1);
  assert.equal(a1.heartbeatIntervalMs, 5000);
  assert.deepEqual(parts(a1.assignment), ['T-0', 'T-1', 'T-2', 'T-3']);

  const b1 = await h.hb('B', 0);
  assert.equal(b1.memberEpoch, 2);
  assert.deepEqual(parts(b1.assignment), [], 'B must wait: its partitions are still owned by A');
  assert.equal(h.coord.consumerGroupDescribe(['g'])[0].groupState, 'Reconciling');

  // A learns what it keeps; it stays at epoch 1 until it confirms the revocation.
  const a2 = await h.hb('A', 1, { topicPartitions: owned(0, 1, 2, 3) });
  assert.equal(a2.memberEpoch, 1);
  const kept = parts(a2.assignment) ?? [];
  assert.equal(kept.length, 2);
  // B asks again before A confirmed: still nothing.
  const b2 = await h.hb('B', 2);
  assert.equal(b2.assignment, null);
  // A confirms by reporting only what it kept.
  const a3 = await h.hb('A', 1, { topicPartitions: owned(...kept.map((k) => Number(k.slice(2)))) });
  assert.equal(a3.memberEpoch, 2);
  const b3 = await h.hb('B', 2);
  const bParts = parts(b3.assignment) ?? [];
  assert.equal(bParts.length, 2);
  assert.deepEqual([...kept, ...bParts].sort(), ['T-0', 'T-1', 'T-2', 'T-3']);
  assert.equal(h.coord.consumerGroupDescribe(['g'])[0].groupState, 'Stable');

  const d = h.coord.consumerGroupDescribe(['g'])[0];
  assert.equal(d.groupEpoch, 2);
  assert.equal(d.assignmentEpoch, 2);
  assert.equal(d.assignorName, 'uniform');
  assert.deepEqual(d.members.map((m) => [m.memberId, m.memberEpoch, m.assignment[0].topicName]).sort(), [
    ['A', 2, 't'],
    ['B', 2, 't'],
  ]);
  assert.deepEqual(h.coord.listGroups([], ['consumer']).groups, [{ groupId: 'g', protocolType: 'consumer', groupState: 'Stable', groupType: 'consumer' }]);
});

test('KIP-848 errors: fencing, unknown members, invalid requests, assignors, full groups', async () => {
  const h = setup({ consumerGroupMaxSize: 1 });
  assert.equal((await h.hb('A', 5)).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  await h.hb('A', 0);
  assert.equal((await h.hb('A', 7)).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  // A full group refuses strangers before even looking them up (Kafka's order).
  assert.equal((await h.hb('Z', 1)).errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  assert.equal((await h.hb('B', 0)).errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  assert.equal((await h.hb('A', 0, { rebalanceTimeoutMs: -1 })).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await h.hb('', 1)).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await h.hb('A', 1, { serverAssignor: 'sticky' })).errorCode, ErrorCode.UNSUPPORTED_ASSIGNOR);
  assert.equal((await h.hb('A', 1, { subscribedTopicRegex: '(' })).errorCode, ErrorCode.INVALID_REGULAR_EXPRESSION);
  // v0: the coordinator picks the member id.
  const h0 = setup();
  const r = await h0.hb('', 0, { apiVersion: 0 });
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.equal(r.memberId?.length, 22);
  assert.equal((await h0.hb('Z', 1)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('KIP-848: a member that stops heartbeating is fenced and its partitions move', async () => {
  const h = setup();
  await h.hb('A', 0);
  const b = await h.hb('B', 0);
  assert.equal(b.memberEpoch, 2);
  let epoch = b.memberEpoch;
  let mine: string[] = [];
  for (let i = 0; i < 10; i++) {
    h.scheduler.advance(5000);
    const r = await h.hb('B', epoch, i === 0 ? { topicPartitions: [] } : {});
    assert.equal(r.errorCode, ErrorCode.NONE);
    epoch = r.memberEpoch;
    if (r.assignment !== null) mine = parts(r.assignment) ?? [];
    // A never acknowledged anything, so B gets nothing while A's session (45 s) lasts.
    if (i < 8) assert.deepEqual(mine, []);
  }
  assert.deepEqual(h.coord.consumerGroupDescribe(['g'])[0].members.map((m) => m.memberId), ['B']);
  assert.equal(epoch, 3);
  assert.deepEqual(mine, ['T-0', 'T-1', 'T-2', 'T-3']);
  assert.equal((await h.hb('A', 1)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('KIP-848 leave (-1) bumps the epoch; static members (-2) keep their partitions for their comeback', async () => {
  const h = setup();
  const a = await h.hb('A', 0, { instanceId: 'i-a' });
  assert.deepEqual(parts(a.assignment), ['T-0', 'T-1', 'T-2', 'T-3']);
  const left = await h.hb('A', -2, { instanceId: 'i-a' });
  assert.equal(left.memberEpoch, -2);
  // While i-a is away, a new member cannot take its partitions.
  const b = await h.hb('B', 0);
  assert.deepEqual(parts(b.assignment), []);
  // Another incarnation is refused until the old one released the id... which it did (-2).
  const back = await h.hb('A2', 0, { instanceId: 'i-a' });
  assert.equal(back.errorCode, ErrorCode.NONE);
  assert.equal(back.memberId, 'A2');
  assert.equal((parts(back.assignment) ?? []).length, 2);
  const dup = await h.hb('A3', 0, { instanceId: 'i-a' });
  assert.equal(dup.errorCode, ErrorCode.UNRELEASED_INSTANCE_ID);
  assert.equal((await h.hb('A', 1, { instanceId: 'i-a' })).errorCode, ErrorCode.FENCED_INSTANCE_ID);
  const bye = await h.hb('B', -1);
  assert.equal(bye.memberEpoch, -1);
  assert.deepEqual(h.coord.consumerGroupDescribe(['g'])[0].members.map((m) => m.memberId), ['A2']);
});

test('KIP-848 offsets: member epoch checks, STALE_MEMBER_EPOCH, admin commits only when empty', async () => {
  const h = setup();
  const a = await h.hb('A', 0);
  const commit = (memberId: string, epoch: number) =>
    h.coord.commitOffsets({
      groupId: 'g',
      generationIdOrMemberEpoch: epoch,
      memberId,
      groupInstanceId: null,
      retentionTimeMs: -1,
      apiVersion: 9,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
  const code = async (memberId: string, epoch: number) => (await commit(memberId, epoch)).topics[0].partitions[0].errorCode;
  assert.equal(await code('A', a.memberEpoch), ErrorCode.NONE);
  assert.equal(await code('A', a.memberEpoch + 1), ErrorCode.STALE_MEMBER_EPOCH);
  assert.equal(await code('X', 1), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(await code('', -1), ErrorCode.UNKNOWN_MEMBER_ID);
  const fetched = h.coord.fetchOffsets([{ groupId: 'g', topics: null, memberId: 'A', memberEpoch: 99 }])[0];
  assert.equal(fetched.errorCode, ErrorCode.STALE_MEMBER_EPOCH);
  const del = await h.coord.deleteOffsets('g', [{ name: 't', partitionIndexes: [0] }]);
  assert.equal(del.topics[0].partitions[0].errorCode, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
  assert.equal((await h.coord.deleteGroups(['g']))[0].errorCode, ErrorCode.NON_EMPTY_GROUP);
  await h.hb('A', -1);
  assert.equal(await code('', -1), ErrorCode.NONE);
  assert.equal((await h.coord.deleteGroups(['g']))[0].errorCode, ErrorCode.NONE);
  assert.deepEqual(h.coord.listGroups().groups, []);
});

test('a new topic matching a member regex is assigned once the regex is resolved again', async () => {
  const h = setup();
  const a = await h.hb('A', 0, { subscribedTopicNames: [], subscribedTopicRegex: 'or.*' });
  assert.deepEqual(parts(a.assignment), []);
  h.scheduler.advance(0); // the first resolution: nothing matches
  h.topicList.set('orders', { id: 'O', name: 'orders', partitions: 2 });
  h.scheduler.advance(10_001); // resolutions are at least 10 s apart
  const a2 = await h.hb('A', a.memberEpoch);
  assert.equal(a2.memberEpoch, a.memberEpoch, 'this heartbeat only schedules the resolution');
  h.scheduler.advance(0);
  const a3 = await h.hb('A', a.memberEpoch);
  assert.equal(a3.memberEpoch, a.memberEpoch + 1);
  assert.deepEqual(parts(a3.assignment), ['O-0', 'O-1']);
});

test('range assignor: contiguous ranges, the first members get the extra partitions', () => {
  const spec = (memberId: string, topicIds: string[]) => ({
    memberId,
    instanceId: null,
    rackId: null,
    subscribedTopicIds: new Set(topicIds),
    currentAssignment: new Map<string, Set<number>>(),
  });
  const flat = (m: Map<string, Set<number>> | undefined) => [...(m ?? new Map<string, Set<number>>()).entries()].flatMap(([t, ps]) => [...ps].map((p) => `${t}${p}`)).sort();
  const range = new RangeAssignor().assign({ members: [spec('b', ['X']), spec('a', ['X'])], subscriptionType: 'homogeneous' }, new Map([['X', 5]]));
  assert.deepEqual(flat(range.get('a')), ['X0', 'X1', 'X2']);
  assert.deepEqual(flat(range.get('b')), ['X3', 'X4']);
});
