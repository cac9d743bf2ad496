// Storage faults through the FileSystem seam: a full disk refuses a write and undoes it (the
// directory keeps serving), any other failed write, fsync, roll, read or delete takes the whole
// log directory offline (Kafka's LogDirFailureChannel), once, and the other directories of
// log.dirs keep serving. A restart on a healthy disk recovers everything acknowledged.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Log } from './log.js';
import { DuplicateLogError, LogManager } from './log-manager.js';
import { CLEAN_SHUTDOWN_FILE, RECOVERY_POINT_CHECKPOINT } from './log-dir.js';
import { KafkaStorageError, isKafkaStorageError } from './storage-error.js';
import type { StorageLogger } from './storage-logger.js';
import { FaultyFileSystem, ManualScheduler, batch, config, tempDir } from './test-fixtures.js';

const cfg = config({ segmentBytes: 2000, retentionMs: -1 });

function recorder(): StorageLogger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, error: (_, m) => errors.push(m), info: () => undefined, warn: () => undefined };
}

const storageError = (offline: boolean) => (err: unknown) => isKafkaStorageError(err) && err.logDirOffline === offline;

test('a full disk refuses an append and undoes it: KAFKA_STORAGE_ERROR, the directory stays online, the next append fits', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new FaultyFileSystem();
    const log = await Log.open(join(dir, 't-0'), { topic: 't', partition: 0 }, cfg, { fs });
    log.append(batch(3));
    const file = join(dir, 't-0', '00000000000000000000.log');
    const size = statSync(file).size;
    fs.fail('write', 'ENOSPC');
    assert.throws(() => log.append(batch(3)), storageError(false));
    assert.equal(statSync(file).size, size, 'no partial batch left');
    assert.equal(log.offline, undefined);
    assert.equal(log.append(batch(2)).firstOffset, 3);
    await log.close();
  } finally {
    cleanup();
  }
});

test('a full disk during a roll (new segment or sealed indexes) undoes the roll; appends go on once there is space', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new FaultyFileSystem();
    const log = await Log.open(join(dir, 't-0'), { topic: 't', partition: 0 }, cfg, { fs });
    while (log.numberOfSegments === 1 && log.size + batch(3).length <= 2000) log.append(batch(3));
    const end = log.logEndOffset;
    fs.fail('open', 'ENOSPC', { path: /\.log$/ });
    assert.throws(() => log.append(batch(3)), storageError(false));
    fs.fail('write', 'ENOSPC', { path: /\.timeindex$/ });
    assert.throws(() => log.append(batch(3)), storageError(false));
    assert.equal(log.offline, undefined);
    assert.equal(log.numberOfSegments, 1);
    assert.deepEqual(readdirSync(join(dir, 't-0')), ['00000000000000000000.log'], 'no half-made segment, no stale index');
    assert.equal(log.append(batch(3)).firstOffset, end);
    assert.equal(log.numberOfSegments, 2);
    await log.close();
    const reopened = await Log.open(join(dir, 't-0'), { topic: 't', partition: 0 }, cfg, { cleanShutdown: true });
    assert.equal(reopened.logEndOffset, end + 3);
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('on a full disk retention still frees space: when the expired active segment cannot be rolled, the others go', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new FaultyFileSystem();
    const log = await Log.open(join(dir, 't-0'), { topic: 't', partition: 0 }, cfg, { fs, scheduler: new ManualScheduler() });
    for (let i = 0; i < 60; i++) log.append(batch(3, { ts: 1000 }));
    const segments = log.numberOfSegments;
    assert.ok(segments > 2);
    log.updateConfig({ ...cfg, retentionMs: 10 });
    fs.fail('write', 'ENOSPC', { path: /\.timeindex$/ }); // sealing the active segment
    assert.equal(log.deleteOldSegments(5000), segments - 1);
    assert.equal(log.offline, undefined);
    assert.equal(log.numberOfSegments, 1);
    assert.equal(log.logEndOffset, 180);
    // With space again, the next run empties the log.
    assert.equal(log.deleteOldSegments(5000), 1);
    assert.equal(log.logStartOffset, 180);
    await log.close();
  } finally {
    cleanup();
  }
});

