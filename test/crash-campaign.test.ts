// A crash campaign: the real CLI in a child process, under produce to a compacted topic and to a
// topic with retention, and under group offset commits (which fill __consumer_offsets, compacted
// too), with the log cleaner and retention running all the time (tiny segments, short backoffs),
// is SIGKILLed at a random moment, restarted on the same data dir, checked, and loaded again.
// After every restart:
// - no acknowledged record is lost: on the retained topic every acknowledged record from the log
//   start on is there, offsets without a gap; on the compacted topic each key's last acknowledged
//   record is there (or a later one of the same key), and tombstones only ever vanish;
// - offsets are never reused: a record seen or acknowledged at an offset is the same record at
//   every later look, and the log end never goes below an acknowledged offset;
// - committed offsets are intact: each is the last acknowledged commit or one sent after it.
// The kill moments come from a seeded PRNG, so a run can be replayed. The default is a dozen
// kills; BROOK_CRASH_KILLS=200 runs long, BROOK_CRASH_SEED picks the seed. Nothing asserts on
// time: the kill moments vary what state a crash interrupts, never what the checks require.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import kafkajs from 'kafkajs';
import { buildRecordBatch } from '../src/protocol/records/records.js';
import { BrokerProcess } from './helpers/broker-process.js';
import { tempDir } from './helpers/broker.js';
import { kcatConsume } from './helpers/kcat.js';
import { freePort } from './helpers/ports.js';
import { Random } from './helpers/prng.js';
import { WireClient } from './helpers/wire-client.js';

const { Kafka, logLevel } = kafkajs;
const KILLS = Number(process.env.BROOK_CRASH_KILLS ?? 12);
const SEED = Number(process.env.BROOK_CRASH_SEED ?? 20_251_204);
const COMPACTED = 'campaign-compacted';
const RETAINED = 'campaign-retained';
const COMMITS = 'campaign-commits';
const COMMIT_PARTITIONS = 20;
const KEYS = 150;
const PRODUCE = 0;
const OFFSET_COMMIT = 8;
const OFFSET_FETCH = 9;

const dirs: string[] = [];
const children: BrokerProcess[] = [];

