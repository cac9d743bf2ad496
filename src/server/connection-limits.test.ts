// What one client can make the broker hold: request bytes across all connections
// (queued.max.request.bytes) and unanswered requests per connection (queued.max.requests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import pino from 'pino';
import { Server } from './server.js';
import { defineHandler, type Handler } from '../handlers/handler.js';
import { apiVersionsHandler } from '../handlers/api-versions.js';
import type { BrokerContext } from '../handlers/broker-context.js';
import { WireClient, encodeRequest } from '../client/wire-client.js';

/** A Heartbeat stand-in that answers only when the test says so. */
class HeldHandler {
  readonly held: { groupId: string; answer: () => void }[] = [];
  calls = 0;
  readonly handler = defineHandler<{ groupId: string }, { errorCode: number }>({
    apiKey: 12,
    name: 'Heartbeat',
    minVersion: 4,
    maxVersion: 4,
    handle: (req) => {
      this.calls++;
      return new Promise((resolve) => this.held.push({ groupId: req.groupId, answer: () => resolve({ errorCode: 0 }) }));
    },
  });

  answerNext(): void {
    this.held.shift()!.answer();
  }
}

async function withServer(
  opts: { bytes: number; requests?: number; maxRequestBytes?: number; extra?: Handler[] },
  fn: (server: Server, port: number, h: HeldHandler) => Promise<void>,
): Promise<void> {
  const h = new HeldHandler();
  const handlers = [apiVersionsHandler, h.handler, ...(opts.extra ?? [])] as unknown as Handler[];
  const broker = { apiVersions: handlers.map((x) => ({ apiKey: x.apiKey, minVersion: x.minVersion, maxVersion: x.maxVersion })) } as unknown as BrokerContext;
  const server = new Server({
    host: '127.0.0.1',
    port: 0,
    handlers,
    broker,
    maxRequestBytes: opts.maxRequestBytes ?? 10_000,
    queuedMaxRequestBytes: opts.bytes,
    queuedMaxRequests: opts.requests ?? 500,
    maxConnections: 100,
    maxConnectionsPerIp: 100,
    connectionsMaxIdleMs: 60_000,
    log: pino({ level: 'silent' }),
  });
  const port = await server.listen();
  try {
    await fn(server, port, h);
  } finally {
    for (const x of h.held) x.answer();
    await server.close();
  }
}

/** Polls `cond`; the deadline only stops a hung test (it is no claim about speed). */
async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets the event loop run pending I/O callbacks a few times. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** A Heartbeat v4 frame (size prefix included) whose group id pads it to `size` bytes after the prefix. */
function heartbeatFrame(correlationId: number, size: number, tag = 'g'): Buffer {
  const encode = (groupId: string) => encodeRequest(12, 4, correlationId, { groupId, generationId: 1, memberId: 'm', groupInstanceId: null }, 't');
  let groupId = tag.padEnd(tag.length + size - (encode(tag).length - 4), '.');
  // The group id's length prefix is a varint: one byte longer past 127 characters.
  if (encode(groupId).length - 4 > size) groupId = groupId.slice(0, -1);
  const frame = encode(groupId);
  assert.equal(frame.length - 4, size);
  return frame;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

test('queued.max.request.bytes: a request that does not fit is not read until memory is released; requests that fit still are', async () => {
  await withServer({ bytes: 1000 }, async (server, port, h) => {
    // A announces 600 bytes and sends 100 of them: the 600 are reserved until A leaves.
    const a = await open(port);
    const head = Buffer.alloc(4 + 100);
    head.writeInt32BE(600, 0);
    a.write(head);
    await until('A to reserve its frame', () => server.memory.used === 600);

    // B's whole 600-byte request is on the wire, but 600 more do not fit: B waits unread.
    const b = await open(port);
    const answers: Buffer[] = [];
    b.on('data', (d: Buffer) => answers.push(d));
    b.write(heartbeatFrame(1, 600, 'b'));
    await until('B to wait for memory', () => server.memory.waiting === 1);
    await settle();
    assert.equal(h.calls, 0, "B's request must not be handled yet");

    // A small request fits in the 400 bytes left and is answered at once.
    const c = await WireClient.connect('127.0.0.1', port);
    const versions = await c.request<{ errorCode: number }>(18, 0, {});
    assert.equal(versions.errorCode, 0);
    assert.equal(server.memory.used, 600, "C's bytes are released once it is answered");

    a.destroy();
    await until("B's request to be handled", () => h.calls === 1);
    assert.equal(server.memory.used, 600);
    assert.equal(server.memory.waiting, 0);
    h.answerNext();
    await until('B to get its answer', () => answers.length > 0);
    assert.equal(answers[0].readInt32BE(4), 1); // correlation id
    await until('B to be released', () => server.memory.used === 0);

    b.destroy();
    c.close();
    await until('connections to close', () => server.connectionCount === 0);
    assert.equal(server.memory.used, 0);
  });
});

test('queued.max.request.bytes: a request larger than the whole pool is served when nothing else holds memory', async () => {
  await withServer({ bytes: 100 }, async (server, port, h) => {
    const s = await open(port);
    const answers: Buffer[] = [];
    s.on('data', (d: Buffer) => answers.push(d));
    s.write(heartbeatFrame(7, 800));
    await until('the request to be handled', () => h.calls === 1);
    assert.equal(server.memory.used, 800);
    h.answerNext();
    await until('its answer', () => answers.length > 0);
    await until('its bytes to be released', () => server.memory.used === 0);
    s.destroy();
  });
});

test('memory held by a connection returns to the pool when it leaves, also while its handler is still running', async () => {
  await withServer({ bytes: 10_000 }, async (server, port, h) => {
    const partial = await open(port);
    partial.write(heartbeatFrame(1, 500).subarray(0, 300)); // 500 reserved, 296 bytes arrived
    const busy = await open(port);
    busy.write(heartbeatFrame(2, 700));
    await until('both to hold memory', () => server.memory.used === 1200 && h.calls === 1);

    partial.destroy();
    busy.destroy();
    await until('connections to close', () => server.connectionCount === 0);
    assert.equal(server.memory.used, 700, 'the running handler still holds its request');
    h.answerNext();
    await settle();
    assert.equal(server.memory.used, 0);
  });
});

test('queued.max.requests: a connection with that many unanswered requests is not read further', async () => {
  await withServer({ bytes: 10_000, requests: 2 }, async (server, port, h) => {
    const s = await open(port);
    const answers: number[] = [];
    let rest = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      rest = Buffer.concat([rest, d]);
      while (rest.length >= 4 && rest.length >= 4 + rest.readInt32BE(0)) {
        answers.push(rest.readInt32BE(4));
        rest = rest.subarray(4 + rest.readInt32BE(0));
      }
    });
    // Five pipelined requests in one write: without the limit all five reach the handler at once.
    s.write(Buffer.concat([1, 2, 3, 4, 5].map((id) => heartbeatFrame(id, 40))));
    await until('two requests in the handler', () => h.calls === 2);
    await settle();
    assert.equal(h.calls, 2);
    assert.equal(server.memory.used, 80, 'the three unread requests hold no memory');

    h.answerNext();
    await until('the third request', () => h.calls === 3);
    await settle();
    assert.equal(h.calls, 3);
    while (h.held.length > 0 || h.calls < 5) {
      await until('a request to answer', () => h.held.length > 0);
      h.answerNext();
    }
    await until('all answers', () => answers.length === 5);
    assert.deepEqual(answers, [1, 2, 3, 4, 5]);
    s.destroy();
  });
});

