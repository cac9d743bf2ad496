import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROKER_CONFIG_DEFS } from '../config/broker-config-defs.js';
import { TOPIC_CONFIG_DEFS } from '../config/topic-config.js';

const cli = fileURLToPath(new URL('./main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'brook-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function brook(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  // A clean environment: BROOK_* variables of the caller must not leak into these runs.
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, cwd: dir });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('serve --help lists every broker and topic setting with its default', () => {
  const { status, stdout } = brook('serve', '--help');
  assert.equal(status, 0);
  for (const def of [...BROKER_CONFIG_DEFS, ...TOPIC_CONFIG_DEFS]) {
    assert.match(stdout, new RegExp(`^  ${def.name.replace(/\./g, '\\.')} \\(${def.type}, default `, 'm'), def.name);
  }
  assert.match(stdout, /^ {2}num\.partitions \(int, default 1\)$/m);
  assert.match(stdout, /^ {2}listeners \(string, default PLAINTEXT:\/\/localhost:9092; Kafka default: PLAINTEXT:\/\/:9092\)$/m);
  assert.match(stdout, /^ {2}log\.flush\.interval\.messages \(long, default 9223372036854775807\)$/m);
  assert.match(stdout, /BROOK_NUM_PARTITIONS=3/);
});

test('usage errors exit 2, configuration errors exit 1, before any broker starts', () => {
  const unknownFlag = brook('serve', '--bogus');
  assert.equal(unknownFlag.status, 2);
  assert.match(unknownFlag.stderr, /Unknown option '--bogus'/);

  const badSet = brook('serve', '--set', 'num.partitions');
  assert.equal(badSet.status, 2);
  assert.match(badSet.stderr, /--set expects name=value/);

  const badValue = brook('serve', '--set', 'num.partitions=0');
  assert.equal(badValue.status, 1);
  assert.match(badValue.stderr, /Invalid value 0 for configuration num\.partitions: Value must be at least 1 \(from --set\)/);

  const path = join(dir, 'server.properties');
  writeFileSync(path, 'auto.create.topic.enable=false\n');
  const typo = brook('serve', '--config', path);
  assert.equal(typo.status, 1);
  assert.match(typo.stderr, /Unknown configuration 'auto\.create\.topic\.enable' .*Did you mean 'auto\.create\.topics\.enable'\?/);

  const badPort = brook('serve', '--port', 'http');
  assert.equal(badPort.status, 1);
  assert.match(badPort.stderr, /Invalid port http/);
});

test('top-level help, version and unknown commands', () => {
  const help = brook('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: brook <command>/);
  for (const command of ['serve', 'topic', 'produce', 'consume', 'group', 'cluster', 'log']) assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'), command);
  const version = brook('version');
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  const unknown = brook('start');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command 'start'/);
});

/**
 * A copy of the compiled CLI next to a fake embedded API (`index` is its source), so that tests
 * do not depend on the broker. Returns the path of the copy's main.js.
 */
function fakeCli(name: string, index: string): string {
  const root = join(dir, name);
  const here = fileURLToPath(new URL('.', import.meta.url));
  cpSync(here, join(root, 'src', 'cli'), { recursive: true });
  cpSync(join(here, '..', 'config'), join(root, 'src', 'config'), { recursive: true });
  cpSync(join(here, '..', 'startup-error.js'), join(root, 'src', 'startup-error.js'));
  writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
  // The CLI's argument parser (commander) is resolved from the copy's node_modules.
  symlinkSync(fileURLToPath(new URL('../../../node_modules', import.meta.url)), join(root, 'node_modules'), 'dir');
  writeFileSync(join(root, 'src', 'index.js'), index);
  return join(root, 'src', 'cli', 'main.js');
}

test('serve starts the broker with the loaded config, prints the bootstrap and stops on SIGTERM', async () => {
  const marker = join(dir, 'stopped.json');
  const main = fakeCli('fake', `
    import { writeFileSync } from 'node:fs';
    export async function startBroker({ config }) {
      const listening = setInterval(() => {}, 1000); // stands for the listening socket
      return {
        bootstrap: config.advertisedHost + ':' + config.advertisedPort,
        async stop() {
          clearInterval(listening);
          writeFileSync(${JSON.stringify(marker)}, JSON.stringify({ partitions: config.numPartitions, dataDir: config.dataDir }));
        },
      };
    }
  `);
  const child = spawn(process.execPath, [main, 'serve', '--port', '19093', '--data-dir', join(dir, 'd'), '--set', 'num.partitions=4'], {
    env: { PATH: process.env.PATH ?? '', BROOK_NUM_NETWORK_THREADS: '5' },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  await new Promise<void>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('\n')) resolve();
    });
  });
  assert.match(stdout, /^Brook is listening on localhost:19093 \(data in .*\bd\)\n$/);
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(readFileSync(marker, 'utf8')), { partitions: 4, dataDir: join(dir, 'd') });
  assert.match(stderr, /warning: num\.network\.threads is accepted for compatibility/);
  assert.match(stderr, /SIGTERM received, stopping/);
  assert.match(stderr, /stopped/);
});

test('a signal while the broker is still starting ends the process at once (128 + signal)', async () => {
  // A start that never finishes stands for a long recovery; the old CLI waited for it forever.
  const main = fakeCli('slow', `
    export async function startBroker() {
      setInterval(() => {}, 1000);
      process.stderr.write('starting\\n');
      return new Promise(() => {});
    }
  `);
  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    const child = spawn(process.execPath, [main, 'serve', '--port', '0', '--data-dir', join(dir, 'slow-data')], { env: { PATH: process.env.PATH ?? '' } });
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.includes('starting')) resolve();
      });
    });
    const hung = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.kill(signal);
    const [exitCode] = (await once(child, 'exit')) as [number | null];
    clearTimeout(hung);
    assert.equal(exitCode, code, `${signal}: ${stderr}`);
    assert.match(stderr, new RegExp(`brook: ${signal} received while starting; exiting`));
  }
});

test('a start-up failure prints its one line and exit code; anything else is a bug: stack trace, exit 70', () => {
  const main = fakeCli('failing', `
    export async function startBroker() {
      if (process.env.FAIL === 'startup') {
        const err = new Error('cannot listen on localhost:9092: port 9092 is already in use');
        err.name = 'StartupError';
        err.exitCode = 3;
        throw err;
      }
      throw new TypeError('undefined is not a function');
    }
  `);
  const run = (fail: string) => spawnSync(process.execPath, [main, 'serve', '--data-dir', join(dir, 'failing-data')], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', FAIL: fail } });
  const startup = run('startup');
  assert.equal(startup.status, 3);
  assert.equal(startup.stderr, 'brook: cannot listen on localhost:9092: port 9092 is already in use\n');
  const bug = run('bug');
  assert.equal(bug.status, 70);
  assert.match(bug.stderr, /^brook: internal error: TypeError: undefined is not a function\n\s+at /);
});
