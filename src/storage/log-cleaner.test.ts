import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RecordBatchHeader } from '../protocol/records/record-batch.js';
import { CompressionType } from '../protocol/records/record-batch.js';
import { InProcessRunner } from './cleaner-runner.js';
import { type FileSystem, nodeFileSystem } from './file-system.js';
import { type CleanerConfig, type CleanerLogState, LogCleaner } from './log-cleaner.js';
import type { LogConfig } from './log-config.js';
import { Log } from './log.js';
import { OFFSET_MAP_SLOT_BYTES } from './offset-map.js';
import { config, keyedBatch, readRecords, tempDir } from './test-fixtures.js';

const tp = { topic: 't', partition: 0 };
const DAY = 86_400_000;

/** Small segments (a few batches each), compacted, cleaned whenever anything is dirty. */
function compacted(overrides: Partial<LogConfig> = {}): LogConfig {
  return config({ segmentBytes: 700, indexIntervalBytes: 100, compact: true, delete: false, minCleanableDirtyRatio: 0, deleteRetentionMs: DAY, ...overrides });
}

interface Fixture {
  log: Log;
  cleaner: LogCleaner;
  clock: { now: number };
  errors: string[];
}

async function fixture(dir: string, opts: { log?: Partial<LogConfig>; cleaner?: Partial<CleanerConfig>; state?: CleanerLogState; fs?: FileSystem } = {}): Promise<Fixture> {
  const fs = opts.fs ?? nodeFileSystem;
  const clock = { now: 10 * DAY };
  const log = await Log.open(join(dir, 't-0'), tp, compacted(opts.log), { fs, now: () => clock.now });
  const errors: string[] = [];
  const cleaner = new LogCleaner({
    fs,
    config: () => ({ enable: true, threads: 1, dedupeBufferSize: 1 << 20, ioBufferSize: 4096, ioBufferLoadFactor: 0.9, ioMaxBytesPerSecond: Number.MAX_VALUE, backoffMs: 1e9, ...opts.cleaner }),
    logDirs: () => [{ path: dir, failure: undefined, logs: [log] }],
    ...(opts.state ? { state: () => opts.state } : {}),
    logger: { info: () => undefined, warn: () => undefined, error: (_f, m) => errors.push(m) },
    now: () => clock.now,
    runner: () => new InProcessRunner(fs),
  });
  return { log, cleaner, clock, errors };
}

/** What a clean of [0, end) must leave: per key its last record below `end`, and everything from `end` on. */
function expected(records: [number, string | null, string | null][], end: number, dropTombstones = false): [number, string | null, string | null][] {
  const last = new Map<string, number>();
  for (const [o, k] of records) if (o < end && k !== null) last.set(k, o);
  return records.filter(([o, k, v]) => o >= end || (k !== null && last.get(k) === o && !(dropTombstones && v === null)));
}

