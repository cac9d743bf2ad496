import { connect, type Socket } from 'node:net';
import { Reader } from '../protocol/primitives/reader.js';
import { Writer } from '../protocol/primitives/writer.js';
import { apiCodecs } from '../protocol/api-codecs.js';
import { readResponseHeader, writeRequestHeader } from '../protocol/header.js';

/**
 * A request frame, size prefix included, as the writer's parts: record batches passed in the
 * body stay separate buffers, so a large produce reaches the socket without being copied.
 */
export function encodeRequestParts(apiKey: number, version: number, correlationId: number, body: Record<string, unknown>, clientId: string | null): Buffer[] {
  const codecs = apiCodecs.get(apiKey, version);
  if (!codecs) throw new Error(`no schema for api ${apiKey} v${version}`);
  const w = new Writer(256);
  w.int32(0); // size, patched below
  writeRequestHeader(w, { apiKey, apiVersion: version, correlationId, clientId }, codecs.flexible);
  codecs.request.encode(w, body);
  const size = w.length - 4;
  const parts = w.finish();
  parts[0].writeInt32BE(size, 0);
  return parts;
}

/** The same frame as one buffer (for callers that inspect or mutate the bytes). */
export function encodeRequest(apiKey: number, version: number, correlationId: number, body: Record<string, unknown>, clientId: string | null): Buffer {
  const parts = encodeRequestParts(apiKey, version, correlationId, body, clientId);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/** Decodes a response frame (without its size prefix) to a request of (apiKey, version). */
export function decodeResponse(apiKey: number, version: number, frame: Buffer): { correlationId: number; body: Record<string, unknown> } {
  const codecs = apiCodecs.get(apiKey, version);
  if (!codecs) throw new Error(`no schema for api ${apiKey} v${version}`);
  const r = new Reader(frame);
  const correlationId = readResponseHeader(r, apiKey, codecs.flexible);
  return { correlationId, body: codecs.response.decode(r) };
}

/**
 * Reassembles size-prefixed frames from socket chunks and hands each frame on without its size.
 * Copies only when a frame spans chunks.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly onFrame: (frame: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 4) {
      const head = this.chunks[0].length >= 4 ? this.chunks[0] : Buffer.concat(this.chunks, 4);
      const size = head.readInt32BE(0);
      if (this.buffered < 4 + size) return;
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      const frame = all.subarray(4, 4 + size);
      const rest = all.subarray(4 + size);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.onFrame(frame);
    }
  }
}

interface Pending {
  apiKey: number;
  version: number;
  resolve(v: Record<string, unknown>): void;
  reject(e: Error): void;
}

/**
 * A minimal Kafka client over Brook's own protocol layer: one connection, pipelined requests,
 * responses matched by correlation id. Used by the benchmarks (a load generator must be faster
 * than the broker it measures) and by protocol-level tests; not a public client.
 */
export class WireClient {
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private readonly frames = new FrameReader((f) => this.onFrame(f));
  private closedError: Error | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly clientId: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => this.frames.push(c));
    const fail = (err?: Error) => {
      this.closedError = err ?? new Error('connection closed');
      for (const p of this.pending.values()) p.reject(this.closedError);
      this.pending.clear();
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
  }

  static connect(host: string, port: number, clientId = 'brook-wire-client'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port }, () => {
        s.off('error', reject);
        resolve(new WireClient(s, clientId));
      });
      s.once('error', reject);
    });
  }

  /** Sends a request; resolves with the decoded response body. */
  request<T = Record<string, unknown>>(apiKey: number, version: number, body: Record<string, unknown>): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (!apiCodecs.get(apiKey, version)) return Promise.reject(new Error(`no schema for api ${apiKey} v${version}`));
    const correlationId = this.nextCorrelationId++;
    const parts = encodeRequestParts(apiKey, version, correlationId, body, this.clientId);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(correlationId, { apiKey, version, resolve: resolve as (v: Record<string, unknown>) => void, reject });
      this.socket.cork();
      for (const p of parts) this.socket.write(p);
      this.socket.uncork();
    });
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  send(apiKey: number, version: number, body: Record<string, unknown>): void {
    void this.request(apiKey, version, body).catch(() => undefined);
    this.pending.delete(this.nextCorrelationId - 1);
  }

  close(): void {
    this.socket.destroy();
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const p = this.pending.get(correlationId);
    if (!p) return;
    this.pending.delete(correlationId);
    try {
      p.resolve(decodeResponse(p.apiKey, p.version, frame).body);
    } catch (err) {
      p.reject(err as Error);
    }
  }
}
