// `broker.control`: make an embedded broker misbehave on purpose, deterministically, and set up
// and check a test's data in one line (what franz-go's kfake offers Go tests). Rules act on the
// next matching requests at the connection boundary, in arrival order: fail them with a Kafka
// error, delay their responses (responses on a connection still leave in request order), or
// close their connection. An outage closes the listener and every connection and refuses new
// ones until it ends, keeping the data. With no rule armed the connection pays one boolean check
// per request.
import type { Logger } from 'pino';
import type { Cluster } from '../cluster/cluster.js';
import type { GroupCoordinator } from '../coordinator/group/group-coordinator.js';
import type { GroupInspection } from '../coordinator/group/group-inspector.js';
import { CLOSE_CONNECTION, type Handler, type HandlerResult, type RequestContext } from '../handlers/handler.js';
import { ErrorCode, errorName } from '../protocol/errors.js';
import type { ConnectionInfo, RequestInterceptor } from '../server/request-hooks.js';
import { type ControlRule, type RequestMatch, Rule, type RuleAction } from './control-rule.js';
import { acceptsTopicFilter, canFail, failRequest, TOPIC_FILTER_APIS } from './error-responses.js';
import { type GroupStateOptions, type LagOptions, waitForGroup, waitForLag0 } from './group-waits.js';
import { type ConsumedRecord, ControlError, type ProducedRecord, type ProduceRecord, type ReadOptions, TestData } from './test-data.js';

/** The listener side of the broker, as the control API drives it. */
export interface ControlledServer {
  suspend(): Promise<void>;
  resume(): Promise<void>;
  closeConnections(filter?: (c: ConnectionInfo) => boolean): number;
}

export interface BrokerControlOptions {
  readonly handlers: readonly Handler[];
  readonly cluster: Cluster;
  readonly groups: GroupCoordinator;
  readonly server: ControlledServer;
  readonly autoCreateTopic: (name: string) => Promise<unknown>;
  readonly log: Logger;
}

export interface FailOptions extends RequestMatch {
  readonly api: string | number;
  /** Kafka's error name ('NOT_LEADER_OR_FOLLOWER') or code (6). */
  readonly errorCode: string | number;
  /** How many matching requests fail; default 1. */
  readonly times?: number;
}

export interface DelayOptions extends RequestMatch {
  readonly api: string | number;
  /** Added before the response leaves, in ms. */
  readonly ms: number;
  /** How many matching requests are delayed; default every one until the rule is removed. */
  readonly times?: number;
}

export interface DropOptions extends RequestMatch {
  /** How many matching requests have their connection closed (unanswered); default 1. */
  readonly times?: number;
}

export interface Outage {
  /** Resolves once the broker listens again. */
  readonly ended: Promise<void>;
  /** Ends the outage now (also when its `ms` has not passed yet). */
  end(): Promise<void>;
}

export class BrokerControl implements RequestInterceptor {
  /** True while a rule is armed: the connection consults intercept() only then. */
  armed = false;
  private rules: Rule[] = [];
  private readonly apiKeys = new Map<string, Handler>();
  private readonly byKey = new Map<number, Handler>();
  private readonly data: TestData;
  private outageEnd: (() => Promise<void>) | null = null;
  private stopped = false;

  constructor(private readonly opts: BrokerControlOptions) {
    for (const h of opts.handlers) {
      this.apiKeys.set(h.name.toLowerCase(), h);
      this.byKey.set(h.apiKey, h);
    }
    this.data = new TestData(opts.cluster, opts.autoCreateTopic);
  }

  // ------------------------------------------------------------------ request rules

  /** The next `times` (default 1) matching requests are answered with the error, unhandled. */
  fail(o: FailOptions): ControlRule {
    const handler = this.handler(o.api, 'fail');
    if (!canFail(handler)) throw new ControlError(`fail: Brook cannot answer ${handler.name} with an error code (its responses carry none)`);
    const code = errorCodeOf(o.errorCode);
    return this.arm({ kind: 'fail', errorCode: code }, handler, o, o.times ?? 1, 'fail');
  }

