import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../protocol/errors.js';
import { decodeAssignment, encodeAssignment, encodeSubscription } from '../../protocol/consumer-protocol.js';
import { GroupCoordinator } from './group-coordinator.js';
import type { GroupCoordinatorConfig } from './group-coordinator-config.js';
import type { JoinGroupParams, JoinGroupResult, TopicMetadataView } from './group-types.js';
import { MemoryGroupLog } from './memory-group-log.js';
import { ManualScheduler } from './scheduler.js';

const tick = () => new Promise<void>((r) => setImmediate(r));
async function drain(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await tick();
}

const topics: TopicMetadataView = {
  topicByName: (name) => (name === 't' ? { id: 'tid', name: 't', partitions: 4 } : undefined),
  topicById: (id) => (id === 'tid' ? { id: 'tid', name: 't', partitions: 4 } : undefined),
};

function setup(config: Partial<GroupCoordinatorConfig> = {}) {
  const scheduler = new ManualScheduler();
  const log = new MemoryGroupLog();
  const coord = new GroupCoordinator({ log, topics, scheduler, config: { classicGroupInitialRebalanceDelayMs: 0, ...config } });
  const params = (memberId: string, extra: Partial<JoinGroupParams> = {}): JoinGroupParams => ({
    groupId: 'g',
    memberId,
    groupInstanceId: null,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: encodeSubscription({ topics: ['t'] }) }],
    reason: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    apiVersion: 9,
    ...extra,
  });
  /** Runs the KIP-394 handshake and returns the member id and the parked join. */
  const newMember = async (extra: Partial<JoinGroupParams> = {}) => {
    const first = await coord.joinGroup(params('', extra));
    assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    const memberId = first.memberId;
    return { memberId, join: coord.joinGroup(params(memberId, extra)) };
  };
  const sync = (memberId: string, generationId: number, assignments: { memberId: string; assignment: Buffer }[] = [], groupInstanceId: string | null = null) =>
    coord.syncGroup({ groupId: 'g', generationId, memberId, groupInstanceId, protocolType: 'consumer', protocolName: 'range', assignments });
  const hb = async (memberId: string, generationId: number, groupInstanceId: string | null = null) =>
    (await coord.heartbeat({ groupId: 'g', memberId, generationId, groupInstanceId })).errorCode;
  const state = () => coord.describeGroups(['g'])[0].groupState;
  return { scheduler, log, coord, params, newMember, sync, hb, state };
}

const assignmentOf = (partitions: number[]) => encodeAssignment({ assignedPartitions: [{ topic: 't', partitions }] });
const partitionsOf = (buf: Buffer) => decodeAssignment(buf)?.assignedPartitions[0]?.partitions ?? [];

/** Two members through join and sync; returns their ids and the generation. */
async function stableTwoMembers(h: ReturnType<typeof setup>) {
  const a = await h.newMember();
  const b = await h.newMember();
  h.scheduler.advance(0);
  const [ja, jb] = await Promise.all([a.join, b.join]);
  const leader = ja.leader;
  const syncs = [
    h.sync(a.memberId, ja.generationId, leader === a.memberId ? [{ memberId: a.memberId, assignment: assignmentOf([0, 1]) }, { memberId: b.memberId, assignment: assignmentOf([2, 3]) }] : []),
    h.sync(b.memberId, jb.generationId, leader === b.memberId ? [{ memberId: a.memberId, assignment: assignmentOf([0, 1]) }, { memberId: b.memberId, assignment: assignmentOf([2, 3]) }] : []),
  ];
  const [sa, sb] = await Promise.all(syncs);
  return { a: a.memberId, b: b.memberId, ja, jb, sa, sb, generation: ja.generationId };
}

