import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../protocol/errors.js';
import { GroupCoordinator } from './group-coordinator.js';
import type { ConsumerGroupHeartbeatParams, ConsumerGroupHeartbeatResult, TopicMetadata, TopicMetadataView, TopicPartitions } from './group-types.js';
import { MemoryGroupLog } from './memory-group-log.js';
import { decodeGroupRecord, GroupRecordType } from './records-codec.js';
import { REGEX_BATCH_REFRESH_INTERVAL_MS } from './regex-resolution.js';
import { ManualScheduler } from './scheduler.js';

/** librdkafka 0045's topics: two matched by `^.*topic_regex.*`, one named. */
function setup(log = new MemoryGroupLog(), scheduler = new ManualScheduler()) {
  const topicList = new Map<string, TopicMetadata>();
  let creations = 0;
  const create = (name: string, id: string, partitions: number) => {
    topicList.set(name, { id, name, partitions });
    creations++;
  };
  create('topic_regex1', 'R1', 4);
  create('topic_regex2', 'R2', 4);
  create('topic_a', 'A', 2);
  const topics: TopicMetadataView = {
    topicByName: (name) => topicList.get(name),
    topicById: (id) => [...topicList.values()].find((t) => t.id === id),
    topicNames: () => topicList.keys(),
    topicCreations: () => creations,
  };
  const coord = new GroupCoordinator({ log, topics, scheduler });
  const state = new Map<string, { epoch: number; owned: TopicPartitions[] }>();
  /** A member that adopts what it is given and reports it next time. */
  const hb = async (memberId: string, extra: Partial<ConsumerGroupHeartbeatParams> = {}): Promise<ConsumerGroupHeartbeatResult> => {
    const s = state.get(memberId) ?? { epoch: 0, owned: [] };
    const joining = s.epoch === 0;
    const r = await coord.consumerGroupHeartbeat({
      groupId: 'g',
      memberId,
      memberEpoch: s.epoch,
      instanceId: null,
      rackId: null,
      rebalanceTimeoutMs: joining ? 30_000 : -1,
      subscribedTopicNames: joining ? ['topic_a'] : null,
      subscribedTopicRegex: joining ? '^.*topic_regex.*' : null,
      serverAssignor: null,
      topicPartitions: joining ? [] : s.owned,
      clientId: 'c',
      clientHost: 'h',
      apiVersion: 1,
      ...extra,
    });
    if (r.errorCode === ErrorCode.NONE) state.set(memberId, { epoch: r.memberEpoch, owned: r.assignment ?? s.owned });
    return r;
  };
  const owned = (memberId: string) => (state.get(memberId)?.owned ?? []).flatMap((tp) => tp.partitions.map((p) => `${tp.topicId}-${p}`)).sort();
  return { coord, scheduler, log, hb, owned, create };
}

const A = ['A-0', 'A-1'];
const R1 = ['R1-0', 'R1-1', 'R1-2', 'R1-3'];
const R2 = ['R2-0', 'R2-1', 'R2-2', 'R2-3'];

test('librdkafka 0045: a regex and a topic name: the named topic first, the matches with a later heartbeat', async () => {
  const h = setup();
  const first = await h.hb('m');
  assert.equal(first.memberEpoch, 1);
  assert.deepEqual(h.owned('m'), A, 'the regex is not resolved within the heartbeat');
  // The resolution runs after the heartbeat was answered and bumps the group epoch.
  h.scheduler.advance(0);
  const second = await h.hb('m');
  assert.equal(second.memberEpoch, 2);
  assert.deepEqual(h.owned('m'), [...A, ...R1, ...R2].sort());
  // Nothing changes on further heartbeats: no refresh within 10 s, none needed after.
  h.scheduler.advance(REGEX_BATCH_REFRESH_INTERVAL_MS + 1);
  assert.equal((await h.hb('m')).memberEpoch, 2);
  h.scheduler.advance(0);
  assert.equal((await h.hb('m')).memberEpoch, 2);
});

test('re-subscribing to another regex drops the old one\'s topics at once; the new ones come once it is resolved', async () => {
  const h = setup();
  await h.hb('m', { subscribedTopicRegex: 'topic_regex1' });
  h.scheduler.advance(0);
  await h.hb('m');
  assert.deepEqual(h.owned('m'), [...A, ...R1].sort());

  const full = { rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['topic_a'], subscribedTopicRegex: 'topic_regex2' };
  const switched = await h.hb('m', full);
  assert.equal(switched.errorCode, ErrorCode.NONE);
  assert.deepEqual(h.owned('m'), A, 'topic_regex1 is no longer subscribed to');
  // The switching heartbeat does not resolve (topic_regex1 was resolved less than 10 s ago);
  // the next one, with topic_regex1 gone, schedules it.
  h.scheduler.advance(0);
  await h.hb('m');
  assert.deepEqual(h.owned('m'), A);
  h.scheduler.advance(0);
  await h.hb('m');
  assert.deepEqual(h.owned('m'), [...A, ...R2].sort());
});

