import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { Connection } from './connection.js';
import { RateLimitedLog } from './rate-limited-log.js';
import { MemoryPool } from './memory-pool.js';
import type { Handler } from '../handlers/handler.js';
import type { BrokerContext } from '../handlers/broker-context.js';

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  readonly handlers: readonly Handler[];
  readonly broker: BrokerContext;
  /** socket.request.max.bytes */
  readonly maxRequestBytes: number;
  /** queued.max.request.bytes: request bytes held across all connections; ≤ 0 is unbounded. */
  readonly queuedMaxRequestBytes: number;
  /** queued.max.requests: unanswered requests per connection before it is no longer read. */
  readonly queuedMaxRequests: number;
  /** max.connections */
  readonly maxConnections: number;
  /** max.connections.per.ip */
  readonly maxConnectionsPerIp: number;
  /** max.connections.per.ip.overrides: client address -> its own limit. */
  readonly maxConnectionsPerIpOverrides?: ReadonlyMap<string, number>;
  /** connections.max.idle.ms: a connection silent this long is closed, as Kafka does. */
  readonly connectionsMaxIdleMs: number;
  readonly log: Logger;
}

/** The connection limits, which dynamic broker configuration may change while the server runs. */
export interface ConnectionLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly maxConnectionsPerIpOverrides: ReadonlyMap<string, number>;
}

/**
 * The TCP listener: accepts connections up to max.connections (and per client address up to
 * max.connections.per.ip or its override) and hands each to a Connection. New limits apply to
 * connections accepted from then on; open ones are left alone, as Kafka does.
 */
export class Server {
  private readonly net: NetServer;
  private readonly connections = new Set<Connection>();
  private readonly perIp = new Map<string, number>();
  private nextId = 1;
  private readonly handlers: Map<number, Handler>;
  private limits: ConnectionLimits;
  private readonly warnings: RateLimitedLog;
  readonly memory: MemoryPool;

  constructor(private readonly opts: ServerOptions) {
    this.handlers = new Map(opts.handlers.map((h) => [h.apiKey, h]));
    this.memory = new MemoryPool(opts.queuedMaxRequestBytes);
    this.limits = {
      maxConnections: opts.maxConnections,
      maxConnectionsPerIp: opts.maxConnectionsPerIp,
      maxConnectionsPerIpOverrides: opts.maxConnectionsPerIpOverrides ?? new Map(),
    };
    this.warnings = new RateLimitedLog(opts.log);
    this.net = createServer((socket) => this.accept(socket));
  }

  setConnectionLimits(limits: ConnectionLimits): void {
    this.limits = limits;
  }

  /** An IPv4 client on a dual-stack socket is "::ffff:a.b.c.d"; overrides name it "a.b.c.d". */
  private perIpLimit(ip: string): number {
    const overrides = this.limits.maxConnectionsPerIpOverrides;
    return overrides.get(ip) ?? overrides.get(ip.replace(/^::ffff:/, '')) ?? this.limits.maxConnectionsPerIp;
  }

  private accept(socket: Socket): void {
    if (this.connections.size >= this.limits.maxConnections) {
      this.warnings.warn(socket.remoteAddress ?? '', { client: socket.remoteAddress, max: this.limits.maxConnections }, 'refusing connection: max.connections reached');
      socket.destroy();
      return;
    }
    const ip = socket.remoteAddress ?? '';
    const fromIp = this.perIp.get(ip) ?? 0;
    const perIpLimit = this.perIpLimit(ip);
    if (fromIp >= perIpLimit) {
      this.warnings.warn(ip, { client: ip, max: perIpLimit }, 'refusing connection: max.connections.per.ip reached');
      socket.destroy();
      return;
    }
    this.perIp.set(ip, fromIp + 1);
    if (Number.isFinite(this.opts.connectionsMaxIdleMs) && this.opts.connectionsMaxIdleMs > 0) {
      socket.setTimeout(this.opts.connectionsMaxIdleMs, () => socket.destroy());
    }
    const conn: Connection = new Connection(socket, {
      id: this.nextId++,
      handlers: this.handlers,
      broker: this.opts.broker,
      maxRequestBytes: this.opts.maxRequestBytes,
      memory: this.memory,
      maxInFlight: this.opts.queuedMaxRequests,
      log: this.opts.log,
      warnings: this.warnings,
      onClose: () => {
        if (!this.connections.delete(conn)) return;
        const n = (this.perIp.get(ip) ?? 1) - 1;
        if (n > 0) this.perIp.set(ip, n);
        else this.perIp.delete(ip);
      },
    });
    this.connections.add(conn);
  }

  /** Resolves with the bound port (useful with port 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.net.once('error', reject);
      this.net.listen(this.opts.port, this.opts.host, () => {
        this.net.off('error', reject);
        const addr = this.net.address();
        resolve(typeof addr === 'object' && addr ? addr.port : this.opts.port);
      });
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.net.close(() => resolve()));
    for (const c of this.connections) c.close();
    await closed;
  }
}
