// Exactly-once under processor failures: a consume-transform-produce processor (the protocol
// steps of a kafkajs `sendOffsets` loop, test/helpers/eos-processor.ts) copies 2000 keyed
// records from 4 input partitions to 4 output partitions in transactions, and is "killed" nine
// times at every stage of a transaction in turn: its connection stays open and idle (a zombie, as
// a process that froze), and a new instance with the same transactional id takes over. The new
// instance's InitProducerId fences the zombie and aborts its open transaction; the zombie's late
// produce and EndTxn are refused. A read_committed consumer (kcat) of the output then sees each
// input partition's records exactly once and in order (so every key in order), while
// read_uncommitted shows the aborted copies were really written. Second test: three processors,
// each killed and replaced at seeded stages, copy six input partitions into two shared output
// partitions (their transactions interleave there, aborted ones among committed ones) and commit
// their offsets to one group. Seeded: a failing seed replays.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WireClient } from '../src/client/wire-client.js';
import { TestBroker } from './helpers/broker.js';
import { kcatConsume } from './helpers/kcat.js';
import { produce } from './helpers/producer-wire.js';
import { buildRecordBatch } from '../src/protocol/records/records.js';
import { Random } from './helpers/prng.js';
import { committedOffsets, endTxn } from './helpers/txn-wire.js';
import { ALL_STAGES, E, EosProcessor, keyedInput, writeInput, type ProcessorConfig } from './helpers/eos-processor.js';

const SEED = 20261204;
const N = 2000;
const PARTITIONS = 4;

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

async function readOutput(bootstrap: string, partition: number, isolation: 'read_committed' | 'read_uncommitted'): Promise<string[]> {
  return readOutputOf(bootstrap, 'out', partition, isolation);
}

async function readOutputOf(bootstrap: string, topic: string, partition: number, isolation: 'read_committed' | 'read_uncommitted' = 'read_committed'): Promise<string[]> {
  const records = await kcatConsume(bootstrap, topic, { partition, offset: 'beginning', props: { 'isolation.level': isolation }, timeoutMs: 60_000 });
  return records.map((r) => `${r.key?.toString() ?? ''}=${r.value?.toString() ?? ''}`);
}

test('a processor killed at every stage of a transaction and replaced, fencing its zombie, copies every record exactly once in per-key order', async () => {
  const rand = new Random(SEED);
  const input = keyedInput(N, 40, PARTITIONS);
  await writeInput(c, 'in', input);
  const cfg: ProcessorConfig = { port: tb.port, transactionalId: 'copier', groupId: 'copier-group', input: 'in', output: 'out', partitions: PARTITIONS, maxPerPartition: 12 };

  let proc = await EosProcessor.start(cfg);
  const zombies: EosProcessor[] = [];
  let kills = 0;
  let zombieRefusals = 0;
  for (let round = 0; round < 10_000; round++) {
    // A kill every few transactions, at each stage in turn (then seeded).
    const kill = kills < 9 && rand.chance(0.25);
    const stage = kill ? (kills < ALL_STAGES.length ? ALL_STAGES[kills] : rand.pick(ALL_STAGES)) : null;
    const r = await proc.step(rand, stage);
    if (r === 'idle') break;
    if (r !== 'stopped') continue;
    kills++;
    const zombie = proc;
    zombies.push(zombie);
    proc = await EosProcessor.start(cfg);
    assert.ok(proc.producer.producerEpoch > zombie.producer.producerEpoch || proc.producer.producerId !== zombie.producer.producerId, 'the new instance has a newer epoch');
    // The zombie wakes up and tries to finish: every write is refused.
    const zp = zombie.producer;
    const late = await produce(zombie.client, 'out', 0, buildRecordBatch({ producerId: zp.producerId, producerEpoch: zp.producerEpoch, baseSequence: 1_000_000, transactional: true, records: [{ key: 'zombie', value: 'zombie' }] }), cfg.transactionalId);
    assert.notEqual(late.errorCode, E.NONE, `a zombie's produce after ${stage} is refused`);
    const end = await endTxn(zombie.client, zp, true);
    assert.ok([E.PRODUCER_FENCED, E.INVALID_PRODUCER_EPOCH].includes(end.errorCode as 47 | 90), `a zombie's EndTxn after ${stage} is fenced (got ${end.errorCode})`);
    zombieRefusals++;
  }
  assert.equal(kills, 9, `the processor was killed nine times (seed ${SEED})`);
  assert.equal(zombieRefusals, 9);
  for (const z of zombies) z.close();

  // The group's committed offsets are the input's ends.
  assert.deepEqual(await committedOffsets(c, cfg.groupId, 'in', [0, 1, 2, 3], true), input.map((p) => p.length));
  let uncommitted = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const expected = input[p].map((r) => `${r.key}=${r.value}`);
    assert.deepEqual(await readOutput(tb.bootstrap, p, 'read_committed'), expected, `out-${p}: every input record once, in order (seed ${SEED})`);
    uncommitted += (await readOutput(tb.bootstrap, p, 'read_uncommitted')).length;
  }
  assert.ok(uncommitted > N, `aborted copies were written (${uncommitted} records in all, ${N} committed)`);
  assert.deepEqual(
    tb.broker.transactions().filter((t) => t.state === 'Ongoing' || t.state.startsWith('Prepare')),
    [],
    'no transaction is left open',
  );
  proc.close();
});

