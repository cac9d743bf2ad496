// Section "cli": the `brook` command as a user runs it, next to kcat doing the same work.
// - start-up: `brook --help` end to end, and the time from spawning `brook topic list` (and
//   `kcat -L`) to the first byte of its first request reaching a listening socket;
// - throughput: producing a file of N lines and consuming N records back (to /dev/null), with
//   `brook produce`/`brook consume` and `kcat -P -l`/`kcat -C`, on the same data and broker.
// Wall times include process start-up, as a user sees them. kcat is optional (skipped when absent).
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH, withBroker } from './broker-process.js';
import type { Report } from './report.js';
import { median } from './stats.js';

const SECTION = 'cli';
const KCAT = '/usr/bin/kcat';
const RUNS = 5;
const RECORDS = 300_000;
const VALUE_BYTES = 100;
const RUN_TIMEOUT_MS = 120_000;

function hasKcat(): boolean {
  try {
    accessSync(KCAT, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs a command to completion (stdout discarded); resolves with its wall time in ms. */
function timed(cmd: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
    });
  });
}

/**
 * Spawns the command against a socket that listens but never answers and resolves with the
 * time from spawn to the first byte received; the command is then killed.
 */
async function timeToFirstRequest(cmd: string, args: (address: string) => string[]): Promise<number> {
  let firstByte: (() => void) | undefined;
  const server = createServer((socket) => socket.once('data', () => firstByte?.()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const arrived = new Promise<number>((resolve) => (firstByte = () => resolve(performance.now())));
    const started = performance.now();
    const child = spawn(cmd, args(`127.0.0.1:${port}`), { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const at = await arrived;
    clearTimeout(timer);
    child.kill('SIGKILL');
    return at - started;
  } finally {
    server.close();
  }
}

export async function runCli(report: Report): Promise<void> {
  const brook = (args: readonly string[]) => [CLI_PATH, ...args];
  const help: number[] = [];
  const brookFirst: number[] = [];
  const kcatFirst: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    help.push(await timed(process.execPath, brook(['--help'])));
    brookFirst.push(await timeToFirstRequest(process.execPath, (a) => brook(['topic', 'list', '-b', a])));
    if (hasKcat()) kcatFirst.push(await timeToFirstRequest(KCAT, (a) => ['-L', '-b', a]));
  }
  const note = `median of ${RUNS}`;
  report.add({ section: SECTION, name: 'brook --help (whole run)', value: median(help), unit: 'ms', better: 'lower', note });
  report.add({ section: SECTION, name: 'brook topic list: start to first request', value: median(brookFirst), unit: 'ms', better: 'lower', note });
  if (kcatFirst.length > 0) report.add({ section: SECTION, name: 'kcat -L: start to first request', value: median(kcatFirst), unit: 'ms', better: 'lower', note });

  const dir = mkdtempSync(join(tmpdir(), 'brook-bench-cli-'));
  try {
    const file = join(dir, 'lines.txt');
    const line = (i: number) => `${String(i).padStart(10, '0')} ${'x'.repeat(VALUE_BYTES - 11)}`;
    writeFileSync(file, `${Array.from({ length: RECORDS }, (_, i) => line(i)).join('\n')}\n`);
    const mb = (RECORDS * (VALUE_BYTES + 1)) / 1048576;
    await withBroker({}, async (broker) => {
      const b = ['-b', broker.bootstrap];
      await timed(process.execPath, brook(['topic', 'create', 'bench-brook', 'bench-kcat', '-p', '1', ...b]));
      const rate = (ms: number) => RECORDS / (ms / 1000);
      const what = `${RECORDS.toLocaleString('en-US')} lines of ${VALUE_BYTES} B (${mb.toFixed(1)} MiB), wall time incl. start-up`;

      const brookProduce = await timed(process.execPath, brook(['produce', 'bench-brook', file, '-q', ...b]));
      report.add({ section: SECTION, name: 'brook produce FILE', value: rate(brookProduce), unit: 'rec/s', better: 'higher', note: what });
      if (hasKcat()) {
        const kcatProduce = await timed(KCAT, ['-P', '-b', broker.bootstrap, '-t', 'bench-kcat', '-l', file]);
        report.add({ section: SECTION, name: 'kcat -P -l FILE', value: rate(kcatProduce), unit: 'rec/s', better: 'higher', note: what });
      }
      // Both consumers read the same topic: the records brook produced.
      const brookConsume = await timed(process.execPath, brook(['consume', 'bench-brook', '-o', 'start', '-n', String(RECORDS), '-f', '%s\\n', ...b]));
      report.add({ section: SECTION, name: 'brook consume -n N', value: rate(brookConsume), unit: 'rec/s', better: 'higher', note: what });
      if (hasKcat()) {
        const kcatConsume = await timed(KCAT, ['-C', '-b', broker.bootstrap, '-t', 'bench-brook', '-o', 'beginning', '-c', String(RECORDS), '-f', '%s\\n', '-q']);
        report.add({ section: SECTION, name: 'kcat -C -c N', value: rate(kcatConsume), unit: 'rec/s', better: 'higher', note: what });
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
