import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RecordBatchHeader } from '../protocol/records/record-batch.js';
import { decodeRecords } from '../protocol/records/records.js';
import { Log } from './log.js';
import { TestFileSystem, batch, config, tempDir } from './test-fixtures.js';

const tp = { topic: 't', partition: 0 };

function ranges(batches: Buffer[]): [number, number][] {
  return batches.map((b) => {
    const h = new RecordBatchHeader(b, 0);
    return [h.baseOffset, h.lastOffset];
  });
}

function values(batches: Buffer[]): string[] {
  return batches.flatMap((b) => decodeRecords(b).map((r) => r.value!.toString('utf8')));
}

/** 3 records per batch, small segments: ~10 batches per segment. */
async function filledLog(dir: string, tailCacheBytes: number, batches = 30): Promise<Log> {
  const log = await Log.open(join(dir, 't-0'), tp, config({ segmentBytes: 1000, indexIntervalBytes: 150 }), { tailCacheBytes });
  for (let i = 0; i < batches; i++) log.append(batch(3, { ts: 1000 + i * 10 }));
  return log;
}

for (const [label, cacheBytes] of [
  ['from disk', 0],
  ['from the tail cache', 4 << 20],
  ['half cache, half disk', 1500],
] as const) {
  test(`append and read across segment rolls (${label})`, async () => {
    const { dir, cleanup } = tempDir();
    try {
      const log = await filledLog(dir, cacheBytes);
      assert.equal(log.logEndOffset, 90);
      assert.ok(log.numberOfSegments >= 3, `expected several segments, got ${log.numberOfSegments}`);
      const logs = readdirSync(join(dir, 't-0')).filter((n) => n.endsWith('.log')).sort();
      assert.equal(logs[0], '00000000000000000000.log');
      assert.equal(logs.length, log.numberOfSegments);

      const all = log.read(0, 1 << 20)!;
      assert.deepEqual(
        ranges(all.batches),
        Array.from({ length: 30 }, (_, i) => [i * 3, i * 3 + 2]),
      );
      assert.equal(all.size, all.batches.reduce((n, b) => n + b.length, 0));
      assert.deepEqual(values(all.batches).slice(0, 4), ['v0', 'v1', 'v2', 'v0']);

      // Starting inside a batch returns that whole batch.
      assert.deepEqual(ranges(log.read(40, 1)!.batches), [[39, 41]]);
      // Every start offset finds its batch, from any segment.
      for (let o = 0; o < 90; o += 7) assert.equal(ranges(log.read(o, 1)!.batches)[0][0], o - (o % 3));

      const one = all.batches[0].length;
      assert.deepEqual(ranges(log.read(0, Math.floor(one * 2.5))!.batches), [[0, 2], [3, 5]]);
      assert.deepEqual(log.read(0, one - 1, { minOneBatch: false }), { batches: [], size: 0 });
      assert.deepEqual(ranges(log.read(0, one - 1, { minOneBatch: true })!.batches), [[0, 2]]);
      assert.deepEqual(ranges(log.read(0, 1 << 20, { maxOffset: 9 })!.batches), [[0, 2], [3, 5], [6, 8]]);
      assert.deepEqual(ranges(log.read(0, 1 << 20, { maxOffset: 8 })!.batches), [[0, 2], [3, 5]]);
      assert.deepEqual(log.read(9, 1 << 20, { maxOffset: 9 }), { batches: [], size: 0 });

      assert.deepEqual(log.read(90, 1000), { batches: [], size: 0 });
      assert.equal(log.read(91, 1000), null);
      assert.equal(log.read(-1, 1000), null);
      await log.close();
    } finally {
      cleanup();
    }
  });
}

