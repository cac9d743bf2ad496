// Start-up as an operator meets it, with the real CLI in child processes: the data directory is
// locked against a second broker (which then touches nothing in it), kill -9 releases the lock
// for an immediate restart, and every start-up failure is one line with a stable exit code
// (README "Exit codes").
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BrokerProcess, CLI_PATH } from './helpers/broker-process.js';
import { tempDir } from './helpers/broker.js';
import { assertKcatOk, kcatConsume, kcatProduce } from './helpers/kcat.js';
import { freePort } from './helpers/ports.js';
import { startBroker, isStartupError, ExitCode } from '../src/index.js';

const dirs: string[] = [];
const children: BrokerProcess[] = [];
after(async () => {
  for (const c of children) await c.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dir(prefix: string): string {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
}

/** `brook serve` that is expected to fail; a hang (the old /proc spin) is a failure, not a wait. */
function serveFails(...args: string[]): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [CLI_PATH, 'serve', '--host', 'localhost', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** One line on stderr besides the log's JSON lines, and no stack trace. */
function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));
  assert.equal(lines.length, 1, `one line, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /^\s+at /m);
  assert.match(lines[0], pattern);
}

/** Names, sizes and modification times of everything in a directory tree. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const s = statSync(p);
      out.push(`${p} ${s.size} ${s.mtimeMs}`);
      if (s.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

test('a second broker on a running broker\'s data directory refuses (exit 4) and touches nothing in it', async () => {
  const dataDir = dir('brook-lock-');
  const first = await BrokerProcess.spawn({ dataDir });
  children.push(first);
  assertKcatOk(await kcatProduce(first.bootstrap, 'kept', [{ value: 'a' }, { value: 'b' }], { partition: 0 }), 'produce');
  const before = snapshot(dataDir);

  // Another port, and the running broker's own port (the second `npm start` of the issue): the
  // lock is checked before the port, before anything in the directory is opened.
  for (const port of [String(await freePort()), String(first.port)]) {
    const second = serveFails('--port', port, '--data-dir', dataDir);
    assert.equal(second.status, ExitCode.DATA_DIR_LOCKED, second.stderr);
    assertOneLine(second.stderr, new RegExp(`^brook: data directory ${dataDir} is in use by another broker \\(process ${first.pid}, since [^)]+\\); stop it or choose another data directory \\(--data-dir\\)$`, 'm'));
  }
  assert.deepEqual(snapshot(dataDir), before);

  const records = await kcatConsume(first.bootstrap, 'kept', { partition: 0, offset: 'beginning' });
  assert.deepEqual(records.map((r) => r.value?.toString()), ['a', 'b']);

  // kill -9 leaves the lock file behind; its holder is gone, so a restart takes it at once.
  await first.kill('SIGKILL');
  assert.ok(existsSync(join(dataDir, '.lock')));
  const restarted = await BrokerProcess.spawn({ dataDir });
  children.push(restarted);
  const again = await kcatConsume(restarted.bootstrap, 'kept', { partition: 0, offset: 'beginning' });
  assert.deepEqual(again.map((r) => r.value?.toString()), ['a', 'b']);
  assert.equal((await restarted.stop()).code, 0);
  assert.ok(!existsSync(join(dataDir, '.lock')), 'a clean stop removes the lock');
});

test('the embedded API locks the directory too: a second startBroker on it rejects until the first stops', async () => {
  const dataDir = dir('brook-lock-embedded-');
  const broker = await startBroker({ port: 0, dataDir });
  try {
    await assert.rejects(startBroker({ port: 0, dataDir }), (err: unknown) => {
      assert.ok(isStartupError(err));
      assert.equal(err.kind, 'data-dir-locked');
      assert.match(err.message, /already used by another broker in this process/);
      return true;
    });
  } finally {
    await broker.stop();
  }
  const again = await startBroker({ port: 0, dataDir });
  await again.stop();
});

test('a busy port is one line naming the port and --port, exit 3; the data directory is released', async () => {
  const running = await BrokerProcess.spawn({ dataDir: dir('brook-port-a-') });
  children.push(running);
  const dataDir = dir('brook-port-b-');
  const r = serveFails('--port', String(running.port), '--data-dir', dataDir);
  assert.equal(r.status, ExitCode.LISTEN, r.stderr);
  assertOneLine(r.stderr, new RegExp(`^brook: cannot listen on localhost:${running.port}: port ${running.port} is already in use \\(another broker\\?\\); stop it or choose another port \\(--port\\)$`));
  assert.ok(!existsSync(join(dataDir, '.lock')), 'the failed start released its lock');
  await running.stop();
});

test('a data directory that cannot be used is one line, exit 5: under a file, a file itself, corrupt, under /proc, unwritable', () => {
  const base = dir('brook-baddir-');
  const file = join(base, 'file');
  writeFileSync(file, '');

  const underFile = serveFails('--port', '0', '--data-dir', join(file, 'data'));
  assert.equal(underFile.status, ExitCode.DATA_DIR_UNUSABLE, underFile.stderr);
  assertOneLine(underFile.stderr, /^brook: cannot use data directory .*file\/data: a part of the path is a file, not a directory \[ENOTDIR\]; fix it or choose another data directory \(--data-dir\)$/);

  const isFile = serveFails('--port', '0', '--data-dir', file);
  assert.equal(isFile.status, ExitCode.DATA_DIR_UNUSABLE, isFile.stderr);
  assertOneLine(isFile.stderr, /it exists and is not a directory \[ENOTDIR\]/);

  const corrupt = join(base, 'corrupt');
  mkdirSync(corrupt);
  writeFileSync(join(corrupt, 'brook-topics.json'), '{"topics": [');
  const bad = serveFails('--port', '0', '--data-dir', corrupt);
  assert.equal(bad.status, ExitCode.DATA_DIR_UNUSABLE, bad.stderr);
  assertOneLine(bad.stderr, /brook-topics\.json is not valid \(.*\); restore it from a backup or choose another data directory \(--data-dir\)$/);
  writeFileSync(join(corrupt, 'brook-topics.json'), '{"version": 1, "topics": []}');
  writeFileSync(join(corrupt, 'brook-dynamic-configs.json'), '{"version": 1, "brokers": ');
  const badDynamic = serveFails('--port', '0', '--data-dir', corrupt);
  assert.equal(badDynamic.status, ExitCode.DATA_DIR_UNUSABLE, badDynamic.stderr);
  assertOneLine(badDynamic.stderr, /brook-dynamic-configs\.json is not valid \(.*\); restore it from a backup/);

  if (existsSync('/proc/self')) {
    // Used to spin at 100 % CPU forever (Node's recursive mkdir), deaf to SIGINT and SIGTERM.
    const proc = serveFails('--port', '0', '--data-dir', '/proc/brook/data');
    assert.equal(proc.status, ExitCode.DATA_DIR_UNUSABLE, `status ${proc.status} (null: it hung); ${proc.stderr}`);
    assertOneLine(proc.stderr, /^brook: cannot use data directory \/proc\/brook\/data: the file system does not allow creating it \(\/proc\/brook\) \[ENOENT\]/);
  }

  // An existing directory the broker may not write. Root ignores permission bits, so as root
  // /sys stands in (creating a file there is refused even to root).
  const root = process.getuid?.() === 0;
  const unwritable = root ? '/sys' : join(base, 'readonly');
  if (!root) {
    mkdirSync(unwritable);
    chmodSync(unwritable, 0o555);
  }
  if (existsSync(unwritable)) {
    const ro = serveFails('--port', '0', '--data-dir', unwritable);
    assert.equal(ro.status, ExitCode.DATA_DIR_UNUSABLE, ro.stderr);
    assertOneLine(ro.stderr, new RegExp(`^brook: cannot use data directory ${unwritable}: permission denied \\(${unwritable}/\\.lock\\) \\[EACCES\\]`));
  }
});
