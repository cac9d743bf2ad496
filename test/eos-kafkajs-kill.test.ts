// Exactly-once with a real client under SIGKILL: a kafkajs transactional processor
// (test/fixtures/eos-processor-kafkajs.ts: `transaction()`, `sendBatch`, `sendOffsets`, `commit`)
// runs as a child process copying 2000 keyed records from 4 input partitions to 4 output
// partitions, and is killed with SIGKILL five times, each in the transaction after a seeded
// number of commits: with its records sent, with its offsets sent too, or with its commit in
// flight (racing the kill); then it is started again with the same transactional id. Each new instance's InitProducerId fences the dead one's epoch and aborts
// its open transaction; it resumes from the offsets committed by sendOffsets. kcat reading the
// output read_committed then sees each input partition's records exactly once, in order.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { WireClient } from '../src/client/wire-client.js';
import { TestBroker } from './helpers/broker.js';
import { kcatConsume } from './helpers/kcat.js';
import { Random } from './helpers/prng.js';
import { committedOffsets } from './helpers/txn-wire.js';
import { keyedInput, writeInput } from './helpers/eos-processor.js';
import type { KafkajsProcessorConfig } from './fixtures/eos-processor-kafkajs.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/eos-processor-kafkajs.js', import.meta.url));
const SEED = 4242;
const N = 2000;
const PARTITIONS = 4;
const KILLS = 5;

let tb: TestBroker;
let c: WireClient;

before(async () => {
  tb = await TestBroker.start();
  assert.equal((await tb.broker.cluster.createTopic('in', PARTITIONS, {})).errorCode, 0);
  assert.equal((await tb.broker.cluster.createTopic('out', PARTITIONS, {})).errorCode, 0);
  c = await WireClient.connect('localhost', tb.port);
});

after(async () => {
  c?.close();
  assert.deepEqual(tb.errors(), [], 'nothing logged at error level');
  await tb.cleanup();
});

interface Run {
  /** Resolves with the exit (code, signal) once the child is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; events: Record<string, unknown>[]; stderr: string }>;
}

/** Runs the processor; SIGKILLs it as soon as it reports that it reached cfg.stopAt. */
function runProcessor(cfg: KafkajsProcessorConfig): Run {
  const child = spawn(process.execPath, [FIXTURE, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const e = JSON.parse(line) as Record<string, unknown>;
    events.push(e);
    if (e.event === 'paused') child.kill('SIGKILL');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return {
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, events, stderr });
      });
    }),
  };
}

test('a kafkajs transactional processor killed -9 five times copies every record exactly once, in per-key order', async (t) => {
  const rand = new Random(SEED);
  const input = keyedInput(N, 40, PARTITIONS);
  await writeInput(c, 'in', input);
  const cfg: KafkajsProcessorConfig = { host: 'localhost', port: tb.port, transactionalId: 'kjs-copier', groupId: 'kjs-copier-group', input: 'in', output: 'out', partitions: PARTITIONS, maxPerPartition: 20, total: N };

  const stages = ['sent', 'offsets', 'committing'] as const;
  for (let k = 0; k < KILLS; k++) {
    const stopAt = { afterCommits: rand.range(2, 6), stage: stages[k % stages.length] };
    const r = await runProcessor({ ...cfg, stopAt }).exited;
    assert.equal(r.signal, 'SIGKILL', `run ${k} was killed at ${JSON.stringify(stopAt)} (events ${JSON.stringify(r.events.slice(-3))}, stderr ${r.stderr})`);
    assert.equal(r.events.filter((e) => e.event === 'committed').length, stopAt.afterCommits);
  }
  const last = await runProcessor(cfg).exited;
  assert.equal(last.code, 0, `the last run finishes (events ${JSON.stringify(last.events.slice(-3))}, stderr ${last.stderr})`);
  assert.deepEqual(last.events[last.events.length - 1], { event: 'done' });

  assert.deepEqual(await committedOffsets(c, cfg.groupId, 'in', [0, 1, 2, 3], true), input.map((p) => p.length), 'the committed offsets are the input ends');
  for (let p = 0; p < PARTITIONS; p++) {
    const records = await kcatConsume(tb.bootstrap, 'out', { partition: p, offset: 'beginning', props: { 'isolation.level': 'read_committed' }, timeoutMs: 60_000 });
    assert.deepEqual(
      records.map((r) => `${r.key?.toString() ?? ''}=${r.value?.toString() ?? ''}`),
      input[p].map((r) => `${r.key}=${r.value}`),
      `out-${p}: every input record once, in order (seed ${SEED})`,
    );
  }
  // The kills at 'sent' and 'offsets' left copies in aborted transactions (those at
  // 'committing' may or may not have).
  let stored = 0;
  for (let p = 0; p < PARTITIONS; p++) stored += (await kcatConsume(tb.bootstrap, 'out', { partition: p, offset: 'beginning', props: { 'isolation.level': 'read_uncommitted' }, timeoutMs: 60_000 })).length;
  t.diagnostic(`${stored - N} aborted copies of input records in the output log`);
  assert.ok(stored > N, `aborted copies were written (${stored} records stored, ${N} committed)`);
  assert.deepEqual(tb.broker.transactions().filter((t) => t.state === 'Ongoing' || t.state.startsWith('Prepare')), [], 'no transaction is left open');
});
