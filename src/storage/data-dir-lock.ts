import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Kafka's name for the lock file of a log directory. */
export const LOCK_FILE = '.lock';
/** Held for a few milliseconds while a stale lock is removed, so two starters never both remove one. */
const BREAKER_FILE = '.lock.breaking';

/** Who holds a lock: enough to tell, from another process on the same machine, whether it still runs. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** Linux: /proc/sys/kernel/random/boot_id; a lock from before a reboot is stale. */
  readonly bootId?: string;
  /** Linux: the process start time in clock ticks since boot (/proc/<pid>/stat field 22), which defeats PID reuse. */
  readonly startTicks?: string;
  /** ISO time the lock was taken, for the operator. */
  readonly since: string;
}

/** The directory is in use by a live broker (or one this machine cannot check). */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dir: string,
    readonly holder: LockHolder,
    message: string,
  ) {
    super(message);
  }
}

/** Locks held by this process, by real path of the directory: a second broker in-process must refuse too. */
const heldHere = new Map<string, DataDirLock>();
let exitHookInstalled = false;

/**
 * An exclusive lock on a data directory (Kafka's `.lock`). Node has no flock(2), so the lock is a
 * file created with O_EXCL (atomic: of two brokers starting at the same instant exactly one
 * creates it) that names its holder: PID, host, and on Linux the boot id and the process start
 * time. A lock whose holder is gone (kill -9, power loss, a reused PID) is stale and taken over
 * at once; removing a stale lock happens under a short-lived second O_EXCL file so that two
 * starters cannot both remove it and both proceed. A lock from another host is never judged
 * (its processes cannot be seen from here): the broker refuses and says which file to delete.
 * Limits: two containers with the same host name and separate PID namespaces sharing a volume
 * cannot see each other's processes either; without /proc (macOS) a reused PID reads as alive,
 * which errs on the side of refusing.
 */
export class DataDirLock {
  private released = false;

  private constructor(
    readonly dir: string,
    private readonly key: string,
    private readonly content: string,
  ) {}

  get path(): string {
    return join(this.dir, LOCK_FILE);
  }

  /** Takes the lock or throws DataDirLockedError (or the file system's error). `dir` must exist. */
  static async acquire(dir: string): Promise<DataDirLock> {
    const key = fs.realpathSync(dir);
    const self = currentHolder();
    const content = `${JSON.stringify(self)}\n`;
    const path = join(dir, LOCK_FILE);
    // Each round either creates the lock, refuses, or removes a stale one; contention with other
    // starters can only cost a few rounds.
    for (let round = 0; round < 100; round++) {
      if (createExclusive(path, content)) {
        const lock = new DataDirLock(dir, key, content);
        heldHere.set(key, lock);
        installExitHook();
        return lock;
      }
      const found = readLock(path);
      if (found === 'missing') continue;
      if (found === 'unreadable') {
        // Another starter between creating the file and writing it takes microseconds; a lock
        // that stays empty is what a crash in that instant leaves.
        if (ageMs(path) < 2000) await sleep(20);
        else await removeStale(dir, path, null);
        continue;
      }
      const verdict = judge(found.holder, key);
      if (verdict !== 'stale') throw lockedError(dir, path, found.holder, verdict);
      await removeStale(dir, path, found.text);
    }
    throw new Error(`could not lock data directory ${dir}: other processes keep creating and removing ${path}`);
  }

