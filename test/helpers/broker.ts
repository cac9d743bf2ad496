// An in-process Brook for end-to-end tests: a temp data dir under os.tmpdir(), start, stop,
// restart on the same dir and the same port (so a client that cached the address reconnects),
// and cleanup that removes the dir. One TestBroker per test file keeps files independent.
// The broker's log lines are captured rather than printed (node:test owns stdout), so a test can
// assert that nothing was logged at error level: Brook logs every handler exception there, and
// an exception is a bug even when the client got a clean UNKNOWN_SERVER_ERROR.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createBroker, type Broker, type BrokerHooks } from '../../src/broker.js';
import { loadBrokerConfig } from '../../src/config/load-broker-config.js';
import type { FileSystem } from '../../src/storage/file-system.js';
import type { Scheduler } from '../../src/storage/scheduler.js';
import { freePort } from './ports.js';

export type BrokerSettings = Record<string, string | number | boolean | readonly string[]>;

export interface TestBrokerOptions {
  /** Broker settings by Kafka name, e.g. { 'num.partitions': 4 }. */
  settings?: BrokerSettings;
  /** Reuse a data dir (else a fresh temp dir that cleanup() removes). */
  dataDir?: string;
  /** Lowest pino level captured; default 'warn'. */
  logLevel?: string;
  /** The broker's file system (default node:fs): a full disk, a failing write. */
  fs?: FileSystem;
  /** Runs the storage layer's delayed deletions (file.delete.delay.ms): a test can hold them. */
  scheduler?: Scheduler;
  /** More log directories after the data dir (log.dirs); the caller removes them. */
  extraLogDirs?: readonly string[];
}

/** One captured pino line. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

const PINO_ERROR = 50;

/** A fresh temp dir; the caller removes it (TestBroker.cleanup does for its own). */
export function tempDir(prefix = 'brook-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export class TestBroker {
  private current: Broker | undefined;
  private fixedPort = 0;
  /** Every log line at or above the level, across restarts. */
  readonly logs: LogLine[] = [];
  private readonly logger: pino.Logger;

  private constructor(
    readonly dataDir: string,
    private readonly settings: BrokerSettings,
    private readonly ownsDir: boolean,
    logLevel: string,
    private readonly fs: FileSystem | undefined,
    private readonly scheduler: Scheduler | undefined,
    private readonly extraLogDirs: readonly string[],
  ) {
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (line.trim() !== '') this.logs.push(JSON.parse(line) as LogLine);
        }
        done();
      },
    });
    this.logger = pino({ level: logLevel }, sink);
  }

  static async start(opts: TestBrokerOptions = {}): Promise<TestBroker> {
    const tb = new TestBroker(opts.dataDir ?? tempDir(), opts.settings ?? {}, opts.dataDir === undefined, opts.logLevel ?? 'warn', opts.fs, opts.scheduler, opts.extraLogDirs ?? []);
    await tb.startAgain();
    return tb;
  }

  get broker(): Broker {
    if (!this.current) throw new Error('broker is stopped');
    return this.current;
  }
  get running(): boolean {
    return this.current !== undefined;
  }
  get bootstrap(): string {
    return `localhost:${this.fixedPort}`;
  }
  get port(): number {
    return this.fixedPort;
  }

  /**
   * Starts (again) on the same data dir and the same port (outside the ephemeral range, see
   * ports.ts), and waits for consumer groups to be loaded, so that a test's first group request
   * after a restart is served. With `hooks` it returns as soon as the broker listens.
   */
  async startAgain(hooks?: BrokerHooks): Promise<void> {
    if (this.current) throw new Error('broker already running');
    if (this.fixedPort === 0) this.fixedPort = await freePort();
    const config = loadBrokerConfig({
      overrides: this.settings,
      flags: { port: String(this.fixedPort), host: 'localhost', dataDir: [this.dataDir, ...this.extraLogDirs].join(',') },
    });
    this.current = await createBroker(config, this.logger, { ...hooks, ...(this.fs ? { fs: this.fs } : {}), ...(this.scheduler ? { scheduler: this.scheduler } : {}) });
    this.fixedPort = this.current.port;
    if (!hooks) await this.current.ready;
  }

  /** Log lines at error level or above (handler exceptions, failed checkpoints, ...). */
  errors(): LogLine[] {
    return this.logs.filter((l) => l.level >= PINO_ERROR);
  }

  async stop(): Promise<void> {
    const b = this.current;
    this.current = undefined;
    if (b) await b.stop();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.startAgain();
  }

  /** Stops if running and removes the data dir (if this helper created it). */
  async cleanup(): Promise<void> {
    await this.stop();
    if (this.ownsDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
