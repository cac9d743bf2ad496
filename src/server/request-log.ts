/**
 * One debug line per request, written once it has been answered: the API and version, who sent
 * it (client id, address, connection), its correlation id, how long the broker took (ms, from
 * decoding to the response being ready) and the error codes found in the response, counted by
 * name. A connection creates a RequestTrace only when debug is enabled, checked once per
 * request, so the hot path pays one level check when it is not.
 */
import type { Logger } from 'pino';
import { errorName } from '../protocol/errors.js';

export class RequestTrace {
  private readonly started = performance.now();
  /** Known once the rest of the header is decoded. */
  clientId: string | null = null;

  private constructor(
    private readonly log: Logger,
    private readonly api: string,
    private readonly apiVersion: number,
    private readonly correlationId: number,
    private readonly client: string,
    private readonly connectionId: number,
  ) {}

  /** A trace when the logger writes debug lines, else null. */
  static start(log: Logger, api: string, apiVersion: number, correlationId: number, client: string, connectionId: number): RequestTrace | null {
    return log.isLevelEnabled('debug') ? new RequestTrace(log, api, apiVersion, correlationId, client, connectionId) : null;
  }

  /** The response body (before encoding); null when the request gets no response (acks=0). */
  answered(body: unknown): void {
    const errors = body === null ? undefined : errorCounts(body);
    this.write(body === null ? { response: 'none' } : errors ? { errors } : {}, 'request');
  }

  /** The request got no answer and its connection is closing. */
  closed(reason: string): void {
    this.write({ response: 'none', reason }, 'request: closing connection');
  }

  private write(extra: Record<string, unknown>, msg: string): void {
    const ms = Math.round((performance.now() - this.started) * 1000) / 1000;
    this.log.debug({ api: this.api, version: this.apiVersion, clientId: this.clientId, client: this.client, connection: this.connectionId, correlationId: this.correlationId, ms, ...extra }, msg);
  }
}

/** Bounds the walk: response bodies nest topics > partitions > a few levels more at most. */
const MAX_DEPTH = 8;

/**
 * Every non-zero `errorCode` in a response body (top level, per topic, per partition, ...),
 * counted by error name; undefined when there is none. Byte fields (records) are skipped.
 */
export function errorCounts(body: unknown): Record<string, number> | undefined {
  let counts: Record<string, number> | undefined;
  const walk = (v: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return;
    if (Array.isArray(v)) {
      for (const item of v) walk(item, depth + 1);
      return;
    }
    for (const [key, field] of Object.entries(v)) {
      if (key === 'errorCode') {
        if (typeof field === 'number' && field !== 0) {
          counts ??= {};
          const name = errorName(field);
          counts[name] = (counts[name] ?? 0) + 1;
        }
      } else if (field !== null && typeof field === 'object') {
        walk(field, depth + 1);
      }
    }
  };
  walk(body, 0);
  return counts;
}
