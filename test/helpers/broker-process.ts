// Brook as a child process (the real CLI), for tests that must kill the broker the hard way.
// The child prints "Brook is listening on host:port" once it accepts connections; that line is
// the readiness signal and gives the port when 0 was asked for.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

/** dist/src/cli/main.js, resolved from this compiled file (dist/test/helpers/). */
export const CLI_PATH = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface BrokerProcessOptions {
  dataDir: string;
  /** Default: a free port outside the ephemeral range, so that a restart can reuse it (ports.ts). */
  port?: number;
  /** --set name=value pairs. */
  settings?: Record<string, string | number | boolean>;
  /** How long to wait for the listening line. Default 15 s. */
  startTimeoutMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class BrokerProcess {
  private stderrText = '';
  private stdoutText = '';
  readonly exited: Promise<ExitInfo>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
      else child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrText += d.toString('utf8');
    });
    child.stdout?.on('data', (d: Buffer) => {
      this.stdoutText += d.toString('utf8');
    });
  }

  static async spawn(opts: BrokerProcessOptions): Promise<BrokerProcess> {
    const port = opts.port ?? (await freePort());
    const args = [CLI_PATH, 'serve', '--host', 'localhost', '--port', String(port), '--data-dir', opts.dataDir];
    for (const [k, v] of Object.entries(opts.settings ?? {})) args.push('--set', `${k}=${String(v)}`);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      const fail = (why: string): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`brook did not start: ${why}\nstdout: ${out}\nstderr: ${err}`));
      };
      const timer = setTimeout(() => fail('timeout'), opts.startTimeoutMs ?? 15_000);
      const onErr = (d: Buffer): void => {
        err += d.toString('utf8');
      };
      const onOut = (d: Buffer): void => {
        out += d.toString('utf8');
        const m = /listening on \S*:(\d+)/.exec(out);
        if (!m) return;
        clearTimeout(timer);
        child.stdout?.off('data', onOut);
        child.stderr?.off('data', onErr);
        child.off('exit', onExit);
        const bp = new BrokerProcess(child, Number(m[1])); // keeps draining both pipes
        bp.stderrText = err;
        bp.stdoutText = out;
        resolve(bp);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => fail(`exited early (code ${code}, signal ${signal})`);
      child.stdout?.on('data', onOut);
      child.stderr?.on('data', onErr);
      child.once('exit', onExit);
    });
  }

  get bootstrap(): string {
    return `localhost:${this.port}`;
  }
  get pid(): number | undefined {
    return this.child.pid;
  }
  /** What the broker wrote to stderr so far (warnings, errors). */
  get stderr(): string {
    return this.stderrText;
  }
  /** What the broker wrote to stdout so far: the banner lines (and log lines, wherever the logger writes). */
  get stdout(): string {
    return this.stdoutText;
  }

  /** Sends the signal (default SIGKILL) and waits for the process to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  /** A clean stop: SIGTERM, then SIGKILL if the broker has not exited within the grace period. */
  async stop(graceMs = 10_000): Promise<ExitInfo> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const info = await this.exited;
    clearTimeout(timer);
    return info;
  }
}
