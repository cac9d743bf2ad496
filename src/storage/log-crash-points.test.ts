// Crash safety of the log's life-cycle operations, at every point: the operation runs against a
// FaultyFileSystem that lets N mutating calls through and then fails every one (the process
// died between two system calls), for every N from 0 to the number of calls the operation
// makes. After each crash the log is reopened on the real file system, as a restart would, and
// must be consistent: no `.deleted` leftovers, indexes that find every offset, offsets that run
// without a gap from the log start to the log end, and every acknowledged record the operation
// did not mean to remove still there.
import assert from 'node:assert/strict';
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RecordBatchHeader } from '../protocol/records/record-batch.js';
import { Log } from './log.js';
import { FaultyFileSystem, ManualScheduler, batch, config, tempDir } from './test-fixtures.js';

const tp = { topic: 't', partition: 0 };
const cfg = config({ segmentBytes: 1000, indexIntervalBytes: 150, retentionMs: -1 });
const RECORDS = 90; // 30 batches of 3, in 3 or more segments

interface Outcome {
  logStartOffset: number;
  logEndOffset: number;
}

/** Reads every batch and every single offset back; returns the log's bounds. */
function assertConsistent(log: Log, label: string): Outcome {
  const { logStartOffset, logEndOffset } = log;
  let next = logStartOffset;
  for (const b of log.read(logStartOffset, 1 << 22)?.batches ?? []) {
    const h = new RecordBatchHeader(b, 0);
    assert.equal(h.baseOffset, next, `${label}: no gap at ${next}`);
    assert.ok(h.isCrcValid(), `${label}: batch at ${next} intact`);
    next = h.lastOffset + 1;
  }
  assert.equal(next, logEndOffset, `${label}: the batches end at the log end offset`);
  for (let o = logStartOffset; o < logEndOffset; o++) {
    const h = new RecordBatchHeader(log.read(o, 1)!.batches[0], 0);
    assert.ok(h.baseOffset <= o && o <= h.lastOffset, `${label}: the index finds offset ${o}`);
  }
  return { logStartOffset, logEndOffset };
}

/**
 * Builds the log once, then for every crash point: copies it, runs `operation` on the copy with
 * the crash armed, drops the descriptors, reopens with the real file system (unclean, no
 * checkpoints) and checks the result. Returns the outcomes, one per crash point.
 */
async function crashEverywhere(operation: (log: Log) => void, check: (o: Outcome, label: string) => void): Promise<number> {
  const { dir, cleanup } = tempDir();
  try {
    const template = join(dir, 'template');
    const built = await Log.open(join(template, 't-0'), tp, cfg, { now: () => 5000 });
    for (let i = 0; i < RECORDS / 3; i++) built.append(batch(3, { ts: 1000 + i * 10 }));
    await built.close();

    let points = -1;
    for (let n = 0; points < 0 || n <= points; n++) {
      const copy = join(dir, `crash-${n}`);
      cpSync(template, copy, { recursive: true });
      const fs = new FaultyFileSystem();
      const log = await Log.open(join(copy, 't-0'), tp, cfg, { fs, cleanShutdown: true, scheduler: new ManualScheduler(), now: () => 5000 });
      fs.crashAfter = n;
      let crashed = false;
      try {
        operation(log);
      } catch {
        crashed = true;
      }
      if (!crashed) {
        assert.ok(points < 0 || n === points, `the operation got through with only ${n} calls`);
        points = fs.mutations; // the first run without a crash counts the calls
      }
      log.abandon();
      const label = `crash after ${n} call(s) (${fs.journal.join(', ') || 'none'})`;
      const reopened = await Log.open(join(copy, 't-0'), tp, cfg, { recoveryPoint: 0 });
      assert.deepEqual(readdirSync(join(copy, 't-0')).filter((f) => f.endsWith('.deleted')), [], `${label}: .deleted files removed`);
      check(assertConsistent(reopened, label), label);
      await reopened.close();
      if (points < 0 && n > 200) assert.fail('the operation never completed');
    }
    return points;
  } finally {
    cleanup();
  }
}

test('a crash at any point of retention deleting every segment (the active one rolled first) loses no offset', async () => {
  const points = await crashEverywhere(
    (log) => {
      log.updateConfig({ ...cfg, retentionMs: 100 });
      log.deleteOldSegments(10_000);
    },
    (o, label) => {
      assert.equal(o.logEndOffset, RECORDS, `${label}: offsets are never reused`);
      assert.ok(o.logStartOffset <= RECORDS, label);
    },
  );
  assert.ok(points >= 5, `${points} calls`);
});

test('a crash at any point of DeleteRecords leaves the records above the new start', async () => {
  await crashEverywhere(
    (log) => log.deleteRecordsBefore(50),
    (o, label) => {
      assert.equal(o.logEndOffset, RECORDS, label);
      assert.ok(o.logStartOffset <= 50, `${label}: records from 50 on are there`);
    },
  );
});

test('a crash at any point of a roll leaves the log before or after the append, nothing torn', async () => {
  await crashEverywhere(
    (log) => {
      log.roll();
      log.append(batch(3, { ts: 2000 }));
    },
    (o, label) => {
      assert.equal(o.logStartOffset, 0, label);
      assert.ok(o.logEndOffset === RECORDS || o.logEndOffset === RECORDS + 3, `${label}: end ${o.logEndOffset}`);
    },
  );
});

test('a crash at any point of a truncation across segments keeps everything below the cut and leaves no gap', async () => {
  await crashEverywhere(
    (log) => log.truncateTo(20),
    (o, label) => {
      assert.equal(o.logStartOffset, 0, label);
      // The batch holding 20 (18..20) goes with the cut; a crash may leave more, never less.
      assert.ok(o.logEndOffset >= 18 && o.logEndOffset <= RECORDS, `${label}: end ${o.logEndOffset}`);
    },
  );
});
