// Waiting for consumer groups in tests: until a group has consumed everything (lag 0), or has
// reached a state. They poll the coordinator's in-memory view every few milliseconds (a map
// lookup and a few comparisons) and fail after a timeout with what they saw last, so that a
// test that hangs says why.
import type { Cluster } from '../cluster/cluster.js';
import type { GroupInspection } from '../coordinator/group/group-inspector.js';
import { ControlError } from './test-data.js';

const POLL_MS = 5;
export const DEFAULT_WAIT_MS = 10_000;

export interface LagOptions {
  /** Topics whose every partition must be consumed; default: those the group commits to, is assigned or subscribes to. */
  topics?: readonly string[];
  timeoutMs?: number;
}

export interface GroupStateOptions {
  /** Kafka's state name, any case: Stable, PreparingRebalance, CompletingRebalance, Empty, Assigning, Reconciling, ... */
  state?: string;
  /** Exactly this many members. */
  members?: number;
  timeoutMs?: number;
}

type Inspect = (groupId: string) => GroupInspection | undefined;

/** Partitions still to consume, as "topic/partition committed/end" strings; [] when none. */
export function lagReport(cluster: Cluster, g: GroupInspection | undefined, topics: readonly string[] | undefined): string[] | null {
  if (g === undefined) return null;
  const names = new Set(topics ?? []);
  if (topics === undefined) {
    for (const o of g.offsets) names.add(o.topic);
    for (const m of g.members) {
      for (const t of m.subscribedTopics) names.add(t);
      for (const a of m.assignment ?? []) names.add(a.topic);
    }
  }
  const committed = new Map(g.offsets.map((o) => [`${o.topic}/${o.partition}`, o.committedOffset]));
  const behind: string[] = [];
  for (const name of names) {
    const t = cluster.topic(name);
    if (t === undefined) {
      behind.push(`${name}: no such topic`);
      continue;
    }
    for (const p of t.partitions) {
      const end = p.highWatermark;
      const at = committed.get(`${name}/${p.index}`);
      // No commit: whatever the partition holds is still to consume.
      if ((at ?? p.logStartOffset) < end) behind.push(`${name}/${p.index} ${at === undefined ? 'no commit' : `committed ${at}`} of ${end}`);
    }
  }
  return behind;
}

async function poll<T>(what: string, timeoutMs: number, check: () => { done: true; value: T } | { done: false; why: string }): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const r = check();
    if (r.done) return r.value;
    if (performance.now() >= deadline) throw new ControlError(`${what}: timed out after ${timeoutMs} ms: ${r.why}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export function waitForLag0(cluster: Cluster, inspect: Inspect, groupId: string, opts: LagOptions = {}): Promise<void> {
  return poll(`waitForLag0('${groupId}')`, opts.timeoutMs ?? DEFAULT_WAIT_MS, () => {
    const behind = lagReport(cluster, inspect(groupId), opts.topics);
    if (behind === null) return { done: false, why: 'no such group' };
    if (behind.length === 0) return { done: true, value: undefined };
    return { done: false, why: `lag on ${behind.slice(0, 10).join(', ')}${behind.length > 10 ? `, and ${behind.length - 10} more` : ''}` };
  });
}

export function waitForGroup(inspect: Inspect, groupId: string, opts: GroupStateOptions): Promise<GroupInspection> {
  const want = opts.state?.toLowerCase();
  return poll(`waitForGroup('${groupId}', ${JSON.stringify({ state: opts.state, members: opts.members })})`, opts.timeoutMs ?? DEFAULT_WAIT_MS, () => {
    const g = inspect(groupId);
    if (g === undefined) return { done: false, why: 'no such group' };
    const stateOk = want === undefined || g.state.toLowerCase() === want;
    const membersOk = opts.members === undefined || g.members.length === opts.members;
    if (stateOk && membersOk) return { done: true, value: g };
    return { done: false, why: `state ${g.state}, ${g.members.length} member(s)` };
  });
}
