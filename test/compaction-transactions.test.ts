// Compaction of a topic with transactions and idempotent producers, by Kafka's rules: the records
// of aborted transactions go at the first clean, their ABORT marker once no batch of the
// transaction is left and its delete horizon has passed (and with it the aborted-transaction
// index entry), COMMIT markers likewise; nothing at or after the last stable offset (an open
// transaction) is cleaned; the last batch of each producer stays, so that its sequence survives a
// restart without producer snapshots. Transactions are driven at the protocol level (produce with
// hand-built batches, WriteTxnMarkers); read_committed is checked with kcat too.
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WireClient } from '../src/client/wire-client.js';
import { buildRecordBatch } from '../src/protocol/records/records.js';
import { TestBroker } from './helpers/broker.js';
import { CleanRequests } from './helpers/cleaning.js';
import { kcatConsume } from './helpers/kcat.js';
import { describeProducers, fetchPartition, initProducerId, produce, writeMarker } from './helpers/producer-wire.js';
import { waitFor } from './helpers/wait-for.js';

const TOPIC = 'txc';
const NONE = 0;

let tb: TestBroker;
let c: WireClient;
let cleans: CleanRequests | undefined;

before(async () => {
  // The partition side alone: transactional batches without the transaction coordinator, so
  // KIP-890's check that each partition was added to a transaction is off (as in read-committed.test.ts).
  tb = await TestBroker.start({ settings: { 'log.cleaner.backoff.ms': 86_400_000, 'producer.id.expiration.check.interval.ms': 100, 'transaction.partition.verification.enable': false } });
  const created = await tb.broker.cluster.createTopic(TOPIC, 1, { 'cleanup.policy': 'compact', 'segment.bytes': '1048576', 'min.cleanable.dirty.ratio': '0.01', 'delete.retention.ms': '0' });
  assert.equal(created.errorCode, NONE);
  c = await WireClient.connect('localhost', tb.port);
});

after(async () => {
  c?.close();
  const errors = tb?.errors() ?? [];
  await tb?.cleanup();
  assert.deepEqual(errors, [], 'the broker logged errors');
});

interface ProducerSpec {
  producerId: number;
  epoch?: number;
  sequence: number;
  transactional?: boolean;
}

/** One keyed batch of `records` ([key, value]) from a producer, or plain when `p` is absent. */
async function send(records: [string, string][], p?: ProducerSpec): Promise<number> {
  const batch = buildRecordBatch({
    records: records.map(([key, value]) => ({ key, value })),
    ...(p ? { producerId: p.producerId, producerEpoch: p.epoch ?? 0, baseSequence: p.sequence, transactional: p.transactional ?? false } : {}),
  });
  const res = await produce(c, TOPIC, 0, batch, p?.transactional ? 'tx' : null);
  assert.equal(res.errorCode, NONE);
  return Number(res.baseOffset);
}

/** Plain filler over its own keys, about 1.2 MB: the active segment rolls behind it. */
async function fill(tag: string): Promise<void> {
  for (let i = 0; i < 12; i++) await send(Array.from({ length: 10 }, (_, j) => [`${tag}-${i}-${j}`, 'x'.repeat(10_000)]));
}

async function cleanTopic(): Promise<number> {
  cleans ??= new CleanRequests(tb);
  return cleans.clean(TOPIC);
}

async function values(isolation: 0 | 1): Promise<string[]> {
  return (await fetchPartition(c, TOPIC, 0, 0, isolation)).values.filter((v) => !v.startsWith('x'));
}

