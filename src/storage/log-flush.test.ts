import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Log } from './log.js';
import { TestFileSystem, batch, config, tempDir } from './test-fixtures.js';

const tp = { topic: 't', partition: 0 };

test('flush.messages=1: every append gets a flushed promise and concurrent waiters share fsyncs', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new TestFileSystem();
    const log = await Log.open(join(dir, 't-0'), tp, config({ flushIntervalMessages: 1 }), { fs });
    const before = fs.fdatasyncs;
    const appends = Array.from({ length: 10 }, () => log.append(batch(2)));
    for (const a of appends) assert.ok(a.flushed instanceof Promise);
    assert.equal(log.recoveryPoint, 0);
    await Promise.all(appends.map((a) => a.flushed));
    // The first append starts an fsync; the nine appended while it runs share one more.
    assert.equal(fs.fdatasyncs - before, 2);
    assert.equal(log.recoveryPoint, 20);

    // Nothing new: flush() needs no fsync.
    await log.flush();
    assert.equal(fs.fdatasyncs - before, 2);

    // Many flush() callers, one fsync.
    log.append(batch(1));
    const callers = Array.from({ length: 5 }, () => log.flush());
    await Promise.all(callers);
    assert.equal(fs.fdatasyncs - before, 3);
    assert.equal(log.recoveryPoint, 21);
    await log.close();
  } finally {
    cleanup();
  }
});

test('flush.messages=N asks for an fsync every N records; never by default', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new TestFileSystem();
    const log = await Log.open(join(dir, 't-0'), tp, config({ flushIntervalMessages: 3 }), { fs });
    assert.equal(log.append(batch(1)).flushed, undefined);
    assert.equal(log.append(batch(1)).flushed, undefined);
    const third = log.append(batch(1));
    assert.ok(third.flushed);
    await third.flushed;
    assert.equal(log.recoveryPoint, 3);
    await log.close();

    const fs2 = new TestFileSystem();
    const never = await Log.open(join(dir, 't-1'), tp, config(), { fs: fs2 });
    for (let i = 0; i < 20; i++) assert.equal(never.append(batch(5)).flushed, undefined);
    assert.equal(fs2.fdatasyncs, 0);
    assert.equal(never.recoveryPoint, 0);
    await never.close(); // close makes it durable
    assert.ok(fs2.fdatasyncs >= 1);
    assert.equal(never.recoveryPoint, 100);
  } finally {
    cleanup();
  }
});

test('flush.ms: appends wait for the timed flush, which covers them all with one fsync', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new TestFileSystem();
    let clock = 1000;
    const log = await Log.open(join(dir, 't-0'), tp, config({ flushIntervalMs: 30 }), { fs, now: () => clock });
    clock += 5;
    const a = log.append(batch(1));
    const b = log.append(batch(1));
    assert.ok(a.flushed && b.flushed);
    assert.equal(a.flushed, b.flushed);
    assert.equal(fs.fdatasyncs, 0);
    await Promise.all([a.flushed, b.flushed]);
    assert.equal(fs.fdatasyncs, 1);
    assert.equal(log.recoveryPoint, 2);
    // Overdue (clock far past the last flush): the append flushes at once.
    clock += 1000;
    const c = log.append(batch(1));
    assert.ok(c.flushed);
    await c.flushed;
    assert.equal(log.recoveryPoint, 3);
    await log.close();
  } finally {
    cleanup();
  }
});

// A duplicate of an unflushed batch asks for a flush at once (Partition.append); the original's
// append went on waiting for the flush.ms timer, 600 s in partition.test.ts, though that flush
// had made it durable.
test('flush.ms: a flush asked for before the timer settles the appends waiting on it, and replaces the timer', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new TestFileSystem();
    const clock = 1000;
    const log = await Log.open(join(dir, 't-0'), tp, config({ flushIntervalMs: 600_000 }), { fs, now: () => clock });
    const a = log.append(batch(1));
    assert.ok(a.flushed);
    let settled = false;
    void a.flushed.then(() => (settled = true));
    await log.flush();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, true, 'the append that waited on the timer is acknowledged with the flush that covered it');
    assert.equal(fs.fdatasyncs, 1);
    assert.equal(log.recoveryPoint, 1);
    // The next append waits on a timer of its own, which close() settles.
    const b = log.append(batch(1));
    assert.ok(b.flushed && b.flushed !== a.flushed);
    await log.close();
    await b.flushed;
    assert.equal(log.recoveryPoint, 2);
  } finally {
    cleanup();
  }
});

test('flush.ms changed while appends wait for the timed flush: they wait by the new setting, or not at all once it is removed', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new TestFileSystem();
    let clock = 1000;
    const log = await Log.open(join(dir, 't-0'), tp, config({ flushIntervalMs: 600_000 }), { fs, now: () => clock });
    const a = log.append(batch(1));
    assert.ok(a.flushed);
    // Lowered so that the flush is overdue: it runs now rather than ten minutes later.
    clock += 50;
    log.updateConfig(config({ flushIntervalMs: 10 }));
    await a.flushed;
    assert.equal(log.recoveryPoint, 1);
    const b = log.append(batch(1));
    assert.ok(b.flushed);
    log.updateConfig(config({ flushIntervalMs: 600_000 }));
    assert.equal(fs.fdatasyncs, 1, 'not flushed yet');
    // Removed: nothing schedules flushes any more, so the waiting appends are flushed now.
    log.updateConfig(config());
    await b.flushed;
    assert.equal(log.recoveryPoint, 2);
    await log.close();
  } finally {
    cleanup();
  }
});

test('a roll fsyncs the rolled segment and its indexes in the background', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new TestFileSystem();
    const log = await Log.open(join(dir, 't-0'), tp, config({ segmentBytes: 300, indexIntervalBytes: 1 }), { fs });
    while (log.numberOfSegments < 2) log.append(batch(2));
    const rolledAt = log.logEndOffset - 2;
    await log.flush();
    assert.ok(log.recoveryPoint >= rolledAt);
    assert.ok(fs.fdatasyncs >= 3, `log + 2 index files, got ${fs.fdatasyncs}`);
    await log.close();
  } finally {
    cleanup();
  }
});
