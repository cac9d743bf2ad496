// A broker killed with -9 in the middle of transactions (the real CLI, a child process). At the
// kill, five transactional ids are in every state the coordinator records: committed, aborted,
// ongoing (its producer gone, with offsets pending), PrepareCommit and PrepareAbort (their
// marker on one partition still waiting for the fsync that flush.ms=600000 holds back, so the
// coordinator has recorded the decision but not the completion). After the restart every
// transaction ends as its coordinator recorded it: the prepared ones complete their markers and
// offsets, the ongoing one is aborted by transaction.timeout.ms. read_committed (kcat) never shows
// a record of an aborted or unfinished transaction and shows every record of a committed one;
// the last stable offset reaches the high watermark; a second kill -9 after the completions
// changes nothing.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { WireClient } from '../src/client/wire-client.js';
import type { CreateTopicsResponse } from '../src/protocol/messages/create-topics.js';
import type { IncrementalAlterConfigsResponse } from '../src/protocol/messages/incremental-alter-configs.js';
import { buildRecordBatch } from '../src/protocol/records/records.js';
import { BrokerProcess } from './helpers/broker-process.js';
import { tempDir } from './helpers/broker.js';
import { kcatConsume } from './helpers/kcat.js';
import { listLatest, produce } from './helpers/producer-wire.js';
import { addOffsets, addPartitions, committedOffsets, describeTransactions, endTxn, initTxn, txnOffsetCommit, type Producer } from './helpers/txn-wire.js';
import { waitFor } from './helpers/wait-for.js';

const dirs: string[] = [];
const children: BrokerProcess[] = [];
const clients: WireClient[] = [];

