// A classic consumer group at scale: 50 members on a 200-partition topic, then a seeded storm of
// joins, clean leaves and crashes. Members are the lightest client there is: Brook's own
// WireClient speaking JoinGroup v9 / SyncGroup v5 / Heartbeat v4 / LeaveGroup v5 on one
// connection each, with the leader computing a range assignment client-side as Kafka consumers
// do. Whatever the churn, the group must settle Stable with every live member in it, no ghost,
// and every partition assigned exactly once in the coordinator's record (broker.groups()) and in
// what each member received.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBroker, type Broker, type GroupInspection } from '../src/index.js';
import { WireClient } from '../src/client/wire-client.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../src/protocol/consumer-protocol.js';
import { ErrorCode, errorName } from '../src/protocol/errors.js';
import { tempDir } from './helpers/broker.js';
import { FAST_CLASSIC_GROUPS } from './helpers/group-broker.js';
import { waitFor } from './helpers/wait-for.js';
import { mulberry32 } from './helpers/prng.js';

const TOPIC = 'scale';
const GROUP = 'scale-group';
const PARTITIONS = 200;
const SESSION_MS = 2000;
const REBALANCE_MS = 10_000;
const HEARTBEAT_MS = 300;

const Api = { JOIN_GROUP: 11, HEARTBEAT: 12, LEAVE_GROUP: 13, SYNC_GROUP: 14 } as const;

interface JoinGroupResult {
  errorCode: number;
  generationId: number;
  leader: string;
  memberId: string;
  members: { memberId: string; metadata: Buffer }[];
}

interface SyncGroupResult {
  errorCode: number;
  assignment: Buffer;
}

let dir: string;
let broker: Broker;
const all: WireMember[] = [];

before(async () => {
  dir = tempDir('brook-groups-scale-');
  broker = await startBroker({ port: 0, dataDir: dir, settings: FAST_CLASSIC_GROUPS });
  await broker.cluster.createTopic(TOPIC, PARTITIONS, {});
});

after(async () => {
  for (const m of all) m.crash();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Kafka's RangeAssignor for one topic: members in id order, the first (partitions % n) get one more. */
function rangeAssign(members: JoinGroupResult['members']): { memberId: string; assignment: Buffer }[] {
  const ids = members
    .filter((m) => decodeSubscription(m.metadata)?.topics.includes(TOPIC))
    .map((m) => m.memberId)
    .sort();
  const per = Math.floor(PARTITIONS / ids.length);
  const extra = PARTITIONS % ids.length;
  let next = 0;
  return ids.map((memberId, i) => {
    const n = per + (i < extra ? 1 : 0);
    const partitions = Array.from({ length: n }, (_, k) => next + k);
    next += n;
    return { memberId, assignment: encodeAssignment({ assignedPartitions: [{ topic: TOPIC, partitions }] }) };
  });
}

/** A dynamic group member: join (with the KIP-394 member id round trip), sync, heartbeat, rejoin when told. */
class WireMember {
  memberId = '';
  generationId = -1;
  /** From the last successful SyncGroup. */
  partitions: number[] = [];
  /** Synced, and heartbeats say the generation is current. */
  stable = false;
  /** Error codes a well-behaved member should never see. */
  readonly unexpected: string[] = [];
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    readonly name: string,
    private readonly client: WireClient,
  ) {}

  static async start(name: string): Promise<WireMember> {
    const m = new WireMember(name, await WireClient.connect('localhost', broker.port, name));
    all.push(m);
    m.loop = m.run().catch((err: unknown) => {
      if (!m.stopped) m.unexpected.push(String(err));
    });
    return m;
  }

  get alive(): boolean {
    return !this.stopped;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!(await this.joinAndSync())) continue;
      while (!this.stopped) {
        await sleep(HEARTBEAT_MS);
        if (this.stopped) return;
        const res = await this.client.request<{ errorCode: number }>(Api.HEARTBEAT, 4, { groupId: GROUP, generationId: this.generationId, memberId: this.memberId, groupInstanceId: null });
        if (res.errorCode === ErrorCode.NONE) continue;
        this.stable = false;
        if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
        else if (res.errorCode !== ErrorCode.REBALANCE_IN_PROGRESS && res.errorCode !== ErrorCode.ILLEGAL_GENERATION) this.unexpected.push(`Heartbeat: ${errorName(res.errorCode)}`);
        break;
      }
    }
  }

  /** One JoinGroup + SyncGroup round; false when the member must go round again. */
  private async joinAndSync(): Promise<boolean> {
    this.stable = false;
    const join = await this.client.request<JoinGroupResult>(Api.JOIN_GROUP, 9, {
      groupId: GROUP,
      sessionTimeoutMs: SESSION_MS,
      rebalanceTimeoutMs: REBALANCE_MS,
      memberId: this.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: encodeSubscription({ topics: [TOPIC] }) }],
      reason: null,
    });
    if (this.stopped) return false;
    if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      this.memberId = join.memberId;
      return false;
    }
    if (join.errorCode !== ErrorCode.NONE) {
      if (join.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
      else if (join.errorCode !== ErrorCode.REBALANCE_IN_PROGRESS) this.unexpected.push(`JoinGroup: ${errorName(join.errorCode)}`);
      return false;
    }
    this.memberId = join.memberId;
    this.generationId = join.generationId;
    const assignments = join.leader === this.memberId ? rangeAssign(join.members) : [];
    const sync = await this.client.request<SyncGroupResult>(Api.SYNC_GROUP, 5, {
      groupId: GROUP,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments,
    });
    if (this.stopped) return false;
    if (sync.errorCode !== ErrorCode.NONE) {
      if (sync.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
      else if (sync.errorCode !== ErrorCode.REBALANCE_IN_PROGRESS && sync.errorCode !== ErrorCode.ILLEGAL_GENERATION) this.unexpected.push(`SyncGroup: ${errorName(sync.errorCode)}`);
      return false;
    }
    const decoded = decodeAssignment(sync.assignment);
    this.partitions = (decoded?.assignedPartitions ?? []).filter((tp) => tp.topic === TOPIC).flatMap((tp) => tp.partitions).sort((a, b) => a - b);
    this.stable = true;
    return true;
  }

  /** LeaveGroup, then close: the coordinator rebalances at once. */
  async leave(): Promise<void> {
    this.stopped = true;
    this.stable = false;
    try {
      if (this.memberId !== '') {
        const res = await this.client.request<{ errorCode: number; members: { memberId: string; errorCode: number }[] }>(Api.LEAVE_GROUP, 5, {
          groupId: GROUP,
          members: [{ memberId: this.memberId, groupInstanceId: null, reason: 'storm' }],
        });
        // A member the coordinator already expelled (it missed a rebalance) is unknown: fine.
        const code = res.members[0]?.errorCode ?? res.errorCode;
        if (res.errorCode !== ErrorCode.NONE || (code !== ErrorCode.NONE && code !== ErrorCode.UNKNOWN_MEMBER_ID)) this.unexpected.push(`LeaveGroup: ${errorName(code)}`);
      }
    } finally {
      this.client.close();
    }
    await this.loop;
  }

  /** Vanishes without a word: only its session timeout tells the coordinator. */
  crash(): void {
    this.stopped = true;
    this.stable = false;
    this.client.close();
  }
}

