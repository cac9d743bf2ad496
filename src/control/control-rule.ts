// One armed misbehaviour of the test-control API: which requests it matches and how many more
// it acts on. Counting is exact: each matching request uses one, in arrival order.
import type { Handler, RequestContext } from '../handlers/handler.js';
import { type PartitionFilter, requestTouches } from './error-responses.js';

/** Which requests a rule applies to; every field given must match. */
export interface RequestMatch {
  /** Kafka's API name ('Produce', 'Fetch', 'JoinGroup', ...) or its key (0, 1, 11, ...). */
  readonly api?: string | number;
  /** Only requests whose header carries this client id. */
  readonly clientId?: string;
  /** Only requests naming this topic (Produce, Fetch, ListOffsets, OffsetCommit, DeleteRecords, OffsetForLeaderEpoch, Metadata). */
  readonly topic?: string;
  /** With `topic`: only this partition of it. */
  readonly partition?: number;
}

/** What arming a rule returns: its counts, a promise for its end, a way to disarm it. */
export interface ControlRule {
  /** Requests it has acted on so far. */
  readonly matched: number;
  /** Requests it will still act on; Infinity for a rule that lasts until removed. */
  readonly remaining: number;
  /** Resolves once the rule has acted on as many requests as it was armed for, or is removed. */
  readonly done: Promise<void>;
  remove(): void;
}

export type RuleAction =
  | { readonly kind: 'fail'; readonly errorCode: number }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'drop' };

export class Rule implements ControlRule {
  matched = 0;
  remaining: number;
  readonly done: Promise<void>;
  private finish!: () => void;
  private removed = false;
  readonly filter: PartitionFilter;

  constructor(
    readonly action: RuleAction,
    /** undefined: any API. */
    private readonly apiKey: number | undefined,
    private readonly clientId: string | undefined,
    filter: PartitionFilter,
    times: number,
    private readonly onRemove: (rule: Rule) => void,
  ) {
    this.filter = filter;
    this.remaining = times;
    this.done = new Promise<void>((resolve) => (this.finish = resolve));
  }

  matches(handler: Handler, request: unknown, ctx: RequestContext): boolean {
    if (this.apiKey !== undefined && handler.apiKey !== this.apiKey) return false;
    if (this.clientId !== undefined && ctx.clientId !== this.clientId) return false;
    return requestTouches(handler.apiKey, request as Record<string, unknown>, ctx, this.filter);
  }

  /** Counts one matching request; the rule disarms itself when used up. */
  use(): void {
    this.matched++;
    this.remaining--;
    if (this.remaining <= 0) this.remove();
  }

  remove(): void {
    if (this.removed) return;
    this.removed = true;
    this.onRemove(this);
    this.finish();
  }
}
