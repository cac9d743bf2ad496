// The KIP-848 consumer protocol on the wire, spoken with Brook's own protocol layer (compiled
// codecs over a socket): ConsumerGroupHeartbeat joins, assignments, and the revoke-before-assign
// handshake when a second member arrives; ConsumerGroupDescribe; offsets committed and fetched
// with the member epoch (OffsetCommit v9, OffsetFetch v9); leaving hands the partitions back.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { TestBroker } from './helpers/broker.js';
import { FAST_CONSUMER_GROUPS } from './helpers/group-broker.js';
import { WireClient } from './helpers/wire-client.js';
import type { ConsumerGroupHeartbeatResponse } from '../src/protocol/messages/consumer-group-heartbeat.js';
import type { ConsumerGroupDescribeResponse } from '../src/protocol/messages/consumer-group-describe.js';
import type { FindCoordinatorResponse } from '../src/protocol/messages/find-coordinator.js';
import type { OffsetCommitResponse } from '../src/protocol/messages/offset-commit.js';
import type { OffsetFetchResponse } from '../src/protocol/messages/offset-fetch.js';
import type { ApiVersionsResponse } from '../src/protocol/messages/api-versions.js';

const API = { OFFSET_COMMIT: 8, OFFSET_FETCH: 9, FIND_COORDINATOR: 10, API_VERSIONS: 18, HEARTBEAT_848: 68, DESCRIBE_848: 69 } as const;
const GROUP = 'kip848-group';
const TOPIC = 'kip848-topic';

let tb: TestBroker;
let topicId: string;

before(async () => {
  tb = await TestBroker.start({ settings: FAST_CONSUMER_GROUPS });
  const created = await tb.broker.cluster.createTopic(TOPIC, 4, {});
  assert.equal(created.errorCode, 0);
  topicId = tb.broker.cluster.topic(TOPIC)!.id;
});

after(async () => {
  await tb.cleanup();
});

/** One KIP-848 member on its own connection, remembering its epoch and owned partitions. */
class Member {
  readonly memberId = randomUUID().replaceAll('-', '').slice(0, 22);
  epoch = 0;
  owned: number[] = [];

  private constructor(private readonly conn: WireClient) {}

  static async connect(port: number): Promise<Member> {
    return new Member(await WireClient.connect(port));
  }

  /**
   * One heartbeat reporting what the member owns; adopts the returned epoch and, as a real
   * consumer does, the returned assignment (revoking at once what is no longer in it).
   */
  async heartbeat(extra: Record<string, unknown> = {}): Promise<ConsumerGroupHeartbeatResponse> {
    const joining = this.epoch === 0;
    const res = (await this.conn.request(API.HEARTBEAT_848, 1, {
      groupId: GROUP,
      memberId: this.memberId,
      memberEpoch: this.epoch,
      instanceId: null,
      rackId: null,
      rebalanceTimeoutMs: joining ? 5000 : -1,
      subscribedTopicNames: joining ? [TOPIC] : null,
      subscribedTopicRegex: null,
      serverAssignor: joining ? 'uniform' : null,
      topicPartitions: joining ? [] : [{ topicId, partitions: this.owned }],
      ...extra,
    })) as unknown as ConsumerGroupHeartbeatResponse;
    assert.equal(res.errorCode, 0, `heartbeat of ${this.memberId}: ${res.errorMessage}`);
    this.epoch = res.memberEpoch;
    if (res.assignment !== null) {
      for (const tp of res.assignment.topicPartitions) assert.equal(tp.topicId, topicId, 'topic ids are the cluster\'s');
      this.owned = res.assignment.topicPartitions.flatMap((tp) => tp.partitions).sort((a, b) => a - b);
    }
    return res;
  }

  request<T>(apiKey: number, version: number, body: Record<string, unknown>): Promise<T> {
    return this.conn.request(apiKey, version, body) as Promise<T>;
  }

  close(): void {
    this.conn.destroy();
  }
}

test('ApiVersions advertises the KIP-848 APIs and FindCoordinator finds this node', async () => {
  const conn = await WireClient.connect(tb.port);
  try {
    const versions = (await conn.request(API.API_VERSIONS, 3, { clientSoftwareName: 'brook-test', clientSoftwareVersion: '1' })) as unknown as ApiVersionsResponse;
    const range = (k: number) => versions.apiKeys.find((a) => a.apiKey === k);
    assert.deepEqual([range(API.HEARTBEAT_848)?.minVersion, range(API.HEARTBEAT_848)?.maxVersion], [0, 1]);
    assert.deepEqual([range(API.DESCRIBE_848)?.minVersion, range(API.DESCRIBE_848)?.maxVersion], [0, 0]);
    const found = (await conn.request(API.FIND_COORDINATOR, 4, { keyType: 0, coordinatorKeys: [GROUP, 'other'] })) as unknown as FindCoordinatorResponse;
    assert.deepEqual(found.coordinators?.map((c) => [c.key, c.errorCode, c.nodeId, c.port]), [
      [GROUP, 0, tb.broker.config.nodeId, tb.port],
      ['other', 0, tb.broker.config.nodeId, tb.port],
    ]);
    const txn = (await conn.request(API.FIND_COORDINATOR, 3, { key: 'tx', keyType: 1 })) as unknown as FindCoordinatorResponse;
    assert.deepEqual([txn.errorCode, txn.nodeId], [0, tb.broker.config.nodeId], 'the transaction coordinator is this node too');
    const bad = (await conn.request(API.FIND_COORDINATOR, 4, { keyType: 7, coordinatorKeys: ['x'] })) as unknown as FindCoordinatorResponse;
    assert.equal(bad.coordinators?.[0].errorCode, 42, 'INVALID_REQUEST');
  } finally {
    conn.destroy();
  }
});

