// The group APIs' version differences on the wire, checked with Brook's own protocol layer:
// what old and new versions of JoinGroup, SyncGroup, LeaveGroup, OffsetCommit, OffsetFetch,
// OffsetDelete, DescribeGroups and ListGroups put where, and the errors the handlers answer
// themselves (unknown topics, SyncGroup v5 without protocol fields).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { encodeSubscription } from '../src/protocol/consumer-protocol.js';
import { TestBroker } from './helpers/broker.js';
import { FAST_CLASSIC_GROUPS } from './helpers/group-broker.js';
import { WireClient } from './helpers/wire-client.js';

const API = {
  OFFSET_COMMIT: 8, OFFSET_FETCH: 9, JOIN_GROUP: 11, HEARTBEAT: 12, LEAVE_GROUP: 13, SYNC_GROUP: 14,
  DESCRIBE_GROUPS: 15, LIST_GROUPS: 16, DELETE_GROUPS: 42, OFFSET_DELETE: 47,
} as const;
const E = {
  NONE: 0, UNKNOWN_TOPIC_OR_PARTITION: 3, UNKNOWN_MEMBER_ID: 25, INCONSISTENT_GROUP_PROTOCOL: 23,
  MEMBER_ID_REQUIRED: 79, GROUP_ID_NOT_FOUND: 69, GROUP_SUBSCRIBED_TO_TOPIC: 86,
} as const;

type Body = Record<string, unknown>;
type Row = Record<string, unknown> & { errorCode: number };

let tb: TestBroker;
let conn: WireClient;
const call = (apiKey: number, version: number, body: Body) => conn.request(apiKey, version, body) as Promise<Body>;

before(async () => {
  tb = await TestBroker.start({ settings: FAST_CLASSIC_GROUPS });
  assert.equal((await tb.broker.cluster.createTopic('w', 2, {})).errorCode, 0);
  conn = await WireClient.connect(tb.port);
});

after(async () => {
  conn.destroy();
  await tb.cleanup();
});

const join = (version: number, groupId: string, memberId: string, extra: Body = {}) =>
  call(API.JOIN_GROUP, version, {
    groupId, sessionTimeoutMs: 5000, rebalanceTimeoutMs: 5000, memberId, groupInstanceId: null, protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: encodeSubscription({ version: 0, topics: ['w'] }) }], reason: null, ...extra,
  });