test('a clean keeps the latest value of each key at its own offset, and everything past the cleaned point', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const f = await fixture(dir);
    for (let i = 0; i < 60; i++) f.log.append(keyedBatch([[`k${i % 7}`, `v${i}`]], { ts: 1_000_000 + i }));
    const before = readRecords(f.log);
    const segmentsBefore = f.log.numberOfSegments;
    const report = await f.cleaner.cleanFilthiest();
    assert.ok(report, 'the log was cleaned');
    const active = f.log.cleanableSegments().active.baseOffset;
    assert.equal(report.endOffset, active, 'everything below the active segment was cleaned');
    const after = readRecords(f.log);
    assert.deepEqual(after, expected(before, report.endOffset));
    assert.ok(after.length < before.length);
    // Offsets are kept (gaps, never renumbered) and still increase.
    for (let i = 1; i < after.length; i++) assert.ok(after[i][0] > after[i - 1][0]);
    assert.equal(f.log.logEndOffset, 60);
    assert.deepEqual(readdirSync(join(dir, 't-0')).filter((n) => n.includes('.cleaned') || n.includes('.swap')), []);
    // Every offset still finds its batch, gaps included.
    for (let o = 0; o < 60; o++) {
      const first = f.log.read(o, 1);
      assert.ok(first && first.batches.length === 1, `read at ${o}`);
      assert.ok(new RecordBatchHeader(first.batches[0], 0).lastOffset >= o);
    }
    assert.equal(await f.cleaner.cleanFilthiest(), undefined, 'nothing is dirty any more');
    // The checkpoint records where the next clean starts.
    assert.match(readFileSync(join(dir, 'cleaner-offset-checkpoint'), 'utf8'), new RegExp(`^0\\n1\\nt 0 ${report.endOffset}\\n$`));

    // The next clean merges the small cleaned segments, as Kafka groups them (up to segment.bytes).
    for (let i = 60; i < 90; i++) f.log.append(keyedBatch([[`k${i % 7}`, `v${i}`]], { ts: 1_000_000 + i }));
    const again = readRecords(f.log);
    const second = await f.cleaner.cleanFilthiest();
    assert.ok(second);
    assert.equal(second.firstDirtyOffset, report.endOffset);
    assert.deepEqual(readRecords(f.log), expected(again, second.endOffset));
    assert.ok(f.log.numberOfSegments < segmentsBefore, `segments merged (${segmentsBefore} -> ${f.log.numberOfSegments})`);
    assert.deepEqual(f.errors, []);
  } finally {
    cleanup();
  }
});

test('compressed batches of every codec are cleaned record by record and keep their codec', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const f = await fixture(dir, { log: { segmentBytes: 1200 } });
    const codecs = Object.values(CompressionType);
    for (let i = 0; i < 40; i++) {
      // Keys repeat inside a batch too: the earlier record of the two goes.
      const records: [string, string][] = [0, 1, 2, 3, 4].map((j) => [`k${(i * 3 + j * 2) % 11}`, `v${i}.${j}`]);
      f.log.append(keyedBatch(records, { compression: codecs[i % codecs.length], ts: 2_000_000 + i * 10 }));
    }
    const before = readRecords(f.log);
    const codecAt = new Map<number, number>();
    for (const b of f.log.read(0, 1 << 20)!.batches) codecAt.set(new RecordBatchHeader(b, 0).baseOffset, new RecordBatchHeader(b, 0).compression);
    const report = await f.cleaner.cleanFilthiest();
    assert.ok(report);
    assert.deepEqual(readRecords(f.log), expected(before, report.endOffset));
    for (const b of f.log.read(0, 1 << 20)!.batches) {
      const h = new RecordBatchHeader(b, 0);
      assert.ok(h.isCrcValid());
      if (h.recordsCount > 0) assert.equal(h.compression, codecAt.get(h.baseOffset), `batch at ${h.baseOffset}`);
    }
  } finally {
    cleanup();
  }
});

test('a tombstone stays until delete.retention.ms after the clean that first kept it, then goes with its key', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const f = await fixture(dir, { log: { deleteRetentionMs: 60_000 } });
    const fill = (from: number, n: number): void => {
      for (let i = from; i < from + n; i++) f.log.append(keyedBatch([[`filler${i}`, 'x'.repeat(40)]]));
    };
    f.log.append(keyedBatch([['gone', 'v1']]));
    f.log.append(keyedBatch([['kept', 'v1']]));
    f.log.append(keyedBatch([['gone', null]]));
    fill(0, 30);
    const firstClean = f.clock.now;
    assert.ok(await f.cleaner.cleanFilthiest());
    let records = readRecords(f.log);
    assert.deepEqual(records.slice(0, 2), [[1, 'kept', 'v1'], [2, 'gone', null]], 'the old value went, the tombstone stayed');
    const tombstoneBatch = f.log.read(2, 1)!.batches[0];
    assert.equal(new RecordBatchHeader(tombstoneBatch, 0).deleteHorizonMs, firstClean + 60_000, 'the horizon is recorded in the batch');

    fill(30, 30);
    f.clock.now = firstClean + 59_999;
    assert.ok(await f.cleaner.cleanFilthiest());
    assert.deepEqual(readRecords(f.log).slice(0, 2), [[1, 'kept', 'v1'], [2, 'gone', null]], 'not before its horizon');

    fill(60, 30);
    f.clock.now = firstClean + 60_000;
    assert.ok(await f.cleaner.cleanFilthiest());
    records = readRecords(f.log);
    assert.deepEqual(records[0], [1, 'kept', 'v1']);
    assert.equal(records.find(([, k]) => k === 'gone'), undefined, 'the tombstone is gone');
  } finally {
    cleanup();
  }
});

