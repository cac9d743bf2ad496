/**
 * Server-side assignors of KIP-848 groups (`group.consumer.assignors`): "uniform" (Kafka's
 * default, sticky and balanced) and "range". They compute the target assignment; moving members
 * to it safely is current-assignment-builder's job.
 */
import type { Assignment } from './consumer-group.js';
import { UniformAssignor } from './uniform-assignor.js';

export interface AssignmentMemberSpec {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  /** Topic ids the member subscribes to (existing topics only). */
  subscribedTopicIds: ReadonlySet<string>;
  /** The member's current target assignment (for stickiness). */
  currentAssignment: Assignment;
}

export interface PartitionAssignor {
  readonly name: string;
  /** `topics`: topic id -> partition count. Returns member id -> assignment, for every member. */
  assign(members: readonly AssignmentMemberSpec[], topics: ReadonlyMap<string, number>): Map<string, Map<string, Set<number>>>;
}

/**
 * Per topic, the subscribed members sorted by member id get contiguous ranges; the first
 * (partitions % members) get one extra. Members with the same subscriptions get the same
 * partition numbers of every topic (co-partitioning), as with the client-side range assignor.
 */
export class RangeAssignor implements PartitionAssignor {
  readonly name = 'range';

  assign(members: readonly AssignmentMemberSpec[], topics: ReadonlyMap<string, number>): Map<string, Map<string, Set<number>>> {
    const out = new Map<string, Map<string, Set<number>>>();
    for (const m of members) out.set(m.memberId, new Map());
    const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
    for (const [topicId, count] of topics) {
      const subscribers = sorted.filter((m) => m.subscribedTopicIds.has(topicId));
      if (subscribers.length === 0) continue;
      const quota = Math.floor(count / subscribers.length);
      const extra = count % subscribers.length;
      let next = 0;
      subscribers.forEach((m, i) => {
        const n = quota + (i < extra ? 1 : 0);
        if (n === 0) return;
        const set = new Set<number>();
        for (let p = next; p < next + n; p++) set.add(p);
        next += n;
        out.get(m.memberId)?.set(topicId, set);
      });
    }
    return out;
  }
}

export function createAssignors(names: readonly string[]): Map<string, PartitionAssignor> {
  const out = new Map<string, PartitionAssignor>();
  for (const name of names) {
    if (name === 'uniform') out.set(name, new UniformAssignor());
    else if (name === 'range') out.set(name, new RangeAssignor());
    else throw new Error(`unknown group.consumer.assignors entry: ${name} (Brook has uniform and range)`);
  }
  return out;
}
