import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { apiVersionsV4, fetchV17, joinGroupV9, metadataV12, offsetCommitV9, Reader as PlatformaticReader } from '@platformatic/kafka';
import { Reader } from '../primitives/reader.js';
import { Writer } from '../primitives/writer.js';
import { apiSchemas } from '../messages/index.js';
import { readRequestHeaderPrefix, readRequestHeaderRest, writeResponseHeader } from '../header.js';
import { compile } from './compile.js';

// Golden fixtures: bytes real clients put on the wire (kafkajs for the classic versions,
// @platformatic/kafka for flexible ones), responses we encode read back by those clients, and
// a few flexible sequences worked out by hand from the protocol spec and pinned as hex.

type Obj = Record<string, unknown>;
interface KjsEncoder {
  readonly buffer: Buffer;
}
interface KjsRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  encode(): Promise<KjsEncoder>;
}
type KjsRequestFactory = (args: Obj) => KjsRequest;
interface KjsResponse {
  decode(raw: Buffer): Promise<Obj>;
}

const require = createRequire(import.meta.url);
const kjs = <T>(path: string): T => require(`kafkajs/src/protocol/${path}`) as T;
const kjsRequest = (api: string, v: number) => kjs<KjsRequestFactory>(`requests/${api}/v${v}/request.js`);
const kjsResponse = (api: string, v: number) => kjs<KjsResponse>(`requests/${api}/v${v}/response.js`);
const kjsRecordBatch = kjs<{ RecordBatch: (args: Obj) => Promise<KjsEncoder> }>('recordBatch/v0/index.js').RecordBatch;
const kjsRecord = kjs<(args: Obj) => KjsEncoder>('recordBatch/record/v0/index.js');
const kjsFrame = kjs<(args: Obj) => Promise<KjsEncoder>>('request.js');

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const schemaOf = (key: number) => {
  const s = apiSchemas.find((a) => a.apiKey === key);
  assert.ok(s, `api ${key}`);
  return s;
};
const codec = (key: number, v: number, dir: 'request' | 'response') => compile(schemaOf(key)[dir], v);
function encode(key: number, v: number, dir: 'request' | 'response', value: Obj): Buffer {
  const w = new Writer();
  codec(key, v, dir).encode(w, value);
  return w.toBuffer();
}

/** Decodes client bytes, checks every byte was read, and that our encoder gives them back. */
function decodeClient(key: number, v: number, bytes: Buffer): Obj {
  const r = new Reader(bytes);
  const value = codec(key, v, 'request').decode(r);
  assert.equal(r.pos, bytes.length, 'decoder read the whole body');
  assert.equal(encode(key, v, 'request', value).toString('hex'), bytes.toString('hex'), 're-encoding reproduces the client bytes');
  return value;
}

/** Asserts the fields named in `want` (recursively; arrays element by element), ignoring the rest. */
function assertFields(actual: unknown, want: unknown, path = '$'): void {
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(actual), `${path} is an array`);
    assert.equal(actual.length, want.length, `${path}.length`);
    want.forEach((w, i) => assertFields(actual[i], w, `${path}[${i}]`));
  } else if (want !== null && typeof want === 'object' && !Buffer.isBuffer(want)) {
    assert.ok(actual !== null && typeof actual === 'object', `${path} is an object`);
    for (const [k, w] of Object.entries(want)) assertFields((actual as Obj)[k], w, `${path}.${k}`);
  } else {
    assert.deepStrictEqual(actual, want, path);
  }
}

const kjsBody = async (api: string, v: number, args: Obj) => (await kjsRequest(api, v)(args).encode()).buffer;

test('kafkajs Metadata v1 and v5 requests', async () => {
  const v1 = decodeClient(3, 1, await kjsBody('metadata', 1, { topics: ['orders', 'päyments-日本'] }));
  assertFields(v1, { topics: [{ name: 'orders' }, { name: 'päyments-日本' }], allowAutoTopicCreation: true });
  // kafkajs asks for every topic with a null array (an empty one would mean "no topics").
  assert.equal(decodeClient(3, 1, await kjsBody('metadata', 1, { topics: [] })).topics, null);
  const v5 = decodeClient(3, 5, await kjsBody('metadata', 5, { topics: ['orders'], allowAutoTopicCreation: false }));
  assertFields(v5, { topics: [{ name: 'orders' }], allowAutoTopicCreation: false });
});

