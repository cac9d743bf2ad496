import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordBatchHeader } from '../protocol/records/record-batch.js';
import { buildRecordBatch, decodeRecords } from '../protocol/records/records.js';
import { type FileSystem, errnoError, nodeFileSystem } from './file-system.js';
import { type LogConfig, defaultLogConfig } from './log-config.js';
import type { Scheduler } from './scheduler.js';

/** Shared by the storage tests only: temp folders, batches, file systems that count or fail, a manual scheduler. */

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'brook-storage-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function config(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...defaultLogConfig, ...overrides };
}

/** An uncompressed (or `compression`) v2 batch of `count` records `v<i>` with timestamps `ts + i`. */
export function batch(count: number, opts: { ts?: number; timestamps?: number[]; valueBytes?: number; compression?: number } = {}): Buffer {
  const ts = opts.ts ?? 1_000_000;
  const pad = 'x'.repeat(opts.valueBytes ?? 0);
  return buildRecordBatch({
    records: Array.from({ length: count }, (_, i) => ({ value: `v${i}${pad}`, timestamp: opts.timestamps?.[i] ?? ts + i })),
    ...(opts.compression !== undefined ? { compression: opts.compression } : {}),
    now: ts,
  });
}

/** A node:fs FileSystem that counts reads and fdatasync/fsync calls and can cut the next write short. */
export class TestFileSystem implements FileSystem {
  fdatasyncs = 0;
  fsyncs = 0;
  /**
   * When set, the next writeSync writes only this many bytes, then throws; from then on the
   * file system is "crashed": writes and truncations fail, as the process would be gone.
   */
  cutNextWriteAt: number | undefined;
  crashed = false;

  openSync = nodeFileSystem.openSync;
  closeSync = nodeFileSystem.closeSync;
  reads = 0;
  readSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    this.reads++;
    return nodeFileSystem.readSync(fd, buf, offset, length, position);
  }
  fstatSize = nodeFileSystem.fstatSize;
  renameSync = nodeFileSystem.renameSync;
  unlinkSync = nodeFileSystem.unlinkSync;
  readdirSync = nodeFileSystem.readdirSync;
  mkdirSync = nodeFileSystem.mkdirSync;
  rmSync = nodeFileSystem.rmSync;
  existsSync = nodeFileSystem.existsSync;
  isDirectory = nodeFileSystem.isDirectory;

  ftruncateSync(fd: number, length: number): void {
    if (this.crashed) throw new Error('crashed');
    nodeFileSystem.ftruncateSync(fd, length);
  }
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    if (this.crashed) throw new Error('crashed');
    const cut = this.cutNextWriteAt;
    if (cut === undefined) return nodeFileSystem.writeSync(fd, buf, offset, length, position);
    this.cutNextWriteAt = undefined;
    this.crashed = true;
    nodeFileSystem.writeSync(fd, buf, offset, Math.min(cut, length), position);
    throw new Error('simulated crash during write');
  }
  fdatasync(fd: number): Promise<void> {
    this.fdatasyncs++;
    return nodeFileSystem.fdatasync(fd);
  }
  fsync(fd: number): Promise<void> {
    this.fsyncs++;
    return nodeFileSystem.fsync(fd);
  }
  fsyncSync(fd: number): void {
    this.fsyncs++;
    nodeFileSystem.fsyncSync(fd);
  }
}

/**
 * node:fs with a switchable full disk: while `full`, every write fails with ENOSPC before
 * writing anything, and (unless `directoriesToo` is false) so does mkdir. Creating an empty
 * file still works, as it does on a real full disk with inodes left.
 */
export class FullDiskFileSystem implements FileSystem {
  full = false;
  directoriesToo = true;
  writeFailures = 0;

