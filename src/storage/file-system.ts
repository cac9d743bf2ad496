import * as fs from 'node:fs';
import { dirname } from 'node:path';

/**
 * `mkdir -p` that fails instead of spinning. Node's own recursive mkdirSync loops forever (100 %
 * CPU, signals never handled) where mkdir answers ENOENT although the parent exists, as /proc
 * does, and reports a read-only file system as ENOENT. Here each level is created once: an
 * error names the path that failed and keeps the code the kernel gave (EROFS, EACCES, ENOTDIR,
 * ENOSPC, ...).
 */
export function makeDirectories(path: string): void {
  try {
    makeDirectory(path);
  } catch (err) {
    // ENOENT: a missing parent, unless the parent exists (then mkdir has nothing more to try).
    const parent = dirname(path);
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path || isDirectoryPath(parent)) throw err;
    makeDirectories(parent);
    makeDirectory(path);
  }
}

/** One level; an existing directory is success (another process may have just made it). */
function makeDirectory(path: string): void {
  try {
    fs.mkdirSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (!isDirectoryPath(path)) throw errnoError('ENOTDIR', `${path} exists and is not a directory`, path);
  }
}

function isDirectoryPath(path: string): boolean {
  try {
    return fs.statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** An Error shaped like the ones node:fs throws (code, path), for callers that classify them. */
export function errnoError(code: string, message: string, path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: ${message}`);
  err.code = code;
  err.path = path;
  return err;
}

/**
 * The file-system calls the storage layer makes, injectable so that crash tests can cut a write
 * in half or count fsyncs. The append, read and truncate paths are synchronous on purpose (a
 * positional write or read of a few KB is a short syscall, and staying synchronous keeps a
 * partition's state changes atomic with respect to the event loop); only the durability calls
 * (fsync/fdatasync), which can take milliseconds, are asynchronous.
 */
export interface FileSystem {
  /** `flags` as node:fs ('r', 'r+', 'w', 'wx', ...). Returns a file descriptor. */
  openSync(path: string, flags: string): number;
  closeSync(fd: number): void;
  /** Positional write; may write fewer bytes than asked (callers loop). */
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  /** Positional read; returns the bytes read (0 at end of file). */
  readSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  /** Size in bytes of an open file. */
  fstatSize(fd: number): number;
  ftruncateSync(fd: number, length: number): void;
  /** Data (and the metadata needed to read it back, such as the size) durable. */
  fdatasync(fd: number): Promise<void>;
  fsync(fd: number): Promise<void>;
  /** For small, rare metadata writes that must stay atomic with respect to the event loop. */
  fsyncSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  readdirSync(path: string): string[];
  mkdirSync(path: string): void; // recursive; no error when it exists
  /** Removes a file or a folder with its content; no error when missing. */
  rmSync(path: string): void;
  existsSync(path: string): boolean;
  isDirectory(path: string): boolean;
}

function promisifyFd(call: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => void, fd: number): Promise<void> {
  return new Promise((resolve, reject) => call(fd, (err) => (err ? reject(err) : resolve())));
}

export const nodeFileSystem: FileSystem = {
  openSync: (path, flags) => fs.openSync(path, flags),
  closeSync: (fd) => fs.closeSync(fd),
  writeSync: (fd, buf, offset, length, position) => fs.writeSync(fd, buf, offset, length, position),
  readSync: (fd, buf, offset, length, position) => fs.readSync(fd, buf, offset, length, position),
  fstatSize: (fd) => fs.fstatSync(fd).size,
  ftruncateSync: (fd, length) => fs.ftruncateSync(fd, length),
  fdatasync: (fd) => promisifyFd(fs.fdatasync, fd),
  fsync: (fd) => promisifyFd(fs.fsync, fd),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (path) => fs.unlinkSync(path),
  readdirSync: (path) => fs.readdirSync(path),
  mkdirSync: (path) => makeDirectories(path),
  rmSync: (path) => fs.rmSync(path, { recursive: true, force: true }),
  existsSync: (path) => fs.existsSync(path),
  isDirectory: (path) => {
    try {
      return fs.statSync(path).isDirectory();
    } catch {
      return false;
    }
  },
};

/** Writes all of `buf` at `position`, looping over short writes. */
export function writeFully(fsys: FileSystem, fd: number, buf: Uint8Array, position: number): void {
  let done = 0;
  while (done < buf.length) {
    done += fsys.writeSync(fd, buf, done, buf.length - done, position + done);
  }
}

/** Reads up to `length` bytes at `position` (fewer only at end of file). */
export function readFully(fsys: FileSystem, fd: number, buf: Uint8Array, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fsys.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Reads a whole file through an injected FileSystem. */
export function readWholeFile(fsys: FileSystem, path: string): Buffer {
  const fd = fsys.openSync(path, 'r');
  try {
    const size = fsys.fstatSize(fd);
    const buf = Buffer.allocUnsafe(size);
    const n = readFully(fsys, fd, buf, size, 0);
    return buf.subarray(0, n);
  } finally {
    fsys.closeSync(fd);
  }
}

/**
 * Replaces `path` atomically: write a temporary file, fsync it, rename over the target, fsync
 * the folder so the rename itself survives a power loss. A crash leaves the old or the new
 * content, never a mix.
 */
export async function writeFileAtomically(fsys: FileSystem, path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp`;
  const fd = fsys.openSync(tmp, 'w');
  try {
    try {
      writeFully(fsys, fd, data, 0);
      await fsys.fsync(fd);
    } finally {
      fsys.closeSync(fd);
    }
    fsys.renameSync(tmp, path);
  } catch (err) {
    // A full disk must not leave a half-written temporary file behind (nor keep the space).
    unlinkIfPresent(fsys, tmp);
    throw err;
  }
  await fsyncDir(fsys, dirname(path));
}

/**
 * writeFileAtomically without giving up the event loop: for metadata whose in-memory state must
 * not change between the snapshot and the write (a few hundred bytes, rarely).
 */
export function writeFileAtomicallySync(fsys: FileSystem, path: string, data: Uint8Array): void {
  const tmp = `${path}.tmp`;
  const fd = fsys.openSync(tmp, 'w');
  try {
    try {
      writeFully(fsys, fd, data, 0);
      fsys.fsyncSync(fd);
    } finally {
      fsys.closeSync(fd);
    }
    fsys.renameSync(tmp, path);
  } catch (err) {
    unlinkIfPresent(fsys, tmp);
    throw err;
  }
  const dir = fsys.openSync(dirname(path), 'r');
  try {
    fsys.fsyncSync(dir);
  } finally {
    fsys.closeSync(dir);
  }
}

/** Best-effort removal; the original error is the one worth reporting. */
function unlinkIfPresent(fsys: FileSystem, path: string): void {
  try {
    fsys.unlinkSync(path);
  } catch {
    // already gone, or the file system refuses: nothing better to do
  }
}

export async function fsyncDir(fsys: FileSystem, dir: string): Promise<void> {
  const fd = fsys.openSync(dir, 'r');
  try {
    await fsys.fsync(fd);
  } finally {
    fsys.closeSync(fd);
  }
}