  /** The responses to the next `times` matching requests (default: all) leave `ms` later. */
  delay(o: DelayOptions): ControlRule {
    if (!(o.ms >= 0) || !Number.isFinite(o.ms)) throw new ControlError(`delay: ms must be a finite number ≥ 0, got ${o.ms}`);
    return this.arm({ kind: 'delay', ms: o.ms }, this.handler(o.api, 'delay'), o, o.times ?? Number.POSITIVE_INFINITY, 'delay');
  }

  /** The connections that send the next `times` (default 1) matching requests are closed, the request unanswered. */
  dropConnection(o: DropOptions = {}): ControlRule {
    const handler = o.api === undefined ? undefined : this.handler(o.api, 'dropConnection');
    return this.arm({ kind: 'drop' }, handler, o, o.times ?? 1, 'dropConnection');
  }

  /** Closes the open connections now (those whose last request came from `clientId`, if given); returns how many. */
  disconnect(filter: { clientId?: string } = {}): number {
    return this.opts.server.closeConnections(filter.clientId === undefined ? undefined : (c) => c.clientId === filter.clientId);
  }

  /** Disarms every rule and ends an outage. */
  async reset(): Promise<void> {
    for (const r of [...this.rules]) r.remove();
    await this.outageEnd?.();
  }

  private handler(api: string | number, what: string): Handler {
    const h = typeof api === 'number' ? this.byKey.get(api) : this.apiKeys.get(api.toLowerCase());
    if (h === undefined) throw new ControlError(`${what}: unknown API ${JSON.stringify(api)}; Brook answers ${[...this.byKey.values()].map((x) => x.name).join(', ')}`);
    return h;
  }

  private arm(action: RuleAction, handler: Handler | undefined, m: RequestMatch, times: number, what: string): ControlRule {
    if (!(times >= 1)) throw new ControlError(`${what}: times must be at least 1, got ${times}`);
    if (m.partition !== undefined && m.topic === undefined) throw new ControlError(`${what}: a partition needs its topic`);
    if (m.topic !== undefined && (handler === undefined || !acceptsTopicFilter(handler.apiKey))) {
      throw new ControlError(`${what}: a topic filter applies to ${TOPIC_FILTER_APIS} only`);
    }
    const filter = { ...(m.topic === undefined ? {} : { topic: m.topic }), ...(m.partition === undefined ? {} : { partition: m.partition }) };
    const rule = new Rule(action, handler?.apiKey, m.clientId, filter, times, (r) => {
      this.rules = this.rules.filter((x) => x !== r);
      this.armed = this.rules.length > 0;
    });
    this.rules.push(rule);
    this.armed = true;
    return rule;
  }

  intercept(handler: Handler, request: unknown, ctx: RequestContext): HandlerResult<unknown> {
    let fail: Rule | undefined;
    let delay: Rule | undefined;
    // Rules are tried in the order they were armed; the first drop, fail and delay that match act.
    for (const r of this.rules) {
      if (r.action.kind === 'fail' && fail !== undefined) continue;
      if (r.action.kind === 'delay' && delay !== undefined) continue;
      if (!r.matches(handler, request, ctx)) continue;
      if (r.action.kind === 'drop') {
        r.use();
        this.opts.log.debug({ api: handler.name, clientId: ctx.clientId, connection: ctx.connectionId }, 'control: dropping connection');
        return CLOSE_CONNECTION;
      }
      if (r.action.kind === 'fail') fail = r;
      else delay = r;
    }
    fail?.use();
    delay?.use();
    const result =
      fail !== undefined && fail.action.kind === 'fail'
        ? failRequest(handler, request as Record<string, unknown>, ctx, fail.action.errorCode, fail.filter)
        : handler.handle(request as never, ctx);
    if (delay === undefined || delay.action.kind !== 'delay') return result;
    const ms = delay.action.ms;
    return Promise.resolve(result).then((res) => new Promise((resolve) => setTimeout(() => resolve(res), ms)));
  }