function group(): GroupInspection | undefined {
  return broker.groups(GROUP)[0];
}

/** The group is Stable with exactly the live members, each synced to the current generation. */
function settled(live: readonly WireMember[]): boolean {
  const g = group();
  if (g?.state !== 'Stable' || g.members.length !== live.length) return false;
  const ids = new Set(g.members.map((m) => m.memberId));
  return live.every((m) => m.stable && m.generationId === g.generationId && ids.has(m.memberId));
}

function summary(live: readonly WireMember[]): unknown {
  const g = group();
  return {
    state: g?.state,
    generation: g?.generationId,
    brokerMembers: g?.members.length,
    live: live.length,
    unstable: live.filter((m) => !m.stable || m.generationId !== g?.generationId).map((m) => m.name),
  };
}

/** Every partition exactly once in the coordinator's record, which matches what each member got. */
function assertExactlyOnce(live: readonly WireMember[]): void {
  const g = group();
  assert.ok(g);
  const owner = new Map<number, string>();
  for (const m of g.members) {
    for (const tp of m.assignment ?? []) {
      assert.equal(tp.topic, TOPIC);
      for (const p of tp.partitions) {
        assert.ok(!owner.has(p), `partition ${p} assigned to ${owner.get(p)} and ${m.memberId}`);
        owner.set(p, m.memberId);
      }
    }
  }
  assert.equal(owner.size, PARTITIONS, 'every partition assigned');
  const per = Math.floor(PARTITIONS / live.length);
  for (const m of live) {
    const recorded: GroupInspection['members'][number] | undefined = g.members.find((x) => x.memberId === m.memberId);
    assert.ok(recorded, `${m.name} is in the group`);
    assert.deepEqual((recorded.assignment ?? []).flatMap((tp) => tp.partitions).sort((a, b) => a - b), m.partitions, `${m.name}: its SyncGroup answer is the recorded assignment`);
    assert.ok(m.partitions.length === per || m.partitions.length === per + 1, `${m.name} got ${m.partitions.length} partitions`);
  }
  for (const m of all) assert.deepEqual(m.unexpected, [], `${m.name} saw no unexpected error`);
}

const live: WireMember[] = [];
let counter = 0;

test('50 members on a 200-partition topic settle with every partition assigned exactly once', async () => {
  for (let i = 0; i < 50; i++) live.push(await WireMember.start(`member-${counter++}`));
  await waitFor('a Stable group of 50 synced members', () => settled(live), 20_000, () => summary(live));
  assertExactlyOnce(live);
  assert.equal(group()!.members.length, 50);
});

test('a seeded storm of joins, leaves and crashes ends Stable with every partition assigned exactly once', async (t) => {
  const seed = 0x5eed848;
  const random = mulberry32(seed);
  const generationBefore = group()!.generationId;
  const counts = { joined: 0, left: 0, crashed: 0 };
  for (let step = 0; step < 60; step++) {
    const r = random();
    const pick = (): WireMember => live.splice(Math.floor(random() * live.length), 1)[0];
    if ((r < 0.45 && live.length < 70) || live.length < 30) {
      live.push(await WireMember.start(`member-${counter++}`));
      counts.joined++;
    } else if (r < 0.85) {
      void pick().leave();
      counts.left++;
    } else {
      pick().crash();
      counts.crashed++;
    }
    await sleep(Math.floor(random() * 60));
  }
  // Crashed members need their session timeout to expire; the rest settle by rejoining.
  await waitFor('the group to settle after the storm', () => settled(live), SESSION_MS + 20_000, () => summary(live));
  assertExactlyOnce(live);
  const g = group()!;
  assert.ok(g.generationId > generationBefore);
  t.diagnostic(`seed ${seed}: ${counts.joined} joined, ${counts.left} left, ${counts.crashed} crashed; ${live.length} members at generation ${g.generationId}`);

  // And it stays settled: heartbeats keep everyone in, nobody is expelled.
  await sleep(SESSION_MS + 500);
  assert.ok(settled(live), JSON.stringify(summary(live)));
  assert.equal(group()!.generationId, g.generationId, 'no rebalance once settled');
  await Promise.all(live.splice(0).map((m) => m.leave()));
  assert.equal(group()?.state, 'Empty');
});
