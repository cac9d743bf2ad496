import assert from 'node:assert/strict';
import { appendFileSync, closeSync, openSync, readFileSync, readdirSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RecordBatchHeader } from '../protocol/records/record-batch.js';
import { Log } from './log.js';
import type { StorageLogger } from './storage-logger.js';
import { TestFileSystem, batch, config, tempDir } from './test-fixtures.js';

const tp = { topic: 't', partition: 0 };
const cfg = config({ segmentBytes: 1000, indexIntervalBytes: 150 });

function lastLogFile(dir: string): string {
  const files = readdirSync(dir).filter((n) => n.endsWith('.log')).sort();
  return join(dir, files[files.length - 1]);
}

function baseOffsets(log: Log, from = 0): number[] {
  return log.read(from, 1 << 24)!.batches.map((b) => new RecordBatchHeader(b, 0).baseOffset);
}

async function writeBatches(dir: string, n: number, fs?: TestFileSystem): Promise<Log> {
  const log = await Log.open(dir, tp, cfg, fs ? { fs } : {});
  for (let i = 0; i < n; i++) log.append(batch(3, { ts: 5000 + i }));
  return log;
}

test('recovery truncates a half-written batch at the end of the last segment', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const partDir = join(dir, 't-0');
    const log = await writeBatches(partDir, 20);
    assert.ok(log.numberOfSegments >= 2);
    log.abandon(); // crash: no flush, no index files for the active segment
    const file = lastLogFile(partDir);
    const validSize = statSync(file).size;
    const torn = batch(3, { ts: 9999 });
    appendFileSync(file, torn.subarray(0, 40)); // header says more bytes than follow

    const reopened = await Log.open(partDir, tp, cfg, { recoveryPoint: 0 });
    assert.equal(reopened.logEndOffset, 60);
    assert.equal(statSync(file).size, validSize);
    assert.equal(reopened.append(batch(2)).firstOffset, 60);
    const bases = baseOffsets(reopened);
    assert.deepEqual(bases, [...Array.from({ length: 20 }, (_, i) => i * 3), 60]);
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('recovery drops garbage after the last whole batch', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const partDir = join(dir, 't-0');
    const log = await writeBatches(partDir, 5);
    await log.close();
    const file = lastLogFile(partDir);
    const validSize = statSync(file).size;
    appendFileSync(file, Buffer.from('this is not a record batch, just bytes'));
    const reopened = await Log.open(partDir, tp, cfg, { recoveryPoint: 15 }); // unclean
    assert.equal(reopened.logEndOffset, 15);
    assert.equal(statSync(file).size, validSize);
    assert.equal(reopened.append(batch(1)).firstOffset, 15);
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('a write cut in half by a crash (injected file system) is truncated at the next open', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const partDir = join(dir, 't-0');
    const fs = new TestFileSystem();
    const log = await writeBatches(partDir, 4, fs);
    const next = batch(3);
    fs.cutNextWriteAt = Math.floor(next.length / 2);
    // The cut-back fails too (the process is "gone"): that error surfaces, the write's as its cause.
    assert.throws(() => log.append(next), (err: Error) => /crashed/.test(err.message) && /simulated crash/.test(String(err.cause)));
    assert.equal(log.logEndOffset, 12); // not advanced by the failed append
    const file = lastLogFile(partDir);
    const sizeAfterCrash = statSync(file).size;
    log.abandon();

    const reopened = await Log.open(partDir, tp, cfg); // recovery point 0: full recovery
    assert.equal(reopened.logEndOffset, 12);
    assert.equal(statSync(file).size, sizeAfterCrash - Math.floor(next.length / 2));
    assert.equal(reopened.append(batch(3)).firstOffset, 12);
    assert.deepEqual(baseOffsets(reopened), [0, 3, 6, 9, 12]);
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('a corrupt CRC in the tail truncates from that batch on', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const partDir = join(dir, 't-0');
    const log = await writeBatches(partDir, 6);
    assert.equal(log.numberOfSegments, 1);
    const third = log.read(6, 1)!.batches[0];
    const thirdPosition = log.read(0, 1 << 20)!.batches.slice(0, 2).reduce((n, b) => n + b.length, 0);
    await log.close();
    // Flip one byte of the third batch's records: its CRC no longer matches.
    const file = lastLogFile(partDir);
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.from([third[third.length - 1] ^ 0xff]), 0, 1, thirdPosition + third.length - 1);
    closeSync(fd);

    const reopened = await Log.open(partDir, tp, cfg, { recoveryPoint: 0 });
    assert.equal(reopened.logEndOffset, 6);
    assert.equal(statSync(file).size, thirdPosition);
    assert.deepEqual(baseOffsets(reopened), [0, 3]);
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('corruption in an unflushed older segment deletes the segments after it', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const partDir = join(dir, 't-0');
    const log = await writeBatches(partDir, 25);
    const segments = log.numberOfSegments;
    assert.ok(segments >= 3);
    log.abandon();
    const first = join(partDir, readdirSync(partDir).filter((n) => n.endsWith('.log')).sort()[0]);
    const bytes = readFileSync(first);
    bytes[bytes.length - 1] ^= 0xff; // last batch of the first segment
    writeFileSync(first, bytes);

    const reopened = await Log.open(partDir, tp, cfg, { recoveryPoint: 0 });
    assert.equal(reopened.numberOfSegments, 1);
    assert.equal(readdirSync(partDir).filter((n) => n.endsWith('.log')).length, 1);
    const bases = baseOffsets(reopened);
    assert.equal(reopened.logEndOffset, bases[bases.length - 1] + 3);
    assert.equal(reopened.append(batch(1)).firstOffset, reopened.logEndOffset - 1);
    await reopened.close();
  } finally {
    cleanup();
  }
});

/** A StorageLogger that keeps what it is told. */
function recorder(): { lines: { level: string; fields: Record<string, unknown>; message: string }[] } & StorageLogger {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  return {
    lines,
    error: (fields, message) => lines.push({ level: 'error', fields, message }),
    info: (fields, message) => lines.push({ level: 'info', fields, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
  };
}

// Recovery used to cut and delete without a word at any level.
test('recovery says what it cut: partition, segment, offset, bytes and records, and the segments deleted after', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const partDir = join(dir, 't-0');
    const log = await writeBatches(partDir, 25);
    log.abandon();
    const files = readdirSync(partDir).filter((n) => n.endsWith('.log')).sort();
    const sizeBefore = files.reduce((n, f) => n + statSync(join(partDir, f)).size, 0);
    const first = join(partDir, files[0]);
    const bytes = readFileSync(first);
    bytes[bytes.length - 1] ^= 0xff; // last batch of the first segment
    writeFileSync(first, bytes);

    const logger = recorder();
    const reopened = await Log.open(partDir, tp, cfg, { recoveryPoint: 0, logger });
    const cutAt = reopened.logEndOffset;
    const lastBatch = statSync(first).size;
    assert.deepEqual(reopened.recovery, {
      segmentsRecovered: 1,
      bytesTruncated: sizeBefore - lastBatch,
      recordsDropped: 75 - cutAt,
      segmentsDeleted: files.length - 1,
    });
    assert.deepEqual(logger.lines.map((l) => [l.level, l.message]), [
      ['warn', `t-0: recovery cut segment ${files[0]} at offset ${cutAt} (byte ${lastBatch}): ${bytes.length - lastBatch} bytes and 3 whole records of a torn or corrupt tail removed`],
      ['warn', `t-0: recovery deleted ${files.length - 1} segment(s) after the cut at offset ${cutAt} (${files.slice(1).join(', ')}): ${sizeBefore - bytes.length} bytes and ${75 - cutAt - 3} records removed`],
    ]);
    assert.deepEqual(logger.lines[0].fields, { partition: 't-0', segment: files[0], offset: cutAt, position: lastBatch, bytes: bytes.length - lastBatch, records: 3 });
    await reopened.close();

    // A clean reopen has nothing to say.
    const quiet = recorder();
    const again = await Log.open(partDir, tp, cfg, { cleanShutdown: true, recoveryPoint: cutAt, logger: quiet });
    assert.deepEqual(quiet.lines, []);
    assert.deepEqual(again.recovery, { segmentsRecovered: 0, bytesTruncated: 0, recordsDropped: 0, segmentsDeleted: 0 });
    await again.close();
  } finally {
    cleanup();
  }
});

test('segments below the recovery point are not rescanned', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const partDir = join(dir, 't-0');
    const log = await writeBatches(partDir, 25);
    await log.flush();
    const recoveryPoint = log.recoveryPoint;
    assert.equal(recoveryPoint, 75);
    log.abandon();
    const first = join(partDir, readdirSync(partDir).filter((n) => n.endsWith('.log')).sort()[0]);
    const bytes = readFileSync(first);
    bytes[bytes.length - 1] ^= 0xff; // a CRC error nobody looks for: the segment was flushed
    writeFileSync(first, bytes);
    const reopened = await Log.open(partDir, tp, cfg, { recoveryPoint });
    assert.equal(reopened.logEndOffset, 75);
    await reopened.close();
  } finally {
    cleanup();
  }
});

