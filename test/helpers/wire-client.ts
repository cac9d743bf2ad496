// A raw Kafka-protocol socket for tests that must send what no real client would: frames are
// built with Brook's own protocol layer (request header v1/v2 + the compiled body codec) and can
// be mutated before sending. Responses are read as whole frames and decoded on request.
import { connect, type Socket } from 'node:net';
import { apiCodecs } from '../../src/protocol/api-codecs.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer } from '../../src/protocol/primitives/writer.js';

const API_VERSIONS = 18;

/** A complete request frame (size prefix included) for `apiKey` at `version`. */
export function encodeRequest(apiKey: number, version: number, correlationId: number, body: Record<string, unknown>, clientId: string | null = 'brook-test'): Buffer {
  const codecs = apiCodecs.get(apiKey, version);
  if (!codecs) throw new Error(`no schema for api ${apiKey} v${version}`);
  const w = new Writer(256);
  w.int32(0);
  w.int16(apiKey);
  w.int16(version);
  w.int32(correlationId);
  w.nullableString(clientId);
  if (codecs.flexible) w.uvarint(0);
  codecs.request.encode(w, body);
  const frame = w.toBuffer();
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

/** Decodes a response frame (without its size prefix). */
export function decodeResponse(apiKey: number, version: number, frame: Buffer): { correlationId: number; body: Record<string, unknown> } {
  const codecs = apiCodecs.get(apiKey, version);
  if (!codecs) throw new Error(`no schema for api ${apiKey} v${version}`);
  const r = new Reader(frame);
  const correlationId = r.int32();
  if (codecs.flexible && apiKey !== API_VERSIONS) {
    for (let n = r.uvarint(); n > 0; n--) {
      r.uvarint();
      r.skip(r.uvarint());
    }
  }
  return { correlationId, body: codecs.response.decode(r) };
}

export class WireClient {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private readonly frames: Buffer[] = [];
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
    this.chunks.push(d);
    this.buffered += d.length;
    for (;;) {
      if (this.buffered < 4) break;
      const head = Buffer.concat(this.chunks);
      this.chunks.length = 0;
      this.chunks.push(head);
      const size = head.readInt32BE(0);
      if (head.length < 4 + size) break;
      this.frames.push(head.subarray(4, 4 + size));
      const rest = head.subarray(4 + size);
      this.chunks.length = 0;
      if (rest.length > 0) this.chunks.push(rest);
      this.buffered = rest.length;
    }
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
