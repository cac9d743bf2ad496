// A raw Kafka-protocol socket for tests that must send what no real client would: frames are
// built with src/client/wire-client.ts (request header v1/v2 + the compiled body codec) and can
// be mutated before sending. Responses are read as whole frames and decoded on request. Unlike
// that pipelined client, this one sees every frame, survives resets and reports the close.
import { connect, type Socket } from 'node:net';
import { FrameReader, decodeResponse, encodeRequest as encodeRequestFrame } from '../../src/client/wire-client.js';
// Every API's codecs, the default of the frame functions above (tests send any API).
import '../../src/protocol/api-codecs.js';

export { decodeResponse };

/** A complete request frame (size prefix included) for `apiKey` at `version`. */
export function encodeRequest(apiKey: number, version: number, correlationId: number, body: Record<string, unknown>, clientId: string | null = 'brook-test'): Buffer {
  return encodeRequestFrame(apiKey, version, correlationId, body, clientId);
}

export class WireClient {
  private readonly frames: Buffer[] = [];
  private readonly reader = new FrameReader((f) => this.frames.push(f));
  private waiter: (() => void) | undefined;
  private nextCorrelationId = 1;
  private isClosed = false;
  /** Resolves when the socket closes, for whatever reason. */
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      });
    });
    socket.on('error', () => {}); // resets are expected in these tests; 'close' follows
    socket.on('data', (d: Buffer) => this.onData(d));
  }

  static connect(port: number, host = 'localhost', timeoutMs = 5000): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('connect timeout'));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', reject);
        resolve(new WireClient(socket));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private onData(d: Buffer): void {
    this.reader.push(d);
    if (this.frames.length > 0) this.wake();
  }

  write(bytes: Buffer): void {
    if (!this.isClosed) this.socket.write(bytes);
  }

  /** The next response frame (without size), or null if the socket closed or time ran out. */
  async nextFrame(timeoutMs = 5000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.isClosed) return null;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.frames.shift() ?? null;
  }

  /** Sends one request and decodes its response; throws if the connection closes first. */
  async request(apiKey: number, version: number, body: Record<string, unknown>, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const id = this.nextCorrelationId++;
    this.write(encodeRequest(apiKey, version, id, body));
    const frame = await this.nextFrame(timeoutMs);
    if (!frame) throw new Error(`no response to api ${apiKey} v${version} (${this.isClosed ? 'connection closed' : 'timeout'})`);
    const res = decodeResponse(apiKey, version, frame);
    if (res.correlationId !== id) throw new Error(`correlation id ${res.correlationId}, expected ${id}`);
    return res.body;
  }

  /** True if the broker closed the connection within `timeoutMs`. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    if (this.isClosed) return true;
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
