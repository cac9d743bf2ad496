// The files Log keeps for the partition's producer state: `.snapshot` files (taken at roll and
// clean close, deleted with their segments and by truncation, strays removed at open, damaged
// ones skipped) and the per-segment `.txnindex` of aborted transactions.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Log } from './log.js';
import { TestFileSystem, batch, config, tempDir } from './test-fixtures.js';

const tp = { topic: 't', partition: 0 };
const cfg = config({ segmentBytes: 1000, indexIntervalBytes: 150 });
const snapshotsIn = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.snapshot')).sort();
const name = (offset: number, suffix: string) => String(offset).padStart(20, '0') + suffix;

/** A log whose snapshot payload is the text of the log end offset at the time it is taken. */
async function openWithSource(dir: string, opts: { cleanShutdown?: boolean; recoveryPoint?: number } = {}): Promise<Log> {
  const log = await Log.open(dir, tp, cfg, opts);
  log.setProducerSnapshotSource(() => Buffer.from(`state@${log.logEndOffset}`));
  return log;
}

test('snapshots are taken at each roll (state before the new segment) and at a clean close', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const partDir = join(dir, 't-0');
    const log = await openWithSource(partDir);
    for (let i = 0; i < 25; i++) log.append(batch(3, { ts: 1000 + i }));
    const bases = readdirSync(partDir).filter((n) => n.endsWith('.log')).map((n) => Number(n.slice(0, 20)));
    assert.ok(bases.length >= 3);
    assert.deepEqual(log.producerSnapshotOffsets(), bases.slice(1), 'one per rolled-to segment');
    for (const b of bases.slice(1)) assert.equal(log.latestProducerSnapshot(b)?.payload.toString(), `state@${b}`);
    await log.close();
    assert.deepEqual(snapshotsIn(partDir), [...bases.slice(1), 75].map((o) => name(o, '.snapshot')));

    const reopened = await openWithSource(partDir, { cleanShutdown: true });
    assert.deepEqual(reopened.latestProducerSnapshot(Infinity), { offset: 75, payload: Buffer.from('state@75') });
    assert.equal(reopened.latestProducerSnapshot(74)?.offset, bases[bases.length - 1]);
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('a damaged snapshot is skipped and deleted; the next older one is used', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const partDir = join(dir, 't-0');
    const log = await openWithSource(partDir);
    for (let i = 0; i < 25; i++) log.append(batch(3));
    await log.close();
    const all = snapshotsIn(partDir);
    const newest = join(partDir, all[all.length - 1]);
    writeFileSync(newest, Buffer.from([0, 1, 0, 0, 0, 0, 0x41])); // right header, wrong CRC
    const reopened = await openWithSource(partDir, { cleanShutdown: true });
    const found = reopened.latestProducerSnapshot(Infinity);
    assert.equal(found?.offset, Number(all[all.length - 2].slice(0, 20)));
    assert.equal(existsSync(newest), false);
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('snapshots and txn indexes go with their segments: retention, DeleteRecords, truncation; strays go at open', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const partDir = join(dir, 't-0');
    const log = await openWithSource(partDir);
    for (let i = 0; i < 25; i++) log.append(batch(3));
    const bases = readdirSync(partDir).filter((n) => n.endsWith('.log')).map((n) => Number(n.slice(0, 20)));
    // An aborted transaction in the first and in the second segment.
    log.appendAbortedTxn({ producerId: 1, firstOffset: 0, lastOffset: bases[1] - 1, lastStableOffset: bases[1] });
    log.appendAbortedTxn({ producerId: 2, firstOffset: bases[1], lastOffset: bases[1] + 2, lastStableOffset: bases[1] + 3 });
    assert.ok(existsSync(join(partDir, name(bases[0], '.txnindex'))));
    assert.deepEqual(log.collectAbortedTxns(0, 75).map((t) => t.producerId), [1, 2]);
    assert.deepEqual(log.collectAbortedTxns(bases[1], 75).map((t) => t.producerId), [2]);

    log.deleteRecordsBefore(bases[1]);
    assert.equal(existsSync(join(partDir, name(bases[0], '.txnindex'))), false, 'the txnindex went with its segment');
    assert.equal(existsSync(join(partDir, name(bases[1], '.snapshot'))), true, 'the new first segment keeps its snapshot');

    log.truncateTo(bases[1] + 3);
    assert.ok(log.producerSnapshotOffsets().every((o) => o <= log.logEndOffset));
    assert.deepEqual(log.collectAbortedTxns(bases[1], 75).map((t) => t.producerId), [2]);
    log.truncateTo(bases[1] + 1);
    assert.deepEqual(log.collectAbortedTxns(bases[1], 75), [], 'the marker at bases[1]+2 was truncated away');
    log.abandon();

    // Strays: a snapshot at an offset that is no segment's base (below the last base), one
    // beyond the log end; both go. The newest above the last base stays (a clean-close one).
    writeFileSync(join(partDir, name(1, '.snapshot')), 'x');
    writeFileSync(join(partDir, name(9999, '.snapshot')), 'x');
    const reopened = await openWithSource(partDir);
    assert.equal(existsSync(join(partDir, name(1, '.snapshot'))), false);
    assert.equal(existsSync(join(partDir, name(9999, '.snapshot'))), false);
    assert.ok(reopened.producerSnapshotOffsets().includes(bases[1]));
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('a damaged .txnindex is reported at open as where the index must be rebuilt from', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const partDir = join(dir, 't-0');
    const log = await Log.open(partDir, tp, cfg);
    for (let i = 0; i < 25; i++) log.append(batch(3));
    await log.close();
    const bases = readdirSync(partDir).filter((n) => n.endsWith('.log')).map((n) => Number(n.slice(0, 20)));
    const clean = await Log.open(partDir, tp, cfg, { cleanShutdown: true });
    assert.equal(clean.txnIndexRebuildFrom, Infinity);
    await clean.close();
    writeFileSync(join(partDir, name(bases[1], '.txnindex')), Buffer.alloc(20));
    const damaged = await Log.open(partDir, tp, cfg, { cleanShutdown: true });
    assert.equal(damaged.txnIndexRebuildFrom, bases[1]);
    await damaged.close();
  } finally {
    cleanup();
  }
});

test('scanBatches visits every batch from the one holding an offset, with its bytes on demand', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const log = await Log.open(join(dir, 't-0'), tp, config({ segmentBytes: 100_000 }));
    log.append(batch(3));
    log.append(batch(2, { valueBytes: 40_000 })); // larger than the 16 KiB scan block
    log.append(batch(4));
    const seen: [number, number, number][] = [];
    log.scanBatches(4, (h, whole) => seen.push([h.baseOffset, h.lastOffset, whole().length]));
    const sizes = log.read(0, 1 << 20)!.batches.map((b) => b.length);
    assert.deepEqual(seen, [[3, 4, sizes[1]], [5, 8, sizes[2]]]);
    await log.close();
  } finally {
    cleanup();
  }
});

test('a snapshot that cannot be written (disk full) is a warning: the roll, the appends and the close go on', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new TestFileSystem();
    const openSync = fs.openSync;
    fs.openSync = (path: string, flags: string) => {
      if (path.endsWith('.snapshot')) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return openSync(path, flags);
    };
    const warnings: string[] = [];
    const log = await Log.open(join(dir, 't-0'), tp, cfg, { fs, logger: { info: () => undefined, warn: (_f, m) => warnings.push(m), error: (_f, m) => warnings.push(m) } });
    log.setProducerSnapshotSource(() => Buffer.from('state'));
    for (let i = 0; i < 25; i++) log.append(batch(3));
    assert.equal(log.logEndOffset, 75);
    assert.ok(log.numberOfSegments >= 3);
    await log.close();
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(warnings.length >= log.numberOfSegments, `a warning per failed snapshot: ${warnings.join(' | ')}`);
    assert.match(warnings[0], /producer snapshot at offset \d+ failed .*ENOSPC/);
    assert.deepEqual(snapshotsIn(join(dir, 't-0')), []);
  } finally {
    cleanup();
  }
});