test('the dirty ratio, the active segment and the compaction lags decide what is cleaned', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const f = await fixture(dir, { log: { minCleanableDirtyRatio: 0.5 } });
    const t0 = f.clock.now - 10_000;
    for (let i = 0; i < 60; i++) f.log.append(keyedBatch([[`k${i}`, `v${i}`]], { ts: t0 + i * 100 }));
    assert.ok(await f.cleaner.cleanFilthiest(), 'a log never cleaned is all dirty (ratio 1)');
    f.log.updateConfig(compacted({ minCleanableDirtyRatio: 0.99 }));
    for (let i = 0; i < 10; i++) f.log.append(keyedBatch([[`k${i}`, `w${i}`]], { ts: t0 + i * 100 }));
    assert.equal(await f.cleaner.cleanFilthiest(), undefined, 'below min.cleanable.dirty.ratio');

    // max.compaction.lag.ms passed for the oldest dirty segment: cleaned whatever the ratio.
    for (let i = 10; i < 20; i++) f.log.append(keyedBatch([[`k${i}`, `w${i}`]], { ts: t0 + i * 100 }));
    assert.equal(await f.cleaner.cleanFilthiest(), undefined, 'still below the ratio');
    f.log.updateConfig(compacted({ minCleanableDirtyRatio: 0.99, maxCompactionLagMs: 5_000 }));
    const report = await f.cleaner.cleanFilthiest();
    assert.ok(report);
    assert.equal(report.endOffset, f.log.cleanableSegments().active.baseOffset);

    // min.compaction.lag.ms: segments with a record younger than that are left dirty.
    for (let i = 30; i < 60; i++) f.log.append(keyedBatch([[`k${i % 3}`, `v${i}`]], { ts: f.clock.now - 3_000 + (i - 30) * 100 }));
    f.log.updateConfig(compacted({ minCleanableDirtyRatio: 0, minCompactionLagMs: 2_000 }));
    const young = f.log.cleanableSegments().segments.find((s) => s.maxTimestampSoFar > f.clock.now - 2_000);
    assert.ok(young, 'the fixture has a young segment');
    const second = await f.cleaner.cleanFilthiest();
    assert.ok(second);
    assert.equal(second.endOffset, young.baseOffset, 'cleaned up to the first young segment');
    const records = readRecords(f.log);
    assert.ok(records.filter(([o]) => o >= young.baseOffset).length > 3, 'the young part is untouched');
  } finally {
    cleanup();
  }
});

test('a small offset map cleans what it covers, and the next cleans go on from there', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // 20 slots at load 0.9: 18 keys per clean.
    const f = await fixture(dir, { cleaner: { dedupeBufferSize: 20 * OFFSET_MAP_SLOT_BYTES } });
    for (let i = 0; i < 80; i++) f.log.append(keyedBatch([[`k${i % 40}`, `v${i}`]]));
    const before = readRecords(f.log);
    const active = f.log.cleanableSegments().active.baseOffset;
    const ends: number[] = [];
    for (let round = 0; round < 20; round++) {
      const r = await f.cleaner.cleanFilthiest();
      if (!r) break;
      assert.ok(r.mapBytes <= 20 * OFFSET_MAP_SLOT_BYTES, `the map stays within its memory (${r.mapBytes} bytes)`);
      ends.push(r.endOffset);
      if (r.endOffset >= active) break;
    }
    assert.ok(ends.length > 2, `several cleans were needed (${ends.join(', ')})`);
    assert.ok(ends[0] < active && ends[0] > 0, 'the first clean stopped where the map was full');
    for (let i = 1; i < ends.length; i++) assert.ok(ends[i] > ends[i - 1]);
    assert.deepEqual(readRecords(f.log), expected(before, active));
  } finally {
    cleanup();
  }
});

