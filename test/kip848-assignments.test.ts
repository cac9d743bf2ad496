// Assignments of KIP-848 groups on the wire, in the shapes librdkafka's own tests expect from
// Kafka with group.protocol=consumer (librdkafka 2.0.2 on this machine predates KIP-848, so the
// members here speak ConsumerGroupHeartbeat themselves, acting as a consumer does: adopt the
// returned assignment, report it in the next heartbeat).
//   - 0113 "incremental rebalances": the uniform assignor keeps the first member's lowest
//     partitions and hands the rest to newcomers.
//   - 0045 "resubscribe with regex": the coordinator resolves a regex after the heartbeat that
//     brought it, so a regex plus a topic name first gets the named topic's partitions and the
//     matches later; subscribing to another regex drops the old one's topics.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { TestBroker } from './helpers/broker.js';
import { waitFor } from './helpers/wait-for.js';
import { WireClient } from './helpers/wire-client.js';
import type { ConsumerGroupHeartbeatResponse } from '../src/protocol/messages/consumer-group-heartbeat.js';

const HEARTBEAT_848 = 68;

let tb: TestBroker;

before(async () => {
  tb = await TestBroker.start();
});

after(async () => {
  await tb.cleanup();
});

async function createTopic(name: string, partitions: number): Promise<string> {
  assert.equal((await tb.broker.cluster.createTopic(name, partitions, {})).errorCode, 0);
  const topic = tb.broker.cluster.topic(name);
  assert.ok(topic);
  return topic.id;
}

/** A KIP-848 consumer: its epoch and what it owns (topic id -> partitions). */
class Member {
  readonly memberId = randomUUID().replaceAll('-', '').slice(0, 22);
  epoch = 0;
  owned = new Map<string, number[]>();

  private constructor(
    private readonly conn: WireClient,
    private readonly groupId: string,
    private subscription: { names: string[]; regex: string | null },
  ) {}

  static async join(groupId: string, names: string[], regex: string | null = null): Promise<Member> {
    const m = new Member(await WireClient.connect(tb.port), groupId, { names, regex });
    await m.heartbeat();
    return m;
  }

  /** Sends the new subscription with the next heartbeat, as a consumer does after subscribe(). */
  resubscribe(names: string[], regex: string | null): Promise<ConsumerGroupHeartbeatResponse> {
    this.subscription = { names, regex };
    return this.heartbeat(true);
  }

  async heartbeat(full = this.epoch === 0): Promise<ConsumerGroupHeartbeatResponse> {
    const res = (await this.conn.request(HEARTBEAT_848, 1, {
      groupId: this.groupId,
      memberId: this.memberId,
      memberEpoch: this.epoch,
      instanceId: null,
      rackId: null,
      rebalanceTimeoutMs: full ? 30_000 : -1,
      subscribedTopicNames: full ? this.subscription.names : null,
      subscribedTopicRegex: full ? this.subscription.regex : null,
      serverAssignor: full ? 'uniform' : null,
      topicPartitions: this.epoch === 0 ? [] : [...this.owned].map(([topicId, partitions]) => ({ topicId, partitions })),
    })) as unknown as ConsumerGroupHeartbeatResponse;
    assert.equal(res.errorCode, 0, `heartbeat of ${this.memberId}: ${res.errorMessage}`);
    this.epoch = res.memberEpoch;
    if (res.assignment !== null) {
      this.owned = new Map(res.assignment.topicPartitions.map((tp) => [tp.topicId, [...tp.partitions].sort((a, b) => a - b)]));
    }
    return res;
  }

  /** Partitions of one topic. */
  of(topicId: string): number[] {
    return this.owned.get(topicId) ?? [];
  }

  close(): void {
    this.conn.destroy();
  }
}

/** Heartbeats every member in turn until a whole round changes nothing. */
async function settle(members: Member[]): Promise<void> {
  for (let round = 0; round < 10; round++) {
    const before = JSON.stringify(members.map((m) => [m.epoch, [...m.owned]]));
    for (const m of members) await m.heartbeat();
    if (JSON.stringify(members.map((m) => [m.epoch, [...m.owned]])) === before) return;
  }
  assert.fail('the group did not settle in 10 rounds');
}

test('librdkafka 0113: 6 partitions go {0,1,2}/{3,4,5} to two members, {0,1}/{3,4}/{2,5} once a third joins', async () => {
  const topicId = await createTopic('kip848-0113', 6);
  const group = 'kip848-0113-group';
  const a = await Member.join(group, ['kip848-0113']);
  assert.deepEqual(a.of(topicId), [0, 1, 2, 3, 4, 5]);
  const b = await Member.join(group, ['kip848-0113']);
  try {
    await settle([a, b]);
    assert.deepEqual([a.of(topicId), b.of(topicId)], [[0, 1, 2], [3, 4, 5]]);
    const c = await Member.join(group, ['kip848-0113']);
    try {
      await settle([a, b, c]);
      assert.deepEqual([a.of(topicId), b.of(topicId), c.of(topicId)], [[0, 1], [3, 4], [2, 5]]);
      assert.deepEqual([a.epoch, b.epoch, c.epoch], [3, 3, 3]);
    } finally {
      c.close();
    }
  } finally {
    a.close();
    b.close();
  }
});

test('librdkafka 0045: a regex and a topic name get the named topic first, the matches later; another regex replaces them', async () => {
  const prefix = 'kip848-0045';
  const regex1 = await createTopic(`${prefix}-topic_regex1`, 4);
  const regex2 = await createTopic(`${prefix}-topic_regex2`, 4);
  const a = await createTopic(`${prefix}-topic_a`, 2);
  const names = [`${prefix}-topic_a`];
  const m = await Member.join(`${prefix}-group`, names, `^.*${prefix}-topic_regex.*`);
  try {
    assert.deepEqual([...m.owned.keys()], [a], 'the first heartbeat assigns the named topic only');
    assert.deepEqual(m.of(a), [0, 1]);
    const owns = (expected: Record<string, number[]>) => async () => {
      await m.heartbeat();
      return JSON.stringify([...m.owned].sort()) === JSON.stringify(Object.entries(expected).sort());
    };
    await waitFor('the regex topics', owns({ [a]: [0, 1], [regex1]: [0, 1, 2, 3], [regex2]: [0, 1, 2, 3] }), 10_000, () => [...m.owned]);

    const switched = await m.resubscribe(names, `^.*${prefix}-topic_regex2`);
    assert.ok(switched.assignment !== null);
    assert.deepEqual([...m.owned.keys()], [a], 'the old regex\'s topics go at once, the new one is not resolved yet');
    await waitFor('topic_regex2 only', owns({ [a]: [0, 1], [regex2]: [0, 1, 2, 3] }), 10_000, () => [...m.owned]);
  } finally {
    m.close();
  }
});