after(async () => {
  for (const c of clients) c.close();
  for (const b of children) await b.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function spawn(dataDir: string, port?: number): Promise<BrokerProcess> {
  const b = await BrokerProcess.spawn({
    dataDir,
    ...(port === undefined ? {} : { port }),
    startTimeoutMs: 60_000,
    // The ongoing transaction's timeout is checked twice a second rather than every 10 s.
    settings: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 500 },
  });
  children.push(b);
  return b;
}

async function connect(b: BrokerProcess): Promise<WireClient> {
  for (let i = 0; ; i++) {
    try {
      const c = await WireClient.connect('localhost', b.port);
      clients.push(c);
      return c;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function setFlushMs(c: WireClient, topic: string, value: string | null): Promise<void> {
  const res = await c.request<IncrementalAlterConfigsResponse>(44, 1, {
    resources: [{ resourceType: 2, resourceName: topic, configs: [{ name: 'flush.ms', configOperation: value === null ? 1 : 0, value }] }],
    validateOnly: false,
  });
  assert.equal(res.responses[0].errorCode, 0);
}

const TIMEOUT_MS = 4000;

test('kill -9 with transactions committed, aborted, ongoing and prepared: after the restart each ends as its coordinator recorded it or by its timeout, and read_committed never sees a partial one', async () => {
  const dataDir = tempDir('brook-txn-crash-');
  dirs.push(dataDir);
  let broker = await spawn(dataDir);
  let c = await connect(broker);
  const created = await c.request<CreateTopicsResponse>(19, 5, {
    topics: [
      { name: 'out', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] },
      { name: 'slow', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
      { name: 'in', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
    ],
    timeoutMs: 5000,
    validateOnly: false,
  });
  assert.deepEqual(created.topics.map((t) => t.errorCode), [0, 0, 0]);

  const ok = (what: string, codes: number | number[]): void => assert.deepEqual([codes].flat().filter((x) => x !== 0), [], what);
  const plain = async (topic: string, partition: number, value: string) => ok(`plain ${value}`, (await produce(c, topic, partition, buildRecordBatch({ records: [{ value }] }))).errorCode);
  const seq = new Map<string, number>();
  const send = async (p: Producer, topic: string, partition: number, values: string[]): Promise<void> => {
    const key = `${p.transactionalId}/${topic}-${partition}`;
    const baseSequence = seq.get(key) ?? 0;
    seq.set(key, baseSequence + values.length);
    const batch = buildRecordBatch({ producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence, transactional: true, records: values.map((value) => ({ value })) });
    ok(`${p.transactionalId} produce ${values.join(',')}`, (await produce(c, topic, partition, batch, p.transactionalId)).errorCode);
  };
  const begin = async (id: string, parts: { topic: string; partitions: number[] }[], timeoutMs = 60_000): Promise<Producer> => {
    const r = await initTxn(c, id, { timeoutMs });
    ok(`${id} InitProducerId`, r.errorCode);
    const p = { transactionalId: id, producerId: Number(r.producerId), producerEpoch: r.producerEpoch };
    for (const { topic, partitions } of parts) ok(`${id} AddPartitionsToTxn`, await addPartitions(c, p, topic, partitions));
    return p;
  };
  const withOffsets = async (p: Producer, group: string, offset: number): Promise<void> => {
    ok(`${p.transactionalId} AddOffsetsToTxn`, await addOffsets(c, p, group));
    ok(`${p.transactionalId} TxnOffsetCommit`, await txnOffsetCommit(c, p, group, { 'in-0': offset }));
  };

  await plain('out', 0, 'p0');
  await plain('out', 1, 'q0');
  const committed = await begin('committed', [{ topic: 'out', partitions: [0, 1] }]);
  await send(committed, 'out', 0, ['c0', 'c1']);
  await send(committed, 'out', 1, ['c2']);
  await withOffsets(committed, 'g-committed', 5);
  ok('committed EndTxn', (await endTxn(c, committed, true)).errorCode);
  const aborted = await begin('aborted', [{ topic: 'out', partitions: [0] }]);
  await send(aborted, 'out', 0, ['a0']);
  ok('aborted EndTxn', (await endTxn(c, aborted, false)).errorCode);
  const ongoing = await begin('ongoing', [{ topic: 'out', partitions: [0, 1] }], TIMEOUT_MS);
  await send(ongoing, 'out', 0, ['o0']);
  await send(ongoing, 'out', 1, ['o1']);
  await withOffsets(ongoing, 'g-ongoing', 7);
  await plain('out', 0, 'p1');
  await plain('out', 1, 'q1');
  const prepCommit = await begin('prepared-commit', [{ topic: 'out', partitions: [1] }, { topic: 'slow', partitions: [0] }]);
  await send(prepCommit, 'out', 1, ['pc0']);
  await send(prepCommit, 'slow', 0, ['pc1', 'pc2']);
  await withOffsets(prepCommit, 'g-prepared-commit', 9);
  const prepAbort = await begin('prepared-abort', [{ topic: 'out', partitions: [0] }, { topic: 'slow', partitions: [0] }]);
  await send(prepAbort, 'out', 0, ['pa0']);
  await send(prepAbort, 'slow', 0, ['pa1']);
  await withOffsets(prepAbort, 'g-prepared-abort', 11);
  // From here a marker on 'slow' waits ten minutes for its fsync: the coordinator has recorded
  // PrepareCommit/PrepareAbort durably but cannot record the completion.
  await setFlushMs(c, 'slow', '600000');
  ok('prepared-commit EndTxn', (await endTxn(c, prepCommit, true)).errorCode);
  ok('prepared-abort EndTxn', (await endTxn(c, prepAbort, false)).errorCode);

  const ids = ['committed', 'aborted', 'ongoing', 'prepared-commit', 'prepared-abort'];
  const states = async (): Promise<string[]> => (await describeTransactions(c, ids)).map((t) => t.transactionState);
  assert.deepEqual(await states(), ['CompleteCommit', 'CompleteAbort', 'Ongoing', 'PrepareCommit', 'PrepareAbort'], 'the states at the kill');

  const read = async (topic: string, partition: number, isolation: 'read_committed' | 'read_uncommitted'): Promise<string[]> =>
    (await kcatConsume(broker.bootstrap, topic, { partition, offset: 'beginning', props: { 'isolation.level': isolation }, timeoutMs: 60_000 })).map((r) => r.value?.toString() ?? '');
  /** Nothing of an aborted or unfinished transaction is ever visible to read_committed. */
  const neverVisible = new Set(['a0', 'o0', 'o1', 'pa0', 'pa1']);
  const assertNoPartial = async (label: string): Promise<void> => {
    for (const [topic, partition] of [['out', 0], ['out', 1], ['slow', 0]] as const) {
      const seen = await read(topic, partition, 'read_committed');
      assert.deepEqual(seen.filter((v) => neverVisible.has(v)), [], `${label}: ${topic}-${partition} read_committed shows ${seen.join(',')}`);
      // A prepared commit is either not yet visible on a partition or whole there.
      if (topic === 'slow') assert.ok(seen.length === 0 || seen.join(',') === 'pc1,pc2', `${label}: slow-0 shows ${seen.join(',')}`);
    }
  };
  await assertNoPartial('before the kill');
  assert.deepEqual(await read('out', 0, 'read_committed'), ['p0', 'c0', 'c1'], 'out-0 is held at the ongoing transaction');

  c.close();
  await broker.kill('SIGKILL');
  broker = await spawn(dataDir, broker.port);
  c = await connect(broker);
  await assertNoPartial('after the restart');
  // Markers wait for no fsync any more: the prepared transactions can complete.
  await setFlushMs(c, 'slow', null);
  let last: string[] = [];
  await waitFor(
    'every transaction to complete',
    async () => (last = await states()).every((s) => s === 'CompleteCommit' || s === 'CompleteAbort'),
    60_000,
    () => last,
  );
  assert.deepEqual(await states(), ['CompleteCommit', 'CompleteAbort', 'CompleteAbort', 'CompleteCommit', 'CompleteAbort'], 'each as recorded, the ongoing one aborted by its timeout');

  const expectAll = async (label: string): Promise<void> => {
    await assertNoPartial(label);
    assert.deepEqual(await read('out', 0, 'read_committed'), ['p0', 'c0', 'c1', 'p1'], `${label}: out-0`);
    assert.deepEqual(await read('out', 1, 'read_committed'), ['q0', 'c2', 'q1', 'pc0'], `${label}: out-1`);
    assert.deepEqual(await read('slow', 0, 'read_committed'), ['pc1', 'pc2'], `${label}: slow-0`);
    assert.deepEqual(await read('out', 0, 'read_uncommitted'), ['p0', 'c0', 'c1', 'a0', 'o0', 'p1', 'pa0'], `${label}: out-0 holds the aborted records too`);
    for (const [topic, partition] of [['out', 0], ['out', 1], ['slow', 0]] as const) {
      assert.equal(await listLatest(c, topic, partition, 1), await listLatest(c, topic, partition, 0), `${label}: ${topic}-${partition} LSO = high watermark`);
    }
    const offsets = [];
    for (const g of ['g-committed', 'g-ongoing', 'g-prepared-commit', 'g-prepared-abort']) offsets.push((await committedOffsets(c, g, 'in', [0], true))[0]);
    assert.deepEqual(offsets, [5, -1, 9, -1], `${label}: offsets of committed transactions only`);
  };
  await expectAll('after the completions');

  c.close();
  await broker.kill('SIGKILL');
  broker = await spawn(dataDir, broker.port);
  c = await connect(broker);
  await waitFor('the coordinator to load', async () => (await describeTransactions(c, ids)).every((t) => t.errorCode === 0), 60_000);
  assert.deepEqual(await states(), ['CompleteCommit', 'CompleteAbort', 'CompleteAbort', 'CompleteCommit', 'CompleteAbort'], 'the same after a second kill -9');
  await expectAll('after a second kill -9');
  await broker.stop();
});
