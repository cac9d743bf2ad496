// The HTTP endpoint of metrics.port: GET /metrics (Prometheus text format), /healthz (the
// process answers: 200 as soon as the endpoint listens, even while logs recover) and /readyz
// (200 once the logs are recovered and __consumer_offsets is loaded, 503 with the reason
// before, and again while stopping). It starts before log recovery so that an orchestrator can
// tell a slow recovery from a dead process.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface MetricsServerOptions {
  readonly host: string;
  readonly port: number;
  /** The exposition text. */
  readonly scrape: () => Promise<string>;
  readonly contentType: string;
  /** null when ready, else why not (shown in the 503 body). */
  readonly notReady: () => string | null;
  /** Called with a failed scrape's error (answered 500). */
  readonly onError: (err: unknown) => void;
}

export class MetricsServer {
  private constructor(
    private readonly http: Server,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Listens; rejects when the port cannot be bound. */
  static async start(opts: MetricsServerOptions): Promise<MetricsServer> {
    const http = createServer((req, res) => void answer(opts, req, res));
    // No request of ours takes long: a client that holds a connection open must not delay stop.
    http.keepAliveTimeout = 5_000;
    const port = await new Promise<number>((resolve, reject) => {
      http.once('error', reject);
      http.listen(opts.port, opts.host, () => {
        http.off('error', reject);
        const addr = http.address();
        resolve(typeof addr === 'object' && addr ? addr.port : opts.port);
      });
    });
    return new MetricsServer(http, opts.host, port);
  }

  /** Base URL, e.g. http://localhost:9308 (the endpoints are /metrics, /healthz, /readyz). */
  get url(): string {
    const host = this.host === '' || this.host === '0.0.0.0' || this.host === '::' ? 'localhost' : this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }
}

async function answer(opts: MetricsServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n', 'text/plain', { allow: 'GET, HEAD' });
  switch (path) {
    case '/metrics':
      try {
        return send(res, 200, await opts.scrape(), opts.contentType);
      } catch (err) {
        opts.onError(err);
        return send(res, 500, 'scrape failed\n', 'text/plain');
      }
    case '/healthz':
      return send(res, 200, 'ok\n', 'text/plain');
    case '/readyz': {
      const reason = opts.notReady();
      return reason === null ? send(res, 200, 'ready\n', 'text/plain') : send(res, 503, `not ready: ${reason}\n`, 'text/plain');
    }
    default:
      return send(res, 404, 'not found: try /metrics, /healthz or /readyz\n', 'text/plain');
  }
}

function send(res: ServerResponse, status: number, body: string, contentType: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType.includes('charset') ? contentType : `${contentType}; charset=utf-8`, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