test('a member taking up a regex the group already resolved is assigned its topics at once', async () => {
  const h = setup();
  await h.hb('m');
  h.scheduler.advance(0);
  await h.hb('m');
  const joined = await h.hb('n');
  assert.equal(joined.memberEpoch, 3, 'the join bumps the epoch: the regex is known');
  // m gives up half; once it has, n gets them.
  for (let i = 0; i < 3; i++) {
    await h.hb('m');
    await h.hb('n');
  }
  assert.equal(h.owned('m').length + h.owned('n').length, 10);
  assert.ok(Math.abs(h.owned('m').length - h.owned('n').length) <= 1);
});

test('topics created later are matched once 10 s have passed since the last resolution', async () => {
  const h = setup();
  await h.hb('m', { subscribedTopicNames: [] });
  h.scheduler.advance(0);
  await h.hb('m');
  assert.deepEqual(h.owned('m'), [...R1, ...R2].sort());
  h.create('topic_regex3', 'R3', 1);
  h.scheduler.advance(0);
  await h.hb('m');
  h.scheduler.advance(0);
  await h.hb('m');
  assert.deepEqual(h.owned('m'), [...R1, ...R2].sort(), 'not within 10 s of the last resolution');
  h.scheduler.advance(REGEX_BATCH_REFRESH_INTERVAL_MS);
  await h.hb('m');
  h.scheduler.advance(0);
  await h.hb('m');
  assert.deepEqual(h.owned('m'), [...R1, ...R2].sort(), 'still not at exactly 10 s');
  h.scheduler.advance(1);
  await h.hb('m');
  h.scheduler.advance(0);
  await h.hb('m');
  assert.deepEqual(h.owned('m'), [...R1, ...R2, 'R3-0'].sort());
});

test('resolutions are persisted, replayed, and deleted with the last member that used them', async () => {
  const log = new MemoryGroupLog();
  const h = setup(log);
  await h.hb('m');
  h.scheduler.advance(0);
  await h.hb('m');
  await h.coord.flush();
  const regexValues = () =>
    log.records.flatMap((r) => {
      const rec = decodeGroupRecord(r.key, r.value);
      return rec?.type === GroupRecordType.CONSUMER_GROUP_REGULAR_EXPRESSION ? [rec.value] : [];
    });
  assert.deepEqual(regexValues().map((v) => v?.topics), [['topic_regex1', 'topic_regex2']]);

  // After a restart the resolution is known: a member taking up the regex bumps the epoch at once.
  const again = setup(new MemoryGroupLog());
  await again.coord.replay(log.compacted());
  const joined = await again.hb('n', { subscribedTopicNames: [] });
  assert.equal(joined.memberEpoch, 3);

  await h.hb('m', { memberEpoch: -1 });
  await h.coord.flush();
  assert.equal(regexValues().at(-1), null, 'tombstoned with its last subscriber');
});

test('regexes: invalid ones and RE2-unsupported features are refused; the empty one is none; internal topics match', async () => {
  const h = setup();
  // JavaScript-only (Kafka's RE2 refuses them), then RE2-only (JavaScript refuses them).
  for (const bad of ['(', '(?=topic).*', 'topic(?!_a).*', '(?<=x)y', '(a)\\1', '(?<n>a)\\k<n>', '(?i)topic', '\\Qa.b\\E', '[[:alpha:]]+']) {
    const r = await h.hb(`bad-${bad}`, { subscribedTopicRegex: bad });
    assert.equal(r.errorCode, ErrorCode.INVALID_REGULAR_EXPRESSION, bad);
    assert.match(r.errorMessage ?? '', /SubscribedTopicRegex/);
  }
  const huge = await h.hb('huge', { subscribedTopicRegex: `x{1}${'a'.repeat(40_000)}` });
  assert.equal(huge.errorCode, ErrorCode.INVALID_REGULAR_EXPRESSION, 'too long to be stored');
  // Lookalikes in a class or escaped are fine.
  assert.equal((await h.hb('ok1', { subscribedTopicRegex: '[(?=]x|\\(\\?=y' })).errorCode, ErrorCode.NONE);
  const none = await h.hb('none', { subscribedTopicRegex: '' });
  assert.equal(none.errorCode, ErrorCode.NONE);

  // Kafka matches every topic name, internal ones included.
  const h2 = setup();
  h2.create('__consumer_offsets', 'CO', 1);
  await h2.hb('all', { subscribedTopicNames: [], subscribedTopicRegex: '.*' });
  h2.scheduler.advance(0);
  await h2.hb('all');
  assert.deepEqual(h2.owned('all'), [...A, 'CO-0', ...R1, ...R2].sort());
});