test('member id handshake: v4+ gets MEMBER_ID_REQUIRED, the id stays pending until it rejoins', async () => {
  const h = setup();
  const first = await h.coord.joinGroup(h.params(''));
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.match(first.memberId, /^client-[0-9a-f-]{36}$/);
  assert.equal(h.state(), 'Empty');
  // A pending member that never comes back expires after the session timeout.
  h.scheduler.advance(10_000);
  const late = await h.coord.joinGroup(h.params(first.memberId));
  assert.equal(late.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);

  const again = await h.coord.joinGroup(h.params(''));
  const join = h.coord.joinGroup(h.params(again.memberId));
  h.scheduler.advance(0);
  const r = await join;
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.equal(r.memberId, again.memberId);
  assert.equal(r.generationId, 1);
  assert.equal(r.leader, again.memberId);
});

test('v3 joins without the handshake', async () => {
  const h = setup();
  const join = h.coord.joinGroup(h.params('', { apiVersion: 3 }));
  h.scheduler.advance(0);
  const r = await join;
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.notEqual(r.memberId, '');
});

test('two members: generation 1, leader gets the metadata, sync distributes the assignment', async () => {
  const h = setup();
  const { a, b, ja, jb, sa, sb } = await stableTwoMembers(h);
  assert.equal(ja.generationId, 1);
  assert.equal(jb.generationId, 1);
  assert.equal(ja.leader, jb.leader);
  assert.equal(ja.protocolName, 'range');
  const leaderResult = ja.leader === a ? ja : jb;
  const followerResult = ja.leader === a ? jb : ja;
  assert.deepEqual(leaderResult.members.map((m) => m.memberId).sort(), [a, b].sort());
  assert.deepEqual(leaderResult.members[0].metadata, encodeSubscription({ topics: ['t'] }));
  assert.deepEqual(followerResult.members, []);
  assert.equal(sa.errorCode, ErrorCode.NONE);
  assert.deepEqual(partitionsOf(sa.assignment), [0, 1]);
  assert.deepEqual(partitionsOf(sb.assignment), [2, 3]);
  assert.equal(h.state(), 'Stable');
  assert.equal(await h.hb(a, 1), ErrorCode.NONE);
  assert.equal(await h.hb(a, 0), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(await h.hb('nobody', 1), ErrorCode.UNKNOWN_MEMBER_ID);
  // A stale generation in SyncGroup.
  assert.equal((await h.sync(a, 7)).errorCode, ErrorCode.ILLEGAL_GENERATION);
});

test('a follower syncing first waits for the leader', async () => {
  const h = setup();
  const a = await h.newMember();
  const b = await h.newMember();
  h.scheduler.advance(0);
  const [ja, jb] = await Promise.all([a.join, b.join]);
  const leader = ja.leader;
  const follower = leader === a.memberId ? b.memberId : a.memberId;
  let followerDone = false;
  const fs = h.sync(follower, jb.generationId).then((r) => ((followerDone = true), r));
  await drain();
  assert.equal(followerDone, false);
  assert.equal(h.state(), 'CompletingRebalance');
  const ls = await h.sync(leader, ja.generationId, [{ memberId: follower, assignment: assignmentOf([3]) }]);
  assert.deepEqual(partitionsOf((await fs).assignment), [3]);
  assert.deepEqual(ls.assignment, Buffer.alloc(0)); // missing in the leader's list: empty
});

test('a third member triggers a rebalance: others get REBALANCE_IN_PROGRESS and rejoin', async () => {
  const h = setup();
  const { a, b, generation } = await stableTwoMembers(h);
  const c = await h.newMember();
  await drain();
  assert.equal(h.state(), 'PreparingRebalance');
  assert.equal(await h.hb(a, generation), ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal(await h.hb(b, generation), ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal((await h.sync(a, generation)).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  const ra = h.coord.joinGroup(h.params(a));
  const rb = h.coord.joinGroup(h.params(b));
  const [ja, jb, jc] = await Promise.all([ra, rb, c.join]);
  for (const r of [ja, jb, jc]) {
    assert.equal(r.errorCode, ErrorCode.NONE);
    assert.equal(r.generationId, 2);
  }
  const leaderResult = [ja, jb, jc].find((r) => r.memberId === r.leader) as JoinGroupResult;
  assert.equal(leaderResult.members.length, 3);
});

test('a member that stops heartbeating is expired and the others rebalance', async () => {
  const h = setup();
  const { a, b, generation } = await stableTwoMembers(h);
  for (let t = 0; t < 12; t++) {
    h.scheduler.advance(1000);
    // b's session (10 s) ends at the 10th second.
    assert.equal(await h.hb(a, generation), t < 9 ? ErrorCode.NONE : ErrorCode.REBALANCE_IN_PROGRESS);
  }
  assert.equal(h.state(), 'PreparingRebalance');
  const ja = await h.coord.joinGroup(h.params(a));
  assert.equal(ja.generationId, generation + 1);
  assert.equal(ja.leader, a);
  assert.deepEqual(ja.members.map((m) => m.memberId), [a]);
  assert.equal(await h.hb(b, generation), ErrorCode.UNKNOWN_MEMBER_ID);
});

test('leave triggers an immediate rebalance; the last leave empties the group', async () => {
  const h = setup();
  const { a, b, generation } = await stableTwoMembers(h);
  const res = await h.coord.leaveGroup('g', [
    { memberId: b, groupInstanceId: null, reason: 'bye' },
    { memberId: 'ghost', groupInstanceId: null, reason: null },
  ]);
  assert.equal(res.errorCode, ErrorCode.NONE);
  assert.deepEqual(res.members.map((m) => m.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.equal(h.state(), 'PreparingRebalance');
  const ja = await h.coord.joinGroup(h.params(a));
  assert.equal(ja.generationId, generation + 1);
  await h.sync(a, ja.generationId, [{ memberId: a, assignment: assignmentOf([0, 1, 2, 3]) }]);
  await h.coord.leaveGroup('g', [{ memberId: a, groupInstanceId: null, reason: null }]);
  assert.equal(h.state(), 'Empty');
  // Now an admin tool may reset offsets (generation -1, no member id).
  const reset = await h.coord.commitOffsets({
    groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 0, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  assert.equal(reset.topics[0].partitions[0].errorCode, ErrorCode.NONE);
  const listed = h.coord.listGroups().groups;
  assert.deepEqual(listed, [{ groupId: 'g', protocolType: 'consumer', groupState: 'Empty', groupType: 'classic' }]);
});

test('static member rejoining with its instance id keeps its assignment without a new generation', async () => {
  const h = setup();
  const ja = h.coord.joinGroup(h.params('', { groupInstanceId: 'i-1' }));
  const jb = h.coord.joinGroup(h.params('', { groupInstanceId: 'i-2' }));
  h.scheduler.advance(0);
  const [ra, rb] = await Promise.all([ja, jb]);
  assert.equal(ra.errorCode, ErrorCode.NONE);
  assert.match(ra.memberId, /^i-1-/);
  const leader = ra.leader;
  const assignments = [
    { memberId: ra.memberId, assignment: assignmentOf([0, 1]) },
    { memberId: rb.memberId, assignment: assignmentOf([2, 3]) },
  ];
  await Promise.all([
    h.sync(ra.memberId, 1, leader === ra.memberId ? assignments : [], 'i-1'),
    h.sync(rb.memberId, 1, leader === rb.memberId ? assignments : [], 'i-2'),
  ]);
  // i-2 restarts: unknown member id, same instance id.
  const again = await h.coord.joinGroup(h.params('', { groupInstanceId: 'i-2' }));
  assert.equal(again.errorCode, ErrorCode.NONE);
  assert.notEqual(again.memberId, rb.memberId);
  assert.equal(again.generationId, 1);
  assert.equal(h.state(), 'Stable');
  const s = await h.sync(again.memberId, 1, [], 'i-2');
  assert.deepEqual(partitionsOf(s.assignment), [2, 3]);
  // The old incarnation is fenced.
  assert.equal(await h.hb(rb.memberId, 1, 'i-2'), ErrorCode.FENCED_INSTANCE_ID);
  assert.equal((await h.sync(rb.memberId, 1, [], 'i-2')).errorCode, ErrorCode.FENCED_INSTANCE_ID);
  const leave = await h.coord.leaveGroup('g', [{ memberId: rb.memberId, groupInstanceId: 'i-2', reason: null }]);
  assert.equal(leave.members[0].errorCode, ErrorCode.FENCED_INSTANCE_ID);
  // Static members are not evicted for missing a rebalance; their session still counts.
  assert.equal(await h.hb(ra.memberId, 1, 'i-1'), ErrorCode.NONE);
});

test('a static leader rejoining a stable group: v9+ skips the assignment, older versions act as follower', async () => {
  const h = setup();
  const ja = h.coord.joinGroup(h.params('', { groupInstanceId: 'i-1' }));
  const jb = h.coord.joinGroup(h.params('', { groupInstanceId: 'i-2' }));
  h.scheduler.advance(0);
  const [ra, rb] = await Promise.all([ja, jb]);
  const leaderFirst = ra.leader === ra.memberId;
  const leaderInstance = leaderFirst ? 'i-1' : 'i-2';
  const assignments = [
    { memberId: ra.memberId, assignment: assignmentOf([0, 1]) },
    { memberId: rb.memberId, assignment: assignmentOf([2, 3]) },
  ];
  await Promise.all([
    h.sync(ra.memberId, 1, leaderFirst ? assignments : [], 'i-1'),
    h.sync(rb.memberId, 1, leaderFirst ? [] : assignments, 'i-2'),
  ]);
  const leaderAssignment = leaderFirst ? [0, 1] : [2, 3];

  // JoinGroup v8: the new incarnation is told the previous leader id and no members.
  const old = await h.coord.joinGroup(h.params('', { groupInstanceId: leaderInstance, apiVersion: 8 }));
  assert.equal(old.errorCode, ErrorCode.NONE);
  assert.equal(old.generationId, 1);
  assert.equal(old.leader, ra.leader);
  assert.notEqual(old.leader, old.memberId);
  assert.deepEqual(old.members, []);
  assert.equal(old.skipAssignment, false);
  const s = await h.sync(old.memberId, 1, [], leaderInstance);
  assert.deepEqual(partitionsOf(s.assignment), leaderAssignment);
  assert.equal(h.state(), 'Stable');

  // JoinGroup v9: it is the leader, gets the members and is told to skip the assignment.
  const v9 = await h.coord.joinGroup(h.params('', { groupInstanceId: leaderInstance, apiVersion: 9 }));
  assert.equal(v9.errorCode, ErrorCode.NONE);
  assert.equal(v9.leader, v9.memberId);
  assert.equal(v9.members.length, 2);
  assert.equal(v9.skipAssignment, true);
  assert.equal(v9.generationId, 1);
});

test('leaving an unknown group answers UNKNOWN_MEMBER_ID per member, no group error', async () => {
  const h = setup();
  const res = await h.coord.leaveGroup('nope', [
    { memberId: 'm-1', groupInstanceId: null, reason: null },
    { memberId: '', groupInstanceId: 'i-9', reason: null },
  ]);
  assert.equal(res.errorCode, ErrorCode.NONE);
  assert.deepEqual(res.members, [
    { memberId: 'm-1', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
    { memberId: '', groupInstanceId: 'i-9', errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
  ]);
});

test('a parked join of a replaced static member is answered FENCED_INSTANCE_ID', async () => {
  const h = setup();
  const first = h.coord.joinGroup(h.params('', { groupInstanceId: 'i-1' }));
  const dup = h.coord.joinGroup(h.params('', { groupInstanceId: 'i-1' }));
  h.scheduler.advance(0);
  const [r1, r2] = await Promise.all([first, dup]);
  assert.equal(r1.errorCode, ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(r2.errorCode, ErrorCode.NONE);
});

test('join validation: session timeout bounds, protocols, group size', async () => {
  const h = setup({ classicGroupMaxSize: 1 });
  assert.equal((await h.coord.joinGroup(h.params('', { sessionTimeoutMs: 10 }))).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal((await h.coord.joinGroup(h.params('', { groupId: '' }))).errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal((await h.coord.joinGroup(h.params('', { protocols: [] }))).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const { a } = { a: await h.newMember() };
  h.scheduler.advance(0);
  const ja = await a.join;
  await h.sync(a.memberId, ja.generationId, [{ memberId: a.memberId, assignment: assignmentOf([0]) }]);
  assert.equal((await h.coord.joinGroup(h.params(a.memberId, { protocolType: 'connect' }))).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const full = await h.coord.joinGroup(h.params(''));
  assert.equal(full.errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  assert.equal(full.memberId, '');
  assert.equal(h.state(), 'Stable');
});

test('the initial rebalance delay waits for more members, up to the rebalance timeout', async () => {
  const h = setup({ classicGroupInitialRebalanceDelayMs: 3000 });
  const a = await h.newMember({ rebalanceTimeoutMs: 7000 });
  let done = false;
  void a.join.then(() => (done = true));
  h.scheduler.advance(2000);
  const b = await h.newMember({ rebalanceTimeoutMs: 7000 });
  h.scheduler.advance(1000); // first delay over, but b arrived: extended
  await drain();
  assert.equal(done, false);
  h.scheduler.advance(3000);
  const [ja, jb] = await Promise.all([a.join, b.join]);
  assert.equal(ja.generationId, 1);
  assert.equal(jb.generationId, 1);
});

test('members that never send SyncGroup are removed when the rebalance timeout passes', async () => {
  const h = setup();
  const a = await h.newMember();
  const b = await h.newMember();
  h.scheduler.advance(0);
  const [ja, jb] = await Promise.all([a.join, b.join]);
  const leader = ja.leader;
  const follower = leader === a.memberId ? b.memberId : a.memberId;
  await h.sync(leader, ja.generationId, [{ memberId: leader, assignment: assignmentOf([0, 1, 2, 3]) }]);
  assert.equal(h.state(), 'Stable');
  for (let t = 0; t < 30; t++) {
    h.scheduler.advance(1000);
    await h.hb(leader, ja.generationId);
  }
  assert.equal(h.state(), 'PreparingRebalance');
  assert.equal(await h.hb(follower, jb.generationId), ErrorCode.UNKNOWN_MEMBER_ID);
});

test('50 members and 200 partitions: range assignment ends Stable with each partition once', async () => {
  const h = setup();
  const members = [];
  for (let i = 0; i < 50; i++) members.push(await h.newMember({ clientId: `c${i}` }));
  h.scheduler.advance(0);
  const joins = await Promise.all(members.map((m) => m.join));
  const leaderId = joins[0].leader;
  const leaderJoin = joins.find((j) => j.memberId === leaderId) as JoinGroupResult;
  assert.equal(leaderJoin.members.length, 50);
  // Client-side range assignment as the leader would compute it.
  const ids = leaderJoin.members.map((m) => m.memberId).sort();
  const assignments = ids.map((memberId, i) => ({
    memberId,
    assignment: encodeAssignment({ assignedPartitions: [{ topic: 't', partitions: [0, 1, 2, 3].map((k) => i * 4 + k) }] }),
  }));
  const syncs = await Promise.all(joins.map((j) => h.sync(j.memberId, j.generationId, j.memberId === leaderId ? assignments : [])));
  const seen = new Map<number, number>();
  for (const s of syncs) {
    assert.equal(s.errorCode, ErrorCode.NONE);
    for (const p of partitionsOf(s.assignment)) seen.set(p, (seen.get(p) ?? 0) + 1);
  }
  assert.equal(seen.size, 200);
  assert.ok([...seen.values()].every((n) => n === 1));
  assert.equal(h.state(), 'Stable');
  const view = h.coord.inspectGroups({ groupId: 'g' })[0];
  assert.equal(view.members.length, 50);
  assert.equal(view.members.reduce((n, m) => n + (m.assignment?.[0]?.partitions.length ?? 0), 0), 200);
});

/** A client that follows the classic protocol the way real consumers do. */
class SimClient {
  memberId = '';
  generation = -1;
  partitions: number[] = [];
  stopped = false;
  stable = false;
  constructor(
    private readonly h: ReturnType<typeof setup>,
    readonly name: string,
  ) {}

  start(): void {
    void this.rejoin();
  }

  private later(fn: () => void, ms: number): void {
    this.h.scheduler.schedule(`sim-${this.name}`, ms, () => {
      if (!this.stopped) fn();
    });
  }

  async rejoin(): Promise<void> {
    this.stable = false;
    let j = await this.h.coord.joinGroup(this.h.params(this.memberId, { clientId: this.name }));
    if (j.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      this.memberId = j.memberId;
      j = await this.h.coord.joinGroup(this.h.params(this.memberId, { clientId: this.name }));
    }
    if (this.stopped) return;
    if (j.errorCode !== ErrorCode.NONE) {
      if (j.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
      return this.later(() => void this.rejoin(), 100);
    }
    this.generation = j.generationId;
    let assignments: { memberId: string; assignment: Buffer }[] = [];
    if (j.leader === this.memberId) {
      const ids = j.members.map((m) => m.memberId).sort();
      assignments = ids.map((memberId, i) => ({
        memberId,
        assignment: assignmentOf([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].filter((p) => p % ids.length === i)),
      }));
    }
    const s = await this.h.sync(this.memberId, j.generationId, assignments);
    if (this.stopped) return;
    if (s.errorCode !== ErrorCode.NONE) {
      if (s.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
      return this.later(() => void this.rejoin(), 100);
    }
    this.partitions = partitionsOf(s.assignment);
    this.stable = true;
    this.later(() => void this.heartbeat(), 1000);
  }

  private async heartbeat(): Promise<void> {
    const err = await this.h.hb(this.memberId, this.generation);
    if (this.stopped) return;
    if (err === ErrorCode.NONE) return this.later(() => void this.heartbeat(), 1000);
    if (err === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
    void this.rejoin();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.h.scheduler.cancel(`sim-${this.name}`);
    if (this.memberId !== '') await this.h.coord.leaveGroup('g', [{ memberId: this.memberId, groupInstanceId: null, reason: null }]);
  }
}

test('a storm of joins and leaves ends Stable with every partition owned once', async () => {
  const h = setup({ classicGroupInitialRebalanceDelayMs: 500 });
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const live: SimClient[] = [];
  let n = 0;
  let left = 0;
  for (let step = 0; step < 300; step++) {
    if (step < 200) {
      if (live.length < 3 || rand() < 0.06) {
        const c = new SimClient(h, `c${n++}`);
        live.push(c);
        c.start();
      } else if (live.length > 1 && rand() < 0.04) {
        const [victim] = live.splice(Math.floor(rand() * live.length), 1);
        left++;
        void victim.stop();
      }
    }
    h.scheduler.advance(100);
    await drain(8);
  }
  assert.ok(n >= 8 && left >= 4, `churn: ${n} joined, ${left} left`);
  assert.equal(h.state(), 'Stable');
  const view = h.coord.inspectGroups({ groupId: 'g' })[0];
  assert.deepEqual(view.members.map((m) => m.memberId).sort(), live.map((c) => c.memberId).sort());
  const owned = live.flatMap((c) => c.partitions).sort((a, b) => a - b);
  assert.deepEqual(owned, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.ok(live.every((c) => c.stable && c.generation === view.generationId));
  h.coord.close();
});
