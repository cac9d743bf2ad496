import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLEAN_SHUTDOWN_FILE, LOG_START_OFFSET_CHECKPOINT, LogManager, RECOVERY_POINT_CHECKPOINT } from './log-manager.js';
import { batch, config, tempDir } from './test-fixtures.js';

const cfg = config({ segmentBytes: 1000, indexIntervalBytes: 150 });

test('LogManager creates logs, checkpoints in Kafka text format, and reopens them after a clean shutdown', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const manager = await LogManager.open(dir);
    assert.deepEqual(manager.existingLogs(), []);
    const orders = await manager.getOrCreateLog('orders', 0, cfg);
    const dashed = await manager.getOrCreateLog('my-topic', 12, cfg);
    assert.equal(await manager.getOrCreateLog('orders', 0, cfg), orders);
    assert.ok(statSync(join(dir, 'orders-0')).isDirectory());
    assert.ok(statSync(join(dir, 'my-topic-12')).isDirectory());
    for (let i = 0; i < 20; i++) orders.append(batch(3));
    dashed.append(batch(4));
    await orders.flush();
    orders.deleteRecordsBefore(5);
    await manager.checkpoint();

    const recovery = readFileSync(join(dir, RECOVERY_POINT_CHECKPOINT), 'utf8').split('\n');
    assert.deepEqual(recovery.slice(0, 2), ['0', '2']);
    assert.deepEqual(recovery.slice(2).filter(Boolean).sort(), ['my-topic 12 0', 'orders 0 60']);
    const start = readFileSync(join(dir, LOG_START_OFFSET_CHECKPOINT), 'utf8').split('\n');
    assert.deepEqual(start.slice(2).filter(Boolean).sort(), ['my-topic 12 0', 'orders 0 5']);
    assert.ok(!existsSync(join(dir, CLEAN_SHUTDOWN_FILE)));

    await manager.close();
    assert.ok(existsSync(join(dir, CLEAN_SHUTDOWN_FILE)));
    assert.ok(readFileSync(join(dir, RECOVERY_POINT_CHECKPOINT), 'utf8').includes('my-topic 12 4'));

    mkdirSync(join(dir, 'orders-0.abc-delete')); // not a partition folder
    writeFileSync(join(dir, 'brook-topics.json'), '{}'); // other files are left alone
    const reopened = await LogManager.open(dir, { defaultConfig: cfg });
    assert.ok(!existsSync(join(dir, CLEAN_SHUTDOWN_FILE)), 'the marker is consumed at open');
    assert.deepEqual(
      reopened.existingLogs().sort((a, b) => a.topic.localeCompare(b.topic)),
      [
        { topic: 'my-topic', partition: 12 },
        { topic: 'orders', partition: 0 },
      ],
    );
    const again = reopened.getLog('orders', 0)!;
    assert.equal(again.logEndOffset, 60);
    assert.equal(again.logStartOffset, 5);
    assert.equal(again.recoveryPoint, 60);
    assert.equal(reopened.getLog('my-topic', 12)!.logEndOffset, 4);
    assert.equal(await reopened.getOrCreateLog('orders', 0, cfg), again);

    await reopened.deleteLog('orders', 0);
    assert.equal(reopened.getLog('orders', 0), undefined);
    assert.ok(!existsSync(join(dir, 'orders-0')));
    await reopened.checkpoint();
    assert.ok(!readFileSync(join(dir, RECOVERY_POINT_CHECKPOINT), 'utf8').includes('orders'));
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('LogManager recovers an uncleanly stopped log from its checkpointed recovery point', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const manager = await LogManager.open(dir);
    const log = await manager.getOrCreateLog('events', 0, cfg);
    for (let i = 0; i < 25; i++) log.append(batch(2));
    await log.flush();
    await manager.checkpoint();
    for (let i = 0; i < 3; i++) log.append(batch(2));
    log.abandon(); // crash: no close, no clean-shutdown marker

    const partDir = join(dir, 'events-0');
    const last = readdirSync(partDir).filter((n) => n.endsWith('.log')).sort().pop()!;
    appendFileSync(join(partDir, last), batch(2).subarray(0, 30)); // torn write
    const reopened = await LogManager.open(dir, { defaultConfig: cfg });
    const recovered = reopened.getLog('events', 0)!;
    assert.equal(recovered.logEndOffset, 56);
    assert.equal(recovered.recoveryPoint, 50);
    assert.equal(recovered.append(batch(1)).firstOffset, 56);
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('an unreadable checkpoint means a full recovery, not a failed start', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const manager = await LogManager.open(dir);
    const log = await manager.getOrCreateLog('x', 0, cfg);
    log.append(batch(3));
    await manager.close();
    writeFileSync(join(dir, RECOVERY_POINT_CHECKPOINT), 'nonsense\n');
    writeFileSync(join(dir, CLEAN_SHUTDOWN_FILE), '');
    const reopened = await LogManager.open(dir);
    assert.equal(reopened.getLog('x', 0)!.logEndOffset, 3);
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('LogManager shares one tail-cache budget among its logs', async () => {
  const { dir, cleanup } = tempDir();
  const manager = await LogManager.open(dir, { tailCacheTotalBytes: 1024 * 1024 });
  const logs = [];
  for (let p = 0; p < 4; p++) logs.push(await manager.getOrCreateLog('t', p, config()));
  // 1 MiB over 4 logs: a 256 KiB share each, so a partition's tail beyond that is read from disk.
  for (let i = 0; i < 400; i++) logs[0].append(batch(2, { valueBytes: 1000 }));
  const cachedFrom = (logs[0] as unknown as { cache: { startOffset: number } }).cache.startOffset;
  assert.ok(cachedFrom > 0, 'the first log keeps only its share in memory');
  const all = logs[0].read(0, 1 << 30, { minOneBatch: true })!;
  assert.equal(all.batches.length, 400, 'and still reads everything, older batches from disk');
  await manager.close();
  cleanup();
});

test('open sums up what recovery did for the startup banner, and warns about an unreadable checkpoint', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const manager = await LogManager.open(dir);
    const a = await manager.getOrCreateLog('a', 0, cfg);
    const b = await manager.getOrCreateLog('b', 0, cfg);
    for (let i = 0; i < 4; i++) a.append(batch(2));
    b.append(batch(5));
    await manager.close();
    const clean = await LogManager.open(dir, { defaultConfig: cfg });
    assert.deepEqual({ ...clean.recovery, durationMs: 0 }, { logs: 2, records: 13, logsTruncated: 0, cleanShutdown: true, durationMs: 0, segmentsRecovered: 0, bytesTruncated: 0, recordsDropped: 0, segmentsDeleted: 0 });
    for (const log of [clean.getLog('a', 0)!, clean.getLog('b', 0)!]) log.abandon(); // crash

    const torn = batch(3).subarray(0, 30);
    appendFileSync(join(dir, 'b-0', '00000000000000000000.log'), torn);
    writeFileSync(join(dir, RECOVERY_POINT_CHECKPOINT), 'garbage\n');
    const warnings: string[] = [];
    const logger = { error: () => undefined, info: () => undefined, warn: (_: Record<string, unknown>, message: string) => warnings.push(message) };
    const recovered = await LogManager.open(dir, { defaultConfig: cfg, logger });
    const { durationMs, ...summary } = recovered.recovery;
    assert.ok(durationMs >= 0);
    assert.deepEqual(summary, { logs: 2, records: 13, logsTruncated: 1, cleanShutdown: false, segmentsRecovered: 2, bytesTruncated: 30, recordsDropped: 0, segmentsDeleted: 0 });
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0], /recovery-point-offset-checkpoint .*every log is recovered from its beginning/);
    assert.match(warnings[1], /^b-0: recovery cut segment 00000000000000000000\.log at offset 5 \(byte \d+\): 30 bytes and 0 whole records/);
    await recovered.close();
  } finally {
    cleanup();
  }
});