test('aborted transactions and their markers go by Kafka\'s rules; the last stable offset bounds the clean', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const aborted = [{ producerId: 1, firstOffset: 0, lastOffset: 3, lastStableOffset: 0 }];
    let lso = Infinity;
    const state: CleanerLogState = {
      lastStableOffset: () => Math.min(lso, f.log.logEndOffset),
      abortedTxns: (from, to) => aborted.filter((t) => t.lastOffset >= from && t.firstOffset < to),
      activeProducers: () => [],
    };
    const f = await fixture(dir, { state, log: { deleteRetentionMs: 1000 } });
    const { buildTxnMarkerBatch } = await import('../protocol/records/control-record.js');
    f.log.append(keyedBatch([['a', 'aborted'], ['b', 'aborted']], { producerId: 1, transactional: true })); // 0-1
    f.log.append(keyedBatch([['c', 'committed']], { producerId: 2, transactional: true })); // 2
    f.log.append(buildTxnMarkerBatch({ commit: false, producerId: 1, producerEpoch: 0, coordinatorEpoch: 0 })); // 3
    f.log.append(buildTxnMarkerBatch({ commit: true, producerId: 2, producerEpoch: 0, coordinatorEpoch: 0 })); // 4
    const fill = (from: number, n: number): void => {
      for (let i = from; i < from + n; i++) f.log.append(keyedBatch([[`f${i}`, 'x'.repeat(40)]]));
    };
    fill(0, 20);
    const controlOffsets = (): number[] =>
      f.log
        .read(0, 1 << 20)!
        .batches.map((b) => new RecordBatchHeader(b, 0))
        .filter((h) => h.isControl && h.recordsCount > 0)
        .map((h) => h.baseOffset);

    assert.ok(await f.cleaner.cleanFilthiest());
    assert.deepEqual(readRecords(f.log).filter(([, k]) => k === 'a' || k === 'b' || k === 'c').map(([o, k, v]) => [o, k, v]), [[2, 'c', 'committed']]);
    assert.deepEqual(controlOffsets(), [3, 4], 'markers stay while this clean still met batches of their transaction');
    assert.deepEqual(f.log.collectAbortedTxns(0, f.log.logEndOffset), aborted, 'the cleaned segment indexes the aborted transaction it keeps the marker of');

    fill(20, 20);
    f.clock.now += 10;
    assert.ok(await f.cleaner.cleanFilthiest());
    assert.deepEqual(controlOffsets(), [3, 4], 'the markers now have a delete horizon, not yet passed');
    const abortMarker = f.log.read(3, 1)!.batches[0];
    assert.equal(new RecordBatchHeader(abortMarker, 0).deleteHorizonMs, f.clock.now + 1000);

    fill(40, 20);
    f.clock.now += 2000;
    assert.ok(await f.cleaner.cleanFilthiest());
    assert.deepEqual(controlOffsets(), [4], 'the ABORT marker goes once its transaction is gone and its horizon passed');
    assert.deepEqual(f.log.collectAbortedTxns(0, f.log.logEndOffset), [], 'and its index entry with it');

    // A transaction still open: nothing from its first offset on is cleaned.
    lso = f.log.logEndOffset + 10;
    fill(60, 30);
    const r = await f.cleaner.cleanFilthiest();
    assert.ok(r);
    const holding = f.log.cleanableSegments().segments.filter((s) => s.baseOffset <= lso).pop()!;
    assert.equal(r.endOffset, holding.baseOffset);
  } finally {
    cleanup();
  }
});

