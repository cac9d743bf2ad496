import assert from 'node:assert/strict';
import { cpSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { InProcessRunner } from './cleaner-runner.js';
import { type FileSystem, nodeFileSystem } from './file-system.js';
import { LogCleaner } from './log-cleaner.js';
import { Log } from './log.js';
import { config, keyedBatch, readRecords, tempDir } from './test-fixtures.js';

const tp = { topic: 't', partition: 0 };
const settings = config({ segmentBytes: 900, segmentMs: 1000, indexIntervalBytes: 100, compact: true, delete: false, minCleanableDirtyRatio: 0 });

/**
 * node:fs that dies at its `crashAt`-th change of the disk (write, rename, unlink, truncate,
 * creating open): that call fails and so does every later change, as if the process were gone.
 */
class CrashingFileSystem implements FileSystem {
  changes = 0;
  /** What each change was, in order (the counting run tells the crash runs where to aim). */
  readonly kinds: string[] = [];
  crashed = false;
  /** Changes count (and crash) only once armed: opening the log is not part of the clean. */
  armed = false;
  constructor(private readonly crashAt = Infinity) {}
  private change(kind: string): void {
    if (!this.armed) return;
    this.kinds.push(kind);
    if (this.crashed || ++this.changes >= this.crashAt) {
      this.crashed = true;
      throw new Error('simulated kill -9');
    }
  }
  openSync(path: string, flags: string): number {
    if (flags !== 'r' && flags !== 'r+') this.change('create');
    return nodeFileSystem.openSync(path, flags);
  }
  closeSync = nodeFileSystem.closeSync;
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    this.change('write');
    return nodeFileSystem.writeSync(fd, buf, offset, length, position);
  }
  readSync = nodeFileSystem.readSync;
  fstatSize = nodeFileSystem.fstatSize;
  ftruncateSync(fd: number, length: number): void {
    this.change('truncate');
    nodeFileSystem.ftruncateSync(fd, length);
  }
  fdatasync = nodeFileSystem.fdatasync;
  fsync = nodeFileSystem.fsync;
  fsyncSync = nodeFileSystem.fsyncSync;
  renameSync(from: string, to: string): void {
    this.change('rename');
    nodeFileSystem.renameSync(from, to);
  }
  unlinkSync(path: string): void {
    this.change('unlink');
    nodeFileSystem.unlinkSync(path);
  }
  readdirSync = nodeFileSystem.readdirSync;
  mkdirSync = nodeFileSystem.mkdirSync;
  rmSync = nodeFileSystem.rmSync;
  existsSync = nodeFileSystem.existsSync;
  isDirectory = nodeFileSystem.isDirectory;
}

/**
 * A compacted log of one-batch segments (each batch rolls: segment.ms is 1 s and timestamps are
 * 2 s apart), so that a clean merges about a dozen of them per swap. Unique keys first, then keys
 * written over and over: some swapped groups keep their first segments' records and lose every
 * record of their last segments.
 */
async function fill(dir: string): Promise<void> {
  const log = await Log.open(join(dir, 't-0'), tp, settings);
  for (let i = 0; i < 36; i++) {
    const records: [string, string | null][] = i < 16 ? [[`u${i}`, `v${i}`]] : [[`x${i % 3}`, i % 7 === 0 ? null : `v${i}`]];
    log.append(keyedBatch(records, { ts: 5_000 + i * 2_000 }));
  }
  await log.close();
}

function cleanerFor(dir: string, log: Log, fs: FileSystem): LogCleaner {
  return new LogCleaner({
    fs,
    config: () => ({ enable: true, threads: 1, dedupeBufferSize: 1 << 20, ioBufferSize: 65536, ioBufferLoadFactor: 0.9, ioMaxBytesPerSecond: Number.MAX_VALUE, backoffMs: 1e9 }),
    logDirs: () => [{ path: dir, failure: undefined, logs: [log] }],
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    now: () => 1_000_000,
    runner: () => new InProcessRunner(fs),
  });
}

/** Opens `dir` as after a crash (no clean-shutdown marker), cleans with `fs`, then drops everything. */
async function crashClean(dir: string, fs: CrashingFileSystem): Promise<void> {
  const log = await Log.open(join(dir, 't-0'), tp, settings, { fs, cleanShutdown: true });
  fs.armed = true;
  await cleanerFor(dir, log, fs).cleanFilthiest();
  log.abandon();
}

