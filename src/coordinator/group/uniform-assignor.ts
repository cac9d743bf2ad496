/**
 * The "uniform" server-side assignor: every subscribed partition goes to exactly one subscribed
 * member, members keep what they already have where balance allows, and no member has two
 * partitions more than another member eligible for them. (Kafka's UniformAssignor has separate
 * optimised paths for homogeneous and heterogeneous subscriptions; this one is a single greedy
 * pass plus a balancing pass, which reaches the same balance.)
 */
import type { AssignmentMemberSpec, PartitionAssignor } from './partition-assignor.js';

export class UniformAssignor implements PartitionAssignor {
  readonly name = 'uniform';

  assign(members: readonly AssignmentMemberSpec[], topics: ReadonlyMap<string, number>): Map<string, Map<string, Set<number>>> {
    const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
    const out = new Map<string, Map<string, Set<number>>>();
    const counts = new Map<string, number>();
    for (const m of sorted) {
      out.set(m.memberId, new Map());
      counts.set(m.memberId, 0);
    }
    const eligible = new Map<string, string[]>();
    for (const topicId of topics.keys()) {
      eligible.set(topicId, sorted.filter((m) => m.subscribedTopicIds.has(topicId)).map((m) => m.memberId));
    }
    const owner = new Map<string, Map<number, string>>();
    for (const topicId of topics.keys()) owner.set(topicId, new Map());

    const give = (memberId: string, topicId: string, p: number): void => {
      const byTopic = out.get(memberId) as Map<string, Set<number>>;
      let set = byTopic.get(topicId);
      if (set === undefined) byTopic.set(topicId, (set = new Set()));
      set.add(p);
      owner.get(topicId)?.set(p, memberId);
      counts.set(memberId, (counts.get(memberId) ?? 0) + 1);
    };
    const take = (memberId: string, topicId: string, p: number): void => {
      const byTopic = out.get(memberId) as Map<string, Set<number>>;
      const set = byTopic.get(topicId);
      set?.delete(p);
      if (set !== undefined && set.size === 0) byTopic.delete(topicId);
      counts.set(memberId, (counts.get(memberId) ?? 0) - 1);
    };
    const leastLoaded = (topicId: string): string | undefined => {
      let best: string | undefined;
      let bestCount = Infinity;
      for (const id of eligible.get(topicId) ?? []) {
        const c = counts.get(id) ?? 0;
        if (c < bestCount) {
          best = id;
          bestCount = c;
        }
      }
      return best;
    };

    // 1. Stickiness: keep current partitions that are still valid.
    for (const m of sorted) {
      for (const [topicId, ps] of m.currentAssignment) {
        const count = topics.get(topicId);
        if (count === undefined || !m.subscribedTopicIds.has(topicId)) continue;
        for (const p of ps) if (p < count && !owner.get(topicId)?.has(p)) give(m.memberId, topicId, p);
      }
    }
    // 2. Unowned partitions to the least loaded eligible member.
    const topicIds = [...topics.keys()].sort();
    for (const topicId of topicIds) {
      const count = topics.get(topicId) ?? 0;
      for (let p = 0; p < count; p++) {
        if (owner.get(topicId)?.has(p)) continue;
        const to = leastLoaded(topicId);
        if (to !== undefined) give(to, topicId, p);
      }
    }
    // 3. Balance: move a partition while its owner has 2+ more than an eligible member.
    // Each move lowers the sum of squared counts, so this terminates.
    for (let moved = true; moved; ) {
      moved = false;
      const byLoad = [...sorted].sort((a, b) => (counts.get(b.memberId) ?? 0) - (counts.get(a.memberId) ?? 0));
      for (const m of byLoad) {
        const byTopic = out.get(m.memberId) as Map<string, Set<number>>;
        for (const [topicId, ps] of [...byTopic.entries()].map(([t, s]) => [t, [...s]] as const)) {
          for (const p of ps) {
            const to = leastLoaded(topicId);
            if (to === undefined || (counts.get(m.memberId) ?? 0) - (counts.get(to) ?? 0) < 2) continue;
            take(m.memberId, topicId, p);
            give(to, topicId, p);
            moved = true;
          }
        }
      }
    }
    return out;
  }
}
