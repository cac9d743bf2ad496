// Exactly-once under broker crashes: the consume-transform-produce processor of
// test/helpers/eos-processor.ts copies 2000 keyed records from 4 input partitions to 4 output
// partitions in transactions while the broker (the real CLI, a child process) is killed with
// SIGKILL seven times, once at each stage of a transaction: with the output partitions added,
// with produce requests in flight, with the output written, with the group added, with the
// offsets pending, with EndTxn in flight, and right after a commit. After each restart the
// coordinator replays __transaction_state, a new processor instance fences the old epoch (its
// open transaction is aborted) and resumes from the committed offsets. A read_committed consumer
// (kcat) then sees each input partition's records exactly once and in order in the output.
// Second test: the same processor outlives each kill, reconnects and finishes the transaction it
// was in (re-sending its produce or EndTxn if they were in flight: duplicates are recognised
// after the restart, the coordinator's replayed state accepts the rest). Third test: three
// processors with their own input partitions write interleaved transactions to two shared
// output partitions and commit offsets to one group while one of them kills the broker five
// times; the other two lose their connections mid-transaction and are replaced.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { ConnectionError, WireClient } from '../src/client/wire-client.js';
import type { CreateTopicsResponse } from '../src/protocol/messages/create-topics.js';
import { BrokerProcess } from './helpers/broker-process.js';
import { tempDir } from './helpers/broker.js';
import { kcatConsume } from './helpers/kcat.js';
import { Random } from './helpers/prng.js';
import { committedOffsets, listTransactions } from './helpers/txn-wire.js';
import { ALL_STAGES, EosProcessor, keyedInput, writeInput, type ProcessorConfig } from './helpers/eos-processor.js';

const SEED = 7_2026;
const N = 2000;
const PARTITIONS = 4;

const dirs: string[] = [];
const children: BrokerProcess[] = [];
const closers: (() => void)[] = [];

