// Producer state survives the broker being killed with SIGKILL (the real CLI in a child
// process). (1) At the protocol level: after a kill -9 a retry of any of the producer's last five
// batches is still recognised as a duplicate, whether the state comes from a replay of the log
// alone, from the snapshots taken at segment rolls, from the snapshot of a clean stop, or, when
// the newest snapshot is damaged, from an older one; open and aborted transactions come back with
// the same last stable offset and aborted-transaction index. (2) A kafkajs idempotent producer
// has a batch written but not acknowledged when the broker is killed; its retry after the restart
// is deduplicated, so every record is there exactly once and in order.
import assert from 'node:assert/strict';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import kafkajs from 'kafkajs';
import { WireClient } from '../src/client/wire-client.js';
import type { CreateTopicsResponse } from '../src/protocol/messages/create-topics.js';
import { BrokerProcess } from './helpers/broker-process.js';
import { tempDir } from './helpers/broker.js';
import { kcatConsume } from './helpers/kcat.js';
import { fetchPartition, initProducerId, listLatest, produce, producerBatch, writeMarker } from './helpers/producer-wire.js';
import { waitFor } from './helpers/wait-for.js';

const { Kafka, logLevel, ConfigResourceTypes } = kafkajs;
const E = { NONE: 0, OUT_OF_ORDER_SEQUENCE_NUMBER: 45 } as const;

const dirs: string[] = [];
const children: BrokerProcess[] = [];
const clients: WireClient[] = [];

