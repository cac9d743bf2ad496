import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { Connection } from './connection.js';
import type { Handler } from '../handlers/handler.js';
import type { BrokerContext } from '../handlers/broker-context.js';

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  readonly handlers: readonly Handler[];
  readonly broker: BrokerContext;
  /** socket.request.max.bytes */
  readonly maxRequestBytes: number;
  /** max.connections */
  readonly maxConnections: number;
  /** max.connections.per.ip */
  readonly maxConnectionsPerIp: number;
  /** connections.max.idle.ms: a connection silent this long is closed, as Kafka does. */
  readonly connectionsMaxIdleMs: number;
  readonly log: Logger;
}

/** The TCP listener: accepts connections up to max.connections and hands each to a Connection. */
export class Server {
  private readonly net: NetServer;
  private readonly connections = new Set<Connection>();
  private readonly perIp = new Map<string, number>();
  private nextId = 1;
  private readonly handlers: Map<number, Handler>;

  constructor(private readonly opts: ServerOptions) {
    this.handlers = new Map(opts.handlers.map((h) => [h.apiKey, h]));
    this.net = createServer((socket) => this.accept(socket));
  }

  private accept(socket: Socket): void {
    if (this.connections.size >= this.opts.maxConnections) {
      this.opts.log.warn({ client: socket.remoteAddress, max: this.opts.maxConnections }, 'refusing connection: max.connections reached');
      socket.destroy();
      return;
    }
    const ip = socket.remoteAddress ?? '';
    const fromIp = this.perIp.get(ip) ?? 0;
    if (fromIp >= this.opts.maxConnectionsPerIp) {
      this.opts.log.warn({ client: ip, max: this.opts.maxConnectionsPerIp }, 'refusing connection: max.connections.per.ip reached');
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
      log: this.opts.log,
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
