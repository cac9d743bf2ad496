import type { BrokerContext } from './broker-context.js';

/** Returned by a handler that must not answer at all (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('no response');
/** Returned to answer nothing and close the connection (acks=0 produce that failed, as Kafka does). */
export const CLOSE_CONNECTION: unique symbol = Symbol('close connection');

export interface RequestContext {
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  /** host:port of the client, for logs and DescribeGroups' clientHost. */
  readonly clientHost: string;
  readonly connectionId: number;
  readonly broker: BrokerContext;
}

type Special = typeof NO_RESPONSE | typeof CLOSE_CONNECTION;
export type HandlerResult<Res> = Res | Special | Promise<Res | Special>;

/**
 * One Kafka API. `minVersion..maxVersion` is what ApiVersions advertises, so a handler claims
 * only versions it really implements.
 */
export interface Handler<Req = never, Res = unknown> {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * Handle at most one request of this API per connection at a time: the next waits until the
   * previous answer has left the process (its socket drained). For APIs whose answers can be
   * large (Fetch: up to fetch.max.bytes), so that a client pipelining them without reading
   * cannot make the broker hold one answer per request. Kafka handles every request this way.
   */
  readonly onePerConnection?: boolean;
  handle(request: Req, ctx: RequestContext): HandlerResult<Res>;
}

/** Lets each handler file keep its request and response types while the registry holds them all. */
export function defineHandler<Req, Res>(h: Handler<Req, Res>): Handler<Req, Res> {
  return h;
}
