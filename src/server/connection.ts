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
import type { MemoryPool } from './memory-pool.js';
import { FrameBuffer } from './frame-buffer.js';
import type { ConnectionInfo, RequestInterceptor, RequestObserver } from './request-hooks.js';

export interface ConnectionOptions {
  readonly id: number;
  readonly handlers: ReadonlyMap<number, Handler>;
  readonly broker: BrokerContext;
  readonly maxRequestBytes: number;
  /** queued.max.request.bytes, shared by all connections. */
  readonly memory: MemoryPool;
  /** queued.max.requests: requests read and not yet answered before reading stops. */
  readonly maxInFlight: number;
  readonly log: Logger;
  /** Warnings a client can provoke at will go through this (shared by the server's connections). */
  readonly warnings: RateLimitedLog;
  readonly onClose: () => void;
  /** Metrics; null when off. */
  readonly observer?: RequestObserver | null;
  /** The test-control API; null when the broker has none. */
  readonly control?: RequestInterceptor | null;
}

/** A response slot: filled when its handler finishes; slots leave strictly in request order. */
interface Slot {
  done: boolean;
  chunks: Buffer[] | null;
  /** Reserved in the memory pool for the request; 0 once released. */
  bytes: number;
  /** Handed to the socket. */
  sent: boolean;
}

/** A frame whose size is known and whose bytes are reserved, filled as they arrive. */
interface Incoming {
  readonly size: number;
  /** Set when the frame spans reads. */
  buf: FrameBuffer | null;
}

/**
 * One client connection: reassembles frames from socket chunks, dispatches each request as it
 * arrives (clients pipeline), and writes responses in request order, corked so that a burst of
 * finished responses leaves in one writev. Reading pauses while the socket is not draining,
 * while queued.max.requests requests are unanswered, and while the next request's bytes cannot
 * be reserved in the broker's memory pool.
 */
export class Connection implements ConnectionInfo {
  /** Bytes read but not yet part of a frame: at most what one read brought beyond a frame. */
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private readonly slots: Slot[] = [];
  private closed = false;
  readonly clientHost: string;
  clientId: string | null = null;
  /** The frame being received; its size is reserved in the pool. */
  private incoming: Incoming | null = null;
  /** Withdraws a pending reservation; set while waiting for memory. */
  private cancelWait: (() => void) | null = null;
  private writeBlocked = false;
  /** The request of a one-per-connection API being handled or whose answer has not drained. */
  private exclusive: Slot | null = null;
  /** Requests of one-per-connection APIs waiting for it, in arrival order. */
  private readonly waitingExclusive: { slot: Slot; run: () => void }[] = [];
  private paused = false;
  private reading = false;