  openSync = nodeFileSystem.openSync;
  closeSync = nodeFileSystem.closeSync;
  readSync = nodeFileSystem.readSync;
  fstatSize = nodeFileSystem.fstatSize;
  ftruncateSync = nodeFileSystem.ftruncateSync;
  fdatasync = nodeFileSystem.fdatasync;
  fsync = nodeFileSystem.fsync;
  fsyncSync = nodeFileSystem.fsyncSync;
  renameSync = nodeFileSystem.renameSync;
  unlinkSync = nodeFileSystem.unlinkSync;
  readdirSync = nodeFileSystem.readdirSync;
  rmSync = nodeFileSystem.rmSync;
  existsSync = nodeFileSystem.existsSync;
  isDirectory = nodeFileSystem.isDirectory;

  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    if (this.full) {
      this.writeFailures++;
      throw noSpace('write');
    }
    return nodeFileSystem.writeSync(fd, buf, offset, length, position);
  }
  mkdirSync(path: string): void {
    if (this.full && this.directoriesToo && !nodeFileSystem.isDirectory(path)) throw noSpace('mkdir', path);
    nodeFileSystem.mkdirSync(path);
  }
}

function noSpace(syscall: string, path?: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ENOSPC: no space left on device, ${syscall}${path ? ` '${path}'` : ''}`);
  err.code = 'ENOSPC';
  err.errno = -28;
  err.syscall = syscall;
  if (path) err.path = path;
  return err;
}

/** Runs scheduled tasks when the test says so (file.delete.delay.ms without waiting). */
export class ManualScheduler implements Scheduler {
  private readonly tasks: { delayMs: number; task: () => void; done: boolean }[] = [];

  scheduleOnce(delayMs: number, task: () => void): () => void {
    const entry = { delayMs, task, done: false };
    this.tasks.push(entry);
    return () => {
      entry.done = true;
    };
  }

  /** Delays of the tasks still waiting. */
  get pending(): number[] {
    return this.tasks.filter((t) => !t.done).map((t) => t.delayMs);
  }

  /** Runs every waiting task, as if its delay had passed; returns how many ran. */
  runAll(): number {
    let n = 0;
    for (const t of this.tasks.splice(0)) {
      if (t.done) continue;
      t.done = true;
      t.task();
      n++;
    }
    return n;
  }
}

/** The FileSystem calls FaultyFileSystem can fail. */
export type FsOp = 'open' | 'write' | 'read' | 'ftruncate' | 'fdatasync' | 'fsync' | 'rename' | 'unlink' | 'mkdir' | 'rm';

interface Fault {
  op: FsOp;
  code: string;
  /** Only calls on a path (or a descriptor opened on one) matching this. */
  path?: RegExp;
  /** Calls left to fail; Infinity for every one. */
  times: number;
}

/**
 * node:fs with injected failures, for the storage layer's fault paths: `fail('write', 'EIO')`
 * makes the next write fail with EIO (before writing anything); `crashAfter = n` lets n more
 * mutating calls through and fails every later one, as if the process had died there (each
 * call is atomic: a crash falls between two of them). Descriptors remember their path, so a
 * fault can target the files of one partition.
 */
export class FaultyFileSystem implements FileSystem {
  private readonly faults: Fault[] = [];
  private readonly paths = new Map<number, string>();
  /** Mutating calls let through while crashAfter is set. */
  mutations = 0;
  crashAfter: number | undefined;
  /** Every mutating call let through, `op path` (for a crash test's failure message). */
  readonly journal: string[] = [];

  fail(op: FsOp, code: string, opts: { path?: RegExp; times?: number } = {}): void {
    this.faults.push({ op, code, times: opts.times ?? 1, ...(opts.path ? { path: opts.path } : {}) });
  }

  clear(): void {
    this.faults.length = 0;
    this.crashAfter = undefined;
    this.mutations = 0;
  }

  private check(op: FsOp, path: string, mutating: boolean): void {
    if (mutating && this.crashAfter !== undefined) {
      if (this.mutations >= this.crashAfter) throw errnoError('EIO', `simulated crash before ${op} ${path}`, path);
      this.mutations++;
      this.journal.push(`${op} ${path}`);
    }
    const i = this.faults.findIndex((f) => f.op === op && (!f.path || f.path.test(path)));
    if (i < 0) return;
    const fault = this.faults[i];
    if (--fault.times <= 0) this.faults.splice(i, 1);
    throw errnoError(fault.code, `injected ${fault.code} on ${op} '${path}'`, path);
  }

  private pathOf(fd: number): string {
    return this.paths.get(fd) ?? `fd ${fd}`;
  }

  openSync(path: string, flags: string): number {
    this.check('open', path, flags !== 'r' && flags !== 'r+');
    const fd = nodeFileSystem.openSync(path, flags);
    this.paths.set(fd, path);
    return fd;
  }
  closeSync(fd: number): void {
    this.paths.delete(fd);
    nodeFileSystem.closeSync(fd);
  }
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    this.check('write', this.pathOf(fd), true);
    return nodeFileSystem.writeSync(fd, buf, offset, length, position);
  }
  readSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    this.check('read', this.pathOf(fd), false);
    return nodeFileSystem.readSync(fd, buf, offset, length, position);
  }
  fstatSize = nodeFileSystem.fstatSize;
  ftruncateSync(fd: number, length: number): void {
    this.check('ftruncate', this.pathOf(fd), true);
    nodeFileSystem.ftruncateSync(fd, length);
  }
  async fdatasync(fd: number): Promise<void> {
    this.check('fdatasync', this.pathOf(fd), true);
    await nodeFileSystem.fdatasync(fd);
  }
  async fsync(fd: number): Promise<void> {
    this.check('fsync', this.pathOf(fd), true);
    await nodeFileSystem.fsync(fd);
  }
  fsyncSync(fd: number): void {
    this.check('fsync', this.pathOf(fd), true);
    nodeFileSystem.fsyncSync(fd);
  }
  renameSync(from: string, to: string): void {
    this.check('rename', from, true);
    nodeFileSystem.renameSync(from, to);
  }
  unlinkSync(path: string): void {
    this.check('unlink', path, true);
    nodeFileSystem.unlinkSync(path);
  }
  readdirSync = nodeFileSystem.readdirSync;
  mkdirSync(path: string): void {
    this.check('mkdir', path, !nodeFileSystem.isDirectory(path));
    nodeFileSystem.mkdirSync(path);
  }
  rmSync(path: string): void {
    this.check('rm', path, true);
    nodeFileSystem.rmSync(path);
  }
  existsSync = nodeFileSystem.existsSync;
  isDirectory = nodeFileSystem.isDirectory;
}

/** A batch of keyed records ([key, value]; a null value is a tombstone), timestamps `ts + i`. */
export function keyedBatch(
  records: [key: string, value: string | null][],
  opts: { ts?: number; compression?: number; producerId?: number; producerEpoch?: number; baseSequence?: number; transactional?: boolean } = {},
): Buffer {
  const ts = opts.ts ?? 1_000_000;
  return buildRecordBatch({
    records: records.map(([key, value], i) => ({ key, value, timestamp: ts + i })),
    now: ts,
    ...(opts.compression !== undefined ? { compression: opts.compression } : {}),
    ...(opts.producerId !== undefined ? { producerId: opts.producerId, producerEpoch: opts.producerEpoch ?? 0, baseSequence: opts.baseSequence ?? 0 } : {}),
    ...(opts.transactional ? { transactional: true } : {}),
  });
}

/** Every record a consumer reading from the log start would get: [offset, key, value]. */
export function readRecords(log: { logStartOffset: number; read(offset: number, maxBytes: number): { batches: Buffer[] } | null }): [number, string | null, string | null][] {
  const out: [number, string | null, string | null][] = [];
  let offset = log.logStartOffset;
  for (;;) {
    const res = log.read(offset, 1 << 20);
    if (!res || res.batches.length === 0) return out;
    for (const b of res.batches) {
      const h = new RecordBatchHeader(b, 0);
      for (const r of decodeRecords(b)) if (r.offset >= offset) out.push([r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null]);
      offset = h.lastOffset + 1;
    }
  }
}
