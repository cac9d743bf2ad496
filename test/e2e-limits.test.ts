// Connection-level limits with small configured values: socket.request.max.bytes (a frame
// announcing more is refused from its 4-byte size prefix, before any body arrives or is
// allocated) and max.connections (the connection over the limit is closed; a freed slot is
// reusable). Raw sockets from helpers/wire-client.ts; kafkajs for the client's view.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import kafkajs from 'kafkajs';
import { buildRecordBatch } from '../src/protocol/records/records.js';
import { TestBroker } from './helpers/broker.js';
import { kcatConsume } from './helpers/kcat.js';
import { WireClient, decodeResponse, encodeRequest } from './helpers/wire-client.js';

const API_VERSIONS = 18;
const PRODUCE = 0;
const MAX_REQUEST = 4096;
const MAX_CONNECTIONS = 3;

const versionsBody = { clientSoftwareName: 'limits', clientSoftwareVersion: '1' };
const brokers: TestBroker[] = [];

after(async () => {
  for (const b of brokers) await b.cleanup();
});

async function start(settings: Record<string, number | boolean>): Promise<TestBroker> {
  const tb = await TestBroker.start({ settings });
  brokers.push(tb);
  return tb;
}

/** A Produce v9 frame for `topic` whose size field is exactly `size` (value padding adjusted). */
function produceFrameOfSize(topic: string, size: number): Buffer {
  const frame = (valueLen: number): Buffer => {
    const records = buildRecordBatch({ records: [{ value: Buffer.alloc(valueLen, 'v') }] });
    return encodeRequest(PRODUCE, 9, 7, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
  };
  let len = size - (frame(0).length - 4);
  while (frame(len).length - 4 > size) len--;
  while (frame(len).length - 4 < size) len++;
  const f = frame(len);
  assert.equal(f.length - 4, size, 'no padding gives that exact size');
  return f;
}

let small: TestBroker;

before(async () => {
  small = await start({ 'socket.request.max.bytes': MAX_REQUEST, 'num.partitions': 1 });
});

test('socket.request.max.bytes: a frame of exactly the limit is served, one byte more closes the connection on its size prefix', async () => {
  const c = await WireClient.connect(small.port);
  const meta = await c.request(3, 12, { topics: [{ name: 'limits', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: true });
  assert.equal((meta.topics as { errorCode: number }[])[0].errorCode, 0);

  c.write(produceFrameOfSize('limits', MAX_REQUEST));
  const answer = await c.nextFrame();
  assert.ok(answer, 'a request of exactly socket.request.max.bytes is answered');
  const produced = decodeResponse(PRODUCE, 9, answer);
  assert.equal(produced.correlationId, 7);
  const responses = produced.body.responses as { partitionResponses: { errorCode: number; baseOffset: number }[] }[];
  assert.deepEqual([responses[0].partitionResponses[0].errorCode, responses[0].partitionResponses[0].baseOffset], [0, 0]);

  const over = produceFrameOfSize('limits', MAX_REQUEST + 1);
  c.write(over.subarray(0, 4)); // only the size prefix: the body never comes
  assert.equal(await c.waitClosed(3000), true, 'closed as soon as the size prefix is read');
  assert.equal(await c.nextFrame(0), null);

  const huge = await WireClient.connect(small.port);
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(0x7fffffff, 0);
  huge.write(prefix);
  assert.equal(await huge.waitClosed(3000), true, 'a 2 GiB announcement is refused');

  const back = await kcatConsume(small.bootstrap, 'limits', { partition: 0, offset: 'beginning' });
  assert.equal(back.length, 1, 'only the frame within the limit was appended');

  const fresh = await WireClient.connect(small.port);
  assert.equal((await fresh.request(API_VERSIONS, 3, versionsBody)).errorCode, 0, 'the broker still serves new connections');
  fresh.destroy();
});

test('socket.request.max.bytes: a kafkajs send over the limit fails, and the client recovers for the next one', async () => {
  const kafka = new kafkajs.Kafka({ brokers: [small.bootstrap], clientId: 'limits', logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50 } });
  const producer = kafka.producer();
  await producer.connect();
  try {
    await assert.rejects(producer.send({ topic: 'limits-kafkajs', acks: -1, messages: [{ value: Buffer.alloc(MAX_REQUEST * 2, 'x') }] }));
    const [r] = await producer.send({ topic: 'limits-kafkajs', acks: -1, messages: [{ value: 'small' }] });
    assert.equal(r.errorCode, 0);
    assert.equal(r.baseOffset, '0', 'nothing of the refused request was appended');
  } finally {
    await producer.disconnect();
  }
});

test('announced sizes are not allocated before the bytes arrive', async () => {
  const tb = await start({}); // default socket.request.max.bytes: 100 MiB
  const clients: WireClient[] = [];
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 20; i++) {
    const c = await WireClient.connect(tb.port);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(tb.broker.config.socketRequestMaxBytes, 0);
    c.write(Buffer.concat([prefix, Buffer.alloc(16)]));
    clients.push(c);
  }
  // A round trip on a fresh connection: by then the broker has read every prefix above.
  const probe = await WireClient.connect(tb.port);
  assert.equal((await probe.request(API_VERSIONS, 3, versionsBody)).errorCode, 0);
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 64 * 1024 * 1024, `20 announced 100 MiB frames grew buffers by ${grown} bytes`);
  for (const c of [...clients, probe]) c.destroy();
});