test('offsetForTimestamp finds the first record at or after a timestamp, inside batches', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const log = await Log.open(join(dir, 't-0'), tp, config({ indexIntervalBytes: 1, segmentBytes: 200 }));
    assert.equal(log.offsetForTimestamp(0), null);
    assert.deepEqual(log.maxTimestampAndOffset(), { offset: -1, timestamp: -1 });
    log.append(batch(3, { timestamps: [100, 105, 110] })); // 0..2
    log.append(batch(3, { timestamps: [200, 150, 210] })); // 3..5, not monotonic
    log.append(batch(3, { timestamps: [300, 400, 350], compression: 1 })); // 6..8, gzip
    log.append(batch(2, { timestamps: [500, 501] })); // 9..10
    assert.ok(log.numberOfSegments >= 2);

    assert.deepEqual(log.offsetForTimestamp(0), { offset: 0, timestamp: 100 });
    assert.deepEqual(log.offsetForTimestamp(104), { offset: 1, timestamp: 105 });
    assert.deepEqual(log.offsetForTimestamp(105), { offset: 1, timestamp: 105 });
    assert.deepEqual(log.offsetForTimestamp(111), { offset: 3, timestamp: 200 });
    assert.deepEqual(log.offsetForTimestamp(205), { offset: 5, timestamp: 210 });
    assert.deepEqual(log.offsetForTimestamp(360), { offset: 7, timestamp: 400 });
    assert.deepEqual(log.offsetForTimestamp(501), { offset: 10, timestamp: 501 });
    assert.equal(log.offsetForTimestamp(502), null);
    assert.deepEqual(log.maxTimestampAndOffset(), { offset: 10, timestamp: 501 });

    // Records below the log start offset are not answers.
    log.deleteRecordsBefore(1);
    assert.deepEqual(log.offsetForTimestamp(0), { offset: 1, timestamp: 105 });
    await log.close();

    const reopened = await Log.open(join(dir, 't-0'), tp, config({ indexIntervalBytes: 1 }), { cleanShutdown: true, logStartOffset: 1 });
    assert.deepEqual(reopened.offsetForTimestamp(360), { offset: 7, timestamp: 400 });
    assert.deepEqual(reopened.maxTimestampAndOffset(), { offset: 10, timestamp: 501 });
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('maxTimestampAndOffset names the record holding the max, not the batch end', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const log = await Log.open(join(dir, 't-0'), tp, config());
    log.append(batch(2, { timestamps: [10, 20] }));
    log.append(batch(3, { timestamps: [30, 90, 40] }));
    log.append(batch(1, { timestamps: [50] }));
    assert.deepEqual(log.maxTimestampAndOffset(), { offset: 3, timestamp: 90 });
    await log.close();
  } finally {
    cleanup();
  }
});

test('reopen after close reads everything back and appends continue', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const log = await filledLog(dir, 0, 25);
    const before = log.read(0, 1 << 20)!;
    const segments = log.numberOfSegments;
    await log.close();
    for (const cleanShutdown of [true, false]) {
      const reopened = await Log.open(join(dir, 't-0'), tp, config({ segmentBytes: 1000, indexIntervalBytes: 150 }), {
        cleanShutdown,
        recoveryPoint: cleanShutdown ? 75 : 0,
      });
      assert.equal(reopened.logEndOffset, 75);
      assert.equal(reopened.logStartOffset, 0);
      assert.equal(reopened.numberOfSegments, segments);
      assert.equal(reopened.recoveryPoint, cleanShutdown ? 75 : 0);
      const after = reopened.read(0, 1 << 20)!;
      assert.deepEqual(after.batches, before.batches);
      await reopened.close();
    }
    const again = await Log.open(join(dir, 't-0'), tp, config({ segmentBytes: 1000 }), { cleanShutdown: true });
    assert.deepEqual(again.append(batch(2)), { firstOffset: 75, lastOffset: 76, flushed: undefined });
    assert.deepEqual(ranges(again.read(73, 1 << 20)!.batches), [[72, 74], [75, 76]]);
    await again.close();
  } finally {
    cleanup();
  }
});

