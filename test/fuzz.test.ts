// Protocol fuzzing against an in-process Brook while a real client streams through it. Raw
// sockets send thousands of random and mutated frames (see helpers/fuzz-frames.ts); after each
// one a valid ApiVersions probe follows on the same connection, so the broker must either answer
// the frame (in order, with its correlation id, decodably) and then the probe, or close the
// connection. Meanwhile kafkajs produces and @platformatic/kafka fetches a keyed stream, which
// must arrive complete, exactly once, in order. The PRNG is seeded: BROOK_FUZZ_SEED=<n> replays.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Consumer } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { apiCodecs } from '../src/protocol/api-codecs.js';
import { TestBroker } from './helpers/broker.js';
import { fuzzCase, type FuzzCase, type FuzzTarget } from './helpers/fuzz-frames.js';
import { platformaticFetchPartition } from './helpers/platformatic-fetch.js';
import { Random } from './helpers/prng.js';
import { assertContiguous, assertKeyedDelivery, byPartition, keyedMessages, toSeen, type SeenRecord } from './helpers/records.js';
import { WireClient, decodeResponse, encodeRequest } from './helpers/wire-client.js';

const SEED = Number(process.env.BROOK_FUZZ_SEED ?? 0x5eed2026);
const WORKERS = 6;
/** The run stops at this many cases (about 3 s on 2 cores alongside the stream)... */
const MAX_CASES = 8000;
/** ...or after this long on a loaded machine; a safety bound, not a timing assertion. */
const BUDGET_MS = 30_000;
const STREAM_TOPIC = 'real-client-stream';
const STREAM_PARTITIONS = 4;
const STREAM_MESSAGES = 3000;
const API_VERSIONS = 18;
const UNSUPPORTED_VERSION = 35;
const CORRUPT_MESSAGE = 2;

let tb: TestBroker;
let target: FuzzTarget;

before(async () => {
  tb = await TestBroker.start({ settings: { 'auto.create.topics.enable': false, 'num.partitions': 1 }, logLevel: 'error' });
  const { cluster } = tb.broker;
  const created = await cluster.createTopic(STREAM_TOPIC, STREAM_PARTITIONS, {});
  assert.equal(created.errorCode, 0);
  const fz = await cluster.createTopic('fz', 1, {});
  assert.ok(fz.topic);
  target = { topic: 'fz', topicId: fz.topic.id, maxRequestBytes: tb.broker.config.socketRequestMaxBytes };
});

after(async () => {
  await tb?.cleanup();
});

interface Tally {
  cases: number;
  outcomes: Map<string, Map<string, number>>;
  violations: string[];
}

function note(t: Tally, kind: string, outcome: string): void {
  let m = t.outcomes.get(kind);
  if (!m) t.outcomes.set(kind, (m = new Map()));
  m.set(outcome, (m.get(outcome) ?? 0) + 1);
}

/** Decodes a response the way a client that sent (apiKey, version) would; undefined if it cannot. */
function decodeAs(apiKey: number, version: number, frame: Buffer): Record<string, unknown> | undefined {
  // KIP-511: an ApiVersions request of a version the broker does not know gets a v0 answer.
  const v = apiKey === API_VERSIONS && !apiCodecs.get(API_VERSIONS, version) ? 0 : version;
  if (!apiCodecs.get(apiKey, v)) return undefined;
  return decodeResponse(apiKey, v, frame).body;
}