  constructor(
    private readonly socket: Socket,
    private readonly opts: ConnectionOptions,
  ) {
    this.clientHost = `${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.writeBlocked = false;
      this.nextExclusive();
      this.read();
    });
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  get id(): number {
    return this.opts.id;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.cancelWait?.();
    this.cancelWait = null;
    if (this.incoming) {
      this.incoming.buf?.discard();
      this.opts.memory.release(this.incoming.size);
    }
    this.incoming = null;
    this.chunks.length = 0;
    this.buffered = 0;
    // Unfinished requests release their bytes when their handlers finish (complete()).
    for (const s of this.slots) if (s.done) this.release(s);
    for (const w of this.waitingExclusive) this.release(w.slot); // never to be handled
    this.waitingExclusive.length = 0;
    this.slots.length = 0;
    this.opts.onClose();
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.read();
  }

  /** Frames what is buffered, as far as the limits allow, then pauses or resumes the socket. */
  private read(): void {
    // Re-entered when a request dispatched below completes synchronously: the running loop
    // picks up the new state, and recursion would grow with the frames buffered.
    if (this.reading || this.closed) return;
    this.reading = true;
    try {
      this.readFrames();
    } finally {
      this.reading = false;
    }
    if (!this.closed) this.setPaused(this.writeBlocked || this.cancelWait !== null || this.slots.length >= this.opts.maxInFlight);
  }

  private readFrames(): void {
    while (!this.closed && !this.writeBlocked && this.cancelWait === null && this.slots.length < this.opts.maxInFlight) {
      if (this.incoming === null) {
        if (this.buffered < 4) return;
        const size = this.peekSize();
        // Checked before anything is allocated for the frame (socket.request.max.bytes).
        if (size < 0 || size > this.opts.maxRequestBytes) {
          this.warn({ size }, 'closing connection: request size out of bounds');
          return this.close();
        }
        if (!this.opts.memory.tryAllocate(size)) {
          this.cancelWait = this.opts.memory.waitFor(size, () => {
            this.cancelWait = null;
            this.admit(size);
            this.read();
          });
          return;
        }
        this.admit(size);
      }
      const frame = this.fill(this.incoming!);
      if (!frame) return;
      this.incoming = null;
      this.dispatch(frame, frame.length);
    }
  }

  /** The frame's bytes are reserved: consume its size prefix. */
  private admit(size: number): void {
    this.take(4);
    this.incoming = { size, buf: null };
  }

  /** The whole frame once it has arrived, else null. One inside what is buffered is a slice of it. */
  private fill(f: Incoming): Buffer | null {
    if (f.buf === null) {
      if (this.buffered >= f.size) return this.take(f.size);
      f.buf = new FrameBuffer(f.size);
    }
    while (!f.buf.complete && this.chunks.length > 0) {
      const c = this.chunks[0];
      const used = f.buf.write(c);
      this.buffered -= used;
      if (used === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(used);
    }
    return f.buf.complete ? f.buf.take() : null;
  }

  private setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    if (paused) this.socket.pause();
    else this.socket.resume();
  }

  private release(slot: Slot): void {
    this.opts.memory.release(slot.bytes);
    slot.bytes = 0;
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

  /** `bytes`: reserved for this request in the pool, released once its response is written. */
  private dispatch(frame: Buffer, bytes: number): void {
    const r = new Reader(frame);
    const slot: Slot = { done: false, chunks: null, bytes, sent: false };
    let header;
    try {
      header = readRequestHeaderPrefix(r);
    } catch {
      this.warn({ size: frame.length }, 'closing connection: malformed request header');
      this.release(slot);
      return this.close();
    }
    const { apiKey, apiVersion, correlationId } = header;
    const handler = this.opts.handlers.get(apiKey);
    if (!handler) {
      this.warn({ apiKey, apiVersion }, 'closing connection: unknown API key');
      this.release(slot);
      return this.close();
    }
    const trace = RequestTrace.start(this.opts.log, handler.name, apiVersion, correlationId, this.clientHost, this.opts.id);
    const observer = this.opts.observer ?? null;
    const started = observer === null ? 0 : performance.now();
    const supported = apiVersion >= handler.minVersion && apiVersion <= handler.maxVersion;
    const codecs = apiCodecs.get(apiKey, apiVersion);
    this.slots.push(slot);

    if (!supported || !codecs) {
      if (apiKey === API_VERSIONS_KEY) {
        // KIP-511: answer an unknown ApiVersions version with a v0 response listing what we
        // support, so the client can retry with a version we speak.
        const v0 = apiCodecs.get(apiKey, 0)!;
        const ctx = this.context(0, correlationId, null);
        const res = handler.handle({} as never, ctx) as Record<string, unknown>;
        trace?.answered({ errorCode: ErrorCode.UNSUPPORTED_VERSION });
        observer?.answered(handler, apiVersion, undefined, { errorCode: ErrorCode.UNSUPPORTED_VERSION }, started);
        return this.complete(slot, this.encode(apiKey, correlationId, false, v0.response.encode, { ...res, errorCode: ErrorCode.UNSUPPORTED_VERSION }));
      }
      if (!codecs) {
        trace?.closed('unsupported version');
        this.close();
        return this.complete(slot, null);
      }
      trace?.answered({ errorCode: ErrorCode.UNSUPPORTED_VERSION });
      observer?.answered(handler, apiVersion, undefined, { errorCode: ErrorCode.UNSUPPORTED_VERSION }, started);
      return this.complete(slot, this.encodeError(apiKey, apiVersion, correlationId, codecs, ErrorCode.UNSUPPORTED_VERSION));
    }

    let request: unknown;
    let clientId: string | null;
    try {
      clientId = readRequestHeaderRest(r, codecs.flexible);
      request = codecs.request.decode(r);
    } catch (err) {
      this.warn({ apiKey, apiVersion, err: String(err) }, 'closing connection: malformed request');
      this.close();
      return this.complete(slot, null);
    }
    if (trace) trace.clientId = clientId;
    this.clientId = clientId;
    const ctx = this.context(apiVersion, correlationId, clientId);
    const onError = (err: unknown): void => {
      this.opts.log.error({ err, apiKey, apiVersion, client: this.clientHost }, 'handler failed');
      trace?.answered({ errorCode: ErrorCode.UNKNOWN_SERVER_ERROR });
      observer?.answered(handler, apiVersion, request, { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR }, started);
      this.complete(slot, this.encodeError(apiKey, apiVersion, correlationId, codecs, ErrorCode.UNKNOWN_SERVER_ERROR));
    };
    const onResult = (res: unknown): void => {
      if (res === NO_RESPONSE) {
        trace?.answered(null);
        observer?.answered(handler, apiVersion, request, null, started);
        return this.complete(slot, null);
      }
      if (res === CLOSE_CONNECTION) {
        trace?.closed('handler closed the connection');
        this.close();
        return this.complete(slot, null);
      }
      try {
        const chunks = this.encode(apiKey, correlationId, codecs.flexible, codecs.response.encode, res as Record<string, unknown>);
        trace?.answered(res);
        observer?.answered(handler, apiVersion, request, res, started);
        this.complete(slot, chunks);
      } catch (err) {
        onError(err);
      }
    };
    const run = (): void => {
      try {
        const control = this.opts.control ?? null;
        const result = control !== null && control.armed ? control.intercept(handler, request, ctx) : handler.handle(request as never, ctx);
        if (result instanceof Promise) result.then(onResult, onError);
        else onResult(result);
      } catch (err) {
        onError(err);
      }
    };
    if (!handler.onePerConnection) return run();
    if (this.exclusive !== null) return void this.waitingExclusive.push({ slot, run });
    this.exclusive = slot;
    run();
  }

  /** Starts the next waiting one-per-connection request once the previous answer has drained. */
  private nextExclusive(): void {
    if (this.closed || this.exclusive === null || !this.exclusive.sent || this.writeBlocked) return;
    const next = this.waitingExclusive.shift();
    this.exclusive = next?.slot ?? null;
    next?.run();
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

  /** Records a finished request; every dispatched slot passes here exactly once. */
  private complete(slot: Slot, chunks: Buffer[] | null): void {
    slot.done = true;
    slot.chunks = chunks;
    if (this.closed) return this.release(slot);
    if (this.slots[0] !== slot) return;
    this.socket.cork();
    let draining = true;
    let written = 0;
    while (this.slots.length > 0 && this.slots[0].done) {
      const s = this.slots.shift()!;
      if (s.chunks) for (const c of s.chunks) draining = this.socket.write(c);
      s.chunks = null;
      s.sent = true;
      written += s.bytes;
      s.bytes = 0;
    }
    this.socket.uncork();
    if (!draining) this.writeBlocked = true;
    // After the writes: waking a waiting connection may run its requests right here.
    this.opts.memory.release(written);
    this.nextExclusive();
    this.read();
  }
}