test('three processors killed and replaced at random stages, their transactions interleaved on shared output partitions and their offsets in one group: every record exactly once, per-key order', async () => {
  const INPUTS = 6;
  assert.equal((await tb.broker.cluster.createTopic('in6', INPUTS, {})).errorCode, 0);
  assert.equal((await tb.broker.cluster.createTopic('out2', 2, {})).errorCode, 0);
  const input = keyedInput(3000, 48, INPUTS);
  await writeInput(c, 'in6', input);
  const base = { port: tb.port, groupId: 'shared-group', input: 'in6', output: 'out2', partitions: INPUTS, outputPartitions: 2, maxPerPartition: 15 };
  const run = async (name: string, assigned: number[], seed: number): Promise<number> => {
    const rand = new Random(seed);
    const cfg: ProcessorConfig = { ...base, transactionalId: name, assigned };
    let proc = await EosProcessor.start(cfg);
    let kills = 0;
    for (;;) {
      const stage = kills < 6 && rand.chance(0.2) ? rand.pick(ALL_STAGES) : null;
      const r = await proc.step(rand, stage);
      if (r === 'idle') break;
      if (r !== 'stopped') continue;
      kills++;
      const zombie = proc;
      proc = await EosProcessor.start(cfg);
      const end = await endTxn(zombie.client, zombie.producer, true);
      assert.ok([E.PRODUCER_FENCED, E.INVALID_PRODUCER_EPOCH].includes(end.errorCode as 47 | 90), `${name}: the zombie's EndTxn after ${stage} is fenced (got ${end.errorCode})`);
      zombie.close();
    }
    proc.close();
    return kills;
  };
  const kills = await Promise.all([run('A', [0, 1], SEED + 1), run('B', [2, 3], SEED + 2), run('C', [4, 5], SEED + 3)]);
  assert.ok(kills.every((k) => k >= 3), `each processor was killed several times: ${kills.join(', ')}`);

  assert.deepEqual(await committedOffsets(c, 'shared-group', 'in6', [0, 1, 2, 3, 4, 5], true), input.map((p) => p.length));
  for (let out = 0; out < 2; out++) {
    const seen = await readOutputOf(tb.bootstrap, 'out2', out);
    assert.equal(seen.length, input.filter((_, i) => i % 2 === out).reduce((n, p) => n + p.length, 0), `out2-${out}: as many records as its inputs hold`);
    for (let i = out; i < INPUTS; i += 2) {
      const fromInput = seen.filter((r) => Number(/^k(\d+)=/.exec(r)?.[1]) % INPUTS === i);
      assert.deepEqual(fromInput, input[i].map((r) => `${r.key}=${r.value}`), `out2-${out}: in6-${i}'s records once each, in order`);
    }
  }
});
