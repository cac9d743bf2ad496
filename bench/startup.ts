// Section "startup": how long `await startBroker({ port: 0, dataDir })` takes in a fresh Node
// process (median of 5, a new data dir each time) and the process's RSS after 1 s idle.
// Module loading is timed separately: it is paid once per process, not per broker. Then a restart
// on a data dir holding 2 M offset commits: how soon the broker answers, how long consumer
// groups take to load from __consumer_offsets, and the slowest answer while they do.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Report } from './report.js';
import { median } from './stats.js';

const CHILD = resolve(dirname(fileURLToPath(import.meta.url)), 'startup-child.js');
const REPLAY_CHILD = resolve(dirname(fileURLToPath(import.meta.url)), 'replay-child.js');
const REPLAY_COMMITS = 2_000_000;
const REPLAY_RUNS = 3;
const RUNS = 5;
const CHILD_TIMEOUT_MS = 30_000;
const SECTION = 'startup';

interface ChildResult {
  importMs: number;
  startMs: number;
  rssMiB: number;
}

function runChild(dataDir: string): Promise<ChildResult> {
  return new Promise((res, rej) => {
    execFile(process.execPath, [CHILD, dataDir], { timeout: CHILD_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err) return rej(new Error(`startup child failed: ${err.message} ${stderr}`));
      try {
        res(JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildResult);
      } catch {
        rej(new Error(`startup child printed no result: ${stdout} ${stderr}`));
      }
    });
  });
}

export async function runStartup(report: Report): Promise<void> {
  const results: ChildResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'brook-bench-startup-'));
    try {
      results.push(await runChild(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const note = `median of ${RUNS} fresh processes`;
  report.add({ section: SECTION, name: 'startBroker()', value: median(results.map((r) => r.startMs)), unit: 'ms', better: 'lower', target: 100, note });
  report.add({ section: SECTION, name: 'import of the package', value: median(results.map((r) => r.importMs)), unit: 'ms', better: 'lower', note });
  report.add({ section: SECTION, name: 'idle RSS after 1 s', value: median(results.map((r) => r.rssMiB)), unit: 'MiB', better: 'lower', note });
  await runRestartWithCommits(report);
}

interface ReplayResult {
  listenMs: number;
  firstAnswerMs: number;
  loadedMs: number;
  maxRoundTripMs: number;
}

function replayChild(args: readonly string[]): Promise<string> {
  return new Promise((res, rej) => {
    execFile(process.execPath, [REPLAY_CHILD, ...args], { timeout: 120_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`replay child failed: ${err.message} ${stderr}`));
      else res(stdout);
    });
  });
}

async function runRestartWithCommits(report: Report): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'brook-bench-replay-'));
  try {
    await replayChild(['fill', dir, String(REPLAY_COMMITS)]);
    const results: ReplayResult[] = [];
    for (let i = 0; i < REPLAY_RUNS; i++) results.push(JSON.parse((await replayChild(['restart', dir])).trim().split('\n').pop() ?? '') as ReplayResult);
    const note = `2 M commits, median of ${REPLAY_RUNS} restarts`;
    const add = (name: string, value: number): void => report.add({ section: SECTION, name, value, unit: 'ms', better: 'lower', note });
    add('restart: first request answered', median(results.map((r) => r.firstAnswerMs)));
    add('restart: consumer groups loaded', median(results.map((r) => r.loadedMs)));
    add('restart: slowest answer while loading', median(results.map((r) => r.maxRoundTripMs)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
