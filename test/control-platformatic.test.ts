// broker.control against @platformatic/kafka: the client sees each injected error, delay, lost
// connection, outage and rebalance, and recovers as it would against Kafka (retrying what is
// retriable, reporting what is not, rejoining its group). Setup and checks use the control
// helpers (createTopic, produce, readPartition, waitForLag0, waitForGroup).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Consumer, Producer, stringDeserializers, stringSerializers, type MessagesStream } from '@platformatic/kafka';
import { startBroker, type Broker } from '../src/index.js';
import { tempDir } from './helpers/broker.js';
import { FAST_CLASSIC_GROUPS, FAST_CONSUMER_GROUPS } from './helpers/group-broker.js';
import { waitFor } from './helpers/wait-for.js';

type StringConsumer = Consumer<string, string, string, string>;
type StringProducer = Producer<string, string, string, string>;

let dir: string;
let broker: Broker;
const closers: (() => Promise<unknown>)[] = [];

before(async () => {
  dir = tempDir('brook-control-platformatic-');
  broker = await startBroker({ port: 0, dataDir: dir, settings: { ...FAST_CLASSIC_GROUPS, ...FAST_CONSUMER_GROUPS } });
});

after(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

function producer(clientId: string, extra: { requestTimeout?: number } = {}): StringProducer {
  const p = new Producer({ clientId, bootstrapBrokers: [broker.bootstrap], serializers: stringSerializers, retries: 10, retryDelay: 50, ...extra });
  closers.push(() => p.close());
  return p;
}

const values = async (topic: string, partition = 0): Promise<string[]> => (await broker.control.readPartition(topic, partition)).map((r) => r.value?.toString() ?? '');

/** The Kafka error names (apiId) carried by a client error or the errors nested in it. */
function kafkaErrors(err: unknown): string[] {
  const e = err as { apiId?: string; errors?: unknown[] } | null;
  if (e === null || typeof e !== 'object') return [];
  return [...(e.apiId ? [e.apiId] : []), ...(e.errors ?? []).flatMap(kafkaErrors)];
}

test('a retriable Produce error: the producer retries and every record is stored once', async () => {
  await broker.control.createTopic('pl-retry');
  const p = producer('pl-retry');
  const rule = broker.control.fail({ api: 'Produce', topic: 'pl-retry', errorCode: 'NOT_LEADER_OR_FOLLOWER', times: 2 });
  await p.send({ messages: [{ topic: 'pl-retry', value: 'once', partition: 0 }], acks: -1 });
  assert.equal(rule.matched, 2);
  assert.deepEqual(await values('pl-retry'), ['once']);
});

test('a non-retriable Produce error reaches the application; the next send goes through', async () => {
  await broker.control.createTopic('pl-fatal');
  const p = producer('pl-fatal');
  broker.control.fail({ api: 'Produce', topic: 'pl-fatal', errorCode: 'TOPIC_AUTHORIZATION_FAILED' });
  await assert.rejects(p.send({ messages: [{ topic: 'pl-fatal', value: 'refused', partition: 0 }], acks: -1 }), (e: unknown) => kafkaErrors(e).includes('TOPIC_AUTHORIZATION_FAILED'));
  await p.send({ messages: [{ topic: 'pl-fatal', value: 'accepted', partition: 0 }], acks: -1 });
  assert.deepEqual(await values('pl-fatal'), ['accepted']);
});

test('a delay under the request timeout only slows the send down', async () => {
  await broker.control.createTopic('pl-delay');
  const p = producer('pl-delay');
  broker.control.delay({ api: 'Produce', topic: 'pl-delay', ms: 200, times: 1 });
  const started = performance.now();
  await p.send({ messages: [{ topic: 'pl-delay', value: 'late', partition: 0 }], acks: -1 });
  assert.ok(performance.now() - started >= 190, 'the acknowledgement waited for the delay');
  assert.deepEqual(await values('pl-delay'), ['late']);
});

test('a delay past the request timeout: the client reports the timeout, and sending again works once the answer is out', async () => {
  await broker.control.createTopic('pl-timeout');
  const p = producer('pl-timeout', { requestTimeout: 300 });
  const rule = broker.control.delay({ api: 'Produce', topic: 'pl-timeout', ms: 800, times: 1 });
  await assert.rejects(p.send({ messages: [{ topic: 'pl-timeout', value: 'slow', partition: 0 }], acks: -1 }), (e: unknown) => JSON.stringify(errorMessages(e)).includes('Request timed out'));
  assert.equal(rule.matched, 1);
  // What an application does: send again. Answers on a connection leave in order, so attempts
  // queued behind the held one time out too until it is out; then one goes through.
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      await p.send({ messages: [{ topic: 'pl-timeout', value: 'again', partition: 0 }], acks: -1 });
      break;
    } catch (err) {
      assert.ok(attempts < 20 && JSON.stringify(errorMessages(err)).includes('Request timed out'), String(err));
    }
  }
  // The broker appended the timed-out records before answering late, as Kafka does (the
  // client may have retried some attempts itself: at least one copy per attempt).
  const stored = await values('pl-timeout');
  assert.equal(stored[0], 'slow');
  assert.ok(stored.length - 1 >= attempts && stored.slice(1).every((v) => v === 'again'), JSON.stringify(stored));
});

