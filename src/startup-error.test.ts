import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataDirError, ExitCode, isStartupError, listenError, StartupError } from './startup-error.js';

function fsError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: ${syscall} '${path}'`);
  err.code = code;
  err.syscall = syscall;
  err.path = path;
  return err;
}

test('data directory errors say what is wrong in one line, with exit code 5', () => {
  const cases: [NodeJS.ErrnoException, RegExp][] = [
    [fsError('EROFS', 'mkdir', '/mnt/ro/data'), /^cannot use data directory \/mnt\/ro\/data: the file system is read-only \[EROFS\]; fix it or choose another data directory \(--data-dir\)$/],
    [fsError('EACCES', 'open', '/srv/data/.lock'), /permission denied \(\/srv\/data\/\.lock\) \[EACCES\]/],
    [fsError('ENOENT', 'mkdir', '/proc/brook'), /the file system does not allow creating it \(\/proc\/brook\) \[ENOENT\]/],
    [fsError('ENOTDIR', 'mkdir', '/tmp/file/data'), /a part of the path is a file, not a directory \(\/tmp\/file\/data\) \[ENOTDIR\]/],
    [fsError('ENOSPC', 'write', '/srv/data/meta.properties.tmp'), /no space left on the device/],
  ];
  for (const [err, message] of cases) {
    const dir = err.code === 'EROFS' ? '/mnt/ro/data' : '/srv/data';
    const startup = dataDirError(dir, err);
    assert.ok(startup instanceof StartupError);
    assert.equal(startup.exitCode, ExitCode.DATA_DIR_UNUSABLE);
    assert.match(startup.message, message);
    assert.ok(!startup.message.includes('\n'));
  }
  const locked = Object.assign(new Error('data directory /d is in use by another broker'), { name: 'DataDirLockedError' });
  assert.equal(dataDirError('/d', locked)?.exitCode, ExitCode.DATA_DIR_LOCKED);
  assert.equal(dataDirError('/d', new TypeError('a bug')), undefined, 'a bug is not a start-up error');
});

test('listen errors name the address and what to do, with exit code 3', () => {
  const busy = listenError('localhost', 9092, Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', syscall: 'listen' }));
  assert.equal(busy?.exitCode, ExitCode.LISTEN);
  assert.equal(busy?.message, 'cannot listen on localhost:9092: port 9092 is already in use (another broker?); stop it or choose another port (--port)');
  assert.match(listenError('', 80, Object.assign(new Error('x'), { code: 'EACCES' }))?.message ?? '', /^cannot listen on \*:80: permission denied; ports below 1024/);
  assert.match(listenError('nowhere.invalid', 1, Object.assign(new Error('x'), { code: 'ENOTFOUND' }))?.message ?? '', /host nowhere\.invalid cannot be resolved/);
  assert.equal(listenError('h', 1, new Error('no code')), undefined);
  assert.ok(isStartupError(busy));
  assert.ok(!isStartupError(new Error('x')));
});
