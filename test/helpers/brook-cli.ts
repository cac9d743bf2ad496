// The built `brook` command as a test subject: dist/src/cli/main.js run by this Node binary as a
// child process, asynchronously (an in-process TestBroker must keep answering while it runs),
// with a clean environment (the caller's BROOK_* variables must not leak in) and a kill timer.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BROOK_CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

export interface CliOptions {
  input?: string | Buffer;
  env?: Record<string, string>;
  /** Killed after this long; default 30 s. */
  timeoutMs?: number;
}

export function brook(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const started = performance.now();
  const child = startBrook(args, opts.env);
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** A long-running command (consume -g ...) the test stops itself. */
export function startBrook(args: readonly string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [BROOK_CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs and asserts exit 0, returning stdout; the error names the command and its stderr. */
export async function brookOk(args: readonly string[], opts: CliOptions = {}): Promise<string> {
  const r = await brook(args, opts);
  if (r.code !== 0) throw new Error(`brook ${args.join(' ')} exited ${r.code ?? r.signal}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Runs with --format json and parses stdout. */
export async function brookJson<T = unknown>(args: readonly string[], opts: CliOptions = {}): Promise<T> {
  return JSON.parse(await brookOk([...args, '--format', 'json'], opts)) as T;
}

/** Parses one JSON object per line (consume --format json, produce --format json). */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}