function errorMessages(err: unknown): string[] {
  const e = err as { message?: string; errors?: unknown[] } | null;
  if (e === null || typeof e !== 'object') return [];
  return [e.message ?? '', ...(e.errors ?? []).flatMap(errorMessages)];
}

test('a dropped connection: the producer reconnects and the send is stored once', async () => {
  await broker.control.createTopic('pl-drop');
  const p = producer('pl-drop');
  const rule = broker.control.dropConnection({ api: 'Produce', clientId: 'pl-drop' });
  await p.send({ messages: [{ topic: 'pl-drop', value: 'survivor', partition: 0 }], acks: -1 });
  assert.equal(rule.matched, 1);
  assert.deepEqual(await values('pl-drop'), ['survivor']);
});

test('an outage: a send made meanwhile goes through once the broker is back, and earlier data is kept', async () => {
  await broker.control.createTopic('pl-outage');
  const p = producer('pl-outage');
  await p.send({ messages: [{ topic: 'pl-outage', value: 'before', partition: 0 }], acks: -1 });
  const outage = await broker.control.outage();
  let settled = false;
  const during = p.send({ messages: [{ topic: 'pl-outage', value: 'during', partition: 0 }], acks: -1 }).finally(() => (settled = true));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(settled, false, 'the send waits while the broker is unreachable');
  await outage.end();
  await during;
  assert.deepEqual(await values('pl-outage'), ['before', 'during']);
});

interface GroupMember {
  consumer: StringConsumer;
  read: string[];
  joins: number;
}

async function member(clientId: string, groupId: string, topic: string, groupProtocol: 'classic' | 'consumer' = 'classic'): Promise<GroupMember> {
  const consumer: StringConsumer = new Consumer({
    clientId,
    groupId,
    groupProtocol,
    bootstrapBrokers: [broker.bootstrap],
    deserializers: stringDeserializers,
    ...(groupProtocol === 'classic' ? { sessionTimeout: 6000, heartbeatInterval: 100 } : {}),
    maxWaitTime: 100,
    retries: 20,
    retryDelay: 50,
  });
  const m: GroupMember = { consumer, read: [], joins: 0 };
  consumer.on('consumer:group:join', () => void m.joins++);
  const stream: MessagesStream<string, string, string, string> = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: 50 });
  stream.on('data', (msg) => m.read.push(msg.value));
  closers.push(async () => {
    await stream.close();
    await consumer.close(true);
  });
  return m;
}