test('kafkajs Produce v3 request with a record batch', async () => {
  const ts = 1_700_000_000_000;
  const body = await kjsBody('produce', 3, {
    acks: -1,
    timeout: 30000,
    topicData: [
      {
        topic: 'orders',
        partitions: [
          {
            partition: 2,
            messages: [
              { key: 'k1', value: 'v1', timestamp: ts, headers: { trace: 'abc' } },
              { key: null, value: 'v2 ✓', timestamp: ts + 5 },
            ],
          },
        ],
      },
    ],
  });
  const req = decodeClient(0, 3, body);
  assertFields(req, { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: 'orders', partitionData: [{ index: 2 }] }] });
  const records = ((req.topicData as Obj[])[0].partitionData as Obj[])[0].records as Buffer;
  // The batch arrives untouched: v2 header fields at their fixed offsets.
  assert.equal(records.readInt32BE(8) + 12, records.length, 'batchLength covers the rest of the batch');
  assert.equal(records.readInt8(16), 2, 'magic');
  assert.equal(Number(records.readBigInt64BE(27)), ts, 'baseTimestamp');
  assert.equal(Number(records.readBigInt64BE(35)), ts + 5, 'maxTimestamp');
  assert.equal(records.readInt32BE(57), 2, 'record count');
});

test('kafkajs Fetch v4 and v11 requests', async () => {
  const topics = [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: '12345678901', maxBytes: 1048576 }] }];
  const v4 = decodeClient(1, 4, await kjsBody('fetch', 4, { replicaId: -1, maxWaitTime: 5000, minBytes: 1, maxBytes: 10485760, isolationLevel: 1, topics }));
  assertFields(v4, {
    replicaId: -1,
    maxWaitMs: 5000,
    minBytes: 1,
    maxBytes: 10485760,
    isolationLevel: 1,
    topics: [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: 12345678901, partitionMaxBytes: 1048576 }] }],
  });
  const v11 = decodeClient(
    1,
    11,
    await kjsBody('fetch', 11, {
      replicaId: -1,
      maxWaitTime: 100,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 0,
      sessionId: 7,
      sessionEpoch: 3,
      rackId: 'eu-west-1a',
      forgottenTopics: [{ topic: 'old', partitions: [1, 2] }],
      topics: [{ topic: 'orders', partitions: [{ partition: 1, currentLeaderEpoch: 4, fetchOffset: '42', maxBytes: 65536 }] }],
    }),
  );
  assertFields(v11, {
    isolationLevel: 0,
    sessionId: 7,
    sessionEpoch: 3,
    rackId: 'eu-west-1a',
    forgottenTopicsData: [{ topic: 'old', partitions: [1, 2] }],
    topics: [{ topic: 'orders', partitions: [{ partition: 1, currentLeaderEpoch: 4, fetchOffset: 42, logStartOffset: -1, partitionMaxBytes: 65536 }] }],
  });
});

test('kafkajs ListOffsets v2, ApiVersions v2, JoinGroup v5 and OffsetCommit v5 requests', async () => {
  const lo = decodeClient(2, 2, await kjsBody('listOffsets', 2, {
    replicaId: -1,
    isolationLevel: 1,
    topics: [{ topic: 't', partitions: [{ partition: 0, timestamp: -1 }, { partition: 1, timestamp: '1700000000000' }] }],
  }));
  assertFields(lo, { replicaId: -1, isolationLevel: 1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1 }, { partitionIndex: 1, timestamp: 1700000000000 }] }] });

  assertFields(decodeClient(18, 2, await kjsBody('apiVersions', 2, {})), { clientSoftwareName: '', clientSoftwareVersion: '' });

  const metadata = Buffer.from([0, 1, 2, 3, 255]);
  const jg = decodeClient(11, 5, await kjsBody('joinGroup', 5, {
    groupId: 'billing',
    sessionTimeout: 30000,
    rebalanceTimeout: 60000,
    memberId: '',
    groupInstanceId: 'pod-7',
    protocolType: 'consumer',
    groupProtocols: [{ name: 'RoundRobinAssigner', metadata }],
  }));
  assertFields(jg, {
    groupId: 'billing',
    sessionTimeoutMs: 30000,
    rebalanceTimeoutMs: 60000,
    memberId: '',
    groupInstanceId: 'pod-7',
    protocolType: 'consumer',
    protocols: [{ name: 'RoundRobinAssigner', metadata }],
  });

  const oc = decodeClient(8, 5, await kjsBody('offsetCommit', 5, {
    groupId: 'billing',
    groupGenerationId: 3,
    memberId: 'm-1',
    topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '9007199254740991' }, { partition: 1, offset: '17', metadata: 'ok' }] }],
  }));
  assertFields(oc, {
    groupId: 'billing',
    generationIdOrMemberEpoch: 3,
    memberId: 'm-1',
    topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: Number.MAX_SAFE_INTEGER, committedMetadata: null }, { partitionIndex: 1, committedOffset: 17, committedMetadata: 'ok' }] }],
  });
});