for (const [what, op, provoke] of [
  ['write', 'write', (log: Log) => log.append(batch(3))],
  ['read', 'read', (log: Log) => log.read(0, 1 << 20)],
  ['truncate', 'ftruncate', (log: Log) => log.truncateTo(1)],
  ['delete (rename to .deleted)', 'rename', (log: Log) => log.deleteRecordsBefore(log.logEndOffset)],
] as const) {
  test(`a failed ${what} takes the log directory offline: its logs answer KAFKA_STORAGE_ERROR, the other directory serves, logged once`, async () => {
    const { dir, cleanup } = tempDir();
    try {
      const fs = new FaultyFileSystem();
      const logger = recorder();
      const [a, b] = [join(dir, 'a'), join(dir, 'b')];
      const manager = await LogManager.open([a, b], { fs, defaultConfig: cfg, logger, scheduler: new ManualScheduler() });
      // Fewest logs first, ties in log.dirs order: a, b, a, b.
      const [inA, victim, alsoA, alsoB] = [await manager.getOrCreateLog('t', 0, cfg), await manager.getOrCreateLog('t', 1, cfg), await manager.getOrCreateLog('u', 0, cfg), await manager.getOrCreateLog('u', 1, cfg)];
      assert.deepEqual([inA, victim, alsoA, alsoB].map((l) => l.parentDir), [a, b, a, b]);
      for (const log of [inA, victim, alsoA, alsoB]) for (let i = 0; i < 40; i++) log.append(batch(3));
      assert.ok(victim.numberOfSegments > 1);
      victim.setTailCacheBytes(0); // reads go to the file

      fs.fail(op, 'EIO', { path: /\/b\/t-1\// });
      assert.throws(() => provoke(victim), storageError(true));
      assert.ok(victim.offline);
      assert.throws(() => alsoB.append(batch(1)), storageError(true), 'every log of the directory');
      assert.throws(() => alsoB.read(0, 100), storageError(true));
      assert.throws(() => victim.append(batch(1)), (err: unknown) => err instanceof KafkaStorageError && /log directory .*\/b is offline/.test(err.message));
      assert.equal(inA.append(batch(1)).firstOffset, 120, 'the other directory serves');
      assert.equal(logger.errors.length, 1, logger.errors.join('\n'));
      assert.match(logger.errors[0], new RegExp(`^log directory ${b} is offline: .* failed \\(EIO\\)\\. Its \\d partition\\(s\\) answer KAFKA_STORAGE_ERROR until Brook restarts; 1 other log directory keeps serving`));
      assert.deepEqual(
        manager.describeLogDirs().map((d) => [d.path, d.failure !== undefined, d.logs.length]),
        [[a, false, 2], [b, true, 0]],
      );
      // New logs avoid the offline directory; nothing more is written there.
      assert.equal((await manager.getOrCreateLog('v', 0, cfg)).parentDir, a);
      const checkpointBefore = readdirSync(b).includes(RECOVERY_POINT_CHECKPOINT);
      await manager.close();
      assert.ok(readdirSync(a).includes(CLEAN_SHUTDOWN_FILE));
      assert.ok(!readdirSync(b).includes(CLEAN_SHUTDOWN_FILE), 'a failed directory is recovered at the next start');
      assert.equal(readdirSync(b).includes(RECOVERY_POINT_CHECKPOINT), checkpointBefore);

      // Restart on a healthy disk: everything acknowledged is there.
      const again = await LogManager.open([a, b], { defaultConfig: cfg });
      // A truncation cut short may leave more than it meant to cut, never less.
      assert.ok(again.getLog('t', 1)!.logEndOffset >= (what === 'truncate' ? 1 : 120));
      assert.equal(again.getLog('u', 1)!.logEndOffset, 120);
      assert.equal(again.getLog('t', 0)!.logEndOffset, 121);
      await again.close();
    } finally {
      cleanup();
    }
  });
}

test('a failed fsync takes the directory offline and fails the appends waiting for it', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new FaultyFileSystem();
    const logger = recorder();
    const manager = await LogManager.open(dir, { fs, defaultConfig: cfg, logger });
    const log = await manager.getOrCreateLog('t', 0, { ...cfg, flushIntervalMessages: 1 });
    await log.append(batch(1)).flushed;
    fs.fail('fdatasync', 'EIO');
    const { flushed } = log.append(batch(1));
    await assert.rejects(flushed!, storageError(true));
    assert.ok(log.offline);
    assert.equal(logger.errors.length, 1);
    assert.match(logger.errors[0], /fsync of t-0 failed \(EIO\).* no log directory is left online/);
    await manager.close();
  } finally {
    cleanup();
  }
});