test('Fetch errors on a partition: the consumer refreshes its metadata, keeps reading and reads each record once', async () => {
  await broker.control.createTopic('pl-fetch', { partitions: 2 });
  await broker.control.produce('pl-fetch', Array.from({ length: 20 }, (_, i) => ({ value: `r${i}` })));
  const rule = broker.control.fail({ api: 'Fetch', topic: 'pl-fetch', partition: 1, errorCode: 'NOT_LEADER_OR_FOLLOWER', times: 3 });
  const m = await member('pl-fetch', 'pl-fetch-group', 'pl-fetch');
  await broker.control.waitForLag0('pl-fetch-group');
  await rule.done;
  assert.deepEqual([...m.read].sort(), Array.from({ length: 20 }, (_, i) => `r${i}`).sort());
});

test('forceRebalance of a classic group: the member rejoins in a new generation and keeps consuming', async () => {
  await broker.control.createTopic('pl-rebalance');
  const m = await member('pl-rebalance', 'pl-rebalance-group', 'pl-rebalance');
  const first = await broker.control.waitForGroup('pl-rebalance-group', { state: 'Stable', members: 1 });
  await waitFor('the client joined', () => m.joins >= 1);
  broker.control.forceRebalance('pl-rebalance-group');
  await waitFor('a second join', () => m.joins >= 2);
  const second = await broker.control.waitForGroup('pl-rebalance-group', { state: 'Stable', members: 1 });
  assert.equal(second.generationId, first.generationId + 1);
  assert.equal(second.members[0].memberId, first.members[0].memberId);
  await broker.control.produce('pl-rebalance', { value: 'after' });
  await broker.control.waitForLag0('pl-rebalance-group');
  assert.deepEqual(m.read, ['after']);
});

test('expireMember: the client learns it is no longer a member, joins again as a new one and goes on', async () => {
  await broker.control.createTopic('pl-expire');
  const m = await member('pl-expire', 'pl-expire-group', 'pl-expire');
  const g = await broker.control.waitForGroup('pl-expire-group', { state: 'Stable', members: 1 });
  const old = g.members[0].memberId;
  broker.control.expireMember('pl-expire-group', old);
  const again = await waitForNewMember('pl-expire-group', old);
  assert.notEqual(again, old);
  await broker.control.produce('pl-expire', { value: 'after' });
  await broker.control.waitForLag0('pl-expire-group');
  assert.deepEqual(m.read, ['after']);
});

async function waitForNewMember(groupId: string, old: string): Promise<string> {
  let id = old;
  await waitFor(`a new member in ${groupId}`, () => {
    const g = broker.groups(groupId)[0];
    id = g?.state === 'Stable' && g.members.length === 1 ? g.members[0].memberId : old;
    return id !== old;
  });
  return id;
}

test('forceRebalance of a KIP-848 group bumps its epoch; the member moves to it and keeps consuming', async () => {
  await broker.control.createTopic('pl-848', { partitions: 2 });
  const m = await member('pl-848', 'pl-848-group', 'pl-848', 'consumer');
  const reconciled = () => {
    const g = broker.groups('pl-848-group')[0];
    return g !== undefined && g.members.length === 1 && g.members[0].memberEpoch === g.generationId && (g.members[0].assignment ?? []).flatMap((a) => a.partitions).length === 2;
  };
  await waitFor('the member holds both partitions', reconciled);
  const epoch = broker.groups('pl-848-group')[0].generationId;
  broker.control.forceRebalance('pl-848-group');
  assert.equal(broker.groups('pl-848-group')[0].generationId, epoch + 1, 'a new group epoch at once');
  await waitFor('the member at the new epoch', () => reconciled() && broker.groups('pl-848-group')[0].members[0].memberEpoch === epoch + 1);
  await broker.control.produce('pl-848', [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }]);
  await broker.control.waitForLag0('pl-848-group');
  assert.deepEqual([...m.read].sort(), ['a', 'b']);
});
