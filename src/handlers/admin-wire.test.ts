// Every version of every admin handler through the wire codecs: a request is encoded and decoded
// as the server would, handled, and the response encoded and decoded again. Catches a response
// missing a field some version needs, or a request field read in a version that lacks it.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from '../index.js';
import type { Handler, RequestContext } from './handler.js';
import { apiCodecs } from '../protocol/api-codecs.js';
import { Reader } from '../protocol/primitives/reader.js';
import { Writer } from '../protocol/primitives/writer.js';
import { ZERO_UUID } from '../cluster/topic-name.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { createPartitionsHandler } from './create-partitions.js';
import { describeTopicPartitionsHandler } from './describe-topic-partitions.js';
import { describeConfigsHandler } from './describe-configs.js';
import { alterConfigsHandler } from './alter-configs.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { deleteRecordsHandler } from './delete-records.js';
import { describeClusterHandler } from './describe-cluster.js';
import { describeLogDirsHandler } from './describe-log-dirs.js';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.js';

let dir: string;
let broker: Broker;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'brook-admin-wire-'));
  broker = await startBroker({ port: 0, dataDir: dir });
  await broker.cluster.createTopic('wire', 1, {});
});
after(async () => {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Json = Record<string, unknown>;

/** Encodes `value` with the codec and decodes it back, checking every byte is consumed. */
function roundTrip(apiKey: number, version: number, kind: 'request' | 'response', value: Json): Json {
  const codecs = apiCodecs.get(apiKey, version);
  assert.ok(codecs, `no codec for ${apiKey} v${version}`);
  const w = new Writer();
  codecs[kind].encode(w, value);
  const r = new Reader(w.toBuffer());
  const decoded = codecs[kind].decode(r);
  assert.equal(r.remaining, 0, `${kind} ${apiKey} v${version} left bytes`);
  return decoded;
}

/** Collects every errorCode in a decoded response, wherever it sits. */
function errorCodes(value: unknown, out: number[] = []): number[] {
  if (Array.isArray(value)) for (const v of value) errorCodes(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'errorCode' && typeof v === 'number') out.push(v);
      else errorCodes(v, out);
    }
  }
  return out;
}

interface Case {
  readonly handler: Handler<never, unknown>;
  request(version: number): Json;
}

const cases: Case[] = [
  {
    handler: createTopicsHandler as Handler<never, unknown>,
    request: (v) => ({
      topics: [{ name: `ct-${v}`, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '1000' }] }],
      timeoutMs: 1000,
      validateOnly: false,
    }),
  },
  {
    handler: createPartitionsHandler as Handler<never, unknown>,
    request: (v) => ({ topics: [{ name: 'wire', count: v + 2, assignments: null }], timeoutMs: 1000, validateOnly: false }),
  },
  {
    handler: deleteTopicsHandler as Handler<never, unknown>,
    request: (v) => ({
      topics: v >= 6 ? [{ name: null, topicId: broker.cluster.topic(`ct-${v}`)?.id ?? ZERO_UUID }] : [],
      topicNames: v < 6 ? [`ct-${v}`] : [],
      timeoutMs: 1000,
    }),
  },
  {
    handler: describeTopicPartitionsHandler as Handler<never, unknown>,
    request: () => ({ topics: [{ name: 'wire' }], responsePartitionLimit: 100, cursor: null }),
  },
  {
    handler: describeConfigsHandler as Handler<never, unknown>,
    request: () => ({
      resources: [{ resourceType: 2, resourceName: 'wire', configurationKeys: null }, { resourceType: 4, resourceName: '0', configurationKeys: null }],
      includeSynonyms: true,
      includeDocumentation: true,
    }),
  },
  {
    handler: alterConfigsHandler as Handler<never, unknown>,
    request: () => ({ resources: [{ resourceType: 2, resourceName: 'wire', configs: [{ name: 'retention.ms', value: '7000' }] }], validateOnly: false }),
  },
  {
    handler: incrementalAlterConfigsHandler as Handler<never, unknown>,
    request: () => ({
      resources: [{ resourceType: 2, resourceName: 'wire', configs: [{ name: 'retention.ms', configOperation: 0, value: '8000' }] }],
      validateOnly: false,
    }),
  },
  {
    handler: deleteRecordsHandler as Handler<never, unknown>,
    request: () => ({ topics: [{ name: 'wire', partitions: [{ partitionIndex: 0, offset: -1 }] }], timeoutMs: 1000 }),
  },
  {
    handler: describeClusterHandler as Handler<never, unknown>,
    request: () => ({ includeClusterAuthorizedOperations: false, endpointType: 1 }),
  },
  {
    handler: describeLogDirsHandler as Handler<never, unknown>,
    request: () => ({ topics: null }),
  },
  {
    handler: offsetForLeaderEpochHandler as Handler<never, unknown>,
    request: () => ({ replicaId: -1, topics: [{ topic: 'wire', partitions: [{ partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }] }] }),
  },
];

test('every version of every admin handler encodes, decodes and succeeds', async () => {
  for (const c of cases) {
    const h = c.handler;
    for (let v = h.minVersion; v <= h.maxVersion; v++) {
      const request = roundTrip(h.apiKey, v, 'request', c.request(v));
      const ctx: RequestContext = { apiVersion: v, correlationId: v, clientId: 'wire', clientHost: 'localhost:1', connectionId: 1, broker: broker.context };
      const response = (await h.handle(request as never, ctx)) as Json;
      const decoded = roundTrip(h.apiKey, v, 'response', response);
      const codes = errorCodes(decoded);
      assert.ok(codes.length > 0, `${h.name} v${v} has error codes`);
      assert.deepEqual(codes.filter((e) => e !== 0), [], `${h.name} v${v}: ${JSON.stringify(decoded)}`);
    }
  }
  assert.equal(broker.cluster.topic('wire')?.partitions.length, 5);
  assert.deepEqual(broker.cluster.topic('wire')?.configs, { 'retention.ms': '8000' });
  // DeleteTopics stops at v6, so CreateTopics v7's topic remains.
  assert.deepEqual([...broker.cluster.topics()].map((t) => t.name).sort(), ['ct-7', 'wire']);
});
