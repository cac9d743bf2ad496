// broker.control against kafkajs: each misbehaviour is seen by the client (an error it retries
// or reports, a slow or lost response, a refused connection, a rebalance) and the client
// recovers as it would against Kafka. The tests use the control helpers for their own setup
// and checks (createTopic, produce, readPartition, waitForLag0, waitForGroup).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import kafkajs, { type Consumer, type Kafka, type LogEntry, type Producer } from 'kafkajs';
import { startBroker, type Broker } from '../src/index.js';
import { tempDir } from './helpers/broker.js';
import { FAST_CLASSIC_GROUPS } from './helpers/group-broker.js';
import { waitFor } from './helpers/wait-for.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

let dir: string;
let broker: Broker;
/** kafkajs' own log lines (error and warn), which show what the client saw. */
const clientLog: string[] = [];
const open: { disconnect(): Promise<void> }[] = [];

function client(clientId: string, extra: Partial<ConstructorParameters<typeof KafkaClient>[0]> = {}): Kafka {
  return new KafkaClient({
    clientId,
    brokers: [broker.bootstrap],
    logLevel: logLevel.WARN,
    logCreator: () => (e: LogEntry) => clientLog.push(`${e.namespace}: ${e.log.message} ${String(e.log.error ?? '')}`),
    retry: { retries: 8, initialRetryTime: 50, maxRetryTime: 500 },
    ...extra,
  });
}

async function producer(clientId: string, kafka = client(clientId)): Promise<Producer> {
  const p = kafka.producer();
  await p.connect();
  open.push(p);
  return p;
}

before(async () => {
  dir = tempDir('brook-control-kafkajs-');
  broker = await startBroker({ port: 0, dataDir: dir, settings: FAST_CLASSIC_GROUPS });
});

after(async () => {
  for (const c of open.splice(0).reverse()) await c.disconnect().catch(() => undefined);
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

const values = async (topic: string, partition = 0): Promise<string[]> => (await broker.control.readPartition(topic, partition)).map((r) => r.value?.toString() ?? '');

test('a retriable Produce error: kafkajs retries and every record is stored once', async () => {
  await broker.control.createTopic('kj-retry');
  const p = await producer('kj-retry');
  const rule = broker.control.fail({ api: 'Produce', topic: 'kj-retry', errorCode: 'NOT_LEADER_OR_FOLLOWER', times: 2 });
  await p.send({ topic: 'kj-retry', messages: [{ value: 'once' }] });
  await rule.done;
  assert.equal(rule.matched, 2, 'two attempts failed before the third was accepted');
  assert.deepEqual(await values('kj-retry'), ['once']);
  assert.ok(clientLog.some((l) => /not the leader/i.test(l)), 'kafkajs logged the error it retried');
});

test('a non-retriable Produce error reaches the application; the next send goes through', async () => {
  await broker.control.createTopic('kj-fatal');
  const p = await producer('kj-fatal');
  broker.control.fail({ api: 'Produce', topic: 'kj-fatal', errorCode: 'TOPIC_AUTHORIZATION_FAILED' });
  await assert.rejects(p.send({ topic: 'kj-fatal', messages: [{ value: 'refused' }] }), (e: Error & { type?: string }) => e.type === 'TOPIC_AUTHORIZATION_FAILED');
  await p.send({ topic: 'kj-fatal', messages: [{ value: 'accepted' }] });
  assert.deepEqual(await values('kj-fatal'), ['accepted']);
});

test('a response delayed past the request timeout: kafkajs times out, retries, and the retry is stored too, as with Kafka', async () => {
  await broker.control.createTopic('kj-slow');
  const p = await producer('kj-slow', client('kj-slow', { requestTimeout: 300 }));
  const rule = broker.control.delay({ api: 'Produce', topic: 'kj-slow', ms: 1000, times: 1 });
  await p.send({ topic: 'kj-slow', messages: [{ value: 'slow' }] });
  assert.equal(rule.matched, 1);
  // The first attempt was appended before its answer was held back: without idempotence each
  // retry is another copy, which is what a Kafka broker that answers late leads to. (Retries
  // sent on the same connection wait behind the held answer, so how many depends on kafkajs'
  // timing; at least one.)
  const stored = await values('kj-slow');
  assert.ok(stored.length >= 2 && stored.every((v) => v === 'slow'), `copies stored: ${JSON.stringify(stored)}`);
  assert.ok(clientLog.some((l) => /Request Produce\(key: 0, version: \d+\) timed out/.test(l)), 'kafkajs saw the timeout');
});

test('a delay under the timeout only slows the send down', async () => {
  await broker.control.createTopic('kj-delay');
  const p = await producer('kj-delay');
  broker.control.delay({ api: 'Produce', topic: 'kj-delay', ms: 250, times: 1 });
  const started = performance.now();
  await p.send({ topic: 'kj-delay', messages: [{ value: 'late' }] });
  assert.ok(performance.now() - started >= 240, 'the acknowledgement waited for the delay');
  assert.deepEqual(await values('kj-delay'), ['late']);
});

test('a dropped connection: kafkajs reconnects and the send is stored once', async () => {
  await broker.control.createTopic('kj-drop');
  const p = await producer('kj-drop');
  const rule = broker.control.dropConnection({ api: 'Produce', clientId: 'kj-drop' });
  await p.send({ topic: 'kj-drop', messages: [{ value: 'survivor' }] });
  assert.equal(rule.matched, 1);
  assert.deepEqual(await values('kj-drop'), ['survivor']);
});

test('an outage: a send made meanwhile goes through once the broker is back, and earlier data is kept', async () => {
  await broker.control.createTopic('kj-outage');
  const p = await producer('kj-outage');
  await p.send({ topic: 'kj-outage', messages: [{ value: 'before' }] });
  const outage = await broker.control.outage();
  let settled = false;
  const during = p.send({ topic: 'kj-outage', messages: [{ value: 'during' }] }).finally(() => (settled = true));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(settled, false, 'the send waits while the broker is unreachable');
  await outage.end();
  await during;
  assert.deepEqual(await values('kj-outage'), ['before', 'during']);
});

/** A kafkajs group member that records its joins (member id each time) and what it reads. */
async function member(groupId: string, topic: string): Promise<{ consumer: Consumer; joins: string[]; read: string[] }> {
  const consumer = client(`${groupId}-member`).consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 100, maxWaitTimeInMs: 100, retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 } });
  const joins: string[] = [];
  const read: string[] = [];
  consumer.on(consumer.events.GROUP_JOIN, (e) => joins.push(e.payload.memberId));
  await consumer.connect();
  open.push(consumer);
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ autoCommitThreshold: 1, eachMessage: async ({ message }) => void read.push(message.value?.toString() ?? '') });
  return { consumer, joins, read };
}

