// What the connection layer lets others see and change of a request, without knowing who they
// are: metrics observe every answered request, the test-control API may answer, delay or drop
// one. Both are optional; a broker without them pays one null check per request for each.
import type { Handler, HandlerResult, RequestContext } from '../handlers/handler.js';

export interface RequestObserver {
  /**
   * Called once the response is encoded (or, for a request that gets none, such as an acks=0
   * produce, with `response` null). `request` is the decoded body, undefined when the version
   * was not supported; `startedMs` is performance.now() when the frame was dispatched.
   */
  answered(handler: Handler, apiVersion: number, request: unknown, response: unknown, startedMs: number): void;
}

export interface RequestInterceptor {
  /** True while some rule is armed; read once per request, so an idle interceptor costs nothing more. */
  readonly armed: boolean;
  /** Runs the request in the handler's place; may call `handler.handle` itself, or not at all. */
  intercept(handler: Handler, request: unknown, ctx: RequestContext): HandlerResult<unknown>;
}

/** A connection as the control API sees it when choosing which to close. */
export interface ConnectionInfo {
  readonly id: number;
  /** Client id of the last request decoded on it; null before the first. */
  readonly clientId: string | null;
  /** host:port of the client. */
  readonly clientHost: string;
}