test('a directory that cannot be used at startup is offline; partitions the metadata knows get an offline log, new ones go elsewhere', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const [a, b] = [join(dir, 'a'), join(dir, 'b')];
    const first = await LogManager.open([a, b], { defaultConfig: cfg });
    (await first.getOrCreateLog('t', 0, cfg)).append(batch(3));
    (await first.getOrCreateLog('t', 1, cfg)).append(batch(3));
    await first.close();

    const fs = new FaultyFileSystem();
    fs.fail('read', 'EIO', { path: /\/b\//, times: Infinity });
    const logger = recorder();
    const manager = await LogManager.open([a, b], { fs, defaultConfig: cfg, logger });
    assert.equal(logger.errors.length, 1);
    assert.match(logger.errors[0], /^log directory .*\/b is offline: loading the logs failed \(EIO\)/);
    assert.equal(manager.getLog('t', 0)!.logEndOffset, 3);
    const missing = await manager.getOrCreateLog('t', 1, cfg, { isNew: false });
    assert.ok(missing.offline, 'not an empty log that would reuse its offsets');
    assert.throws(() => missing.append(batch(1)), storageError(true));
    assert.equal((await manager.getOrCreateLog('n', 0, cfg)).parentDir, a);
    await manager.close();
  } finally {
    cleanup();
  }
});

test('new logs go to the directory with the fewest; one with a full disk is skipped and stays online', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const dirs = ['a', 'b', 'c'].map((d) => join(dir, d));
    const setup = await LogManager.open(dirs[0], { defaultConfig: cfg });
    await setup.getOrCreateLog('old', 0, cfg);
    await setup.getOrCreateLog('old', 1, cfg);
    await setup.close();
    const fs = new FaultyFileSystem();
    const manager = await LogManager.open(dirs, { fs, defaultConfig: cfg });
    const placed: string[] = [];
    for (let i = 0; i < 4; i++) placed.push((await manager.getOrCreateLog('new', i, cfg)).parentDir);
    assert.deepEqual(placed, [dirs[1], dirs[2], dirs[1], dirs[2]]);
    const counts = dirs.map((d) => manager.describeLogDirs().find((x) => x.path === d)!.logs.length);
    assert.deepEqual(counts, [2, 2, 2]);
    fs.fail('mkdir', 'ENOSPC', { path: /\/a\// });
    assert.equal((await manager.getOrCreateLog('next', 0, cfg)).parentDir, dirs[1]);
    assert.deepEqual(manager.describeLogDirs().map((d) => d.failure), [undefined, undefined, undefined]);
    assert.deepEqual(readdirSync(dirs[0]).filter((n) => n.startsWith('next')), []);
    // Every directory full: KAFKA_STORAGE_ERROR, nothing offline.
    fs.fail('mkdir', 'ENOSPC', { times: 3 });
    await assert.rejects(manager.getOrCreateLog('none', 0, cfg), (err: unknown) => isKafkaStorageError(err) && /No log directories available for none-0\. Tried .*ENOSPC/.test(err.message));
    assert.deepEqual(manager.describeLogDirs().map((d) => d.failure), [undefined, undefined, undefined]);
    await manager.close();

    // A restart finds the partitions of every directory.
    const again = await LogManager.open(dirs, { defaultConfig: cfg });
    assert.deepEqual(again.existingLogs().map((tp) => `${tp.topic}-${tp.partition}`).sort(), ['new-0', 'new-1', 'new-2', 'new-3', 'next-0', 'old-0', 'old-1']);
    await again.close();
  } finally {
    cleanup();
  }
});

test('the same partition in two directories refuses the start (Kafka: the operator must choose)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const [a, b] = [join(dir, 'a'), join(dir, 'b')];
    for (const d of [a, b]) mkdirSync(join(d, 't-0'), { recursive: true });
    writeFileSync(join(a, 't-0', '00000000000000000000.log'), '');
    await assert.rejects(LogManager.open([a, b], { defaultConfig: cfg }), (err: unknown) => err instanceof DuplicateLogError && /partition t-0 is in two log directories/.test(err.message));
  } finally {
    cleanup();
  }
});