test('a kafkajs request frame: size, header v1, body', async () => {
  const request = kjsRequest('metadata', 5)({ topics: ['orders'], allowAutoTopicCreation: true });
  const frame = (await kjsFrame({ correlationId: 77, clientId: 'my-app', request })).buffer;
  const r = new Reader(frame);
  assert.equal(r.int32(), frame.length - 4);
  assert.deepStrictEqual(readRequestHeaderPrefix(r), { apiKey: 3, apiVersion: 5, correlationId: 77 });
  assert.equal(readRequestHeaderRest(r, false), 'my-app');
  assertFields(codec(3, 5, 'request').decode(r), { topics: [{ name: 'orders' }], allowAutoTopicCreation: true });
  assert.equal(r.remaining, 0);
});

test('kafkajs decodes our ApiVersions v2, Metadata v5, ListOffsets v2 and JoinGroup v5 responses', async () => {
  const av = await kjsResponse('apiVersions', 2).decode(encode(18, 2, 'response', {
    errorCode: 0,
    apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 11 }, { apiKey: 18, minVersion: 0, maxVersion: 4 }],
    throttleTimeMs: 25,
  }));
  assertFields(av, { errorCode: 0, apiVersions: [{ apiKey: 0, minVersion: 3, maxVersion: 11 }, { apiKey: 18, minVersion: 0, maxVersion: 4 }], clientSideThrottleTime: 25 });

  const md = await kjsResponse('metadata', 5).decode(encode(3, 5, 'response', {
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }],
    clusterId: 'brook-cluster',
    controllerId: 1,
    topics: [{ errorCode: 0, name: 'orders', isInternal: false, partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }] }],
  }));
  assertFields(md, {
    brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }],
    clusterId: 'brook-cluster',
    controllerId: 1,
    topicMetadata: [{ topicErrorCode: 0, topic: 'orders', isInternal: false, partitionMetadata: [{ partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1], isr: [1], offlineReplicas: [] }] }],
  });

  const lo = await kjsResponse('listOffsets', 2).decode(encode(2, 2, 'response', {
    throttleTimeMs: 0,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: -1, offset: 9007199254740991 }] }],
  }));
  assertFields(lo, { responses: [{ topic: 't', partitions: [{ partition: 0, errorCode: 0, timestamp: '-1', offset: '9007199254740991' }] }] });

  const jg = await kjsResponse('joinGroup', 5).decode(encode(11, 5, 'response', {
    throttleTimeMs: 0,
    errorCode: 0,
    generationId: 4,
    protocolName: 'RoundRobinAssigner',
    leader: 'm-1',
    memberId: 'm-2',
    members: [{ memberId: 'm-1', groupInstanceId: null, metadata: Buffer.from('meta') }],
  }));
  assertFields(jg, { generationId: 4, groupProtocol: 'RoundRobinAssigner', leaderId: 'm-1', memberId: 'm-2', members: [{ memberId: 'm-1', groupInstanceId: null, memberMetadata: Buffer.from('meta') }] });
});

test('kafkajs reads the records of our Fetch v4 response', async () => {
  const ts = 1_700_000_000_000;
  const batch = (await kjsRecordBatch({
    firstOffset: '100',
    firstTimestamp: ts,
    maxTimestamp: ts,
    lastOffsetDelta: 1,
    records: [kjsRecord({ offsetDelta: 0, key: Buffer.from('k'), value: Buffer.from('hello') }), kjsRecord({ offsetDelta: 1, key: null, value: Buffer.from('wörld') })],
  })).buffer;
  const res = await kjsResponse('fetch', 4).decode(encode(1, 4, 'response', {
    throttleTimeMs: 0,
    responses: [{ topic: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 102, lastStableOffset: 102, abortedTransactions: [], records: [batch.subarray(0, 20), batch.subarray(20)] }] }],
  }));
  assertFields(res, {
    responses: [{
      topicName: 'orders',
      partitions: [{ partition: 0, highWatermark: '102', lastStableOffset: '102', messages: [{ offset: '100', key: Buffer.from('k'), value: Buffer.from('hello') }, { offset: '101', key: null, value: Buffer.from('wörld') }] }],
    }],
  });
});

const uuidHex = '5f2b8a3c-1d4e-4f60-8a7b-9c0d1e2f3a4b';
const uuidKafka = Buffer.from(uuidHex.replaceAll('-', ''), 'hex').toString('base64url');

