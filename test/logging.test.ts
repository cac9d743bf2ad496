// What the broker logs, and where: the CLI writes its logs to stderr (JSON lines with level
// names and ISO times when asked or when stderr is not a terminal) and only its banner to
// stdout; info level tells the broker's life cycle (start, recovery, listening, replay of
// __consumer_offsets, topics created and deleted, stop); debug adds one line per request; and
// warnings a client can provoke (malformed frames) are rate-limited per client address.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import kafkajs from 'kafkajs';
import { TestBroker, tempDir, type LogLine } from './helpers/broker.js';
import { CLI_PATH } from './helpers/broker-process.js';
import { kcatProduce, assertKcatOk } from './helpers/kcat.js';
import { WireClient } from './helpers/wire-client.js';

const API = { OFFSET_COMMIT: 8, METADATA: 3, API_VERSIONS: 18 } as const;
const PINO_WARN = 40;

let tb: TestBroker;

before(async () => {
  tb = await TestBroker.start({ logLevel: 'debug' });
});

after(async () => {
  await tb.cleanup();
});

const byMsg = (lines: readonly LogLine[], msg: string): LogLine[] => lines.filter((l) => l.msg === msg);

test('the CLI logs JSON to stderr, with level names and ISO times, and prints only its banner on stdout', async () => {
  const dir = tempDir();
  try {
    const child = spawn(process.execPath, [CLI_PATH, 'serve', '--host', 'localhost', '--port', '0', '--data-dir', dir, '--log-format', 'json'], {
      env: { PATH: process.env.PATH ?? '' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`brook exited (${code}): ${stderr}`)));
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        stdout += s;
        const m = /listening on \S*:(\d+)/.exec(stdout);
        if (m) resolve(Number(m[1]));
      });
    });
    assertKcatOk(await kcatProduce(`localhost:${port}`, 'cli-auto', [{ value: 'x' }]), 'produce');
    child.kill('SIGTERM');
    await once(child, 'exit');

    assert.match(stdout, /^Brook is listening on localhost:\d+ \(data in .*\)\n$/, 'stdout holds the banner and nothing else');
    // The CLI's own messages ("brook: SIGTERM received, ...") are plain text; the broker's are JSON.
    const lines = stderr.split('\n').filter((l) => l !== '' && !l.startsWith('brook: '));
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const l of parsed) {
      assert.ok(['info', 'warn', 'error'].includes(String(l.level)), `level by name: ${JSON.stringify(l)}`);
      assert.match(String(l.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    const msgs = parsed.map((l) => l.msg);
    for (const m of ['starting Brook', 'logs recovered', 'listening', 'topic created', 'stopping', 'stopped']) assert.ok(msgs.includes(m), `${m} in ${JSON.stringify(msgs)}`);
    const created = parsed.find((l) => l.msg === 'topic created');
    assert.deepEqual([created?.topic, created?.creation, created?.partitions], ['cli-auto', 'auto', 1]);
    // The default level of the CLI is info: no request lines.
    assert.equal(msgs.includes('request'), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the CLI refuses an unknown log format or level as a usage error', () => {
  const format = spawnSync(process.execPath, [CLI_PATH, 'serve', '--log-format', 'xml'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  assert.equal(format.status, 2);
  assert.match(format.stderr, /log format must be one of pretty, json, got 'xml'/);
  const level = spawnSync(process.execPath, [CLI_PATH, 'serve'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', BROOK_LOG_LEVEL: 'verbose' } });
  assert.equal(level.status, 2);
  assert.match(level.stderr, /log level must be one of fatal, error, warn, info, debug, trace, silent, got 'verbose'/);
});

test('info: topics created (by request, automatically, internally) and deleted; start, replay and stop on a restart', async () => {
  const kafka = new kafkajs.Kafka({ brokers: [tb.bootstrap], clientId: 'logging-admin', logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: 'lg-explicit', numPartitions: 3 }] });
    await admin.deleteTopics({ topics: ['lg-explicit'] });
  } finally {
    await admin.disconnect();
  }
  const conn = await WireClient.connect(tb.port);
  await conn.request(API.METADATA, 12, { topics: [{ name: 'lg-auto', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
  await conn.request(API.OFFSET_COMMIT, 8, {
    groupId: 'lg-group', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
    topics: [{ name: 'lg-auto', partitions: [{ partitionIndex: 0, committedOffset: 0, committedLeaderEpoch: -1, committedMetadata: '' }] }],
  });
  conn.destroy();

  const created = byMsg(tb.logs, 'topic created').map((l) => [l.topic, l.partitions, l.creation]);
  assert.deepEqual(created, [
    ['lg-explicit', 3, 'request'],
    ['lg-auto', 1, 'auto'],
    ['__consumer_offsets', 50, 'internal'],
  ]);
  assert.deepEqual(byMsg(tb.logs, 'topic deleted').map((l) => [l.topic, l.partitions]), [['lg-explicit', 3]]);

  const before = tb.logs.length;
  await tb.restart();
  const restart = tb.logs.slice(before);
  const info = restart.filter((l) => l.level === 30).map((l) => l.msg);
  // The replay runs beside the listening socket: a small one may end before or after 'listening'.
  assert.deepEqual(info.slice(0, 5), ['stopping', 'stopped', 'starting Brook', 'logs recovered', 'replaying __consumer_offsets']);
  assert.deepEqual(info.slice(5).sort(), ['listening', 'replayed __consumer_offsets: consumer groups loaded']);
  const [recovered] = byMsg(restart, 'logs recovered');
  assert.equal(recovered.logs, 51, 'lg-auto and the 50 partitions of __consumer_offsets');
  const [replayed] = byMsg(restart, 'replayed __consumer_offsets: consumer groups loaded');
  assert.deepEqual([replayed.records, replayed.groups], [1, 1]);
  assert.equal(typeof replayed.ms, 'number');
  assert.equal(byMsg(restart, 'stopped')[0].logsFlushed, 51);
  assert.deepEqual(tb.errors(), []);
});

test('debug: one line per request with API, version, client, correlation id, latency and error codes', async () => {
  const conn = await WireClient.connect(tb.port);
  const from = tb.logs.length;
  await conn.request(API.METADATA, 12, { topics: [{ name: 'lg-missing', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  await conn.request(API.API_VERSIONS, 3, { clientSoftwareName: 'logging-test', clientSoftwareVersion: '1' });
  const local = `${conn.socket.localAddress}:${conn.socket.localPort}`;
  conn.destroy();
  const lines = byMsg(tb.logs.slice(from), 'request');
  assert.deepEqual(
    lines.map((l) => [l.level, l.api, l.version, l.clientId, l.client, l.correlationId, l.errors]),
    [
      [20, 'Metadata', 12, 'brook-test', local, 1, { UNKNOWN_TOPIC_OR_PARTITION: 1 }],
      [20, 'ApiVersions', 3, 'brook-test', local, 2, undefined],
    ],
  );
  for (const l of lines) assert.ok(typeof l.ms === 'number' && l.ms >= 0);
});

test('warnings about malformed connections are rate-limited per client address', async () => {
  const from = tb.logs.length;
  const CONNECTIONS = 20;
  for (let i = 0; i < CONNECTIONS; i++) {
    const conn = await WireClient.connect(tb.port);
    const frame = Buffer.alloc(4);
    frame.writeInt32BE(-5); // a negative size: the connection is closed at once
    conn.write(frame);
    assert.ok(await conn.waitClosed(), 'closed by the broker');
  }
  const warned = tb.logs.slice(from).filter((l) => l.level === PINO_WARN && l.msg === 'closing connection: request size out of bounds');
  // One line per 10 s per address: 20 connections from one address fit in one interval, and even
  // a machine slow enough to need two intervals logs far fewer lines than connections.
  assert.ok(warned.length >= 1 && warned.length <= 2, `${warned.length} warnings for ${CONNECTIONS} bad connections`);
  assert.match(String(warned[0].client), /^(::ffff:)?127\.0\.0\.1:\d+$|^::1:\d+$/);
});