test('JoinGroup v0 joins without the member id handshake; v4+ require it; SyncGroup, Heartbeat, LeaveGroup v0', async () => {
  const j = await join(0, 'old-group', '');
  assert.equal(j.errorCode, E.NONE);
  assert.equal(j.generationId, 1);
  assert.equal(j.leader, j.memberId);
  assert.equal(j.protocolName, 'range');
  assert.equal((j.members as unknown[]).length, 1);
  const s = await call(API.SYNC_GROUP, 0, { groupId: 'old-group', generationId: 1, memberId: j.memberId, assignments: [{ memberId: j.memberId, assignment: Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) }] });
  assert.equal(s.errorCode, E.NONE);
  assert.equal((s.assignment as Buffer).length, 10);
  assert.equal((await call(API.HEARTBEAT, 0, { groupId: 'old-group', generationId: 1, memberId: j.memberId })).errorCode, E.NONE);
  // v0-2 fold the member's error into the one top-level code.
  assert.equal((await call(API.LEAVE_GROUP, 0, { groupId: 'old-group', memberId: 'stranger' })).errorCode, E.UNKNOWN_MEMBER_ID);
  assert.equal((await call(API.LEAVE_GROUP, 1, { groupId: 'old-group', memberId: j.memberId })).errorCode, E.NONE);

  const v4 = await join(4, 'new-group', '');
  assert.equal(v4.errorCode, E.MEMBER_ID_REQUIRED);
  assert.notEqual(v4.memberId, '');
  // Errors carry no protocol: "" before v7, null from v7.
  assert.equal(v4.protocolName, '');
  const v7 = await join(7, 'new-group', 'unknown-member');
  assert.equal(v7.errorCode, E.UNKNOWN_MEMBER_ID);
  assert.equal(v7.protocolName, null);
  const v9 = await join(9, 'new-group', v4.memberId as string);
  assert.equal(v9.errorCode, E.NONE);
  assert.equal(v9.protocolType, 'consumer');
  assert.equal(v9.skipAssignment, false);

  // SyncGroup v5 must name the protocol.
  const bare = await call(API.SYNC_GROUP, 5, { groupId: 'new-group', generationId: v9.generationId, memberId: v9.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
  assert.equal(bare.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
  const wrong = await call(API.SYNC_GROUP, 5, { groupId: 'new-group', generationId: v9.generationId, memberId: v9.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'roundrobin', assignments: [] });
  assert.equal(wrong.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
  const ok = await call(API.SYNC_GROUP, 5, { groupId: 'new-group', generationId: v9.generationId, memberId: v9.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
  assert.deepEqual([ok.errorCode, ok.protocolType, ok.protocolName], [E.NONE, 'consumer', 'range']);

  // v3+: one error per member; an unknown group is not a group-level error.
  const left = await call(API.LEAVE_GROUP, 5, { groupId: 'new-group', members: [{ memberId: v9.memberId, groupInstanceId: null, reason: 'done' }, { memberId: 'x', groupInstanceId: null, reason: null }] });
  assert.equal(left.errorCode, E.NONE);
  assert.deepEqual((left.members as Row[]).map((m) => m.errorCode), [E.NONE, E.UNKNOWN_MEMBER_ID]);
  const nowhere = await call(API.LEAVE_GROUP, 3, { groupId: 'no-group', members: [{ memberId: 'x', groupInstanceId: null }] });
  assert.equal(nowhere.errorCode, E.NONE);
  assert.deepEqual((nowhere.members as Row[]).map((m) => m.errorCode), [E.UNKNOWN_MEMBER_ID]);
});

test('OffsetCommit answers unknown topics and partitions itself; OffsetFetch per version', async () => {
  const committed = await call(API.OFFSET_COMMIT, 2, {
    groupId: 'offsets', generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: -1,
    topics: [
      { name: 'w', partitions: [{ partitionIndex: 0, committedOffset: 7, committedMetadata: 'seven' }, { partitionIndex: 5, committedOffset: 1, committedMetadata: null }] },
      { name: 'nope', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] },
    ],
  });
  const topics = committed.topics as { name: string; partitions: Row[] }[];
  assert.deepEqual(topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])]), [
    ['w', [[0, E.NONE], [5, E.UNKNOWN_TOPIC_OR_PARTITION]]],
    ['nope', [[0, E.UNKNOWN_TOPIC_OR_PARTITION]]],
  ]);

  // v1: listed partitions, -1 for a partition without a commit.
  const v1 = await call(API.OFFSET_FETCH, 1, { groupId: 'offsets', topics: [{ name: 'w', partitionIndexes: [0, 1] }] });
  const v1parts = (v1.topics as { partitions: Row[] }[])[0].partitions;
  assert.deepEqual(v1parts.map((p) => [p.partitionIndex, p.committedOffset, p.metadata, p.errorCode]), [[0, 7, 'seven', 0], [1, -1, '', 0]]);
  // v2+: null topics means every committed partition; v5+ carry the leader epoch.
  const v5 = await call(API.OFFSET_FETCH, 5, { groupId: 'offsets', topics: null });
  assert.equal(v5.errorCode, E.NONE);
  assert.deepEqual((v5.topics as { name: string; partitions: Row[] }[]).map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.committedLeaderEpoch])]), [['w', [[0, 7, -1]]]]);
  // v8+: several groups in one request, answered per group.
  const v8 = await call(API.OFFSET_FETCH, 8, {
    groups: [{ groupId: 'offsets', topics: null }, { groupId: 'never-committed', topics: [{ name: 'w', partitionIndexes: [1] }] }],
    requireStable: false,
  });
  const groups = v8.groups as { groupId: string; errorCode: number; topics: { partitions: Row[] }[] }[];
  assert.deepEqual(groups.map((g) => [g.groupId, g.errorCode, g.topics.map((t) => t.partitions.map((p) => p.committedOffset))]), [
    ['offsets', 0, [[7]]],
    ['never-committed', 0, [[-1]]],
  ]);
});