test('@platformatic/kafka flexible requests: ApiVersions v4, Metadata v12, Fetch v17, JoinGroup v9, OffsetCommit v9', () => {
  assertFields(decodeClient(18, 4, apiVersionsV4.createRequest('@platformatic/kafka', '1.35.0').buffer), { clientSoftwareName: '@platformatic/kafka', clientSoftwareVersion: '1.35.0' });
  assertFields(decodeClient(3, 12, metadataV12.createRequest(['orders', 'audit'], true, false).buffer), {
    topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'orders' }, { name: 'audit' }],
    allowAutoTopicCreation: true,
    includeTopicAuthorizedOperations: false,
  });
  const fetch = fetchV17.createRequest(500, 1, 1048576, 1, 0, -1, [{ topicId: uuidHex, partitions: [{ partition: 3, currentLeaderEpoch: 2, fetchOffset: 12n, lastFetchedEpoch: -1, partitionMaxBytes: 65536 }] }], [], 'rack-a');
  assertFields(decodeClient(1, 17, fetch.buffer), {
    maxWaitMs: 500,
    isolationLevel: 1,
    sessionEpoch: -1,
    clusterId: null,
    topics: [{ topicId: uuidKafka, partitions: [{ partition: 3, currentLeaderEpoch: 2, fetchOffset: 12, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 65536 }] }],
    forgottenTopicsData: [],
    rackId: 'rack-a',
  });
  const jg = joinGroupV9.createRequest('g', 45000, 300000, '', null, 'consumer', [{ name: 'cooperative-sticky', metadata: Buffer.from([1, 2]) }], 'rebalance: new member');
  assertFields(decodeClient(11, 9, jg.buffer), { groupId: 'g', groupInstanceId: null, protocols: [{ name: 'cooperative-sticky', metadata: Buffer.from([1, 2]) }], reason: 'rebalance: new member' });
  const oc = offsetCommitV9.createRequest('g', 5, 'm', null, [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 99n, committedLeaderEpoch: 1, committedMetadata: null }] }]);
  assertFields(decodeClient(8, 9, oc.buffer), { generationIdOrMemberEpoch: 5, topics: [{ name: 'orders', partitions: [{ committedOffset: 99, committedLeaderEpoch: 1, committedMetadata: null }] }] });
});

test('@platformatic/kafka parses our flexible ApiVersions v4 and Metadata v12 responses', () => {
  const av = apiVersionsV4.parseResponse(1, 18, 4, PlatformaticReader.from(encode(18, 4, 'response', {
    errorCode: 0,
    apiKeys: [{ apiKey: 3, minVersion: 0, maxVersion: 12 }],
    throttleTimeMs: 0,
    finalizedFeaturesEpoch: 3, // a tagged field the client must skip
  })));
  assertFields(av, { errorCode: 0, apiKeys: [{ apiKey: 3, minVersion: 0, maxVersion: 12 }], throttleTimeMs: 0 });
  const md = metadataV12.parseResponse(1, 3, 12, PlatformaticReader.from(encode(3, 12, 'response', {
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: 'r1' }],
    clusterId: 'c',
    controllerId: 1,
    topics: [{ errorCode: 0, name: 'orders', topicId: uuidKafka, isInternal: false, partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }], topicAuthorizedOperations: -2147483648 }],
  })));
  assertFields(md, { brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: 'r1' }], topics: [{ name: 'orders', topicId: uuidHex, partitions: [{ leaderId: 1, replicaNodes: [1] }], topicAuthorizedOperations: -2147483648 }] });
});

// Hand-assembled from the protocol spec (KIP-482 compact types and tagged fields, KIP-511).

