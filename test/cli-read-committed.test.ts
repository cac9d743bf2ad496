// `brook consume --read-committed` (and `--isolation`) against a topic with committed, aborted and
// open transactions written by kafkajs: read_committed shows only committed records and stops at
// the open transaction; read_uncommitted shows every data record; neither shows control batches.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { TestBroker } from './helpers/broker.js';
import { brookOk, jsonLines } from './helpers/brook-cli.js';

let tb: TestBroker;
let kafka: Kafka;
const producers: Producer[] = [];

before(async () => {
  tb = await TestBroker.start();
  assert.equal((await tb.broker.cluster.createTopic('txn-cli', 1, {})).errorCode, 0);
  kafka = new Kafka({ clientId: 'cli-read-committed', brokers: [tb.bootstrap], logLevel: logLevel.NOTHING });
});

after(async () => {
  for (const p of producers) await p.disconnect().catch(() => undefined);
  assert.deepEqual(tb.errors(), [], 'nothing logged at error level');
  await tb.cleanup();
});

async function transactional(id: string): Promise<Producer> {
  const p = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1 });
  producers.push(p);
  await p.connect();
  return p;
}

async function inTransaction(p: Producer, values: string[], commit: boolean | 'open'): Promise<void> {
  const txn = await p.transaction();
  await txn.send({ topic: 'txn-cli', messages: values.map((value) => ({ value })) });
  if (commit === true) await txn.commit();
  else if (commit === false) await txn.abort();
}

test('consume --read-committed skips aborted records and stops at an open transaction; the default reads them all', async () => {
  const a = await transactional('cli-a');
  await inTransaction(a, ['c1', 'c2'], true);
  await inTransaction(a, ['x1'], false);
  await inTransaction(a, ['c3'], true);
  const b = await transactional('cli-b');
  await inTransaction(b, ['open-1'], 'open');
  await inTransaction(a, ['after-open'], true);

  const b0 = ['-b', tb.bootstrap, '-o', 'start', '-e', '--format', 'json'];
  const committed = jsonLines<{ value: string }>(await brookOk(['consume', 'txn-cli', '--read-committed', ...b0]));
  assert.deepEqual(committed.map((r) => r.value), ['c1', 'c2', 'c3']);
  const same = jsonLines<{ value: string }>(await brookOk(['consume', 'txn-cli', '--isolation', 'read_committed', ...b0]));
  assert.deepEqual(same.map((r) => r.value), ['c1', 'c2', 'c3']);
  const all = jsonLines<{ value: string }>(await brookOk(['consume', 'txn-cli', ...b0]));
  assert.deepEqual(all.map((r) => r.value), ['c1', 'c2', 'x1', 'c3', 'open-1', 'after-open']);
});
