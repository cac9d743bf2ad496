/**
 * Server-side assignors of KIP-848 groups (`group.consumer.assignors`): "uniform" (Kafka's
 * default, sticky and balanced) and "range". They compute the target assignment; moving members
 * to it safely is current-assignment-builder's job. The interface follows Kafka's
 * ConsumerGroupPartitionAssignor: a GroupSpec in, an assignment per member out.
 */
import type { Assignment } from './consumer-group.js';
import { UniformAssignor } from './uniform-assignor.js';

export interface AssignmentMemberSpec {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  /** Topic ids the member subscribes to (existing topics only). */
  subscribedTopicIds: ReadonlySet<string>;
  /**
   * The member's current target assignment (for stickiness). The uniform assignor keeps
   * partitions in the iteration order of this map and its sets, as Kafka's does with its own.
   */
  currentAssignment: Assignment;
}

/** Kafka's SubscriptionType: whether every member subscribes to the same topics. */
export const SubscriptionType = { HOMOGENEOUS: 'homogeneous', HETEROGENEOUS: 'heterogeneous' } as const;
export type SubscriptionType = (typeof SubscriptionType)[keyof typeof SubscriptionType];

export interface GroupSpec {
  /** In the order the assignor visits them (Kafka's GroupSpec.memberIds()). */
  members: readonly AssignmentMemberSpec[];
  subscriptionType: SubscriptionType;
}

/** member id -> topic id -> partitions */
export type GroupAssignment = Map<string, Map<string, Set<number>>>;

/** Kafka's PartitionAssignorException: the assignor cannot assign these inputs. */
export class PartitionAssignorError extends Error {}

export interface PartitionAssignor {
  readonly name: string;
  /**
   * `topics`: topic id -> partition count. Returns an assignment for every member, except that a
   * group subscribed to nothing may get an empty map (the caller reads a missing member as empty).
   */
  assign(spec: GroupSpec, topics: ReadonlyMap<string, number>): GroupAssignment;
}

/**
 * Per topic, the subscribed members sorted by member id get contiguous ranges; the first
 * (partitions % members) get one extra. Members with the same subscriptions get the same
 * partition numbers of every topic (co-partitioning), as with the client-side range assignor.
 */
export class RangeAssignor implements PartitionAssignor {
  readonly name = 'range';

  assign(spec: GroupSpec, topics: ReadonlyMap<string, number>): GroupAssignment {
    const out: GroupAssignment = new Map();
    for (const m of spec.members) out.set(m.memberId, new Map());
    const sorted = [...spec.members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
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
