import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  const version = brook('version');
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  const unknown = brook('start');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command 'start'/);
});

test('serve starts the broker with the loaded config, prints the bootstrap and stops on SIGTERM', async () => {
  // A copy of the compiled CLI next to a fake embedded API, so the test does not depend on the broker.
  const root = join(dir, 'fake');
  const here = fileURLToPath(new URL('.', import.meta.url));
  cpSync(here, join(root, 'src', 'cli'), { recursive: true });
  cpSync(join(here, '..', 'config'), join(root, 'src', 'config'), { recursive: true });
  writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
  const marker = join(dir, 'stopped.json');
  writeFileSync(join(root, 'src', 'index.js'), `
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
  const child = spawn(process.execPath, [join(root, 'src', 'cli', 'main.js'), 'serve', '--port', '19093', '--data-dir', join(dir, 'd'), '--set', 'num.partitions=4'], {
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