test('deleteRecordsBefore moves logStartOffset and deletes segments wholly below it', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const log = await filledLog(dir, 4 << 20);
    const segmentFiles = (): string[] => readdirSync(join(dir, 't-0')).filter((n) => n.endsWith('.log')).sort();
    const files = segmentFiles();
    const secondBase = Number(files[1].slice(0, 20));
    const thirdBase = Number(files[2].slice(0, 20));
    log.deleteRecordsBefore(thirdBase + 1);
    assert.equal(log.logStartOffset, thirdBase + 1);
    assert.deepEqual(segmentFiles(), files.slice(2));
    assert.ok(!existsSync(join(dir, 't-0', files[0].replace('.log', '.index'))));
    assert.equal(log.read(thirdBase, 100), null);
    assert.equal(ranges(log.read(thirdBase + 1, 1)!.batches)[0][1] >= thirdBase + 1, true);
    log.deleteRecordsBefore(secondBase); // below the start: no effect
    assert.equal(log.logStartOffset, thirdBase + 1);
    assert.throws(() => log.deleteRecordsBefore(91), RangeError);
    // Up to the log end offset: every segment but the active one goes.
    log.deleteRecordsBefore(90);
    assert.equal(log.numberOfSegments, 1);
    assert.deepEqual(log.read(90, 100), { batches: [], size: 0 });
    await log.close();
  } finally {
    cleanup();
  }
});

test('truncateTo removes the tail, across segments, and appends continue from there', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const log = await filledLog(dir, 4 << 20);
    const segments = log.numberOfSegments;
    log.truncateTo(31);
    assert.equal(log.logEndOffset, 30); // the batch holding 31 (30..32) goes whole
    assert.ok(log.numberOfSegments < segments);
    assert.equal(log.read(31, 100), null);
    assert.deepEqual(log.append(batch(1)).firstOffset, 30);
    assert.deepEqual(ranges(log.read(27, 1 << 20)!.batches), [[27, 29], [30, 30]]);
    log.truncateTo(0);
    assert.equal(log.logEndOffset, 0);
    assert.equal(log.numberOfSegments, 1);
    assert.equal(log.append(batch(1)).firstOffset, 0);
    await log.close();
    const reopened = await Log.open(join(dir, 't-0'), tp, config(), { cleanShutdown: true });
    assert.equal(reopened.logEndOffset, 1);
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('segment.ms rolls by the age of the first batch timestamp', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const log = await Log.open(join(dir, 't-0'), tp, config({ segmentMs: 100 }));
    log.append(batch(1, { ts: 1000 }));
    log.append(batch(1, { ts: 1100 }));
    assert.equal(log.numberOfSegments, 1);
    log.append(batch(1, { ts: 1101 }));
    assert.equal(log.numberOfSegments, 2);
    log.roll();
    assert.equal(log.numberOfSegments, 3);
    log.roll(); // empty active segment at the log end: no-op
    assert.equal(log.numberOfSegments, 3);
    await log.close();
  } finally {
    cleanup();
  }
});

test('a consumer that keeps up is served from memory: no disk reads', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new TestFileSystem();
    const log = await Log.open(join(dir, 't-0'), tp, config({ segmentBytes: 2000 }), { fs, tailCacheBytes: 16 * 1024 });
    let position = 0;
    for (let i = 0; i < 200; i++) {
      log.append(batch(2, { valueBytes: 50 }));
      const got = log.read(position, 1 << 20)!;
      assert.equal(got.batches.length, 1);
      position = new RecordBatchHeader(got.batches[0], 0).lastOffset + 1;
      assert.deepEqual(log.read(position, 1 << 20), { batches: [], size: 0 });
    }
    assert.ok(log.numberOfSegments > 5);
    assert.equal(fs.reads, 0);
    // A consumer from the start goes to the files.
    assert.equal(log.read(0, 1 << 20, { minOneBatch: true })!.batches.length > 0, true);
    assert.ok(fs.reads > 0);
    await log.close();
  } finally {
    cleanup();
  }
});
