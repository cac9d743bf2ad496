// Retention as Kafka's UnifiedLog.deleteOldSegments applies it: log start offset, then
// retention.bytes, then retention.ms, the active segment included (a log whose records have all
// expired rolls and empties, keeping its offsets), and deleted segments renamed `.deleted` and
// removed file.delete.delay.ms later (here a ManualScheduler stands for the delay).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RecordBatchHeader } from '../protocol/records/record-batch.js';
import { Log } from './log.js';
import { LogSegment } from './log-segment.js';
import { SegmentDeleter } from './segment-deleter.js';
import { ManualScheduler, batch, config, tempDir } from './test-fixtures.js';

const tp = { topic: 't', partition: 0 };

/** 30 batches of 3 records, timestamps 1000 + 10i (+0..2), in segments of ~1000 bytes. */
async function filledLog(dir: string, scheduler: ManualScheduler, overrides: Parameters<typeof config>[0] = {}): Promise<Log> {
  const log = await Log.open(join(dir, 't-0'), tp, config({ segmentBytes: 1000, indexIntervalBytes: 150, retentionMs: -1, ...overrides }), { tailCacheBytes: 0, scheduler, now: () => 2000 });
  for (let i = 0; i < 30; i++) log.append(batch(3, { ts: 1000 + i * 10 }));
  return log;
}

const files = (dir: string): string[] => readdirSync(join(dir, 't-0')).sort();
const segmentLogs = (dir: string): string[] => files(dir).filter((f) => f.endsWith('.log'));
const deleted = (dir: string): string[] => files(dir).filter((f) => f.endsWith('.deleted'));

/** Base offsets of the batches read from `offset` to the end. */
function offsets(log: Log, offset: number): number[] {
  return (log.read(offset, 1 << 20)?.batches ?? []).map((b) => new RecordBatchHeader(b, 0).baseOffset);
}

test('retention.ms: a log whose records have all expired rolls and empties, keeping its offsets (a quiet topic empties)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const scheduler = new ManualScheduler();
    const log = await filledLog(dir, scheduler, { retentionMs: 1000 });
    const before = log.numberOfSegments;
    assert.ok(before >= 3);
    // The newest record is 1292: at 2292 it is exactly retention.ms old, which is not yet beyond it.
    assert.equal(log.deleteOldSegments(2292), before - 1, 'every segment but the active one (its newest record is not old enough)');
    assert.equal(log.numberOfSegments, 1);
    assert.equal(log.deleteOldSegments(2293), 1, 'then the active one');
    assert.equal(log.logStartOffset, 90);
    assert.equal(log.logEndOffset, 90);
    assert.equal(log.size, 0);
    assert.equal(log.numberOfSegments, 1);
    assert.deepEqual(segmentLogs(dir), ['00000000000000000090.log'], 'a new empty active segment at the log end');
    assert.equal(log.read(0, 100), null, 'offset 0 is out of range now');
    assert.deepEqual(log.read(90, 100), { batches: [], size: 0 });
    // Nothing more to delete: an empty active segment never is.
    assert.equal(log.deleteOldSegments(Number.MAX_SAFE_INTEGER), 0);
    // Offsets continue where they were.
    assert.equal(log.append(batch(2, { ts: 5000 })).firstOffset, 90);
    assert.deepEqual(offsets(log, 90), [90]);
    await log.close();
  } finally {
    cleanup();
  }
});

test('retention.ms: only the segments whose newest record is older than retention.ms go, oldest first', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const scheduler = new ManualScheduler();
    const log = await filledLog(dir, scheduler, { retentionMs: 100 });
    const bases = segmentLogs(dir).map((f) => Number(f.slice(0, 20)));
    // Records older than 1150 have expired at 1250: batches 0..14 (timestamps up to 1142).
    log.deleteOldSegments(1250);
    const kept = bases.filter((b) => b >= log.logStartOffset);
    assert.ok(log.logStartOffset > 0 && log.logStartOffset <= 45, `log start ${log.logStartOffset}`);
    assert.deepEqual(segmentLogs(dir).map((f) => Number(f.slice(0, 20))), kept);
    assert.deepEqual(offsets(log, log.logStartOffset)[0], log.logStartOffset);
    assert.equal(log.logEndOffset, 90);
    await log.close();
  } finally {
    cleanup();
  }
});

test('retention.ms=-1 keeps everything however old; so does a compact-only topic', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const log = await filledLog(dir, new ManualScheduler(), { retentionMs: -1 });
    const before = log.numberOfSegments;
    assert.equal(log.deleteOldSegments(Number.MAX_SAFE_INTEGER), 0);
    assert.equal(log.numberOfSegments, before);
    assert.equal(log.logStartOffset, 0);
    log.updateConfig(config({ segmentBytes: 1000, retentionMs: 1, retentionBytes: 0, delete: false }));
    assert.equal(log.deleteOldSegments(Number.MAX_SAFE_INTEGER), 0);
    assert.equal(log.numberOfSegments, before);
    await log.close();
  } finally {
    cleanup();
  }
});

