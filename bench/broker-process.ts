// The broker under test, run through the CLI in a child process so that the load generator
// never shares its event loop. Loopback only, a free port (--port 0, read back from the banner),
// a temporary data dir removed on stop. Children still alive when the bench exits (a crash, an
// interrupt) are killed and their dirs removed by an exit hook.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/bench/broker-process.js -> dist/src/cli/main.js */
export const CLI_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

const live = new Set<BrokerProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const b of live) b.killNow();
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const b of live) b.killNow();
      process.exit(130);
    });
  }
}

export interface BrokerProcessOptions {
  /** Broker settings by Kafka name, passed as --set name=value. */
  settings?: Record<string, string | number | boolean>;
}

export class BrokerProcess {
  private stderrTail = '';
  private exited = false;
  private readonly exitPromise: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    readonly host: string,
    readonly port: number,
  ) {
    this.exitPromise = new Promise((res) => child.once('exit', () => res()));
    void this.exitPromise.then(() => {
      this.exited = true;
    });
  }

  get bootstrap(): string {
    return `${this.host}:${this.port}`;
  }

  static async start(options: BrokerProcessOptions = {}): Promise<BrokerProcess> {
    hookExit();
    const dataDir = mkdtempSync(join(tmpdir(), 'brook-bench-'));
    const args = [CLI_PATH, 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir];
    for (const [k, v] of Object.entries(options.settings ?? {})) args.push('--set', `${k}=${String(v)}`);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      stderr = (stderr + s).slice(-4000);
    });
    try {
      const { host, port } = await new Promise<{ host: string; port: number }>((res, rej) => {
        let out = '';
        const timer = setTimeout(() => rej(new Error(`broker did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
        child.stdout!.setEncoding('utf8');
        child.stdout!.on('data', (s: string) => {
          out += s;
          const m = /listening on (\S+):(\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            res({ host: m[1], port: Number(m[2]) });
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          rej(new Error(`broker exited with ${code} before listening: ${stderr.trim()}`));
        });
      });
      const b = new BrokerProcess(child, dataDir, host, port);
      child.stderr!.on('data', (s: string) => {
        b.stderrTail = (b.stderrTail + s).slice(-4000);
      });
      live.add(b);
      return b;
    } catch (err) {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Resident set size of the broker process now and at its peak, in MiB (Linux /proc). */
  memory(): { rssMiB: number; peakMiB: number } | undefined {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
      return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
    } catch {
      return undefined;
    }
  }

  /**
   * CPU time the broker has used so far, all its threads together (event loop, libuv pool, GC
   * helpers), in ns; from Linux's /proc/PID/task/TID/schedstat. Undefined elsewhere. A rate
   * varies with whatever else runs on a shared machine; the CPU time a piece of work costs
   * much less.
   */
  cpuNs(): number | undefined {
    try {
      let ns = 0;
      for (const tid of readdirSync(`/proc/${this.child.pid}/task`)) {
        ns += Number(readFileSync(`/proc/${this.child.pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      }
      return ns;
    } catch {
      return undefined;
    }
  }

  /** Last lines the broker wrote on stderr (for error messages). */
  get diagnostics(): string {
    return this.stderrTail.trim();
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.exitPromise;
      clearTimeout(timer);
    }
    live.delete(this);
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Synchronous last resort for the exit hook. */
  killNow(): void {
    if (!this.exited) this.child.kill('SIGKILL');
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Starts a broker, runs `fn`, always stops it. */
export async function withBroker<T>(options: BrokerProcessOptions, fn: (b: BrokerProcess) => Promise<T>): Promise<T> {
  const b = await BrokerProcess.start(options);
  try {
    return await fn(b);
  } finally {
    await b.stop();
  }
}