async function contentAfterRestart(dir: string): Promise<{ records: ReturnType<typeof readRecords>; leftovers: string[] }> {
  const log = await Log.open(join(dir, 't-0'), tp, settings);
  const records = readRecords(log);
  // The log takes appends at once, after its last offset.
  const end = log.logEndOffset;
  log.append(keyedBatch([['after', 'crash']]));
  assert.deepEqual(readRecords(log).at(-1), [end, 'after', 'crash']);
  log.abandon();
  return { records, leftovers: readdirSync(join(dir, 't-0')).filter((n) => n.endsWith('.cleaned') || n.endsWith('.swap')) };
}

test('a crash at any step of a clean leaves, for each swapped range, the old segments or the new one, never a mix', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const pristine = join(dir, 'pristine');
    await fill(pristine);
    const old = readRecords(await Log.open(join(pristine, 't-0'), tp, settings));

    // A clean without a crash, to know the new content, the swapped ranges and how many disk
    // changes a clean makes.
    const reference = join(dir, 'reference');
    cpSync(pristine, reference, { recursive: true });
    const counting = new CrashingFileSystem();
    const before = await Log.open(join(reference, 't-0'), tp, settings);
    const oldBases = before.cleanableSegments().segments.map((s) => s.baseOffset);
    before.abandon();
    await crashClean(reference, counting);
    const after = await Log.open(join(reference, 't-0'), tp, settings);
    const bases = [...after.cleanableSegments().segments.map((s) => s.baseOffset), after.cleanableSegments().active.baseOffset];
    after.abandon();
    const cleaned = (await contentAfterRestart(reference)).records;
    assert.ok(cleaned.length < old.length, 'the reference clean removed records');
    assert.ok(oldBases.length > bases.length, `segments were merged (${oldBases.join(',')} -> ${bases.join(',')})`);
    assert.ok(bases.length >= 3, 'several swaps');
    assert.ok(counting.changes > 20);

    const inRange = (records: typeof old, from: number, to: number): typeof old => records.filter(([o]) => o >= from && o < to);
    let sawOld = 0;
    let sawNew = 0;
    let sawMixedRanges = 0;
    // Every rename of the swaps, a fifth of the other changes (writing the cleaned files, removing
    // the old ones), and no crash at all.
    const crashPoints: number[] = [];
    counting.kinds.forEach((kind, i) => {
      if (kind === 'rename' || i % 5 === 0) crashPoints.push(i + 1);
    });
    crashPoints.push(counting.changes + 1);
    for (const crashAt of crashPoints) {
      const run = join(dir, `crash-${crashAt}`);
      cpSync(pristine, run, { recursive: true });
      await crashClean(run, new CrashingFileSystem(crashAt));
      const { records, leftovers } = await contentAfterRestart(run);
      assert.deepEqual(leftovers, [], `crash at change ${crashAt}: nothing of the clean is left behind`);
      let olds = 0;
      let news = 0;
      for (let i = 0; i + 1 < bases.length; i++) {
        const got = JSON.stringify(inRange(records, bases[i], bases[i + 1]));
        const wasOld = got === JSON.stringify(inRange(old, bases[i], bases[i + 1]));
        const isNew = got === JSON.stringify(inRange(cleaned, bases[i], bases[i + 1]));
        assert.ok(wasOld || isNew, `crash at change ${crashAt}: offsets [${bases[i]}, ${bases[i + 1]}) are neither the old nor the cleaned content: ${got}`);
        if (!isNew) olds++;
        if (!wasOld) news++;
      }
      assert.deepEqual(inRange(records, bases.at(-1)!, Infinity), inRange(old, bases.at(-1)!, Infinity), 'the active segment is untouched');
      if (news === 0) sawOld++;
      else if (olds === 0) sawNew++;
      else sawMixedRanges++;
    }
    assert.ok(sawOld > 0 && sawNew > 0 && sawMixedRanges > 0, `crashes landed before, between and after the swaps (${sawOld}/${sawMixedRanges}/${sawNew})`);
  } finally {
    cleanup();
  }
});

test('recovery finishes a committed swap and drops an uncommitted one', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await fill(dir);
    const folder = join(dir, 't-0');
    // Leftovers of a clean that never committed: a cleaned log and an index already renamed.
    writeFileSync(join(folder, '00000000000000000000.log.cleaned'), 'garbage');
    writeFileSync(join(folder, '00000000000000000000.index.swap'), 'garbage');
    const before = readRecords(await Log.open(folder, tp, settings));
    const { records, leftovers } = await contentAfterRestart(dir);
    assert.deepEqual(records, before);
    assert.deepEqual(leftovers, []);
  } finally {
    cleanup();
  }
});
