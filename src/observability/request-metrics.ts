// Kafka's RequestMetrics per API (requests by version, errors by code, total time) and the
// BrokerTopicMetrics of Produce and Fetch, fed by the connection once a request is answered.
// The per-request cost is a few array and field increments; see bench/metrics-overhead.ts.
import type { Handler } from '../handlers/handler.js';
import type { FetchResponse } from '../protocol/messages/fetch.js';
import type { ProduceRequest, ProduceResponse } from '../protocol/messages/produce.js';
import type { RequestObserver } from '../server/request-hooks.js';
import { errorCounts } from '../server/request-log.js';
import type { AccumulatedHistogram, HistogramCell } from './accumulated-histogram.js';
import { type ErrorTally, tally, TopicTraffic, type TopicLookup } from './topic-traffic.js';

const PRODUCE = 0;
const FETCH = 1;

/** One API's counters; `name` is Kafka's request name (Produce, Fetch, JoinGroup, ...). */
export class ApiStats {
  /** requests[v]: requests answered at version v. */
  readonly requests: number[] = [];
  readonly errors: ErrorTally = new Map();

  constructor(
    readonly name: string,
    readonly latency: HistogramCell,
  ) {}
}

export class RequestMetrics implements RequestObserver {
  /** Indexed by API key. */
  readonly apis: (ApiStats | undefined)[] = [];
  readonly traffic: TopicTraffic;

  constructor(
    topics: TopicLookup,
    private readonly totalTime: AccumulatedHistogram,
  ) {
    this.traffic = new TopicTraffic(topics);
  }

  answered(handler: Handler, apiVersion: number, request: unknown, response: unknown, startedMs: number): void {
    const ms = performance.now() - startedMs;
    let api = this.apis[handler.apiKey];
    if (api === undefined) {
      api = new ApiStats(handler.name, this.totalTime.cell(handler.name));
      this.apis[handler.apiKey] = api;
    }
    api.requests[apiVersion] = (api.requests[apiVersion] ?? 0) + 1;
    api.latency.observe(ms);
    if (request === undefined || response === null) {
      // Not decoded (unsupported version: one top-level code), or no answer at all (acks=0).
      const code = (response as { errorCode?: number } | null)?.errorCode;
      if (code !== undefined && code !== 0) tally(api.errors, code);
      if (handler.apiKey === PRODUCE && request !== undefined) this.traffic.produce(request as ProduceRequest, null, api.errors);
      return;
    }
    const body = response as { errorCode?: number; responses?: unknown };
    if ((handler.apiKey === PRODUCE || handler.apiKey === FETCH) && body.responses !== undefined) {
      if (handler.apiKey === PRODUCE) this.traffic.produce(request as ProduceRequest, response as ProduceResponse, api.errors);
      else {
        if (body.errorCode !== undefined && body.errorCode !== 0) tally(api.errors, body.errorCode);
        this.traffic.fetch(apiVersion, response as FetchResponse, api.errors);
      }
      return;
    }
    // Other APIs, and a Produce or Fetch that failed in its handler ({ errorCode } only).
    const counts = errorCounts(response);
    if (counts !== undefined) for (const [name, n] of Object.entries(counts)) api.errors.set(name, (api.errors.get(name) ?? 0) + n);
  }
}
