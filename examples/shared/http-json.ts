// The examples' HTTP edges: a tiny JSON server on node:http (loopback, a free port) and a
// keep-alive client to call it, the way a browser or another service would.
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JsonReply {
  status: number;
  body: unknown;
}

export type Route = (method: string, url: URL, body: unknown) => Promise<JsonReply> | JsonReply;

export class JsonServer {
  private constructor(private readonly server: Server) {}

  static async start(route: Route): Promise<JsonServer> {
    const server = createServer((req, res) => void handle(route, req, res));
    server.keepAliveTimeout = 10_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new JsonServer(server);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function handle(route: Route, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let reply: JsonReply;
  try {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    reply = await route(req.method ?? 'GET', new URL(req.url ?? '/', 'http://local'), text ? JSON.parse(text) : undefined);
  } catch (err) {
    reply = { status: 500, body: { error: (err as Error).message } };
  }
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

const agent = new Agent({ keepAlive: true, maxSockets: 64, noDelay: true });

/** One JSON request; resolves with the status and the parsed body. */
export function callJson(method: string, url: string, body?: unknown): Promise<JsonReply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, agent, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}
