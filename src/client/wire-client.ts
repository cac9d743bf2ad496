import { connect, type Socket } from 'node:net';
import { Reader } from '../protocol/primitives/reader.js';
import { Writer } from '../protocol/primitives/writer.js';
import { defaultCodecs, type ApiCodecs } from '../protocol/api-codec-registry.js';
import { API_VERSIONS_KEY, readResponseHeader, writeRequestHeader } from '../protocol/header.js';
import type { ApiVersionsResponse } from '../protocol/messages/api-versions.js';

/**
 * A request frame, size prefix included, as the writer's parts: record batches passed in the
 * body stay separate buffers, so a large produce reaches the socket without being copied.
 * `registry` defaults to every API (protocol/api-codecs.js must then be loaded).
 */
export function encodeRequestParts(apiKey: number, version: number, correlationId: number, body: Record<string, unknown>, clientId: string | null, registry: ApiCodecs = defaultCodecs()): Buffer[] {
  const codecs = registry.get(apiKey, version);
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
export function encodeRequest(apiKey: number, version: number, correlationId: number, body: Record<string, unknown>, clientId: string | null, registry: ApiCodecs = defaultCodecs()): Buffer {
  const parts = encodeRequestParts(apiKey, version, correlationId, body, clientId, registry);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/**
 * Decodes a response frame (without its size prefix) to a request of (apiKey, version).
 *
 * A broker that does not speak the ApiVersions version asked answers UNSUPPORTED_VERSION in the
 * v0 layout (so that any client can read its list of versions, KIP-511); such a body is decoded
 * as v0 whatever version was asked.
 */
export function decodeResponse(apiKey: number, version: number, frame: Buffer, registry: ApiCodecs = defaultCodecs()): { correlationId: number; body: Record<string, unknown> } {
  const codecs = registry.get(apiKey, version);
  if (!codecs) throw new Error(`no schema for api ${apiKey} v${version}`);
  const r = new Reader(frame);
  const correlationId = readResponseHeader(r, apiKey, codecs.flexible);
  if (apiKey === API_VERSIONS_KEY && version > 0 && frame.length >= 6 && frame.readInt16BE(4) === UNSUPPORTED_VERSION) {
    return { correlationId, body: registry.get(apiKey, 0)!.response.decode(r) };
  }
  return { correlationId, body: codecs.response.decode(r) };
}

const UNSUPPORTED_VERSION = 35;

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
  timer: NodeJS.Timeout | undefined;
}

/** The versions of one API a broker advertises (inclusive). */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/** A connection that failed or timed out; `address` is host:port. */
export class ConnectionError extends Error {
  constructor(
    message: string,
    readonly address: string,
    /** The socket error's code (ECONNREFUSED, ENOTFOUND, ...) or ETIMEDOUT for our own timeouts. */
    readonly code: string,
  ) {
    super(message);
    this.name = 'ConnectionError';
  }
}

export interface WireClientOptions {
  /** Give up connecting after this many ms (default: the OS's own timeout). */
  connectTimeoutMs?: number;
  /** The APIs this connection can speak; default every API (protocol/api-codecs.js, loaded here). */
  codecs?: ApiCodecs;
}

/**
 * A small Kafka connection over Brook's own protocol layer: one socket, pipelined requests,
 * responses matched by correlation id, optional per-request timeouts and ApiVersions
 * negotiation. The benchmarks use it bare (a load generator must be faster than the broker it
 * measures), protocol-level tests too; the client (kafka-client.ts) keeps one per broker.
 */
export class WireClient {
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private readonly frames = new FrameReader((f) => this.onFrame(f));
  private closedError: Error | null = null;
  private versions: ReadonlyMap<number, VersionRange> | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly clientId: string,
    /** host:port, for messages. */
    readonly address: string,
    private readonly codecs: ApiCodecs,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => this.frames.push(c));
    const fail = (err?: Error) => {
      this.closedError = new ConnectionError(
        err ? `connection to ${address} failed: ${err.message}` : `connection to ${address} closed`,
        address,
        (err as NodeJS.ErrnoException | undefined)?.code ?? 'ECONNRESET',
      );
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(this.closedError);
      }
      this.pending.clear();
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
  }

  static async connect(host: string, port: number, clientId = 'brook-wire-client', options: WireClientOptions = {}): Promise<WireClient> {
    const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const codecs = options.codecs ?? (await import('../protocol/api-codecs.js')).apiCodecs;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const s = connect({ host, port }, () => {
        clearTimeout(timer);
        s.off('error', onError);
        resolve(new WireClient(s, clientId, address, codecs));
      });
      const onError = (err: NodeJS.ErrnoException): void => {
        clearTimeout(timer);
        reject(new ConnectionError(`cannot connect to ${address}: ${describeSocketError(err)}`, address, err.code ?? 'ECONNREFUSED'));
      };
      s.once('error', onError);
      if (options.connectTimeoutMs !== undefined) {
        timer = setTimeout(() => {
          s.destroy();
          reject(new ConnectionError(`cannot connect to ${address}: no answer within ${options.connectTimeoutMs} ms`, address, 'ETIMEDOUT'));
        }, options.connectTimeoutMs);
      }
    });
  }

  /** Whether the socket is still usable. */
  get isOpen(): boolean {
    return this.closedError === null;
  }

  /**
   * Sends a request; resolves with the decoded response body. With `timeoutMs`, rejects with a
   * ConnectionError (code ETIMEDOUT) when no response arrived in time; a late response is dropped.
   */
  request<T = Record<string, unknown>>(apiKey: number, version: number, body: Record<string, unknown>, timeoutMs?: number): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (!this.codecs.get(apiKey, version)) return Promise.reject(new Error(`no schema for api ${apiKey} v${version}`));
    const correlationId = this.nextCorrelationId++;
    const parts = encodeRequestParts(apiKey, version, correlationId, body, this.clientId, this.codecs);
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { apiKey, version, resolve: resolve as (v: Record<string, unknown>) => void, reject, timer: undefined };
      if (timeoutMs !== undefined) {
        pending.timer = setTimeout(() => {
          this.pending.delete(correlationId);
          const name = this.codecs.schema(apiKey)?.name ?? `api ${apiKey}`;
          reject(new ConnectionError(`${this.address} did not answer ${name} within ${timeoutMs} ms`, this.address, 'ETIMEDOUT'));
        }, timeoutMs);
      }
      this.pending.set(correlationId, pending);
      this.socket.cork();
      for (const p of parts) this.socket.write(p);
      this.socket.uncork();
    });
  }

  /**
   * Asks the broker which versions of each API it speaks (ApiVersions, at the highest version
   * both sides know) and keeps the answer for version().
   */
  async negotiateVersions(softwareName = 'brook', softwareVersion = '0', timeoutMs?: number): Promise<ReadonlyMap<number, VersionRange>> {
    const ours = this.codecs.versionRange(API_VERSIONS_KEY)!;
    let version = ours.max;
    for (;;) {
      const res = await this.request<ApiVersionsResponse>(API_VERSIONS_KEY, version, { clientSoftwareName: softwareName, clientSoftwareVersion: softwareVersion }, timeoutMs);
      const theirs = res.apiKeys.find((k) => k.apiKey === API_VERSIONS_KEY);
      if (res.errorCode === UNSUPPORTED_VERSION && theirs && theirs.maxVersion < version) {
        version = Math.max(theirs.minVersion, Math.min(theirs.maxVersion, ours.max));
        continue;
      }
      if (res.errorCode !== 0) throw new Error(`ApiVersions failed with error code ${res.errorCode}`);
      this.versions = new Map(res.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
      return this.versions;
    }
  }

  /** The broker's versions from negotiateVersions(); undefined before it. */
  get brokerVersions(): ReadonlyMap<number, VersionRange> | undefined {
    return this.versions;
  }

  /**
   * The highest version of `apiKey` that both this client's schemas and the broker speak, no
   * higher than `max` and no lower than `min`; undefined when there is none (or before
   * negotiateVersions()).
   */
  version(apiKey: number, min = 0, max = Number.POSITIVE_INFINITY): number | undefined {
    const theirs = this.versions?.get(apiKey);
    const ours = this.codecs.versionRange(apiKey);
    if (!theirs || !ours) return undefined;
    const v = Math.min(theirs.max, ours.max, max);
    return v >= Math.max(theirs.min, ours.min, min) ? v : undefined;
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
    clearTimeout(p.timer);
    try {
      p.resolve(decodeResponse(p.apiKey, p.version, frame, this.codecs).body);
    } catch (err) {
      p.reject(err as Error);
    }
  }
}

function describeSocketError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is a broker listening there?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    default:
      return err.message;
  }
}