test('retention.bytes: the oldest segments go while the log stays at or above the limit; -1 is no limit; 0 empties the log', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const log = await filledLog(dir, new ManualScheduler(), { retentionBytes: -1 });
    const total = log.size;
    assert.equal(log.deleteOldSegments(0), 0);
    log.updateConfig(config({ segmentBytes: 1000, retentionMs: -1, retentionBytes: total - 1500 }));
    const n = log.deleteOldSegments(0);
    assert.ok(n >= 1);
    // Kafka deletes a segment only while the log stays at or above retention.bytes without it.
    assert.ok(log.size >= total - 1500 && log.size < total, `${log.size} vs ${total - 1500}`);
    assert.equal(log.deleteOldSegments(0), 0, 'stable once under the limit');
    log.updateConfig(config({ segmentBytes: 1000, retentionMs: -1, retentionBytes: 0 }));
    log.deleteOldSegments(0);
    assert.equal(log.size, 0);
    assert.equal(log.logStartOffset, 90);
    assert.equal(log.logEndOffset, 90);
    await log.close();
  } finally {
    cleanup();
  }
});

test('segments below the log start offset go whatever the cleanup policy (Kafka deletes them for compacted topics too)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const scheduler = new ManualScheduler();
    const first = await filledLog(dir, scheduler);
    const second = Number(segmentLogs(dir)[1].slice(0, 20));
    first.abandon();
    // A log start offset from the checkpoint, beyond the first segment (DeleteRecords before a restart).
    const log = await Log.open(join(dir, 't-0'), tp, config({ segmentBytes: 1000, delete: false }), { logStartOffset: second + 1, scheduler, cleanShutdown: false });
    assert.equal(log.logStartOffset, second + 1);
    assert.equal(log.deleteOldSegments(0), 1);
    assert.equal(Number(segmentLogs(dir)[0].slice(0, 20)), second);
    await log.close();
  } finally {
    cleanup();
  }
});

test('deleted segments are renamed .deleted and removed after file.delete.delay.ms; a stop removes what is left, a start what a crash left', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const scheduler = new ManualScheduler();
    const log = await filledLog(dir, scheduler, { retentionMs: 100, fileDeleteDelayMs: 12_345 });
    const before = segmentLogs(dir);
    log.deleteOldSegments(1250);
    const gone = before.filter((f) => !segmentLogs(dir).includes(f));
    assert.ok(gone.length > 0);
    // Every file of each deleted segment, renamed; none removed yet.
    assert.deepEqual(
      deleted(dir),
      gone.flatMap((f) => [`${f.slice(0, 20)}.index.deleted`, `${f}.deleted`, `${f.slice(0, 20)}.timeindex.deleted`]).sort(),
    );
    assert.deepEqual(scheduler.pending, [12_345]);
    assert.equal(log.segmentsPendingDeletion, gone.length);
    scheduler.runAll();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(deleted(dir), []);
    assert.equal(log.segmentsPendingDeletion, 0);

    // Pending at a clean close: removed then (nobody can read them any more).
    log.updateConfig(config({ segmentBytes: 1000, retentionMs: 100, fileDeleteDelayMs: 60_000 }));
    log.deleteOldSegments(1400);
    assert.ok(deleted(dir).length > 0);
    await log.close();
    assert.deepEqual(deleted(dir), []);

    // Pending at a crash: removed by the next start.
    const again = await Log.open(join(dir, 't-0'), tp, config({ segmentBytes: 1000, retentionMs: 0 }), { scheduler, now: () => 1_000_000 });
    again.append(batch(1, { ts: 1_000_000 }));
    again.roll();
    again.append(batch(1, { ts: 1_000_000 }));
    assert.equal(again.deleteOldSegments(1_000_001), 2);
    assert.ok(deleted(dir).length > 0);
    again.abandon();
    const reopened = await Log.open(join(dir, 't-0'), tp, config({ segmentBytes: 1000 }), { scheduler });
    assert.deepEqual(deleted(dir), []);
    assert.equal(reopened.logStartOffset, reopened.logEndOffset);
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('a reader holding a segment that left the log still reads it until file.delete.delay.ms has passed', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const scheduler = new ManualScheduler();
    const segment = LogSegment.create(dir, 0, config(), (await import('./file-system.js')).nodeFileSystem, 0);
    const data = batch(5);
    segment.append(data);
    const deleter = new SegmentDeleter(scheduler, (err) => assert.fail(String(err)));
    deleter.deleteLater([segment], 60_000);
    assert.deepEqual(readdirSync(dir), ['00000000000000000000.log.deleted']);
    // The cleaner (or any reader that took the segment before) reads on.
    assert.deepEqual(segment.readAt(0, data.length), data);
    scheduler.runAll();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    cleanup();
  }
});
