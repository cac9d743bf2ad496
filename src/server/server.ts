import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { Connection } from './connection.js';
import { RateLimitedLog } from './rate-limited-log.js';
import { MemoryPool } from './memory-pool.js';
import type { Handler } from '../handlers/handler.js';
import type { BrokerContext } from '../handlers/broker-context.js';
import type { ConnectionInfo, RequestInterceptor, RequestObserver } from './request-hooks.js';

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
  /** Sees every answered request (metrics); null or absent when off. */
  readonly observer?: RequestObserver | null;
  /** The test-control API, consulted for each request while it has rules armed. */
  readonly control?: RequestInterceptor | null;
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
  /** Connections accepted since start (Kafka's connection-creation-total). */
  private accepted = 0;
  /** The port bound by listen() (the configured one may be 0). */
  private boundPort: number | null = null;
  /** True between suspend() and resume(): not listening, no connections. */
  private suspended = false;
  private stopped = false;

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
    this.accepted++;
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
      observer: this.opts.observer ?? null,
      control: this.opts.control ?? null,
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
  listen(port = this.opts.port): Promise<number> {
    return new Promise((resolve, reject) => {
      this.net.once('error', reject);
      this.net.listen(port, this.opts.host, () => {
        this.net.off('error', reject);
        const addr = this.net.address();
        this.boundPort = typeof addr === 'object' && addr ? addr.port : port;
        resolve(this.boundPort);
      });
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  get connectionsAccepted(): number {
    return this.accepted;
  }

  /** Closes the connections `filter` selects (all without one); returns how many. */
  closeConnections(filter?: (c: ConnectionInfo) => boolean): number {
    let n = 0;
    for (const c of [...this.connections]) {
      if (filter && !filter(c)) continue;
      c.close();
      n++;
    }
    return n;
  }

  /**
   * An outage: stops listening (new connections are refused) and closes every connection.
   * resume() listens again on the same port. Nothing else of the broker stops.
   */
  async suspend(): Promise<void> {
    if (this.suspended || this.stopped) return;
    this.suspended = true;
    await this.closeListener();
  }

  async resume(): Promise<void> {
    if (!this.suspended || this.stopped) return;
    this.suspended = false;
    await this.listen(this.boundPort ?? this.opts.port);
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.closeListener();
  }

  private async closeListener(): Promise<void> {
    // While suspended the listener is already closed: closing again would never call back.
    const closed = this.net.listening ? new Promise<void>((resolve) => this.net.close(() => resolve())) : Promise.resolve();
    for (const c of this.connections) c.close();
    await closed;
  }
}
