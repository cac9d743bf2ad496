import type { Reader } from './primitives/reader.js';
import type { Writer } from './primitives/writer.js';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export const API_VERSIONS_KEY = 18;

/**
 * Request header v1 (clientId as a classic nullable string, even in v2) and, for flexible
 * request versions, v2's tagged fields. Header v0 (no clientId) belonged only to
 * ControlledShutdown v0, which no client sends any more.
 */
export function readRequestHeaderPrefix(r: Reader): Omit<RequestHeader, 'clientId'> {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  return { apiKey, apiVersion, correlationId };
}

export function readRequestHeaderRest(r: Reader, flexible: boolean): string | null {
  const clientId = r.nullableString();
  if (flexible) skipTaggedFields(r);
  return clientId;
}

/** Request header v1/v2, as a client writes it (the broker's reader is above). */
export function writeRequestHeader(w: Writer, h: RequestHeader, flexible: boolean): void {
  w.int16(h.apiKey);
  w.int16(h.apiVersion);
  w.int32(h.correlationId);
  w.nullableString(h.clientId);
  if (flexible) w.uvarint(0);
}

function skipTaggedFields(r: Reader): void {
  for (let n = r.uvarint(); n > 0; n--) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}

/**
 * Response header: v1 (with tagged fields) for flexible versions, except that the ApiVersions
 * response always uses v0 so that a client can parse it before it knows which versions the
 * broker speaks (KIP-511). This is the one place that quirk lives.
 */
export function writeResponseHeader(w: Writer, apiKey: number, correlationId: number, flexible: boolean): void {
  w.int32(correlationId);
  if (flexible && apiKey !== API_VERSIONS_KEY) w.uvarint(0);
}

/** The client's side of the same rule: returns the correlation id. */
export function readResponseHeader(r: Reader, apiKey: number, flexible: boolean): number {
  const correlationId = r.int32();
  if (flexible && apiKey !== API_VERSIONS_KEY) skipTaggedFields(r);
  return correlationId;
}
