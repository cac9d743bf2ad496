import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DataDirLock, DataDirLockedError, LOCK_FILE } from './data-dir-lock.js';
import { tempDir } from './test-fixtures.js';

const hasProc = existsSync('/proc/self/stat');

function holder(fields: Record<string, unknown>): string {
  return `${JSON.stringify({ host: hostname(), since: '2020-01-01T00:00:00.000Z', ...fields })}\n`;
}

/** The PID of a process that has exited (and, for the duration of the test, not been reused). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function startTicks(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

test('a second lock on the same directory in the same process is refused until the first is released', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const lock = await DataDirLock.acquire(dir);
    assert.ok(existsSync(join(dir, LOCK_FILE)));
    const held = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { pid: number };
    assert.equal(held.pid, process.pid);
    await assert.rejects(DataDirLock.acquire(dir), (err: unknown) => err instanceof DataDirLockedError && /already used by another broker in this process/.test(err.message));
    // The same directory by another path is the same directory.
    await assert.rejects(DataDirLock.acquire(join(dir, '.', '')), DataDirLockedError);
    lock.release();
    assert.ok(!existsSync(join(dir, LOCK_FILE)), 'release removes the lock file');
    lock.release();
    (await DataDirLock.acquire(dir)).release();
  } finally {
    cleanup();
  }
});

test('a lock left by a dead process (kill -9) is taken over at once', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, LOCK_FILE), holder({ pid: deadPid() }));
    const lock = await DataDirLock.acquire(dir);
    assert.equal((JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { pid: number }).pid, process.pid);
    lock.release();
    // An earlier process of ours with the same PID (a container's PID 1 after a restart).
    writeFileSync(join(dir, LOCK_FILE), holder({ pid: process.pid, startTicks: 'earlier' }));
    (await DataDirLock.acquire(dir)).release();
  } finally {
    cleanup();
  }
});

test('a live holder keeps the lock; a reused PID (other start time) or another boot does not', { skip: !hasProc && 'needs /proc' }, async () => {
  const { dir, cleanup } = tempDir();
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  try {
    const pid = child.pid!;
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    writeFileSync(join(dir, LOCK_FILE), holder({ pid, bootId, startTicks: startTicks(pid) }));
    await assert.rejects(DataDirLock.acquire(dir), (err: unknown) => {
      assert.ok(err instanceof DataDirLockedError);
      assert.match(err.message, new RegExp(`data directory ${dir} is in use by another broker \\(process ${pid}, since 2020-01-01T00:00:00.000Z\\); stop it or choose another data directory`));
      return true;
    });
    assert.match(readFileSync(join(dir, LOCK_FILE), 'utf8'), new RegExp(`"pid":${pid}`), 'a refused start leaves the holder alone');

    writeFileSync(join(dir, LOCK_FILE), holder({ pid, bootId, startTicks: '1' }));
    (await DataDirLock.acquire(dir)).release();
    writeFileSync(join(dir, LOCK_FILE), holder({ pid, bootId: 'another-boot', startTicks: startTicks(pid) }));
    (await DataDirLock.acquire(dir)).release();
  } finally {
    child.kill('SIGKILL');
    cleanup();
  }
});

test('a holder killed but not yet reaped (a zombie) has let go', { skip: !hasProc && 'needs /proc' }, async () => {
  const { dir, cleanup } = tempDir();
  // sh starts a child that exits at once, then becomes `sleep`, which never reaps it.
  const parent = spawn('/bin/sh', ['-c', 'sleep 0 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const [out] = (await once(parent.stdout, 'data')) as [Buffer];
    const pid = Number(out.toString().trim());
    while (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] !== 'Z') await new Promise((r) => setTimeout(r, 10));
    writeFileSync(join(dir, LOCK_FILE), holder({ pid, startTicks: startTicks(pid) }));
    (await DataDirLock.acquire(dir)).release();
  } finally {
    parent.kill('SIGKILL');
    cleanup();
  }
});

test('a lock from another host is never judged: refused, naming the file to delete', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, LOCK_FILE), holder({ pid: deadPid(), host: 'elsewhere.example' }));
    await assert.rejects(DataDirLock.acquire(dir), new RegExp(`locked by process \\d+ on host elsewhere\\.example .*delete ${join(dir, LOCK_FILE)}`));
  } finally {
    cleanup();
  }
});

test('an unreadable lock is stale only once it is old (a starter may be writing it right now)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, LOCK_FILE);
    writeFileSync(path, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    (await DataDirLock.acquire(dir)).release();
  } finally {
    cleanup();
  }
});

// Eight processes race for one directory that holds a stale lock: O_EXCL creation plus the
// breaker file let exactly one of them win, whatever the interleaving.
test('of many processes starting at the same instant on a stale lock, exactly one gets it', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, LOCK_FILE), holder({ pid: deadPid() }));
    const module = fileURLToPath(new URL('./data-dir-lock.js', import.meta.url));
    const script = `
      const { DataDirLock } = await import(${JSON.stringify(module)});
      const go = Number(process.argv[1]);
      while (Date.now() < go) {} // start together
      try {
        await DataDirLock.acquire(${JSON.stringify(dir)});
        process.stdout.write('won');
        setTimeout(() => {}, 120_000); // hold it until the test has every answer
      } catch (err) {
        process.stdout.write(err.name === 'DataDirLockedError' ? 'refused' : 'error: ' + err.message);
      }`;
    const go = Date.now() + 1500;
    const children = Array.from({ length: 8 }, () => spawn(process.execPath, ['--input-type=module', '-e', script, String(go)], { stdio: ['ignore', 'pipe', 'inherit'] }));
    const outcomes = await Promise.all(
      children.map(async (c) => {
        const [first] = (await once(c.stdout, 'data')) as [Buffer];
        return first.toString();
      }),
    );
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? once(c, 'exit') : undefined)));
    assert.equal(outcomes.filter((o) => o === 'won').length, 1, outcomes.join(', '));
    assert.equal(outcomes.filter((o) => o === 'refused').length, 7, outcomes.join(', '));
    assert.ok(!readdirSync(dir).includes('.lock.breaking'), 'no breaker file left');
  } finally {
    cleanup();
  }
});