test('OffsetDelete: unknown topics, unknown groups, topics a group consumes', async () => {
  await call(API.OFFSET_COMMIT, 8, {
    groupId: 'to-delete', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
    topics: [{ name: 'w', partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, committedMetadata: null }, { partitionIndex: 1, committedOffset: 4, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  const res = await call(API.OFFSET_DELETE, 0, { groupId: 'to-delete', topics: [{ name: 'w', partitions: [{ partitionIndex: 0 }] }, { name: 'ghost', partitions: [{ partitionIndex: 0 }] }] });
  assert.equal(res.errorCode, E.NONE);
  assert.deepEqual((res.topics as { name: string; partitions: Row[] }[]).map((t) => [t.name, t.partitions.map((p) => p.errorCode)]), [['w', [E.NONE]], ['ghost', [E.UNKNOWN_TOPIC_OR_PARTITION]]]);
  const left = await call(API.OFFSET_FETCH, 6, { groupId: 'to-delete', topics: null, requireStable: false });
  assert.deepEqual((left.topics as { partitions: Row[] }[])[0].partitions.map((p) => [p.partitionIndex, p.committedOffset]), [[1, 4]]);
  const missing = await call(API.OFFSET_DELETE, 0, { groupId: 'missing-group', topics: [{ name: 'w', partitions: [{ partitionIndex: 0 }] }] });
  assert.deepEqual([missing.errorCode, missing.topics], [E.GROUP_ID_NOT_FOUND, []]);

  // A stable consumer group that subscribes to `w` keeps its offsets for `w`.
  const first = await join(9, 'subscribed', '');
  const j = await join(9, 'subscribed', first.memberId as string);
  await call(API.SYNC_GROUP, 5, { groupId: 'subscribed', generationId: j.generationId, memberId: j.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [] });
  const sub = await call(API.OFFSET_DELETE, 0, { groupId: 'subscribed', topics: [{ name: 'w', partitions: [{ partitionIndex: 0 }] }] });
  assert.deepEqual((sub.topics as { partitions: Row[] }[])[0].partitions.map((p) => p.errorCode), [E.GROUP_SUBSCRIBED_TO_TOPIC]);
  await call(API.LEAVE_GROUP, 5, { groupId: 'subscribed', members: [{ memberId: j.memberId, groupInstanceId: null, reason: null }] });
});

test('DescribeGroups authorized operations and unknown groups; ListGroups filters; DeleteGroups', async () => {
  await call(API.OFFSET_COMMIT, 8, {
    groupId: 'described', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
    topics: [{ name: 'w', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  const asked = await call(API.DESCRIBE_GROUPS, 5, { groups: ['described', 'unknown'], includeAuthorizedOperations: true });
  const [g, unknown] = asked.groups as Row[];
  // No authorizer: every operation a group supports (READ, DELETE, DESCRIBE, DESCRIBE/ALTER_CONFIGS).
  const all = (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11);
  assert.deepEqual([g.errorCode, g.groupState, g.authorizedOperations], [E.NONE, 'Empty', all]);
  // Before v6 an unknown group is described as Dead without an error (so it gets operations too).
  assert.deepEqual([unknown.errorCode, unknown.groupState, unknown.members], [E.NONE, 'Dead', []]);
  const notAsked = await call(API.DESCRIBE_GROUPS, 3, { groups: ['described'], includeAuthorizedOperations: false });
  assert.equal((notAsked.groups as Row[])[0].authorizedOperations, -2147483648);

  const empty = await call(API.LIST_GROUPS, 4, { statesFilter: ['empty'] });
  const rows = empty.groups as { groupId: string; groupState: string }[];
  assert.ok(rows.some((r) => r.groupId === 'described'));
  assert.ok(rows.every((r) => r.groupState === 'Empty'));
  const consumerOnly = await call(API.LIST_GROUPS, 5, { statesFilter: [], typesFilter: ['consumer'] });
  assert.ok(!(consumerOnly.groups as { groupId: string }[]).some((r) => r.groupId === 'described'));
  const classic = await call(API.LIST_GROUPS, 5, { statesFilter: [], typesFilter: ['Classic'] });
  assert.ok((classic.groups as { groupId: string; groupType: string }[]).some((r) => r.groupId === 'described' && r.groupType === 'classic'));

  const deleted = await call(API.DELETE_GROUPS, 2, { groupsNames: ['described', 'unknown'] });
  assert.deepEqual((deleted.results as Row[]).map((r) => [r.groupId, r.errorCode]), [['described', E.NONE], ['unknown', E.GROUP_ID_NOT_FOUND]]);
});