test('a second member gets partitions only after the first revokes them', async () => {
  const a = await Member.connect(tb.port);
  const b = await Member.connect(tb.port);
  try {
    // A joins alone and is given every partition.
    await a.heartbeat();
    assert.equal(a.epoch, 1);
    if (a.owned.length < 4) await a.heartbeat();
    assert.deepEqual(a.owned, [0, 1, 2, 3]);
    await a.heartbeat(); // acknowledges: owns all four

    // B joins: the group moves to epoch 2, but every partition is still A's.
    await b.heartbeat();
    assert.equal(b.epoch, 2);
    assert.deepEqual(b.owned, [], 'nothing A still owns is handed to B');

    // A is asked to revoke: its assignment shrinks, its epoch waits for the acknowledgement.
    const owned = [...a.owned];
    await a.heartbeat({ topicPartitions: [{ topicId, partitions: owned }] });
    assert.equal(a.owned.length, 2, 'A keeps two partitions');
    assert.equal(a.epoch, 1, 'A stays at its epoch until it has revoked');
    const revoked = owned.filter((p) => !a.owned.includes(p));

    // Until A reports the revocation, B still gets none of them.
    await b.heartbeat();
    assert.deepEqual(b.owned.filter((p) => revoked.includes(p)), []);

    // A reports it owns only the two it kept: it moves to epoch 2 and B gets the other two.
    await a.heartbeat();
    assert.equal(a.epoch, 2);
    await b.heartbeat();
    assert.deepEqual(b.owned, revoked);
    assert.deepEqual([...a.owned, ...b.owned].sort(), [0, 1, 2, 3]);

    const described = await a.request<ConsumerGroupDescribeResponse>(API.DESCRIBE_848, 0, { groupIds: [GROUP, 'missing'], includeAuthorizedOperations: false });
    const [g, missing] = described.groups;
    assert.equal(g.errorCode, 0);
    assert.equal(g.groupEpoch, 2);
    assert.equal(g.members.length, 2);
    assert.equal(g.authorizedOperations, -2147483648);
    for (const m of g.members) {
      const expected: number[] = m.memberId === a.memberId ? a.owned : b.owned;
      assert.deepEqual(m.assignment.topicPartitions.map((tp) => [tp.topicName, tp.partitions]), [[TOPIC, expected]]);
    }
    assert.equal(missing.errorCode, 69, 'GROUP_ID_NOT_FOUND');

    // B commits with its member epoch (OffsetCommit v9) and reads it back (OffsetFetch v9).
    const p = b.owned[0];
    const commit = await b.request<OffsetCommitResponse>(API.OFFSET_COMMIT, 9, {
      groupId: GROUP, generationIdOrMemberEpoch: b.epoch, memberId: b.memberId, groupInstanceId: null,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: p, committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: 'm' }] }],
    });
    assert.equal(commit.topics[0].partitions[0].errorCode, 0);
    const stale = await b.request<OffsetCommitResponse>(API.OFFSET_COMMIT, 9, {
      groupId: GROUP, generationIdOrMemberEpoch: b.epoch - 1, memberId: b.memberId, groupInstanceId: null,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: p, committedOffset: 43, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    assert.equal(stale.topics[0].partitions[0].errorCode, 113, 'STALE_MEMBER_EPOCH');
    const fetched = await b.request<OffsetFetchResponse>(API.OFFSET_FETCH, 9, {
      groups: [{ groupId: GROUP, memberId: b.memberId, memberEpoch: b.epoch, topics: [{ name: TOPIC, partitionIndexes: [p] }] }],
      requireStable: true,
    });
    assert.equal(fetched.groups?.[0].errorCode, 0);
    assert.deepEqual(fetched.groups?.[0].topics[0].partitions.map((x) => [x.committedOffset, x.metadata]), [[42, 'm']]);

    // A leaves (epoch -1): B is given A's partitions.
    const left = await a.heartbeat({ memberEpoch: -1 });
    assert.equal(left.memberEpoch, -1);
    await b.heartbeat();
    if (b.owned.length < 4) await b.heartbeat();
    assert.deepEqual(b.owned, [0, 1, 2, 3]);
  } finally {
    a.close();
    b.close();
  }
});