test('aborted transactions, markers, open transactions and the last batches of producers, clean after clean', async () => {
  const A = (await initProducerId(c)).producerId; // aborts
  const B = (await initProducerId(c)).producerId; // commits
  const I = (await initProducerId(c)).producerId; // idempotent, not transactional
  const D = (await initProducerId(c)).producerId; // stays open through the first clean

  const a0 = await send([['k0', 'aborted-0'], ['k1', 'aborted-1']], { producerId: A, sequence: 0, transactional: true });
  await send([['k0', 'committed-0'], ['k2', 'committed-2']], { producerId: B, sequence: 0, transactional: true });
  await send([['k3', 'idem-3'], ['k4', 'idem-4']], { producerId: I, sequence: 0 });
  assert.deepEqual(await writeMarker(c, { producerId: A, producerEpoch: 0, commit: false, topic: TOPIC, partitions: [0] }), [NONE]);
  assert.deepEqual(await writeMarker(c, { producerId: B, producerEpoch: 0, commit: true, topic: TOPIC, partitions: [0] }), [NONE]);
  // The idempotent producer's last batch holds only keys written again later: its records go,
  // the batch must stay (emptied) for its sequence.
  await send([['k3', 'idem-3b']], { producerId: I, sequence: 2 });
  await send([['k3', 'plain-3'], ['k1', 'plain-1']]);
  await fill('f1');
  const d0 = await send([['k5', 'open-5']], { producerId: D, sequence: 0, transactional: true });
  await fill('f2');
  await send([['k6', 'after-6']]);

  assert.deepEqual(await values(0), ['aborted-0', 'aborted-1', 'committed-0', 'committed-2', 'idem-3', 'idem-4', `<ABORT ${A}>`, `<COMMIT ${B}>`, 'idem-3b', 'plain-3', 'plain-1', 'open-5', 'after-6']);

  // First clean: only the segments before the open transaction; the aborted records go, both
  // markers stay (this clean still met batches of their transactions), and so does the index.
  const end1 = await cleanTopic();
  const segmentOfD = tb.broker.cluster.partition(TOPIC, 0)!.log.cleanableSegments().segments.filter((s) => s.baseOffset <= d0).pop()!;
  assert.equal(end1, segmentOfD.baseOffset, 'nothing at or after the last stable offset is cleaned');
  assert.deepEqual(await values(0), ['committed-0', 'committed-2', 'idem-4', `<ABORT ${A}>`, `<COMMIT ${B}>`, 'plain-3', 'plain-1', 'open-5', 'after-6']);
  let rc = await fetchPartition(c, TOPIC, 0, 0, 1);
  assert.deepEqual(rc.abortedTransactions?.map((t) => [Number(t.producerId), Number(t.firstOffset)]), [[A, a0]], 'the cleaned segment kept the aborted-transaction index entry');
  assert.ok(rc.values.includes('committed-0') && !rc.values.includes('open-5'), 'read_committed stops at the open transaction');

  // The open transaction commits; another clean. Every producer is still active, so each one's
  // last entry stays, as in Kafka: A's aborted batch (emptied: its last data, with its sequence),
  // and with it A's ABORT marker and index entry (the clean still meets a batch of the
  // transaction); the COMMIT markers keep their transactions' records.
  assert.deepEqual(await writeMarker(c, { producerId: D, producerEpoch: 0, commit: true, topic: TOPIC, partitions: [0] }), [NONE]);
  await fill('f3');
  await cleanTopic();
  assert.deepEqual(await batchesOf([A, B, D]), [[A, false, 0], [B, false, 2], [A, true, 1], [B, true, 1], [D, false, 1], [D, true, 1]]);
  assert.deepEqual(await values(0), ['committed-0', 'committed-2', 'idem-4', `<ABORT ${A}>`, `<COMMIT ${B}>`, 'plain-3', 'plain-1', 'open-5', 'after-6', `<COMMIT ${D}>`]);

  // Without producer snapshots (and as after a crash: no clean-shutdown marker), a restart
  // rebuilds producer state from the log: the idempotent producer's last sequence is still there,
  // from its emptied last batch.
  c.close();
  await tb.stop();
  const folder = join(tb.dataDir, `${TOPIC}-0`);
  for (const name of readdirSync(folder)) if (name.endsWith('.snapshot')) rmSync(join(folder, name));
  rmSync(join(tb.dataDir, '.kafka_cleanshutdown'));
  await tb.startAgain();
  c = await WireClient.connect('localhost', tb.port);
  const [state] = await describeProducers(c, TOPIC, [0]);
  const idem = state.activeProducers.find((p) => Number(p.producerId) === I);
  assert.ok(idem, 'the idempotent producer is known after the restart');
  assert.equal(idem.lastSequence, 2);

  // Once the producers expire (producer.id.expiration.ms, changed while running), their last
  // batches may go: A's emptied batch at the next clean (which still meets it, so the marker
  // stays), then the marker gets its delete horizon (delete.retention.ms is 0), and the clean
  // after removes it with its index entry.
  const admin = new (await import('kafkajs')).default.Kafka({ brokers: [tb.bootstrap], logLevel: 0 }).admin();
  await admin.connect();
  try {
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 4, name: '0', configEntries: [{ name: 'producer.id.expiration.ms', value: '1' }] }] });
    await waitFor('the producers to expire', async () => (await describeProducers(c, TOPIC, [0]))[0].activeProducers.length === 0);
  } finally {
    await admin.disconnect();
  }
  await fill('f4');
  await cleanTopic();
  assert.deepEqual(await batchesOf([A]), [[A, true, 1]], 'the aborted batch is gone, its marker not yet');
  await fill('f5');
  await cleanTopic();
  await fill('f6');
  await cleanTopic();
  assert.deepEqual(await batchesOf([A, B, D]), [[B, false, 2], [B, true, 1], [D, false, 1], [D, true, 1]], 'A is gone: its batch, then its marker');
  const rc2 = await fetchPartition(c, TOPIC, 0, 0, 1);
  assert.deepEqual(rc2.abortedTransactions ?? [], [], 'no aborted transaction left to report');
  const viaKcat = await kcatConsume(tb.bootstrap, TOPIC, { partition: 0, offset: 'beginning', props: { 'isolation.level': 'read_committed' } });
  assert.deepEqual(
    viaKcat.map((r) => r.value?.toString() ?? '').filter((v) => !v.startsWith('x')),
    ['committed-0', 'committed-2', 'idem-4', 'plain-3', 'plain-1', 'open-5', 'after-6'],
  );
});

/** The batches of these producers in the log: [producer id, is control, records]. */
async function batchesOf(producers: number[]): Promise<[number, boolean, number][]> {
  const { RecordBatchHeader } = await import('../src/protocol/records/record-batch.js');
  return tb.broker.cluster
    .partition(TOPIC, 0)!
    .log.read(0, 64 << 20)!
    .batches.map((b) => new RecordBatchHeader(b, 0))
    .filter((h) => producers.includes(Number(h.producerId)))
    .map((h): [number, boolean, number] => [Number(h.producerId), h.isControl, h.recordsCount]);
}
