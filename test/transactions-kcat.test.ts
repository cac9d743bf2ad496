// librdkafka (kcat) reading what transactions wrote: kcat's CLI cannot drive librdkafka's
// transactional producer, so kafkajs writes committed, aborted and open transactions, and kcat
// consumes them. read_committed skips aborted records and control batches and stops at the last
// stable offset; read_uncommitted sees every data record but no control record. The error path:
// a kcat group consumer (read_committed, so OffsetFetch has require_stable) meets offsets
// committed in a transaction not yet decided, gets UNSTABLE_OFFSET_COMMIT, retries, and starts at
// the transaction's offsets once it commits, not at auto.offset.reset.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import kafkajs from 'kafkajs';
import { TestBroker } from './helpers/broker.js';
import { KCAT, kcatConsume, parseKcatOutput } from './helpers/kcat.js';
import { waitFor } from './helpers/wait-for.js';

const { Kafka, logLevel } = kafkajs;

let tb: TestBroker;
let kafka: InstanceType<typeof Kafka>;

before(async () => {
  tb = await TestBroker.start({ settings: { 'num.partitions': 1, 'group.initial.rebalance.delay.ms': 0 } });
  kafka = new Kafka({ brokers: [tb.bootstrap], clientId: 'txn-kcat', logLevel: logLevel.NOTHING });
});

after(async () => {
  const errors = tb.errors();
  await tb.cleanup();
  assert.deepEqual(errors, [], 'the broker logged errors');
});

const transactional = (transactionalId: string) => kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
const messages = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ value: `${prefix}${i}` }));
const read = async (topic: string, isolation: 'read_committed' | 'read_uncommitted', offset: 'beginning' | number = 'beginning') =>
  (await kcatConsume(tb.bootstrap, topic, { partition: 0, offset, props: { 'isolation.level': isolation } })).map((r) => `${r.offset}:${r.value?.toString() ?? ''}`);

test('kcat read_committed skips aborted records and control batches and stops at the open transaction; read_uncommitted sees all data records', async () => {
  const topic = 'kc-txn';
  const producer = transactional('kc-txn');
  await producer.connect();
  try {
    const run = async (prefix: string, n: number, end: 'commit' | 'abort' | 'open') => {
      const txn = await producer.transaction();
      await txn.send({ topic, messages: messages(prefix, n) });
      if (end === 'commit') await txn.commit();
      else if (end === 'abort') await txn.abort();
      return txn;
    };
    await run('c', 5, 'commit'); // 0-4, COMMIT at 5
    await run('a', 3, 'abort'); // 6-8, ABORT at 9
    await run('d', 5, 'commit'); // 10-14, COMMIT at 15
    const open = await run('o', 2, 'open'); // 16-17

    const committed = ['0:c0', '1:c1', '2:c2', '3:c3', '4:c4', '10:d0', '11:d1', '12:d2', '13:d3', '14:d4'];
    assert.deepEqual(await read(topic, 'read_committed'), committed, 'stops at the LSO (16) with -e');
    assert.deepEqual(await read(topic, 'read_uncommitted'), [...committed.slice(0, 5), '6:a0', '7:a1', '8:a2', ...committed.slice(5), '16:o0', '17:o1']);
    assert.deepEqual(await read(topic, 'read_committed', 7), committed.slice(5), 'from inside the aborted transaction');

    await open.commit(); // COMMIT at 18
    assert.deepEqual(await read(topic, 'read_committed'), [...committed, '16:o0', '17:o1']);
    const [state] = tb.broker.producers(topic);
    assert.deepEqual([state.lastStableOffset, state.highWatermark], [19, 19]);
  } finally {
    await producer.disconnect();
  }
});

test('kcat group consumer: offsets of an undecided transaction are UNSTABLE_OFFSET_COMMIT to librdkafka, which waits and then starts at them', async () => {
  const topic = 'kc-offsets';
  const groupId = 'kc-group';
  const producer = transactional('kc-offsets');
  await producer.connect();
  let kcat: ReturnType<typeof spawn> | undefined;
  try {
    const first = await producer.transaction();
    await first.send({ topic, messages: messages('m', 6) }); // 0-5
    await first.commit(); // 6
    const txn = await producer.transaction();
    await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: '4' }] }] });

    // librdkafka reads committed by default, and then asks OffsetFetch for stable offsets only.
    // Were the pending offset ignored, it would start at auto.offset.reset (earliest: m0).
    kcat = spawn(KCAT, ['-C', '-q', '-b', tb.bootstrap, '-G', groupId, topic, '-e', '-f', '%p %o %T %K %S %h\\n%k%s\\n',
      '-X', 'auto.offset.reset=earliest', '-X', 'fetch.wait.max.ms=20', '-d', 'cgrp,topic,protocol'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const child = kcat;
    let stderr = '';
    const stdout: Buffer[] = [];
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    child.stdout?.on('data', (d: Buffer) => stdout.push(d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await waitFor('librdkafka to be answered UNSTABLE_OFFSET_COMMIT', () => /OffsetFetchResponse: kc-offsets \[0\] offset -1.*UNSTABLE_OFFSET_COMMIT/.test(stderr), 30_000, () => stderr.slice(-2000));
    assert.equal(Buffer.concat(stdout).length, 0, 'nothing consumed while the offsets are undecided');

    await txn.commit();
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 30_000)))]);
    clearTimeout(timer);
    assert.equal(code, 0, stderr.slice(-2000));
    assert.deepEqual(parseKcatOutput(Buffer.concat(stdout)).map((r) => `${r.offset}:${r.value?.toString() ?? ''}`), ['4:m4', '5:m5']);
  } finally {
    if (kcat && kcat.exitCode === null) kcat.kill('SIGKILL');
    await producer.disconnect();
  }
});