after(async () => {
  for (const c of clients) c.close();
  for (const c of children) await c.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function spawn(dataDir: string, port?: number): Promise<BrokerProcess> {
  const child = await BrokerProcess.spawn({ dataDir, ...(port === undefined ? {} : { port }), settings: { 'num.partitions': 1, 'transaction.partition.verification.enable': false } });
  children.push(child);
  return child;
}

async function connect(b: BrokerProcess): Promise<WireClient> {
  const c = await WireClient.connect('localhost', b.port);
  clients.push(c);
  return c;
}

test('after kill -9, retries of the last five batches are duplicates and transactions keep their LSO and aborted index', async () => {
  const dataDir = tempDir('brook-idem-crash-');
  dirs.push(dataDir);
  let broker = await spawn(dataDir);
  let c = await connect(broker);
  const created = await c.request<CreateTopicsResponse>(19, 5, {
    topics: [
      { name: 'plain', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
      // 300 KB batches against 1 MiB segments: a roll every three batches, with a snapshot.
      { name: 'rolling', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'segment.bytes', value: '1048576' }] },
      { name: 'txn', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
    ],
    timeoutMs: 5000,
    validateOnly: false,
  });
  assert.deepEqual(created.topics.map((t) => t.errorCode), [0, 0, 0]);

  const { producerId } = await initProducerId(c);
  const pad = 'x'.repeat(300_000);
  const batchOf = (topic: string, seq: number) => producerBatch({ producerId, producerEpoch: 0, baseSequence: seq, values: [topic === 'rolling' ? `r${seq}${pad}` : `p${seq}`] });
  const batches = new Map<string, Buffer[]>();
  const sendNext = async (topic: string): Promise<void> => {
    const list = batches.get(topic) ?? [];
    batches.set(topic, list);
    const b = batchOf(topic, list.length);
    list.push(b);
    const r = await produce(c, topic, 0, b);
    assert.deepEqual([r.errorCode, Number(r.baseOffset)], [E.NONE, list.length - 1]);
  };
  const retry = async (topic: string, seq: number): Promise<number> => {
    const r = await produce(c, topic, 0, batches.get(topic)![seq]);
    return r.errorCode === E.NONE ? Number(r.baseOffset) : -r.errorCode;
  };
  const stored = async (topic: string): Promise<number> => (await fetchPartition(c, topic, 0, 0, 0)).values.length;
  for (let i = 0; i < 6; i++) {
    await sendNext('plain');
    await sendNext('rolling');
  }
  const snapshots = () => readdirSync(join(dataDir, 'rolling-0')).filter((n) => n.endsWith('.snapshot')).sort();
  assert.ok(snapshots().length >= 1, 'the rolls took snapshots');

  // Transactions: A aborted, B open, a plain record after them.
  const A = (await initProducerId(c)).producerId;
  const B = (await initProducerId(c)).producerId;
  const txn = (pid: number, v: string) => produce(c, 'txn', 0, producerBatch({ producerId: pid, producerEpoch: 0, baseSequence: 0, values: [v], transactional: true }), 'tx');
  assert.equal((await txn(A, 'a0')).errorCode, E.NONE); // 0
  assert.equal((await txn(B, 'b0')).errorCode, E.NONE); // 1
  assert.deepEqual(await writeMarker(c, { producerId: A, producerEpoch: 0, commit: false, topic: 'txn', partitions: [0] }), [E.NONE]); // 2
  assert.equal((await produce(c, 'txn', 0, producerBatch({ producerId: A, producerEpoch: 0, baseSequence: 1, values: ['a1'] }))).errorCode, E.NONE); // 3

  const restart = async (how: 'kill' | 'stop'): Promise<void> => {
    c.close();
    const exit = how === 'kill' ? await broker.kill('SIGKILL') : await broker.stop();
    if (how === 'stop') assert.equal(exit.code, 0, `clean stop; stderr: ${broker.stderr}`);
    broker = await spawn(dataDir, broker.port);
    c = await connect(broker);
  };
  const checkRetries = async (label: string): Promise<void> => {
    for (const topic of ['plain', 'rolling']) {
      const n = batches.get(topic)!.length;
      for (const seq of [n - 1, n - 3, n - 5]) assert.equal(await retry(topic, seq), seq, `${label}: ${topic} retry of batch ${seq}`);
      assert.equal(await retry(topic, n - 6), -E.OUT_OF_ORDER_SEQUENCE_NUMBER, `${label}: ${topic} batch ${n - 6} is older than the last five`);
      assert.equal(await stored(topic), n, `${label}: ${topic} stores each batch once`);
    }
  };

  await restart('kill');
  await checkRetries('after kill -9 (replay from the log and the roll snapshots)');
  const fresh = (await initProducerId(c)).producerId;
  assert.ok(fresh > Math.max(producerId, A, B), `a new producer id after the crash (${fresh}) reuses none`);
  let rc = await fetchPartition(c, 'txn', 0, 0, 1);
  assert.deepEqual([Number(rc.lastStableOffset), rc.values], [1, ['a0']], "B's open transaction holds the LSO at 1");
  assert.deepEqual(rc.abortedTransactions?.map((t) => Number(t.producerId)), [A]);

  await sendNext('plain');
  await sendNext('rolling');
  await restart('stop');
  await checkRetries('after a clean stop (snapshot at the log end)');

  await sendNext('plain');
  await sendNext('rolling');
  await restart('kill');
  // The newest snapshot of 'rolling' is damaged: the broker falls back to an older one.
  const all = snapshots();
  c.close();
  await broker.kill('SIGKILL');
  writeFileSync(join(dataDir, 'rolling-0', all[all.length - 1]), 'not a snapshot');
  broker = await spawn(dataDir, broker.port);
  c = await connect(broker);
  await checkRetries('after kill -9 with a damaged newest snapshot');

  assert.deepEqual(await writeMarker(c, { producerId: B, producerEpoch: 0, commit: true, topic: 'txn', partitions: [0] }), [E.NONE]);
  rc = await fetchPartition(c, 'txn', 0, 0, 1);
  assert.equal(Number(rc.lastStableOffset), 5);
  assert.deepEqual(rc.abortedTransactions?.map((t) => [Number(t.producerId), Number(t.firstOffset)]), [[A, 0]]);
  const committed = await kcatConsume(broker.bootstrap, 'txn', { partition: 0, offset: 'beginning' });
  assert.deepEqual(committed.map((r) => r.value?.toString()), ['b0', 'a1']);
  await broker.stop();
});

test('a kafkajs idempotent producer whose in-flight batch was written but not acknowledged when the broker was killed: the retry is deduplicated', async () => {
  const dataDir = tempDir('brook-idem-stream-');
  dirs.push(dataDir);
  let broker = await spawn(dataDir);
  const topic = 'stream';
  const kafka = new Kafka({
    brokers: [broker.bootstrap],
    clientId: 'idem-stream',
    logLevel: logLevel.NOTHING,
    requestTimeout: 3000,
    retry: { retries: 60, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  /** Sets (or with null clears) the topic's flush.ms through a short-lived kafkajs admin. */
  const flushMs = async (value: string | null): Promise<void> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(topic)) await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
      const configEntries = value === null ? [] : [{ name: 'flush.ms', value }];
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries }] });
    } finally {
      await admin.disconnect();
    }
  };
  await flushMs(null);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const BATCH = 10;
  const batch = (n: number) => Array.from({ length: BATCH }, (_, i) => ({ key: 'k', value: String(n + i) }));
  for (let n = 0; n < 300; n += BATCH) await producer.send({ topic, acks: -1, messages: batch(n) });

  // Acknowledgements now wait for an fsync ten minutes away: the next batch reaches the log
  // (and the page cache, which a killed process leaves intact) but is never acknowledged.
  await flushMs('600000');
  const inFlight = producer.send({ topic, acks: -1, messages: batch(300) });
  const probe = await WireClient.connect('localhost', broker.port);
  await waitFor('the in-flight batch to be written', async () => (await listLatest(probe, topic, 0, 0)) === 310, 10_000);
  probe.close();
  await broker.kill('SIGKILL');
  broker = await spawn(dataDir, broker.port);
  // kafkajs retries the batch with its sequence numbers; the broker answers it as a duplicate.
  await inFlight;
  await flushMs(null);
  for (let n = 310; n < 400; n += BATCH) await producer.send({ topic, acks: -1, messages: batch(n) });
  await producer.disconnect();

  const records = await kcatConsume(broker.bootstrap, topic, { partition: 0, offset: 'beginning' });
  assert.deepEqual(records.map((r) => Number(r.value?.toString())), Array.from({ length: 400 }, (_, i) => i), 'every record once, in order');
  await broker.stop();
});
