// The chat gateway: WebSocket endpoint for clients (`/chat?user=&room=`) and `GET /history`.
// A message a client sends is appended to `messages` and acknowledged with its offset; the
// gateway does not push it to anyone itself. Delivery (delivery.ts) pushes what the log holds,
// so every client, the sender included, sees the room in the log's order.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { WebSocketServer, type WebSocket } from 'ws';
import { MESSAGES, type ChatMessage, type ClientFrame, type ServerFrame } from './events.js';
import type { Delivery, Subscriber } from './delivery.js';
import type { History } from './history.js';

export class Gateway {
  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    private readonly producer: Producer<string, string, string, string>,
  ) {}

  static async start(bootstrap: string[], topic: string, delivery: Delivery, history: History): Promise<Gateway> {
    const producer = new Producer<string, string, string, string>({ clientId: 'chat-gateway', bootstrapBrokers: bootstrap, serializers: stringSerializers });
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://local');
      if (req.method === 'GET' && url.pathname === '/history') {
        const body = JSON.stringify(history.after(url.searchParams.get('room') ?? '', BigInt(url.searchParams.get('after') ?? '-1')));
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      } else res.writeHead(404).end();
    });
    const wss = new WebSocketServer({ server, path: '/chat' });
    wss.on('connection', (ws: WebSocket, req) => {
      const url = new URL(req.url ?? '/', 'http://local');
      const user = url.searchParams.get('user') ?? 'anonymous';
      const room = url.searchParams.get('room') ?? 'lobby';
      const send = (frame: ServerFrame): void => ws.send(JSON.stringify(frame));
      const subscriber: Subscriber = { push: (message) => send({ type: 'message', message }) };
      send({ type: 'welcome', room, livePositions: delivery.subscribe(room, subscriber) });
      ws.on('close', () => delivery.unsubscribe(room, subscriber));
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as ClientFrame;
        const message: ChatMessage = { messageId: randomUUID(), room, sender: user, text: frame.text, sentAt: Date.now() };
        producer
          .send({ messages: [{ topic, key: room, value: JSON.stringify(message) }], acks: -1 })
          .then((r) => send({ type: 'ack', clientRef: frame.clientRef, partition: r.offsets?.[0]?.partition ?? -1, offset: String(r.offsets?.[0]?.offset ?? -1) }))
          .catch(() => ws.close(1011, 'could not store the message'));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new Gateway(server, wss, producer);
  }

  get url(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.producer.close();
  }
}

export { MESSAGES };
