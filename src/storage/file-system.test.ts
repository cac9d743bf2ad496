import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeDirectories, writeFileAtomically, writeFileAtomicallySync } from './file-system.js';
import { FullDiskFileSystem, tempDir } from './test-fixtures.js';

const code = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code;
  }
};

test('makeDirectories creates every missing level and accepts an existing directory', () => {
  const { dir, cleanup } = tempDir();
  try {
    const deep = join(dir, 'a', 'b', 'c');
    makeDirectories(deep);
    assert.ok(statSync(deep).isDirectory());
    makeDirectories(deep);
  } finally {
    cleanup();
  }
});

test('makeDirectories fails with the real reason: a file in the path, a file at the path, a dangling link', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'file'), '');
    assert.equal(code(() => makeDirectories(join(dir, 'file', 'sub', 'deeper'))), 'ENOTDIR');
    assert.equal(code(() => makeDirectories(join(dir, 'file'))), 'ENOTDIR');
    // A dangling symbolic link: mkdir of the child says ENOENT, of the link EEXIST.
    symlinkSync(join(dir, 'gone'), join(dir, 'dangling'));
    assert.equal(code(() => makeDirectories(join(dir, 'dangling', 'data'))), 'ENOTDIR');
  } finally {
    cleanup();
  }
});

// Node's recursive mkdirSync loops forever here (mkdir answers ENOENT although /proc exists).
test('makeDirectories under /proc fails at once instead of spinning', { skip: !existsSync('/proc/self') && 'no /proc on this system' }, () => {
  assert.equal(code(() => makeDirectories('/proc/brook-test/data')), 'ENOENT');
});

// Root ignores permissions, so this runs only as another user.
test('makeDirectories under a read-only directory says EACCES, not ENOENT', { skip: process.getuid?.() === 0 && 'running as root: permissions do not apply' }, () => {
  const { dir, cleanup } = tempDir();
  try {
    chmodSync(dir, 0o555);
    assert.equal(code(() => makeDirectories(join(dir, 'a', 'b'))), 'EACCES');
  } finally {
    chmodSync(dir, 0o755);
    cleanup();
  }
});

test('an atomic write that fails on a full disk leaves the old file and no temporary file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new FullDiskFileSystem();
    const path = join(dir, 'brook-topics.json');
    writeFileAtomicallySync(fs, path, Buffer.from('old'));
    await writeFileAtomically(fs, join(dir, 'checkpoint'), Buffer.from('old'));
    fs.full = true;
    assert.throws(() => writeFileAtomicallySync(fs, path, Buffer.from('new')), { code: 'ENOSPC' });
    await assert.rejects(writeFileAtomically(fs, join(dir, 'checkpoint'), Buffer.from('new')), { code: 'ENOSPC' });
    assert.equal(readFileSync(path, 'utf8'), 'old');
    assert.equal(readFileSync(join(dir, 'checkpoint'), 'utf8'), 'old');
    assert.deepEqual(readdirSync(dir).sort(), ['brook-topics.json', 'checkpoint']);
  } finally {
    cleanup();
  }
});
