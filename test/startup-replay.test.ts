// A restart with consumer-group state to replay: the broker listens and answers at once, and
// group requests get COORDINATOR_LOAD_IN_PROGRESS (which clients retry) until the replay of
// `__consumer_offsets` is done, as Kafka does while it loads a coordinator partition. The test
// holds the replay at its first slice through the broker's test seam, so nothing depends on
// how long a replay takes.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { TestBroker } from './helpers/broker.js';
import { FAST_CLASSIC_GROUPS } from './helpers/group-broker.js';
import { assertKcatOk, kcatProduce, runKcat } from './helpers/kcat.js';
import { waitFor } from './helpers/wait-for.js';
import { WireClient } from './helpers/wire-client.js';

const API = { OFFSET_COMMIT: 8, OFFSET_FETCH: 9, METADATA: 3, JOIN_GROUP: 11, HEARTBEAT: 12, LIST_GROUPS: 16, API_VERSIONS: 18, DESCRIBE_GROUPS: 15 } as const;
const NONE = 0;
const COORDINATOR_LOAD_IN_PROGRESS = 14;

type Body = Record<string, unknown>;
type Row = Body & { errorCode: number };

let tb: TestBroker;

before(async () => {
  tb = await TestBroker.start();
  assert.equal((await tb.broker.cluster.createTopic('replayed', 2, {})).errorCode, NONE);
  const conn = await WireClient.connect(tb.port);
  const res = await conn.request(API.OFFSET_COMMIT, 8, {
    groupId: 'rg', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
    topics: [{ name: 'replayed', partitions: [{ partitionIndex: 1, committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: '' }] }],
  });
  assert.equal(((res.topics as Body[])[0].partitions as Row[])[0].errorCode, NONE);
  conn.destroy();
  await tb.stop();
});

after(async () => {
  await tb.cleanup();
});

const offsetFetch = (conn: WireClient) => conn.request(API.OFFSET_FETCH, 8, { groups: [{ groupId: 'rg', topics: null }], requireStable: false });

test('while __consumer_offsets replays, the broker answers and group requests get COORDINATOR_LOAD_IN_PROGRESS', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  let slices = 0;
  await tb.startAgain({ beforeReplaySlice: () => (slices++, gate) });
  const conn = await WireClient.connect(tb.port);
  try {
    assert.equal(slices, 1, 'the replay is held at its first slice');
    assert.equal((await conn.request(API.API_VERSIONS, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode, NONE);
    const md = await conn.request(API.METADATA, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.ok((md.topics as Body[]).some((t) => t.name === 'replayed'));

    const fetched = ((await offsetFetch(conn)).groups as Row[])[0];
    assert.equal(fetched.errorCode, COORDINATOR_LOAD_IN_PROGRESS);
    const join = await conn.request(API.JOIN_GROUP, 5, {
      groupId: 'rg', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null,
      protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    });
    assert.equal(join.errorCode, COORDINATOR_LOAD_IN_PROGRESS);
    const commit = await conn.request(API.OFFSET_COMMIT, 8, {
      groupId: 'rg', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'replayed', partitions: [{ partitionIndex: 1, committedOffset: 7, committedLeaderEpoch: -1, committedMetadata: '' }] }],
    });
    assert.equal(((commit.topics as Body[])[0].partitions as Row[])[0].errorCode, COORDINATOR_LOAD_IN_PROGRESS);
    assert.equal((await conn.request(API.LIST_GROUPS, 4, { statesFilter: [] })).errorCode, COORDINATOR_LOAD_IN_PROGRESS);
    assert.equal(((await conn.request(API.DESCRIBE_GROUPS, 5, { groups: ['rg'], includeAuthorizedOperations: false })).groups as Row[])[0].errorCode, COORDINATOR_LOAD_IN_PROGRESS);
    // Heartbeats are answered blindly while loading, so members keep their sessions (Kafka too).
    assert.equal((await conn.request(API.HEARTBEAT, 4, { groupId: 'rg', generationId: 1, memberId: 'm', groupInstanceId: null })).errorCode, NONE);

    release();
    await tb.broker.ready;
    const loaded = ((await offsetFetch(conn)).groups as Row[])[0];
    assert.equal(loaded.errorCode, NONE);
    assert.deepEqual(
      (loaded.topics as Body[]).map((t) => [t.name, (t.partitions as Body[]).map((p) => [p.partitionIndex, p.committedOffset])]),
      [['replayed', [[1, 42]]]],
      'the offset committed before the restart, not the one refused during the replay',
    );
  } finally {
    release();
    conn.destroy();
  }
  assert.deepEqual(tb.errors(), []);
});

test('stop() during a replay ends it, and the next start replays everything', async () => {
  await tb.stop();
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  await tb.startAgain({ beforeReplaySlice: () => gate });
  const stopped = tb.stop();
  release();
  await stopped;
  await tb.startAgain();
  const conn = await WireClient.connect(tb.port);
  const fetched = ((await offsetFetch(conn)).groups as Row[])[0];
  conn.destroy();
  assert.equal(fetched.errorCode, NONE);
  assert.equal(((fetched.topics as Body[])[0].partitions as Body[])[0].committedOffset, 42);
  assert.deepEqual(tb.errors(), []);
});

test('kcat: a group consumer that meets the replay retries, then starts at the committed offset', async () => {
  const kb = await TestBroker.start({ logLevel: 'debug', settings: FAST_CLASSIC_GROUPS });
  let release: () => void = () => {};
  try {
    assert.equal((await kb.broker.cluster.createTopic('kload', 1, {})).errorCode, NONE);
    assertKcatOk(await kcatProduce(kb.bootstrap, 'kload', [0, 1, 2, 3, 4].map((i) => ({ value: `v${i}` })), { partition: 0 }), 'produce');
    const conn = await WireClient.connect(kb.port);
    await conn.request(API.OFFSET_COMMIT, 8, {
      groupId: 'kload-group', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: 'kload', partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, committedMetadata: '' }] }],
    });
    conn.destroy();
    await kb.stop();

    const gate = new Promise<void>((resolve) => (release = resolve));
    await kb.startAgain({ beforeReplaySlice: () => gate });
    const consumed = runKcat(['-b', kb.bootstrap, '-G', 'kload-group', 'kload', '-e', '-q', '-f', '%o %s\\n', '-X', 'fetch.wait.max.ms=20'], { timeoutMs: 30_000 });
    // The broker's request log shows librdkafka's group request refused while loading.
    const refused = (): boolean => kb.logs.some((l) => l.msg === 'request' && (l.errors as Record<string, number> | undefined)?.COORDINATOR_LOAD_IN_PROGRESS !== undefined);
    await waitFor('a group request answered COORDINATOR_LOAD_IN_PROGRESS', refused);
    release();
    const r = await consumed;
    assertKcatOk(r, 'group consume');
    assert.deepEqual(r.stdout.toString('utf8').trim().split('\n'), ['3 v3', '4 v4']);
    assert.deepEqual(kb.errors(), []);
  } finally {
    release();
    await kb.cleanup();
  }
});