test("the last batch of an active producer stays, emptied, with its offsets and sequence", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const state: CleanerLogState = {
      lastStableOffset: () => f.log.logEndOffset,
      abortedTxns: () => [],
      activeProducers: () => [[9, { lastDataOffset: 3, producerEpoch: 2 }]],
    };
    const f = await fixture(dir, { state });
    f.log.append(keyedBatch([['p', '1'], ['q', '1']], { producerId: 9, producerEpoch: 2, baseSequence: 0 })); // 0-1
    f.log.append(keyedBatch([['p', '2'], ['q', '2']], { producerId: 9, producerEpoch: 2, baseSequence: 2 })); // 2-3
    for (let i = 0; i < 20; i++) f.log.append(keyedBatch([[i < 10 ? 'p' : 'q', `${i}`]]));
    assert.ok(await f.cleaner.cleanFilthiest());
    const headers = f.log.read(0, 1 << 20)!.batches.map((b) => new RecordBatchHeader(b, 0));
    assert.equal(headers.some((h) => h.baseOffset === 0), false, 'an older batch of the producer goes');
    const last = headers.find((h) => h.baseOffset === 2);
    assert.ok(last, 'its last batch stays');
    assert.deepEqual([last.lastOffset, last.recordsCount, last.producerId, last.producerEpoch, last.baseSequence], [3, 0, 9, 2, 2]);
  } finally {
    cleanup();
  }
});

test('a clean whose segments changed meanwhile is dropped, and an aborted clean leaves no file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const f = await fixture(dir, { log: { delete: true, retentionMs: 1 } });
    for (let i = 0; i < 40; i++) f.log.append(keyedBatch([[`k${i % 4}`, `v${i}`]], { ts: 1_000 + i }));
    const cleaning = f.cleaner.cleanFilthiest();
    // Retention runs before the clean gets to swap: its segments are gone.
    f.log.deleteOldSegments(f.clock.now);
    const before = readRecords(f.log);
    assert.equal(await cleaning, undefined);
    assert.deepEqual(readRecords(f.log), before);
    assert.deepEqual(readdirSync(join(dir, 't-0')).filter((n) => n.includes('.cleaned') || n.includes('.swap')), []);
    assert.deepEqual(f.errors, [], 'a refused swap is no error');

    const g = await fixture(join(dir, 'second'), { cleaner: { ioMaxBytesPerSecond: 100 } });
    for (let i = 0; i < 40; i++) g.log.append(keyedBatch([[`k${i % 4}`, `v${i}`]]));
    const content = readRecords(g.log);
    const slow = g.cleaner.cleanFilthiest();
    await new Promise((res) => setTimeout(res, 20));
    assert.ok(g.cleaner.isCleaning(g.log));
    await g.cleaner.abort(g.log);
    assert.equal(await slow, undefined);
    assert.deepEqual(readRecords(g.log), content);
    assert.deepEqual(readdirSync(join(dir, 'second', 't-0')).filter((n) => n.includes('.cleaned') || n.includes('.swap')), []);
  } finally {
    cleanup();
  }
});

test('the checkpoint survives a restart and is reset when out of the log', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const f = await fixture(dir);
    for (let i = 0; i < 30; i++) f.log.append(keyedBatch([[`k${i % 3}`, `v${i}`]]));
    const r = await f.cleaner.cleanFilthiest();
    assert.ok(r);
    await f.cleaner.stop();
    await f.log.close();
    const g = await fixture(dir);
    assert.equal(await g.cleaner.cleanFilthiest(), undefined, 'nothing new to clean after the restart');
    assert.equal(g.cleaner.firstDirtyOffset(g.log), r.endOffset);
    // The log lost its tail (below the checkpoint): cleaning starts over from the log start.
    g.log.truncateTo(0);
    for (let i = 0; i < 12; i++) g.log.append(keyedBatch([[`k${i % 3}`, `w${i}`]]));
    assert.ok(g.log.logEndOffset < r.endOffset);
    const again = await g.cleaner.cleanFilthiest();
    assert.ok(again);
    assert.equal(again.firstDirtyOffset, 0);
  } finally {
    cleanup();
  }
});