after(async () => {
  for (const c of children) await c.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SETTINGS = {
  'log.cleaner.backoff.ms': 20,
  'log.retention.check.interval.ms': 50,
  'offsets.topic.num.partitions': 1,
  'offsets.topic.segment.bytes': 1_048_576,
  'log.cleaner.min.cleanable.ratio': 0.01,
  'log.cleaner.delete.retention.ms': 500,
  'group.initial.rebalance.delay.ms': 0,
};

/** What the test knows about one partition of a produced topic. */
interface Ledger {
  /** Offset -> value ('' for a tombstone) of every record acknowledged or seen in a read. */
  known: Map<number, string>;
  /** Key -> offset of its last acknowledged record (compacted topic). */
  lastAcked: Map<string, number>;
  /** Exclusive: one past the last acknowledged offset. */
  ackedEnd: number;
}

const newLedger = (): Ledger => ({ known: new Map(), lastAcked: new Map(), ackedEnd: 0 });

test(`crash campaign: ${KILLS} SIGKILLs under produce, group commits, cleaning and retention (seed ${SEED})`, { timeout: 60_000 + KILLS * 20_000 }, async () => {
  const rng = new Random(SEED);
  const dataDir = tempDir('brook-campaign-');
  dirs.push(dataDir);
  const port = await freePort();
  const compacted = newLedger();
  const retained = newLedger();
  const keyOf = new Map<string, string>(); // offset -> key, for the compacted ledger
  /**
   * Keys with a tombstone in a produce that was in flight when the broker died: it may have been
   * written and then, its horizon passed, cleaned away with its key, so such a key may vanish.
   * A later acknowledged record of the key makes it required again.
   */
  const maybeDeleted = new Set<string>();
  /** Per commit partition: last acknowledged committed offset, and the highest sent. */
  const commitAcked = Array<number>(COMMIT_PARTITIONS).fill(-1);
  const commitSent = Array<number>(COMMIT_PARTITIONS).fill(-1);
  let seq = 0;
  let batchTime = Date.now() - 86_400_000;
  let cleans = 0;

  for (let cycle = 0; cycle <= KILLS; cycle++) {
    const broker = await BrokerProcess.spawn({ dataDir, port, settings: SETTINGS, startTimeoutMs: 60_000 });
    children.push(broker);
    const where = `seed ${SEED}, cycle ${cycle}`;
    if (process.env.BROOK_CRASH_DEBUG) process.stderr.write(`${where}: up at ${Math.round(performance.now())}\n`);
    if (cycle === 0) {
      const admin = new Kafka({ brokers: [broker.bootstrap], clientId: 'campaign-admin', logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.createTopics({
        topics: [
          { topic: COMPACTED, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'segment.ms', value: '1000' }, { name: 'delete.retention.ms', value: '500' }, { name: 'min.cleanable.dirty.ratio', value: '0.01' }] },
          { topic: RETAINED, numPartitions: 1, configEntries: [{ name: 'segment.ms', value: '1000' }, { name: 'retention.bytes', value: '200000' }] },
          { topic: COMMITS, numPartitions: COMMIT_PARTITIONS },
        ],
      });
      await admin.disconnect();
    } else {
      await verify(broker, where);
    }
    if (cycle === KILLS) {
      cleans += countCleans(broker.stderr);
      await broker.stop();
      break;
    }

    // Load until the kill.
    const producer = await WireClient.connect(broker.port);
    const committer = await WireClient.connect(broker.port);
    let running = true;
    const produceLoop = async (): Promise<void> => {
      while (running) {
        // Timestamps 600 ms apart with segment.ms 1000: a segment rolls every other batch, so
        // cleaning and retention have segments to work on from the first second.
        batchTime += 600;
        const compactedRecords = Array.from({ length: 20 }, () => {
          const s = seq++;
          const key = `key-${rng.int(KEYS)}`;
          const value = rng.chance(0.05) ? null : `${s}:${'x'.repeat(150)}`;
          return { key, value, timestamp: batchTime };
        });
        const retainedRecords = Array.from({ length: 20 }, () => ({ value: `${seq++}:${'y'.repeat(150)}`, timestamp: batchTime }));
        for (const r of compactedRecords) if (r.value === null) maybeDeleted.add(r.key);
        const res = await producer
          .request(PRODUCE, 9, {
            transactionalId: null, acks: -1, timeoutMs: 5000,
            topicData: [
              { name: COMPACTED, partitionData: [{ index: 0, records: buildRecordBatch({ records: compactedRecords, now: batchTime }) }] },
              { name: RETAINED, partitionData: [{ index: 0, records: buildRecordBatch({ records: retainedRecords, now: batchTime }) }] },
            ],
          })
          .catch(() => undefined);
        if (!res) return;
        const responses = res.responses as { name: string; partitionResponses: { errorCode: number; baseOffset: number }[] }[];
        for (const t of responses) {
          const p = t.partitionResponses[0];
          if (p.errorCode !== 0) continue;
          const isCompacted = t.name === COMPACTED;
          const ledger = isCompacted ? compacted : retained;
          const records = isCompacted ? compactedRecords : retainedRecords;
          records.forEach((r, i) => {
            const offset = p.baseOffset + i;
            const value = r.value ?? '';
            ledger.known.set(offset, value);
            if (isCompacted) {
              const key = (r as { key: string }).key;
              ledger.lastAcked.set(key, offset);
              keyOf.set(`${offset}`, key);
              // The record's own tombstone is acknowledged now (it may vanish by its last ack).
              if (value !== '') maybeDeleted.delete(key);
            }
          });
          ledger.ackedEnd = Math.max(ledger.ackedEnd, p.baseOffset + records.length);
        }
      }
    };
    const commitLoop = async (): Promise<void> => {
      for (let n = commitSent[0] + 1; running; n++) {
        for (let p = 0; p < COMMIT_PARTITIONS; p++) commitSent[p] = n;
        const res = await committer
          .request(OFFSET_COMMIT, 8, {
            groupId: 'campaign', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
            topics: [{ name: COMMITS, partitions: Array.from({ length: COMMIT_PARTITIONS }, (_, p) => ({ partitionIndex: p, committedOffset: n, committedLeaderEpoch: -1, committedMetadata: 'm'.repeat(400) })) }],
          })
          .catch(() => undefined);
        if (!res) return;
        const parts = (res.topics as { partitions: { partitionIndex: number; errorCode: number }[] }[])[0].partitions;
        for (const p of parts) if (p.errorCode === 0) commitAcked[p.partitionIndex] = n;
      }
    };
    if (process.env.BROOK_CRASH_DEBUG) process.stderr.write(`${where}: verified at ${Math.round(performance.now())}, cleans so far ${cleans}, seq ${seq}\n`);
    const loops = Promise.all([produceLoop(), commitLoop()]);
    await new Promise((res) => setTimeout(res, rng.range(200, 1000)));
    await broker.kill('SIGKILL');
    running = false;
    producer.destroy();
    committer.destroy();
    await loops;
    cleans += countCleans(broker.stderr);
  }
  assert.ok(cleans > 0, `the cleaner cleaned during the campaign (${cleans} cleans logged)`);

  async function verify(broker: BrokerProcess, where: string): Promise<void> {
    // Retained topic: from the log start on, every offset without a gap, acknowledged ones intact.
    const r = await kcatConsume(broker.bootstrap, RETAINED, { partition: 0, offset: 'beginning', timeoutMs: 60_000 });
    const start = r.length > 0 ? r[0].offset : retained.ackedEnd;
    r.forEach((rec, i) => assert.equal(rec.offset, start + i, `${where}: ${RETAINED} offsets continuous`));
    const retainedEnd = start + r.length;
    assert.ok(retainedEnd >= retained.ackedEnd, `${where}: ${RETAINED} ends at ${retainedEnd}, before the acknowledged ${retained.ackedEnd}`);
    for (const rec of r) check(retained, rec.offset, rec.value?.toString() ?? '', RETAINED, where);
    for (const [offset] of retained.known) {
      if (offset >= start && offset < retained.ackedEnd) assert.ok(offset - start < r.length, `${where}: ${RETAINED} lost offset ${offset}`);
    }

    // Compacted topic: offsets increase, nothing changed at a known offset, each key's last
    // acknowledged record or a later one of the same key is there (unless a tombstone expired).
    const c = await kcatConsume(broker.bootstrap, COMPACTED, { partition: 0, offset: 'beginning', timeoutMs: 60_000 });
    const latest = new Map<string, { offset: number; value: string }>();
    let prev = -1;
    for (const rec of c) {
      assert.ok(rec.offset > prev, `${where}: ${COMPACTED} offsets increase`);
      prev = rec.offset;
      const value = rec.value?.toString() ?? '';
      check(compacted, rec.offset, value, COMPACTED, where);
      const key = rec.key!.toString();
      if (keyOf.has(`${rec.offset}`)) assert.equal(keyOf.get(`${rec.offset}`), key, `${where}: ${COMPACTED} key at ${rec.offset}`);
      else keyOf.set(`${rec.offset}`, key);
      latest.set(key, { offset: rec.offset, value });
    }
    for (const [key, offset] of compacted.lastAcked) {
      const got = latest.get(key);
      const tombstone = compacted.known.get(offset) === '';
      if (!got) {
        assert.ok(tombstone || maybeDeleted.has(key), `${where}: ${COMPACTED} lost key ${key} (last acknowledged at ${offset})`);
        continue;
      }
      assert.ok(got.offset >= offset || tombstone, `${where}: ${COMPACTED} key ${key} is back at ${got.offset}, acknowledged at ${offset}`);
    }

    // Committed offsets: the last acknowledged commit, or one sent after it.
    const conn = await WireClient.connect(broker.port);
    try {
      const res = await conn.request(OFFSET_FETCH, 6, { groupId: 'campaign', topics: [{ name: COMMITS, partitionIndexes: Array.from({ length: COMMIT_PARTITIONS }, (_, p) => p) }], requireStable: false }, 30_000);
      assert.equal(res.errorCode, 0, `${where}: OffsetFetch`);
      const parts = (res.topics as { partitions: { partitionIndex: number; committedOffset: number }[] }[])[0].partitions;
      for (const p of parts) {
        const acked = commitAcked[p.partitionIndex];
        assert.ok(p.committedOffset >= acked && p.committedOffset <= commitSent[p.partitionIndex], `${where}: partition ${p.partitionIndex} committed ${p.committedOffset}, acknowledged ${acked}, sent up to ${commitSent[p.partitionIndex]}`);
        // What the restarted broker serves is acknowledged from now on.
        commitAcked[p.partitionIndex] = p.committedOffset;
      }
    } finally {
      conn.destroy();
    }
  }
});

/** A record read at `offset` must be the one acknowledged or seen there before. */
function check(ledger: Ledger, offset: number, value: string, topic: string, where: string): void {
  const before = ledger.known.get(offset);
  if (before === undefined) ledger.known.set(offset, value);
  else assert.equal(value, before, `${where}: ${topic} offset ${offset} reused`);
}

function countCleans(stderr: string): number {
  return stderr.split('\n').filter((l) => l.includes('"msg":"cleaned ')).length;
}
