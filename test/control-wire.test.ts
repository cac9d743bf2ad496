// The test-control API's semantics on the wire, request by request, with a raw client that sees
// every frame: injected errors count matching requests exactly and leave the failed partitions
// untouched, filters select by topic, partition and client id, delayed responses keep their
// order on the connection, dropped requests get a closed connection and no answer, an outage
// refuses connections and comes back on the same port with the data kept.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { rmSync } from 'node:fs';
import { startBroker, ControlError, type Broker } from '../src/index.js';
import { buildRecordBatch } from '../src/protocol/records/records.js';
import { ErrorCode } from '../src/protocol/errors.js';
import { handlers } from '../src/handlers/registry.js';
import { apiCodecs } from '../src/protocol/api-codecs.js';
import { inVersions } from '../src/protocol/schema/types.js';
import { tempDir } from './helpers/broker.js';
import { decodeResponse, encodeRequest, WireClient } from './helpers/wire-client.js';

const API = { PRODUCE: 0, FETCH: 1, METADATA: 3, FIND_COORDINATOR: 10, JOIN_GROUP: 11, API_VERSIONS: 18 } as const;
type Body = Record<string, unknown>;
type Rows = Body[];

let dir: string;
let broker: Broker;

before(async () => {
  dir = tempDir('brook-control-wire-');
  broker = await startBroker({ port: 0, dataDir: dir, settings: { 'auto.create.topics.enable': false } });
  await broker.control.createTopic('cw', { partitions: 2 });
});

after(async () => {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

function produceBody(values: Record<number, string>): Body {
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: 'cw', partitionData: Object.entries(values).map(([p, v]) => ({ index: Number(p), records: buildRecordBatch({ records: [{ value: v }] }) })) }],
  };
}

function partitionCodes(res: Body): Record<number, number> {
  const rows = ((res.responses as Rows)[0].partitionResponses as Rows).map((p) => [p.index as number, p.errorCode as number] as const);
  return Object.fromEntries(rows);
}

const values = async (partition: number): Promise<string[]> => (await broker.control.readPartition('cw', partition)).map((r) => r.value?.toString() ?? '');

test('fail: the matching partition gets the error and nothing is appended to it; the other partition is written', async () => {
  const before0 = await values(0);
  const rule = broker.control.fail({ api: 'Produce', topic: 'cw', partition: 0, errorCode: 'NOT_LEADER_OR_FOLLOWER' });
  const conn = await WireClient.connect(broker.port);
  try {
    const res = await conn.request(API.PRODUCE, 9, produceBody({ 0: 'refused', 1: 'kept' }));
    assert.deepEqual(partitionCodes(res), { 0: ErrorCode.NOT_LEADER_OR_FOLLOWER, 1: ErrorCode.NONE });
    assert.deepEqual(await values(0), before0, 'nothing appended to the failed partition');
    assert.ok((await values(1)).includes('kept'));
    await rule.done;
    assert.equal(rule.matched, 1);
    assert.equal(rule.remaining, 0);
    assert.equal(broker.control.armed, false, 'a used-up rule disarms the control');
    // The next produce is handled normally.
    assert.deepEqual(partitionCodes(await conn.request(API.PRODUCE, 9, produceBody({ 0: 'accepted' }))), { 0: ErrorCode.NONE });
    assert.ok((await values(0)).includes('accepted'));
  } finally {
    conn.destroy();
  }
});

