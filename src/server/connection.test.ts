import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import pino from 'pino';
import { Server } from './server.js';
import { defineHandler, type Handler } from '../handlers/handler.js';
import { apiVersionsHandler } from '../handlers/api-versions.js';
import type { BrokerContext } from '../handlers/broker-context.js';
import { WireClient } from '../client/wire-client.js';
import { ErrorCode } from '../protocol/errors.js';

// A Heartbeat stand-in whose answer is delayed by the group id (in ms): lets a test finish
// handlers out of order and watch the order responses leave in.
const slowHeartbeat = defineHandler<{ groupId: string }, { errorCode: number }>({
  apiKey: 12,
  name: 'Heartbeat',
  minVersion: 1,
  maxVersion: 4,
  handle: (req) => new Promise((resolve) => setTimeout(() => resolve({ errorCode: Number(req.groupId) }), Number(req.groupId))),
});

async function withServer(opts: { maxRequestBytes?: number; maxConnections?: number }, fn: (port: number) => Promise<void>): Promise<void> {
  const handlers = [apiVersionsHandler, slowHeartbeat] as unknown as Handler[];
  const broker = { apiVersions: handlers.map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion })) } as unknown as BrokerContext;
  const server = new Server({
    host: '127.0.0.1',
    port: 0,
    handlers,
    broker,
    maxRequestBytes: opts.maxRequestBytes ?? 1 << 20,
    queuedMaxRequestBytes: -1,
    queuedMaxRequests: 500,
    maxConnections: opts.maxConnections ?? 100,
    maxConnectionsPerIp: 100,
    connectionsMaxIdleMs: 60_000,
    log: pino({ level: 'silent' }),
  });
  const port = await server.listen();
  try {
    await fn(port);
  } finally {
    await server.close();
  }
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

test('responses leave in request order even when handlers finish out of order', async () => {
  await withServer({}, async (port) => {
    const c = await WireClient.connect('127.0.0.1', port);
    const order: number[] = [];
    const delays = [60, 5, 30, 0, 15];
    await Promise.all(delays.map((d) => c.request<{ errorCode: number }>(12, 4, { groupId: String(d), generationId: 1, memberId: 'm', groupInstanceId: null }).then((r) => order.push(r.errorCode))));
    assert.deepEqual(order, delays);
    c.close();
  });
});

test('ApiVersions lists the registered handlers; an unknown version gets a v0 answer with UNSUPPORTED_VERSION', async () => {
  await withServer({}, async (port) => {
    const c = await WireClient.connect('127.0.0.1', port);
    const ok = await c.request<{ errorCode: number; apiKeys: { apiKey: number; maxVersion: number }[] }>(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    assert.equal(ok.errorCode, 0);
    assert.deepEqual(ok.apiKeys.map((k) => k.apiKey).sort((a, b) => a - b), [12, 18]);
    c.close();

    // Hand-made ApiVersions v99 request: the answer must be a v0 body with error 35.
    const s = connect(port, '127.0.0.1');
    const frame = Buffer.alloc(4 + 10);
    frame.writeInt32BE(10, 0);
    frame.writeInt16BE(18, 4);
    frame.writeInt16BE(99, 6);
    frame.writeInt32BE(7, 8);
    frame.writeInt16BE(-1, 12);
    s.write(frame);
    const res = await new Promise<Buffer>((resolve) => s.once('data', resolve));
    assert.equal(res.readInt32BE(4), 7); // correlation id
    assert.equal(res.readInt16BE(8), ErrorCode.UNSUPPORTED_VERSION);
    assert.ok(res.readInt32BE(10) >= 2, 'lists the supported APIs');
    s.destroy();
  });
});

test('an unsupported version of another API gets UNSUPPORTED_VERSION', async () => {
  await withServer({}, async (port) => {
    const c = await WireClient.connect('127.0.0.1', port);
    // The stand-in Heartbeat claims v1-4; v0 exists in Kafka's schema but not here.
    const r = await c.request<{ errorCode: number }>(12, 0, { groupId: '0', generationId: 1, memberId: 'm' });
    assert.equal(r.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    const ok = await c.request<{ errorCode: number }>(12, 1, { groupId: '0', generationId: 1, memberId: 'm' });
    assert.equal(ok.errorCode, 0);
    c.close();
  });
});

test('an unknown API key closes the connection', async () => {
  await withServer({}, async (port) => {
    const s = connect(port, '127.0.0.1');
    const frame = Buffer.alloc(14);
    frame.writeInt32BE(10, 0);
    frame.writeInt16BE(9999, 4);
    s.write(frame);
    await closed(s);
  });
});

test('a frame larger than socket.request.max.bytes closes the connection; others are unaffected', async () => {
  await withServer({ maxRequestBytes: 1000 }, async (port) => {
    const good = await WireClient.connect('127.0.0.1', port);
    const s = connect(port, '127.0.0.1');
    const head = Buffer.alloc(4);
    head.writeInt32BE(1001, 0);
    s.write(head);
    await closed(s);
    const r = await good.request<{ errorCode: number }>(18, 0, {});
    assert.equal(r.errorCode, 0);
    good.close();
  });
});

test('max.connections refuses the connection over the limit', async () => {
  await withServer({ maxConnections: 1 }, async (port) => {
    const first = await WireClient.connect('127.0.0.1', port);
    assert.equal((await first.request<{ errorCode: number }>(18, 0, {})).errorCode, 0);
    const second = connect(port, '127.0.0.1');
    await closed(second);
    first.close();
  });
});