test('max.connections: the connection over the limit is closed, a freed slot is reusable', async () => {
  const tb = await start({ 'max.connections': MAX_CONNECTIONS });
  const open: WireClient[] = [];
  for (let i = 0; i < MAX_CONNECTIONS; i++) {
    const c = await WireClient.connect(tb.port);
    assert.equal((await c.request(API_VERSIONS, 3, versionsBody)).errorCode, 0);
    open.push(c);
  }
  const extra = await WireClient.connect(tb.port);
  extra.write(encodeRequest(API_VERSIONS, 3, 1, versionsBody));
  assert.equal(await extra.waitClosed(3000), true, 'the extra connection is closed');
  assert.equal(await extra.nextFrame(0), null, 'and not answered');

  open.shift()?.destroy();
  // The broker notices the close asynchronously; retry briefly until the slot is free.
  let reused: WireClient | undefined;
  for (let attempt = 0; attempt < 50 && !reused; attempt++) {
    const c = await WireClient.connect(tb.port);
    try {
      await c.request(API_VERSIONS, 3, versionsBody, 1000);
      reused = c;
    } catch {
      c.destroy();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  assert.ok(reused, 'a freed slot accepts a new connection');
  open.push(reused);
  for (const c of open) assert.equal((await c.request(API_VERSIONS, 3, versionsBody)).errorCode, 0, 'connections within the limit keep working');
  for (const c of open) c.destroy();
});

test('queued.max.request.bytes: a produce that does not fit waits unread while a half-sent frame holds the memory; small requests are served meanwhile', async () => {
  const tb = await start({ 'queued.max.request.bytes': 3000, 'socket.request.max.bytes': MAX_REQUEST, 'num.partitions': 1 });
  const meta = await WireClient.connect(tb.port);
  await meta.request(3, 12, { topics: [{ name: 'pool', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: true });

  // 2500 of the 3000 bytes reserved by a frame whose body never comes.
  const holder = await WireClient.connect(tb.port);
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(2500, 0);
  holder.write(Buffer.concat([prefix, Buffer.alloc(10)]));

  const producer = await WireClient.connect(tb.port);
  producer.write(produceFrameOfSize('pool', 1000));
  // Requests that fit in the 500 bytes left are answered, on other connections.
  assert.equal((await meta.request(API_VERSIONS, 3, versionsBody)).errorCode, 0);
  assert.equal(await producer.nextFrame(300), null, 'the produce is not read while the memory is held');

  holder.destroy();
  const answer = await producer.nextFrame();
  assert.ok(answer, 'answered once the holder left');
  const responses = decodeResponse(PRODUCE, 9, answer).body.responses as { partitionResponses: { errorCode: number }[] }[];
  assert.equal(responses[0].partitionResponses[0].errorCode, 0);
  for (const c of [meta, producer]) c.destroy();
});

test('fetch.max.bytes caps the bytes a fetch may ask for', async () => {
  const tb = await start({ 'fetch.max.bytes': 1024, 'num.partitions': 1 });
  const c = await WireClient.connect(tb.port);
  await c.request(3, 12, { topics: [{ name: 'capped', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: true });
  for (let i = 0; i < 3; i++) {
    const records = buildRecordBatch({ records: [{ value: Buffer.alloc(600, 'v') }] });
    await c.request(PRODUCE, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'capped', partitionData: [{ index: 0, records }] }] });
  }
  const fetch = await c.request(1, 11, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 10_000_000, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: 'capped', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 10_000_000 }] }],
    forgottenTopicsData: [], rackId: '',
  });
  const records = (fetch.responses as { partitions: { errorCode: number; records: Buffer | null }[] }[])[0].partitions[0];
  assert.equal(records.errorCode, 0);
  const size = records.records?.length ?? 0;
  assert.ok(size > 600 && size <= 1024, `one ~650-byte batch of three fits in fetch.max.bytes=1024, got ${size} bytes`);
  c.destroy();
});