  /** Removes the lock file if it is still ours; idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (heldHere.get(this.key) === this) heldHere.delete(this.key);
    const found = readLock(this.path);
    if (typeof found === 'object' && found.text === this.content) unlinkQuietly(this.path);
  }
}

type Verdict = 'held' | 'held-here' | 'foreign' | 'stale';

function judge(holder: LockHolder, key: string): Verdict {
  const self = currentHolder();
  if (holder.host !== self.host) return 'foreign';
  if (holder.bootId !== undefined && self.bootId !== undefined && holder.bootId !== self.bootId) return 'stale';
  // Our own PID: held if this process holds it now, else left by an earlier process that had
  // the same PID (a container's PID 1 after a restart).
  if (holder.pid === process.pid) return heldHere.has(key) ? 'held-here' : 'stale';
  if (!processExists(holder.pid)) return 'stale';
  const stat = procStat(holder.pid);
  // A killed process stays a zombie until its parent reaps it: it answers signal 0 but is gone.
  if (stat && (stat.state === 'Z' || stat.state === 'X')) return 'stale';
  if (stat && holder.startTicks !== undefined && stat.startTicks !== holder.startTicks) return 'stale';
  return 'held';
}

function lockedError(dir: string, path: string, h: LockHolder, verdict: Verdict): DataDirLockedError {
  const since = `since ${h.since}`;
  switch (verdict) {
    case 'held-here':
      return new DataDirLockedError(dir, h, `data directory ${dir} is already used by another broker in this process; stop it first or give each broker its own data directory`);
    case 'foreign':
      return new DataDirLockedError(dir, h, `data directory ${dir} is locked by process ${h.pid} on host ${h.host} (${since}), which cannot be checked from here; if no broker uses it any more, delete ${path}`);
    default:
      return new DataDirLockedError(dir, h, `data directory ${dir} is in use by another broker (process ${h.pid}, ${since}); stop it or choose another data directory (--data-dir)`);
  }
}

/**
 * Removes a stale lock, serialised by the breaker file: between reading the lock and removing it
 * nobody else may remove it and create a fresh one, or we would remove a live broker's lock.
 * `expected` is the stale text as read (null: an empty/unreadable lock); if the lock changed
 * meanwhile, it is left for the next round to judge.
 */
async function removeStale(dir: string, path: string, expected: string | null): Promise<void> {
  const breaker = join(dir, BREAKER_FILE);
  const mine = `${JSON.stringify(currentHolder())}\n`;
  if (!createExclusive(breaker, mine)) {
    const other = readLock(breaker);
    // A breaker lives for microseconds; one whose process died mid-way is removed. (Two starters
    // racing to remove a dead breaker is the one window this scheme does not close: it needs a
    // crash inside that microsecond window plus two brokers starting at the same instant.)
    const dead = other === 'unreadable' ? ageMs(breaker) >= 2000 : typeof other === 'object' && judge(other.holder, '') === 'stale';
    if (dead) unlinkQuietly(breaker);
    else await sleep(10);
    return;
  }
  try {
    const now = readLock(path);
    const same = expected === null ? now === 'unreadable' : typeof now === 'object' && now.text === expected;
    if (same) unlinkQuietly(path);
  } finally {
    unlinkQuietly(breaker);
  }
}

/** O_CREAT|O_EXCL, then the content; false when the file exists. */
function createExclusive(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fs.writeSync(fd, content);
  } catch (err) {
    fs.closeSync(fd);
    unlinkQuietly(path);
    throw err;
  }
  fs.closeSync(fd);
  return true;
}

function readLock(path: string): { text: string; holder: LockHolder } | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder> | null;
    if (typeof parsed?.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.since === 'string') {
      return { text, holder: parsed as LockHolder };
    }
  } catch {
    // fall through: not (yet) a lock we can read
  }
  return 'unreadable';
}

function ageMs(path: string): number {
  try {
    return Date.now() - fs.statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
}

function unlinkQuietly(path: string): void {
  try {
    fs.unlinkSync(path);
  } catch {
    // gone already
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Fields 3 (state) and 22 (start time in clock ticks since boot) of /proc/<pid>/stat; the name in
 * field 2 may hold spaces and parentheses, so fields are counted from the last ')'.
 */
function procStat(pid: number): { state: string; startTicks: string } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], startTicks: fields[19] };
  } catch {
    return undefined;
  }
}

let bootId: string | undefined | null = null;
function currentBootId(): string | undefined {
  if (bootId === null) {
    try {
      bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = undefined;
    }
  }
  return bootId;
}

function currentHolder(): LockHolder {
  const boot = currentBootId();
  const start = procStat(process.pid)?.startTicks;
  return {
    pid: process.pid,
    host: hostname(),
    ...(boot === undefined ? {} : { bootId: boot }),
    ...(start === undefined ? {} : { startTicks: start }),
    since: new Date().toISOString(),
  };
}

/** process.exit() (the CLI's second signal, an abort during startup) skips stop(): release on the way out. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const lock of [...heldHere.values()]) lock.release();
  });
}