test('ApiVersions v3 request exactly as librdkafka frames it', () => {
  // size 36 | apiKey 18, v3, correlation 1, clientId "rdkafka" (a classic int16-length string
  // even in header v2), no header tags | "librdkafka" and "2.3.0" as compact strings (length + 1),
  // no body tags.
  const frame = hex(`00000024
    0012 0003 00000001 0007 72646b61666b61 00
    0b 6c69627264 6b61666b61 06 322e332e30 00`);
  const r = new Reader(frame);
  assert.equal(r.int32(), frame.length - 4);
  assert.deepStrictEqual(readRequestHeaderPrefix(r), { apiKey: 18, apiVersion: 3, correlationId: 1 });
  assert.equal(readRequestHeaderRest(r, true), 'rdkafka');
  const bodyStart = r.pos;
  assert.deepStrictEqual(codec(18, 3, 'request').decode(r), { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.3.0' });
  assert.equal(r.remaining, 0);
  assert.deepStrictEqual(encode(18, 3, 'request', { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.3.0' }), frame.subarray(bodyStart));
});

test('ApiVersions v3 response: header v0 (KIP-511) and tagged feature fields', () => {
  const w = new Writer();
  writeResponseHeader(w, 18, 1, true);
  codec(18, 3, 'response').encode(w, {
    errorCode: 0,
    apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 11 }, { apiKey: 18, minVersion: 0, maxVersion: 4 }],
    throttleTimeMs: 0,
    supportedFeatures: [{ name: 'metadata.version', minVersion: 1, maxVersion: 21 }],
    finalizedFeaturesEpoch: 7,
    zkMigrationReady: false, // the default: not written
  });
  // correlation id, no tag byte | error, 2 api keys (compact length 3) each with empty tags,
  // throttle | 2 tags in tag order: 0 = supportedFeatures, 23 bytes (compact length 2, the name
  // as a compact string of 16 bytes, min 1, max 21, empty entry tags); 1 = epoch 7 as 8 bytes.
  const want = hex(`00000001
    0000  03  0000 0003 000b 00  0012 0000 0004 00  00000000
    02  00 17 02 11 6d657461646174612e76657273696f6e 0001 0015 00
        01 08 0000000000000007`);
  assert.equal(w.toBuffer().toString('hex'), want.toString('hex'));
});

test('Fetch v12 response: a tagged struct is written only when it differs from its default', () => {
  const part = (i: number, currentLeader: Obj, aborted: Obj[] | null, records: Buffer | null) => ({
    partitionIndex: i, errorCode: 0, highWatermark: 5, lastStableOffset: 5, logStartOffset: 0,
    currentLeader, abortedTransactions: aborted, preferredReadReplica: -1, records,
  });
  const value = {
    throttleTimeMs: 0, errorCode: 0, sessionId: 0,
    responses: [{ topic: 't', partitions: [part(0, { leaderId: 1, leaderEpoch: 2 }, null, null), part(1, { leaderId: -1, leaderEpoch: -1 }, [], Buffer.alloc(0))] }],
  };
  // throttle, error, session | 1 topic "t" | 2 partitions: the first with no aborted list (null),
  // read replica -1, null records and tag 1 (9 bytes: leader 1, epoch 2, empty struct tags);
  // the second with an empty list, empty records and no tags | topic tags | top-level tags.
  const want = hex(`00000000 0000 00000000  02  02 74  03
    00000000 0000 0000000000000005 0000000000000005 0000000000000000  00 ffffffff 00  01 01 09 00000001 00000002 00
    00000001 0000 0000000000000005 0000000000000005 0000000000000000  01 ffffffff 01  00
    00  00`);
  assert.equal(encode(1, 12, 'response', value).toString('hex'), want.toString('hex'));
  const back = codec(1, 12, 'response').decode(new Reader(want));
  assertFields(back, { responses: [{ partitions: [{ currentLeader: { leaderId: 1, leaderEpoch: 2 }, abortedTransactions: null, records: null }, { currentLeader: { leaderId: -1, leaderEpoch: -1 }, abortedTransactions: [], records: Buffer.alloc(0) }] }] });
});

test('request header v2 skips its tagged fields; v1 reads a null client id', () => {
  const v2 = hex('0003 000c 0000002a 0004 74657374  02 00 03 616263 05 00  ff');
  const r = new Reader(v2);
  assert.deepStrictEqual(readRequestHeaderPrefix(r), { apiKey: 3, apiVersion: 12, correlationId: 42 });
  assert.equal(readRequestHeaderRest(r, true), 'test');
  assert.equal(r.pos, v2.length - 1, 'the body starts after the tagged fields');
  const v1 = new Reader(hex('0012 0002 00000007 ffff'));
  readRequestHeaderPrefix(v1);
  assert.equal(readRequestHeaderRest(v1, false), null);
  assert.equal(v1.remaining, 0);
  // A tag claiming more bytes than the frame holds.
  const bad = new Reader(hex('0003 000c 0000002a 0000 01 00 09 61'));
  readRequestHeaderPrefix(bad);
  assert.throws(() => readRequestHeaderRest(bad, true), RangeError);
});

test('response header: v1 adds an empty tag buffer, except for ApiVersions which is always v0', () => {
  const header = (apiKey: number, flexible: boolean) => {
    const w = new Writer();
    writeResponseHeader(w, apiKey, 42, flexible);
    return w.toBuffer().toString('hex');
  };
  assert.equal(header(3, true), '0000002a00');
  assert.equal(header(3, false), '0000002a');
  assert.equal(header(18, true), '0000002a');
  assert.equal(header(18, false), '0000002a');
});
