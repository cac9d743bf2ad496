// A private Redis for one example run: Debian's redis-server in a temp dir, listening on a Unix
// socket in that dir (no TCP port to collide with other runs on a shared machine), no
// persistence (the feeds are a cache rebuilt from the log), stopped and removed at the end.
// `redis-cli -s <socket>` inspects it while the example runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type RedisClientType } from '@redis/client';

/** The client type of a plain connection (no modules, RESP3). */
export type RedisClient = RedisClientType;

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export class RedisServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly socket: string,
  ) {}

  static async start(binary = process.env.REDIS_SERVER ?? 'redis-server'): Promise<RedisServer> {
    const dir = mkdtempSync(join(tmpdir(), 'brook-example-redis-'));
    const socket = join(dir, 'redis.sock');
    const child = spawn(binary, ['--port', '0', '--unixsocket', socket, '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start in 10 s: ${output}`)), 10_000);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${binary} (Debian: apt-get install redis-server): ${err.message}`));
      });
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/ready to accept connections/i.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${output}`));
      });
    });
    child.stdout?.removeAllListeners('data');
    child.stdout?.resume();
    child.stderr?.resume();
    return new RedisServer(child, dir, socket);
  }

  /** A connected client. */
  async client(): Promise<RedisClient> {
    const client = createClient({ socket: { path: this.socket, tls: false } });
    client.on('error', (err: Error) => process.stderr.write(`redis client: ${err.message}\n`));
    await client.connect();
    return client;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    live.delete(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