test('Fetch errors on a partition: the consumer refreshes its metadata, keeps reading and reads each record once', async () => {
  await broker.control.createTopic('kj-fetch', { partitions: 2 });
  await broker.control.produce('kj-fetch', Array.from({ length: 20 }, (_, i) => ({ value: `r${i}` })));
  const rule = broker.control.fail({ api: 'Fetch', topic: 'kj-fetch', partition: 1, errorCode: 'NOT_LEADER_OR_FOLLOWER', times: 3 });
  const m = await member('kj-fetch-group', 'kj-fetch');
  await broker.control.waitForLag0('kj-fetch-group');
  await rule.done;
  assert.deepEqual([...m.read].sort(), Array.from({ length: 20 }, (_, i) => `r${i}`).sort());
});

test('forceRebalance: the member rejoins in a new generation and keeps consuming', async () => {
  await broker.control.createTopic('kj-rebalance');
  const m = await member('kj-rebalance-group', 'kj-rebalance');
  const first = await broker.control.waitForGroup('kj-rebalance-group', { state: 'Stable', members: 1 });
  broker.control.forceRebalance('kj-rebalance-group');
  await waitFor('a second join', () => m.joins.length >= 2);
  const second = await broker.control.waitForGroup('kj-rebalance-group', { state: 'Stable', members: 1 });
  assert.equal(second.generationId, first.generationId + 1);
  assert.equal(m.joins[1], m.joins[0], 'the same member, rejoined');
  await broker.control.produce('kj-rebalance', { value: 'after' });
  await broker.control.waitForLag0('kj-rebalance-group');
  assert.deepEqual(m.read, ['after']);
});

test('expireMember: kafkajs learns it is no longer a member, joins again as a new one and goes on', async () => {
  await broker.control.createTopic('kj-expire');
  const m = await member('kj-expire-group', 'kj-expire');
  const g = await broker.control.waitForGroup('kj-expire-group', { state: 'Stable', members: 1 });
  const [old] = g.members;
  broker.control.expireMember('kj-expire-group', old.memberId);
  await waitFor('a join as a new member', () => m.joins.some((id) => id !== old.memberId));
  const again = await broker.control.waitForGroup('kj-expire-group', { state: 'Stable', members: 1 });
  assert.notEqual(again.members[0].memberId, old.memberId);
  await broker.control.produce('kj-expire', { value: 'after' });
  await broker.control.waitForLag0('kj-expire-group');
  assert.deepEqual(m.read, ['after']);
  assert.throws(() => broker.control.expireMember('kj-expire-group', old.memberId), /UNKNOWN_MEMBER_ID/);
});