test('a one-per-connection API (Fetch) is handled one request at a time, the next once the previous answer has drained', async () => {
  // A SyncGroup stand-in with Fetch's rule whose first answer is 32 MB: more than the socket
  // buffers take, so a client that does not read leaves it queued in the broker. The other two
  // answers are small: the client reads each byte in the test's own event loop, so every
  // megabyte more is hundreds of turns of it, seconds on a loaded machine.
  let calls = 0;
  const big = defineHandler<unknown, { errorCode: number; assignment: Buffer }>({
    apiKey: 14,
    name: 'SyncGroup',
    minVersion: 5,
    maxVersion: 5,
    onePerConnection: true,
    handle: async () => {
      calls++;
      return { errorCode: 0, assignment: Buffer.alloc(calls === 1 ? 32 << 20 : 1024) };
    },
  });
  await withServer({ bytes: 1 << 20, extra: [big as unknown as Handler] }, async (_server, port) => {
    const s = await open(port);
    s.pause(); // reads nothing yet
    const body = { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] };
    s.write(Buffer.concat([1, 2, 3].map((id) => encodeRequest(14, 5, id, body, 't'))));
    await until('the first request to be handled', () => calls === 1);
    await settle();
    assert.equal(calls, 1, 'the others wait while the first answer is undelivered');

    const answered = completeFrames(s);
    s.resume();
    await until('all three answers', () => answered.length === 3);
    assert.deepEqual(answered, [1, 2, 3], 'answers in request order');
    assert.equal(calls, 3);
    s.destroy();
  });
});

/** Correlation ids of the response frames `s` receives complete, without gathering their bodies. */
function completeFrames(s: Socket): number[] {
  const ids: number[] = [];
  let head = Buffer.alloc(0); // the next frame's size and correlation id, until all 8 bytes are in
  let id = 0;
  let rest = 0; // bytes of the current frame still to come after its head
  s.on('data', (d: Buffer) => {
    let pos = 0;
    while (pos < d.length) {
      if (rest > 0) {
        const n = Math.min(rest, d.length - pos);
        rest -= n;
        pos += n;
        if (rest === 0) ids.push(id);
        continue;
      }
      const take = d.subarray(pos, pos + 8 - head.length);
      head = Buffer.concat([head, take]);
      pos += take.length;
      if (head.length < 8) break;
      id = head.readInt32BE(4);
      rest = head.readInt32BE(0) - 4;
      head = Buffer.alloc(0);
      if (rest === 0) ids.push(id);
    }
  });
  return ids;
}