test('log.cleaner.threads logs are cleaned at once, each by one thread, and the loop starts them on its own', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const clock = { now: 10 * DAY };
    const logs: Log[] = [];
    for (let p = 0; p < 3; p++) {
      const log = await Log.open(join(dir, `t-${p}`), { topic: 't', partition: p }, compacted(), { now: () => clock.now });
      for (let i = 0; i < 40; i++) log.append(keyedBatch([[`k${i % 4}`, `v${i}`]]));
      logs.push(log);
    }
    const cleaner = new LogCleaner({
      // Slow cleans (200 bytes/s per thread) so that they overlap.
      config: () => ({ enable: true, threads: 2, dedupeBufferSize: 1 << 20, ioBufferSize: 4096, ioBufferLoadFactor: 0.9, ioMaxBytesPerSecond: 400, backoffMs: 10 }),
      logDirs: () => [{ path: dir, failure: undefined, logs }],
      logger: { info: () => undefined, warn: () => undefined, error: (_f, m) => assert.fail(m) },
      now: () => clock.now,
      runner: () => new InProcessRunner(nodeFileSystem),
    });
    cleaner.start();
    await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(logs.map((l) => cleaner.isCleaning(l)), [true, true, false], 'two threads, two logs');
    await cleaner.stop();
    assert.deepEqual(logs.map((l) => cleaner.isCleaning(l)), [false, false, false]);
    for (const l of logs) assert.deepEqual(readdirSync(l.dir).filter((n) => n.includes('.cleaned')), []);
  } finally {
    cleanup();
  }
});

test('a compacted log rolls its active segment after max.compaction.lag.ms, so it can be cleaned', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const log = await Log.open(join(dir, 't-0'), tp, compacted({ segmentBytes: 1 << 20, maxCompactionLagMs: 1000 }));
    log.append(keyedBatch([['a', '1']], { ts: 5000 }));
    log.append(keyedBatch([['a', '2']], { ts: 5900 }));
    assert.equal(log.numberOfSegments, 1);
    log.append(keyedBatch([['a', '3']], { ts: 6001 }));
    assert.equal(log.numberOfSegments, 2, 'rolled once the first batch was older than the lag');
    log.updateConfig(compacted({ segmentBytes: 1 << 20, maxCompactionLagMs: 1000, compact: false }));
    log.append(keyedBatch([['a', '4']], { ts: 9000 }));
    assert.equal(log.numberOfSegments, 2, 'without compaction only segment.ms counts');
  } finally {
    cleanup();
  }
});

test('a log whose clean fails (a corrupt batch) is logged once and left alone until restart', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const f = await fixture(dir);
    for (let i = 0; i < 40; i++) f.log.append(keyedBatch([[`k${i % 4}`, `v${i}`]]));
    const first = f.log.cleanableSegments().segments[0];
    // A record length that runs past its batch, in the first segment's second batch.
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const fd = openSync(first.path('.log'), 'r+');
    const second = [...first.headersFrom(0)][1];
    writeSync(fd, Buffer.from([0x7f]), 0, 1, second.position + 61);
    closeSync(fd);
    assert.equal(await f.cleaner.cleanFilthiest(), undefined);
    assert.equal(f.errors.length, 1);
    assert.match(f.errors[0], /t-0: cleaning failed; the log is not cleaned again until restart/);
    assert.equal(f.cleaner.metrics().uncleanablePartitionsCount, 1);
    assert.equal(await f.cleaner.cleanFilthiest(), undefined, 'not picked again');
    assert.equal(f.errors.length, 1);
    assert.deepEqual(readdirSync(join(dir, 't-0')).filter((n) => n.includes('.cleaned')), []);
    assert.ok(f.log.numberOfSegments > 1, 'nothing was swapped');
  } finally {
    cleanup();
  }
});
