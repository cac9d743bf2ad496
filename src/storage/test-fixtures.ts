import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRecordBatch } from '../protocol/records/records.js';
import { type FileSystem, nodeFileSystem } from './file-system.js';
import { type LogConfig, defaultLogConfig } from './log-config.js';

/** Shared by the storage tests only: temp folders, batches, a counting file system. */

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