test('deleted or corrupt index files are rebuilt, identical', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const partDir = join(dir, 't-0');
    const log = await writeBatches(partDir, 25);
    const expected = log.read(0, 1 << 24)!;
    await log.close();
    const indexFiles = readdirSync(partDir).filter((n) => n.endsWith('.index') || n.endsWith('.timeindex'));
    assert.ok(indexFiles.length >= 6);
    const original = new Map(indexFiles.map((n) => [n, readFileSync(join(partDir, n))]));
    assert.ok([...original.values()].some((b) => b.length > 0), 'some index has entries');

    for (const [i, name] of indexFiles.entries()) {
      if (i % 2 === 0) unlinkSync(join(partDir, name));
      else writeFileSync(join(partDir, name), Buffer.from('garbage!!')); // not a whole number of entries
    }
    const reopened = await Log.open(partDir, tp, cfg, { cleanShutdown: true, recoveryPoint: 75 });
    assert.equal(reopened.logEndOffset, 75);
    assert.deepEqual(reopened.read(0, 1 << 24)!.batches, expected.batches);
    assert.deepEqual(reopened.offsetForTimestamp(5010), { offset: 26, timestamp: 5010 });
    for (let o = 0; o < 75; o += 4) assert.equal(baseOffsets(reopened, o)[0], o - (o % 3));
    await reopened.close();
    for (const [name, bytes] of original) assert.deepEqual(readFileSync(join(partDir, name)), bytes, name);
  } finally {
    cleanup();
  }
});

test('an index entry pointing past the log is detected and rebuilt', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const partDir = join(dir, 't-0');
    const log = await writeBatches(partDir, 25);
    await log.close();
    const name = readdirSync(partDir).filter((n) => n.endsWith('.index')).sort()[0];
    const original = readFileSync(join(partDir, name));
    assert.ok(original.length >= 8);
    const bad = Buffer.concat([original, Buffer.from([0, 0, 0x7f, 0, 0, 0, 0x7f, 0])]);
    writeFileSync(join(partDir, name), bad);
    const reopened = await Log.open(partDir, tp, cfg, { cleanShutdown: true });
    assert.deepEqual(baseOffsets(reopened, 4).slice(0, 2), [3, 6]);
    await reopened.close();
    assert.deepEqual(readFileSync(join(partDir, name)), original);
  } finally {
    cleanup();
  }
});