async function runCase(worker: { client: WireClient | undefined }, c: FuzzCase, t: Tally, port: number): Promise<void> {
  const client = worker.client?.isOpen ? worker.client : await WireClient.connect(port);
  worker.client = client;
  const fail = (why: string): void => {
    // A connection that misbehaved once is not trusted for the next case.
    client.destroy();
    worker.client = undefined;
    t.violations.push(`${c.kind} [${c.bytes.subarray(0, 24).toString('hex')}${c.bytes.length > 24 ? '…' : ''}] (${c.bytes.length} bytes): ${why}`);
  };

  if (c.expect === 'close') {
    client.write(c.bytes);
    if (c.endAfter) client.socket.end();
    const closed = await client.waitClosed(5000);
    const answered = await client.nextFrame(0);
    note(t, c.kind, closed ? 'closed' : 'open');
    if (!closed) fail('connection left open');
    if (answered) fail('answered a frame it should have refused');
    client.destroy();
    worker.client = undefined;
    return;
  }

  if (c.expect === 'may-wait') {
    client.write(c.bytes);
    client.destroy(); // hang up on the parked fetch: the broker must drop it quietly
    worker.client = undefined;
    note(t, c.kind, 'parked');
    return;
  }

  const sentKey = c.bytes.readInt16BE(4);
  const sentVersion = c.bytes.readInt16BE(6);
  const sentId = c.bytes.readInt32BE(8);
  // Read from the bytes actually sent: a flipped correlation id must not collide with the probe's.
  const probeId = sentId === 2 ** 31 - 1 ? 0 : sentId + 1;
  client.write(Buffer.concat([c.bytes, encodeRequest(API_VERSIONS, 3, probeId, { clientSoftwareName: 'probe', clientSoftwareVersion: '1' })]));
  const before: Buffer[] = [];
  let probe: Buffer | undefined;
  for (;;) {
    const frame = await client.nextFrame(5000);
    if (!frame) break;
    if (frame.readInt32BE(0) === probeId) {
      probe = frame;
      break;
    }
    before.push(frame);
  }
  if (!probe && client.isOpen) {
    note(t, c.kind, 'hung');
    fail('neither answered nor closed within 5 s');
    client.destroy();
    worker.client = undefined;
    return;
  }
  if (before.length > 1) fail(`${before.length} responses to one request`);
  const response = before[0];
  if (response && response.readInt32BE(0) !== sentId) fail(`response correlation id ${response.readInt32BE(0)}, sent ${sentId}`);
  note(t, c.kind, response ? 'answered' : probe ? 'no-response' : 'closed');
  if (!probe) {
    if (c.expect === 'corrupt-message') fail('closed instead of answering CORRUPT_MESSAGE');
    if (c.expect === 'unsupported-version' && sentKey === API_VERSIONS) fail('closed instead of answering an unknown ApiVersions version (KIP-511)');
    client.destroy();
    worker.client = undefined;
    return;
  }
  try {
    const probeBody = decodeResponse(API_VERSIONS, 3, probe).body;
    if (probeBody.errorCode !== 0) fail(`probe answered with error ${String(probeBody.errorCode)}`);
  } catch (err) {
    fail(`undecodable probe response ${probe.subarray(0, 32).toString('hex')}: ${String(err)}`);
  }
  if (!response) {
    // Only an acks=0 produce goes unanswered.
    if (sentKey !== 0 || c.expect !== 'respond-or-close') fail('request silently dropped');
    return;
  }
  let body: Record<string, unknown> | undefined;
  try {
    body = decodeAs(sentKey, sentVersion, response);
  } catch (err) {
    fail(`undecodable response to api ${sentKey} v${sentVersion}: ${String(err)}`);
    return;
  }
  if (c.expect === 'unsupported-version') {
    if (!body) fail(`answered api ${sentKey} v${sentVersion}, a version without a schema, instead of closing`);
    else if (body.errorCode !== UNSUPPORTED_VERSION) fail(`api ${sentKey} v${sentVersion} answered with errorCode ${String(body.errorCode)}, not UNSUPPORTED_VERSION`);
  }
  if (c.expect === 'corrupt-message') {
    const responses = body?.responses as { partitionResponses: { errorCode: number }[] }[] | undefined;
    const code = responses?.[0]?.partitionResponses?.[0]?.errorCode;
    if (code !== CORRUPT_MESSAGE) fail(`bad CRC answered with errorCode ${String(code)}, not CORRUPT_MESSAGE`);
  }
}

