import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { Reader } from '../protocol/primitives/reader.js';
import { Writer } from '../protocol/primitives/writer.js';
import { API_VERSIONS_KEY, readRequestHeaderPrefix, readRequestHeaderRest, writeResponseHeader } from '../protocol/header.js';
import { apiCodecs } from '../protocol/api-codecs.js';
import { ErrorCode } from '../protocol/errors.js';
import { inVersions } from '../protocol/schema/types.js';
import { CLOSE_CONNECTION, NO_RESPONSE, type Handler, type RequestContext } from '../handlers/handler.js';
import type { BrokerContext } from '../handlers/broker-context.js';
import type { RateLimitedLog } from './rate-limited-log.js';
import { RequestTrace } from './request-log.js';

export interface ConnectionOptions {
  readonly id: number;
  readonly handlers: ReadonlyMap<number, Handler>;
  readonly broker: BrokerContext;
  readonly maxRequestBytes: number;
  readonly log: Logger;
  /** Warnings a client can provoke at will go through this (shared by the server's connections). */
  readonly warnings: RateLimitedLog;
  readonly onClose: () => void;
}

/** A response slot: filled when its handler finishes; slots leave strictly in request order. */
interface Slot {
  done: boolean;
  chunks: Buffer[] | null;
}

/**
 * One client connection: reassembles frames from socket chunks, dispatches each request as it
 * arrives (clients pipeline), and writes responses in request order, corked so that a burst of
 * finished responses leaves in one writev. Reading pauses while the socket is not draining.
 */
export class Connection {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private readonly slots: Slot[] = [];
  private closed = false;
  private readonly clientHost: string;