  // ------------------------------------------------------------------ outage

  /**
   * Makes the broker unreachable: stops listening (connection attempts are refused) and closes
   * every connection. It comes back on the same port after `ms`, or when end() is called;
   * topics, records, offsets and groups are kept. Resolves once the broker is unreachable.
   */
  async outage(opts: { ms?: number } = {}): Promise<Outage> {
    if (this.outageEnd !== null) throw new ControlError('outage: the broker is already in an outage');
    if (this.stopped) throw new ControlError('outage: the broker is stopped');
    let timer: NodeJS.Timeout | undefined;
    let resolveEnded!: () => void;
    const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
    let ending: Promise<void> | undefined;
    const end = (): Promise<void> => {
      ending ??= (async () => {
        if (timer) clearTimeout(timer);
        this.outageEnd = null;
        if (!this.stopped) await this.opts.server.resume();
        this.opts.log.info('control: outage ended');
        resolveEnded();
      })();
      return ending;
    };
    this.outageEnd = end;
    await this.opts.server.suspend();
    this.opts.log.info({ ms: opts.ms }, 'control: outage started');
    if (opts.ms !== undefined) timer = setTimeout(() => void end(), opts.ms);
    return { ended, end };
  }

  // ------------------------------------------------------------------ groups

  /** Starts a rebalance of the group (classic: members must rejoin; consumer: a new group epoch). */
  forceRebalance(groupId: string): void {
    this.check(`forceRebalance('${groupId}')`, this.opts.groups.forceRebalance(groupId));
  }

  /** Removes a member as if its session had timed out. */
  expireMember(groupId: string, memberId: string): void {
    this.check(`expireMember('${groupId}', '${memberId}')`, this.opts.groups.expireMember(groupId, memberId));
  }

  private check(what: string, code: number): void {
    if (code !== ErrorCode.NONE) throw new ControlError(`${what}: ${errorName(code)}`, code);
  }

  // ------------------------------------------------------------------ data and waits

  createTopic(name: string, opts: { partitions?: number; configs?: Record<string, string> } = {}): Promise<void> {
    return this.data.createTopic(name, opts);
  }

  produce(topic: string, records: ProduceRecord | readonly ProduceRecord[]): Promise<ProducedRecord[]> {
    return this.data.produce(topic, records);
  }

  readPartition(topic: string, partition: number, opts: ReadOptions = {}): Promise<ConsumedRecord[]> {
    try {
      return Promise.resolve(this.data.read(topic, partition, opts));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Resolves once the group's committed offsets reach the end of every partition it consumes. */
  waitForLag0(groupId: string, opts: LagOptions = {}): Promise<void> {
    return waitForLag0(this.opts.cluster, (id) => this.inspect(id), groupId, opts);
  }

  /** Resolves with the group once it is in `state` and/or has `members` members. */
  waitForGroup(groupId: string, opts: GroupStateOptions): Promise<GroupInspection> {
    return waitForGroup((id) => this.inspect(id), groupId, opts);
  }

  private inspect(groupId: string): GroupInspection | undefined {
    return this.opts.groups.inspectGroups({ groupId })[0];
  }

  /** The broker is stopping: an outage in progress ends without listening again. */
  async close(): Promise<void> {
    this.stopped = true;
    for (const r of [...this.rules]) r.remove();
    await this.outageEnd?.();
  }
}

function errorCodeOf(e: string | number): number {
  if (typeof e === 'number') {
    if (!Number.isInteger(e)) throw new ControlError(`fail: errorCode must be an integer, got ${e}`);
    return e;
  }
  const code = (ErrorCode as Record<string, number>)[e.toUpperCase()];
  if (code === undefined) throw new ControlError(`fail: unknown Kafka error '${e}'`);
  return code;
}