async function streamThrough(bootstrap: string): Promise<{ sent: ReturnType<typeof keyedMessages>; seen: SeenRecord[] }> {
  const sent = keyedMessages(STREAM_MESSAGES, 20, 'fuzz-stream');
  const kafka = new kafkajs.Kafka({ brokers: [bootstrap], clientId: 'fuzz-stream', logLevel: kafkajs.logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = new Consumer({ clientId: 'fuzz-stream-reader', bootstrapBrokers: [bootstrap], groupId: 'unused', retries: 10, retryDelay: 100 });
  const seen: SeenRecord[] = [];
  try {
    await producer.connect();
    const produce = (async () => {
      for (let i = 0; i < sent.length; i += 50) {
        await producer.send({ topic: STREAM_TOPIC, acks: -1, messages: sent.slice(i, i + 50).map((m) => ({ key: m.key, value: m.value, headers: m.headers })) });
      }
    })();
    const next = Array<number>(STREAM_PARTITIONS).fill(0);
    const deadline = Date.now() + 60_000;
    while (seen.length < sent.length && Date.now() < deadline) {
      let progressed = false;
      for (let p = 0; p < STREAM_PARTITIONS; p++) {
        const res = await platformaticFetchPartition(consumer, STREAM_TOPIC, p, next[p]);
        assert.equal(res.errorCode, 0);
        for (const r of res.records) {
          seen.push(toSeen(r));
          next[p] = r.offset + 1;
          progressed = true;
        }
      }
      if (!progressed) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await produce;
  } finally {
    await producer.disconnect();
    await consumer.close();
  }
  return { sent, seen };
}

test('thousands of malformed frames: the broker answers or closes each, never crashes, and a real stream passes through intact', async (t) => {
  const tally: Tally = { cases: 0, outcomes: new Map(), violations: [] };
  const deadline = Date.now() + BUDGET_MS;
  const stream = streamThrough(tb.bootstrap);
  const workers = Array.from({ length: WORKERS }, async (_, w) => {
    const r = new Random(SEED + w);
    const worker: { client: WireClient | undefined } = { client: undefined };
    while (tally.cases < MAX_CASES && Date.now() < deadline) {
      tally.cases++;
      await runCase(worker, fuzzCase(r, target, r.range(0, 2 ** 31 - 1)), tally, tb.port);
    }
    worker.client?.destroy();
  });
  await Promise.all(workers);
  const { sent, seen } = await stream;

  t.diagnostic(`seed ${SEED}: ${tally.cases} cases`);
  for (const [kind, m] of [...tally.outcomes].sort()) t.diagnostic(`  ${kind}: ${[...m].map(([o, n]) => `${o} ${n}`).join(', ')}`);
  assert.deepEqual(tally.violations.slice(0, 20), [], `${tally.violations.length} violations`);
  assert.ok(tally.cases >= 1000, `only ${tally.cases} cases ran`);
  for (const kind of ['flipped-bytes', 'truncated-body', 'trailing-garbage', 'wrong-version', 'unknown-api-key', 'bad-crc', 'random-body', 'negative-length', 'oversized-length', 'short-frame', 'incomplete']) {
    assert.ok(tally.outcomes.has(kind), `no ${kind} case ran`);
  }

  // The real client's stream: complete, exactly once, keys in order, offsets without gaps.
  assertKeyedDelivery(sent, seen);
  for (const [p, records] of byPartition(seen)) assertContiguous(records.map((r) => r.offset), 0, `partition ${p}`);

  // Still alive and well: a fresh connection is answered.
  const probe = await WireClient.connect(tb.port);
  try {
    const versions = await probe.request(API_VERSIONS, 3, { clientSoftwareName: 'after', clientSoftwareVersion: '1' });
    assert.equal(versions.errorCode, 0);
    const meta = await probe.request(3, 12, { topics: [{ name: STREAM_TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false });
    assert.equal((meta.topics as { errorCode: number }[])[0].errorCode, 0);
  } finally {
    probe.destroy();
  }
  assert.deepEqual(tb.errors().map((l) => l.msg), [], 'no handler threw (an exception is a bug even when answered)');
});