test('fail counts matching requests exactly: other APIs, topics and client ids do not use it up', async () => {
  const rule = broker.control.fail({ api: 'Produce', topic: 'cw', clientId: 'victim', errorCode: 'KAFKA_STORAGE_ERROR', times: 2 });
  const other = await WireClient.connect(broker.port);
  const victim = await WireClient.connect(broker.port);
  try {
    // Another client id and another API are untouched.
    assert.deepEqual(partitionCodes(await other.request(API.PRODUCE, 9, produceBody({ 1: 'other' }))), { 1: ErrorCode.NONE });
    await other.request(API.METADATA, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.equal(rule.matched, 0);
    const send = async (v: string): Promise<number> => {
      const id = 100 + rule.matched;
      victim.write(encodeRequest(API.PRODUCE, 9, id, produceBody({ 1: v }), 'victim'));
      const frame = await victim.nextFrame();
      assert.ok(frame);
      return partitionCodes(decodeResponse(API.PRODUCE, 9, frame).body)[1];
    };
    assert.equal(await send('v1'), ErrorCode.KAFKA_STORAGE_ERROR);
    assert.equal(await send('v2'), ErrorCode.KAFKA_STORAGE_ERROR);
    assert.equal(await send('v3'), ErrorCode.NONE);
    assert.equal(rule.matched, 2);
    const stored = await values(1);
    assert.ok(stored.includes('v3') && !stored.includes('v1') && !stored.includes('v2'));
  } finally {
    other.destroy();
    victim.destroy();
  }
});

test('fail Fetch for one partition answers at once, the other partition with its records', async () => {
  await broker.control.produce('cw', [{ value: 'f0', partition: 0 }, { value: 'f1', partition: 1 }]);
  const topicId = broker.cluster.topic('cw')?.id;
  broker.control.fail({ api: 'Fetch', topic: 'cw', partition: 0, errorCode: 'OFFSET_OUT_OF_RANGE' });
  const conn = await WireClient.connect(broker.port);
  try {
    const partition = (p: number) => ({ partition: p, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 });
    // min bytes far beyond what exists and a long wait: only the injected error ends it early.
    const res = await conn.request(API.FETCH, 13, {
      replicaId: -1, maxWaitMs: 30_000, minBytes: 1 << 30, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topicId, partitions: [partition(0), partition(1)] }], forgottenTopicsData: [], rackId: '',
    }, 5000);
    const parts = (res.responses as Rows)[0].partitions as Rows;
    assert.deepEqual(parts.map((p) => [p.partitionIndex, p.errorCode]), [[0, ErrorCode.OFFSET_OUT_OF_RANGE], [1, ErrorCode.NONE]]);
    assert.ok((parts[1].records as Buffer).length > 0, 'partition 1 comes with its records');
    assert.equal(parts[0].highWatermark, -1);
  } finally {
    conn.destroy();
  }
});

test('fail answers APIs without partitions with their own error shapes', async () => {
  const conn = await WireClient.connect(broker.port);
  try {
    broker.control.fail({ api: 'JoinGroup', errorCode: 'COORDINATOR_NOT_AVAILABLE' });
    const join = await conn.request(API.JOIN_GROUP, 5, {
      groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [],
    });
    assert.equal(join.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(join.generationId, -1);
    broker.control.fail({ api: 10, errorCode: 15 });
    const batched = await conn.request(API.FIND_COORDINATOR, 4, { keyType: 0, coordinatorKeys: ['a', 'b'] });
    assert.deepEqual((batched.coordinators as Rows).map((c) => [c.key, c.errorCode, c.nodeId]), [['a', 15, -1], ['b', 15, -1]]);
    broker.control.fail({ api: 'Metadata', topic: 'cw', errorCode: 'LEADER_NOT_AVAILABLE' });
    const md = await conn.request(API.METADATA, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const cw = (md.topics as Rows).find((t) => t.name === 'cw');
    assert.equal(cw?.errorCode, ErrorCode.LEADER_NOT_AVAILABLE);
    assert.deepEqual(cw?.partitions, []);
    assert.equal((md.brokers as Rows).length, 1, 'the rest of the answer is intact');
  } finally {
    conn.destroy();
  }
});

test('delay holds a response, and the responses after it on the connection keep their order', async () => {
  const rule = broker.control.delay({ api: 'Metadata', ms: 300, times: 1 });
  const conn = await WireClient.connect(broker.port);
  try {
    const started = performance.now();
    conn.write(encodeRequest(API.METADATA, 12, 1, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }));
    conn.write(encodeRequest(API.API_VERSIONS, 3, 2, { clientSoftwareName: 't', clientSoftwareVersion: '1' }));
    const first = await conn.nextFrame();
    const second = await conn.nextFrame();
    assert.ok(first && second);
    assert.equal(decodeResponse(API.METADATA, 12, first).correlationId, 1);
    assert.equal(decodeResponse(API.API_VERSIONS, 3, second).correlationId, 2, 'ApiVersions waited behind the delayed Metadata');
    // A timer never fires early; allow for the clock's millisecond rounding.
    assert.ok(performance.now() - started >= 290, 'the response was held');
    assert.equal(rule.matched, 1);
  } finally {
    conn.destroy();
  }
});

test('dropConnection closes the connection of the matching request, which is never handled', async () => {
  const before1 = await values(1);
  broker.control.dropConnection({ api: 'Produce', clientId: 'dropped' });
  const conn = await WireClient.connect(broker.port);
  conn.write(encodeRequest(API.PRODUCE, 9, 1, produceBody({ 1: 'never' }), 'dropped'));
  assert.equal(await conn.nextFrame(), null);
  assert.ok(await conn.waitClosed());
  assert.deepEqual(await values(1), before1);
  const again = await WireClient.connect(broker.port);
  try {
    assert.deepEqual(partitionCodes(await again.request(API.PRODUCE, 9, produceBody({ 1: 'later' }))), { 1: ErrorCode.NONE });
  } finally {
    again.destroy();
  }
});

test('disconnect closes open connections, optionally only those of one client id', async () => {
  const a = await WireClient.connect(broker.port);
  const b = await WireClient.connect(broker.port);
  try {
    a.write(encodeRequest(API.API_VERSIONS, 3, 1, { clientSoftwareName: 't', clientSoftwareVersion: '1' }, 'client-a'));
    b.write(encodeRequest(API.API_VERSIONS, 3, 1, { clientSoftwareName: 't', clientSoftwareVersion: '1' }, 'client-b'));
    assert.ok(await a.nextFrame());
    assert.ok(await b.nextFrame());
    assert.equal(broker.control.disconnect({ clientId: 'client-a' }), 1);
    assert.ok(await a.waitClosed());
    assert.ok(b.isOpen);
  } finally {
    a.destroy();
    b.destroy();
  }
});

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ port, host: 'localhost' });
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });

test('an outage closes every connection and refuses new ones; the broker comes back on its port with its data', async () => {
  const kept = await values(0);
  const conn = await WireClient.connect(broker.port);
  const outage = await broker.control.outage();
  assert.ok(await conn.waitClosed(), 'open connections are closed');
  assert.equal(await refused(broker.port), true, 'new connections are refused');
  await outage.end();
  await outage.ended;
  const back = await WireClient.connect(broker.port);
  try {
    assert.deepEqual(partitionCodes(await back.request(API.PRODUCE, 9, produceBody({ 0: 'after outage' }))), { 0: ErrorCode.NONE });
    assert.deepEqual(await values(0), [...kept, 'after outage']);
  } finally {
    back.destroy();
  }
  const timed = await broker.control.outage({ ms: 50 });
  assert.equal(await refused(broker.port), true);
  await timed.ended;
  (await WireClient.connect(broker.port)).destroy();
});

test('mistakes are refused when the rule is armed, with the reason', () => {
  const control = broker.control;
  assert.throws(() => control.fail({ api: 'Produse', errorCode: 6 }), (e: unknown) => e instanceof ControlError && /unknown API "Produse"/.test(e.message));
  assert.throws(() => control.fail({ api: 'Produce', errorCode: 'NOT_AN_ERROR' }), /unknown Kafka error 'NOT_AN_ERROR'/);
  assert.throws(() => control.fail({ api: 'JoinGroup', topic: 'cw', errorCode: 6 }), /topic filter applies to Produce, Fetch, ListOffsets, OffsetCommit, DeleteRecords, OffsetForLeaderEpoch and Metadata only/);
  assert.throws(() => control.fail({ api: 'Produce', partition: 1, errorCode: 6 }), /a partition needs its topic/);
  assert.throws(() => control.delay({ api: 'Fetch', ms: -1 }), /ms must be a finite number/);
  assert.equal(control.armed, false);
});

test('reset disarms every rule', async () => {
  const r1 = broker.control.fail({ api: 'Produce', errorCode: 6, times: 5 });
  const r2 = broker.control.delay({ api: 'Fetch', ms: 1000 });
  await broker.control.reset();
  await Promise.all([r1.done, r2.done]);
  assert.equal(broker.control.armed, false);
  assert.equal(r1.matched, 0);
});

test('every API Brook answers can be failed, in every version: the answer decodes and carries the code where it has one', async () => {
  const CODE = ErrorCode.COORDINATOR_NOT_AVAILABLE;
  let conn = await WireClient.connect(broker.port);
  try {
    for (const h of handlers) {
      for (let v = h.minVersion; v <= h.maxVersion; v++) {
        const rule = broker.control.fail({ api: h.name, errorCode: CODE });
        // Every field at its default (empty lists: the answer is its top level), but a produce
        // that wants an answer (acks=0 is answered by a closed connection, as Kafka does).
        conn.write(encodeRequest(h.apiKey, v, v + 1, h.apiKey === API.PRODUCE ? { acks: -1 } : {}));
        const frame = await conn.nextFrame();
        assert.equal(rule.matched, 1, `${h.name} v${v} matched`);
        const topLevel = apiCodecs.schema(h.apiKey)?.response.fields.some((f) => f.name === 'errorCode' && inVersions(f.versions, v)) ?? false;
        if (frame === null) {
          // Only a version whose answer has no error code at all may close the connection.
          assert.ok(!topLevel && h.name === 'DescribeLogDirs', `${h.name} v${v} closed the connection`);
          conn = await WireClient.connect(broker.port);
          continue;
        }
        const res = decodeResponse(h.apiKey, v, frame);
        assert.equal(res.correlationId, v + 1);
        if (topLevel) assert.equal(res.body.errorCode, CODE, `${h.name} v${v}`);
      }
    }
  } finally {
    conn.destroy();
  }
});