  constructor(
    private readonly socket: Socket,
    private readonly opts: ConnectionOptions,
  ) {
    this.clientHost = `${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => socket.resume());
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.opts.onClose();
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (!this.closed && this.buffered >= 4) {
      const size = this.peekSize();
      // Checked before anything is allocated for the frame (socket.request.max.bytes).
      if (size < 0 || size > this.opts.maxRequestBytes) {
        this.warn({ size }, 'closing connection: request size out of bounds');
        return this.close();
      }
      if (this.buffered < 4 + size) return;
      this.take(4);
      this.dispatch(this.take(size));
    }
  }

  private peekSize(): number {
    const first = this.chunks[0];
    if (first.length >= 4) return first.readInt32BE(0);
    const head = Buffer.concat(this.chunks, Math.min(this.buffered, 4));
    return head.readInt32BE(0);
  }

  /** Removes n bytes from the chunk list; copies only when a frame spans chunks. */
  private take(n: number): Buffer {
    // A zero-length frame: the chunk list may be empty here, and there is nothing to take.
    if (n === 0) return Buffer.alloc(0);
    this.buffered -= n;
    const first = this.chunks[0];
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0];
      const use = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, use);
      filled += use;
      if (use === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(use);
    }
    return out;
  }

  private dispatch(frame: Buffer): void {
    const r = new Reader(frame);
    let header;
    try {
      header = readRequestHeaderPrefix(r);
    } catch {
      this.warn({ size: frame.length }, 'closing connection: malformed request header');
      return this.close();
    }
    const { apiKey, apiVersion, correlationId } = header;
    const handler = this.opts.handlers.get(apiKey);
    if (!handler) {
      this.warn({ apiKey, apiVersion }, 'closing connection: unknown API key');
      return this.close();
    }
    const trace = RequestTrace.start(this.opts.log, handler.name, apiVersion, correlationId, this.clientHost, this.opts.id);
    const supported = apiVersion >= handler.minVersion && apiVersion <= handler.maxVersion;
    const codecs = apiCodecs.get(apiKey, apiVersion);
    const slot: Slot = { done: false, chunks: null };
    this.slots.push(slot);

    if (!supported || !codecs) {
      if (apiKey === API_VERSIONS_KEY) {
        // KIP-511: answer an unknown ApiVersions version with a v0 response listing what we
        // support, so the client can retry with a version we speak.
        const v0 = apiCodecs.get(apiKey, 0)!;
        const ctx = this.context(0, correlationId, null);
        const res = handler.handle({} as never, ctx) as Record<string, unknown>;
        trace?.answered({ errorCode: ErrorCode.UNSUPPORTED_VERSION });
        return this.complete(slot, this.encode(apiKey, correlationId, false, v0.response.encode, { ...res, errorCode: ErrorCode.UNSUPPORTED_VERSION }));
      }
      if (!codecs) {
        trace?.closed('unsupported version');
        return this.close();
      }
      trace?.answered({ errorCode: ErrorCode.UNSUPPORTED_VERSION });
      return this.complete(slot, this.encodeError(apiKey, apiVersion, correlationId, codecs, ErrorCode.UNSUPPORTED_VERSION));
    }

    let request: unknown;
    let clientId: string | null;
    try {
      clientId = readRequestHeaderRest(r, codecs.flexible);
      request = codecs.request.decode(r);
    } catch (err) {
      this.warn({ apiKey, apiVersion, err: String(err) }, 'closing connection: malformed request');
      return this.close();
    }
    if (trace) trace.clientId = clientId;
    const ctx = this.context(apiVersion, correlationId, clientId);
    const onError = (err: unknown): void => {
      this.opts.log.error({ err, apiKey, apiVersion, client: this.clientHost }, 'handler failed');
      trace?.answered({ errorCode: ErrorCode.UNKNOWN_SERVER_ERROR });
      this.complete(slot, this.encodeError(apiKey, apiVersion, correlationId, codecs, ErrorCode.UNKNOWN_SERVER_ERROR));
    };
    const onResult = (res: unknown): void => {
      if (res === NO_RESPONSE) {
        trace?.answered(null);
        return this.complete(slot, null);
      }
      if (res === CLOSE_CONNECTION) {
        trace?.closed('handler closed the connection');
        return this.close();
      }
      try {
        const chunks = this.encode(apiKey, correlationId, codecs.flexible, codecs.response.encode, res as Record<string, unknown>);
        trace?.answered(res);
        this.complete(slot, chunks);
      } catch (err) {
        onError(err);
      }
    };
    try {
      const result = handler.handle(request as never, ctx);
      if (result instanceof Promise) result.then(onResult, onError);
      else onResult(result);
    } catch (err) {
      onError(err);
    }
  }

  /** Rate-limited per client address: a client can provoke these as often as it likes. */
  private warn(fields: Record<string, unknown>, msg: string): void {
    this.opts.warnings.warn(this.socket.remoteAddress ?? '', { client: this.clientHost, ...fields }, msg);
  }

  private context(apiVersion: number, correlationId: number, clientId: string | null): RequestContext {
    return { apiVersion, correlationId, clientId, clientHost: this.clientHost, connectionId: this.opts.id, broker: this.opts.broker };
  }

  private encode(apiKey: number, correlationId: number, flexible: boolean, encode: (w: Writer, v: Record<string, unknown>) => void, body: Record<string, unknown>): Buffer[] {
    const w = new Writer(1024);
    w.int32(0); // size, patched below
    writeResponseHeader(w, apiKey, correlationId, flexible);
    encode(w, body);
    const size = w.length - 4;
    const chunks = w.finish();
    chunks[0].writeInt32BE(size, 0);
    return chunks;
  }

  /**
   * Kafka's generic error answer: a default response carrying the code at the top level. An
   * API whose response has no top-level error code cannot say it, so the connection closes.
   */
  private encodeError(apiKey: number, apiVersion: number, correlationId: number, codecs: NonNullable<ReturnType<typeof apiCodecs.get>>, code: number): Buffer[] | null {
    const schema = apiCodecs.schema(apiKey)!;
    // The field must exist in this version: Fetch v0-6 has no top-level errorCode, and encoding
    // one there would send an error-free (empty) answer.
    if (!schema.response.fields.some((f) => f.name === 'errorCode' && inVersions(f.versions, apiVersion))) {
      this.close();
      return null;
    }
    return this.encode(apiKey, correlationId, codecs.flexible, codecs.response.encode, { errorCode: code });
  }

  private complete(slot: Slot, chunks: Buffer[] | null): void {
    slot.done = true;
    slot.chunks = chunks;
    if (this.closed || this.slots[0] !== slot) return;
    this.socket.cork();
    let draining = true;
    while (this.slots.length > 0 && this.slots[0].done) {
      const s = this.slots.shift()!;
      if (s.chunks) for (const c of s.chunks) draining = this.socket.write(c);
    }
    this.socket.uncork();
    if (!draining) this.socket.pause();
  }
}