after(async () => {
  for (const close of closers) close();
  for (const b of children) await b.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function spawn(dataDir: string, port?: number): Promise<BrokerProcess> {
  const b = await BrokerProcess.spawn({ dataDir, ...(port === undefined ? {} : { port }), startTimeoutMs: 60_000 });
  children.push(b);
  return b;
}

/**
 * Copies the input while the broker is killed at every stage. `resume` false: each kill also
 * ends the processor, and a new instance fences it; true: the same processor reconnects and
 * finishes its transaction, re-sending what was in flight.
 */
async function copyThroughKills(resume: boolean, seed: number): Promise<void> {
  const dataDir = tempDir('brook-eos-kills-');
  dirs.push(dataDir);
  let broker = await spawn(dataDir);
  const admin = await WireClient.connect('localhost', broker.port);
  const created = await admin.request<CreateTopicsResponse>(19, 5, {
    topics: ['in', 'out'].map((name) => ({ name, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] })),
    timeoutMs: 5000,
    validateOnly: false,
  });
  assert.deepEqual(created.topics.map((t) => t.errorCode), [0, 0]);
  const input = keyedInput(N, 40, PARTITIONS);
  await writeInput(admin, 'in', input);
  admin.close();

  const rand = new Random(seed);
  const cfg: ProcessorConfig = { port: broker.port, transactionalId: 'copier', groupId: 'copier-group', input: 'in', output: 'out', partitions: PARTITIONS, maxPerPartition: 15 };
  let proc = await EosProcessor.start(cfg);
  closers.push(() => proc.close());
  let kills = 0;
  const killBroker = async (): Promise<void> => {
    await broker.kill('SIGKILL');
    kills++;
    if (resume) broker = await spawn(dataDir, broker.port);
  };
  for (let round = 0; round < 10_000; round++) {
    const stage = kills < ALL_STAGES.length && rand.chance(0.2) ? ALL_STAGES[kills] : null;
    const r = await proc.step(rand, stage, killBroker, resume);
    if (r === 'idle') break;
    if (r !== 'stopped') continue;
    proc.close();
    broker = await spawn(dataDir, broker.port);
    proc = await EosProcessor.start(cfg);
  }
  assert.equal(kills, ALL_STAGES.length, `the broker was killed at each of the ${ALL_STAGES.length} stages (seed ${seed})`);
  if (resume) assert.equal(proc.producer.producerEpoch, 0, 'one producer epoch all along: nothing was fenced');
  proc.close();

  const c = await WireClient.connect('localhost', broker.port);
  closers.push(() => c.close());
  assert.deepEqual(await committedOffsets(c, cfg.groupId, 'in', [0, 1, 2, 3], true), input.map((p) => p.length), 'the committed offsets are the input ends');
  const open = (await listTransactions(c, { states: ['Ongoing', 'PrepareCommit', 'PrepareAbort'] })).transactionStates;
  assert.deepEqual(open, [], 'no transaction is left open');
  for (let p = 0; p < PARTITIONS; p++) {
    const records = await kcatConsume(broker.bootstrap, 'out', { partition: p, offset: 'beginning', props: { 'isolation.level': 'read_committed' }, timeoutMs: 60_000 });
    assert.deepEqual(
      records.map((r) => `${r.key?.toString() ?? ''}=${r.value?.toString() ?? ''}`),
      input[p].map((r) => `${r.key}=${r.value}`),
      `out-${p}: every input record once, in order (seed ${seed})`,
    );
  }
  await broker.stop();
}

test('a processor copies every record exactly once, in per-key order, while the broker is killed -9 at every stage of a transaction', async () => {
  await copyThroughKills(false, SEED);
});

test('a processor that outlives the broker (reconnecting, re-sending what was in flight) finishes each transaction it was in when the broker was killed -9', async () => {
  await copyThroughKills(true, SEED + 1);
});

test('three processors sharing output partitions while the broker is killed -9 five times: the one that kills reconnects and finishes, the others lose their connection mid-transaction and are replaced', async () => {
  const INPUTS = 6;
  const dataDir = tempDir('brook-eos-kills3-');
  dirs.push(dataDir);
  let broker = await spawn(dataDir);
  const admin = await WireClient.connect('localhost', broker.port);
  const created = await admin.request<CreateTopicsResponse>(19, 5, {
    topics: [
      { name: 'in6', numPartitions: INPUTS, replicationFactor: 1, assignments: [], configs: [] },
      { name: 'out2', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] },
    ],
    timeoutMs: 5000,
    validateOnly: false,
  });
  assert.deepEqual(created.topics.map((t) => t.errorCode), [0, 0]);
  const input = keyedInput(3000, 48, INPUTS);
  await writeInput(admin, 'in6', input);
  admin.close();

  const base = { port: broker.port, groupId: 'shared-group', input: 'in6', output: 'out2', partitions: INPUTS, outputPartitions: 2, maxPerPartition: 15 };
  let kills = 0;
  let restarting: Promise<void> | null = null;
  const killBroker = async (): Promise<void> => {
    await broker.kill('SIGKILL');
    kills++;
    restarting = spawn(dataDir, broker.port).then((b) => {
      broker = b;
    });
    await restarting;
  };
  const replaced: number[] = [0, 0, 0];
  /** Set when one processor failed: the others stop rather than run on. */
  let failed = false;
  const run = async (n: number, name: string, assigned: number[], killer: boolean): Promise<void> => {
    const rand = new Random(SEED + 10 + n);
    const cfg: ProcessorConfig = { ...base, transactionalId: name, assigned };
    /** A new instance, once the broker is back (it may be killed again while this one starts). */
    const start = async (): Promise<EosProcessor> => {
      for (;;) {
        try {
          return await EosProcessor.start(cfg);
        } catch (err) {
          if (!(err instanceof ConnectionError)) throw err;
          if (restarting) await restarting;
        }
      }
    };
    let proc = await start();
    closers.push(() => proc.close());
    while (!failed) {
      // The killer's 5th, 13th, ... transactions (of about 60) are each cut at a different stage.
      const stage = killer && kills < 5 && proc.transactions === 4 + kills * 8 ? ALL_STAGES[(kills * 3) % ALL_STAGES.length] : null;
      let r;
      try {
        r = await proc.step(rand, stage, killBroker, true);
      } catch (err) {
        // Only the broker going away may end a step early; anything else is a failure.
        if (killer || !(err instanceof ConnectionError)) {
          failed = true;
          throw err;
        }
        proc.close();
        if (restarting) await restarting;
        proc = await start();
        replaced[n]++;
        continue;
      }
      if (r === 'idle') break;
    }
    proc.close();
  };
  await Promise.all([run(0, 'A', [0, 1], true), run(1, 'B', [2, 3], false), run(2, 'C', [4, 5], false)]);
  assert.equal(kills, 5);

  const c = await WireClient.connect('localhost', broker.port);
  closers.push(() => c.close());
  assert.deepEqual(await committedOffsets(c, 'shared-group', 'in6', [0, 1, 2, 3, 4, 5], true), input.map((p) => p.length), 'the committed offsets are the input ends');
  assert.deepEqual((await listTransactions(c, { states: ['Ongoing', 'PrepareCommit', 'PrepareAbort'] })).transactionStates, [], 'no transaction is left open');
  for (let out = 0; out < 2; out++) {
    const seen = (await kcatConsume(broker.bootstrap, 'out2', { partition: out, offset: 'beginning', props: { 'isolation.level': 'read_committed' }, timeoutMs: 60_000 })).map(
      (r) => `${r.key?.toString() ?? ''}=${r.value?.toString() ?? ''}`,
    );
    for (let i = out; i < INPUTS; i += 2) {
      const fromInput = seen.filter((r) => Number(/^k(\d+)=/.exec(r)?.[1]) % INPUTS === i);
      assert.deepEqual(fromInput, input[i].map((r) => `${r.key}=${r.value}`), `out2-${out}: in6-${i}'s records once each, in order (replaced ${replaced.join(', ')})`);
    }
    assert.equal(seen.length, input.filter((_, i) => i % 2 === out).reduce((n, p) => n + p.length, 0), `out2-${out}: nothing else`);
  }
  await broker.stop();
});
