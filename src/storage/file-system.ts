import * as fs from 'node:fs';
import { dirname } from 'node:path';

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
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (path) => fs.unlinkSync(path),
  readdirSync: (path) => fs.readdirSync(path),
  mkdirSync: (path) => void fs.mkdirSync(path, { recursive: true }),
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
    writeFully(fsys, fd, data, 0);
    await fsys.fsync(fd);
  } finally {
    fsys.closeSync(fd);
  }
  fsys.renameSync(tmp, path);
  await fsyncDir(fsys, dirname(path));
}

export async function fsyncDir(fsys: FileSystem, dir: string): Promise<void> {
  const fd = fsys.openSync(dir, 'r');
  try {
    await fsys.fsync(fd);
  } finally {
    fsys.closeSync(fd);
  }
}
