/**
 * The uniform assignor when every member subscribes to the same topics (Kafka's
 * UniformHomogeneousAssignmentBuilder, with the stability fix of Kafka 4.1, KAFKA-18688).
 * Balance first: with P partitions and M members everyone gets floor(P/M) and P % M members one
 * more. Then stickiness: each member keeps what it has up to its quota, in the order its current
 * assignment iterates; what it gives up and what nobody had go, in order, to the members below
 * their quota. Any member may hold one of the extra partitions: one that already has
 * floor(P/M) + 1 keeps them while extras are left, so a balanced assignment never moves.
 */
import type { Assignment } from './consumer-group.js';
import { javaHashOrder, javaUuidHash, tableSizeOfCopy } from './java-ordering.js';
import { type AssignmentMemberSpec, type GroupAssignment, type GroupSpec, PartitionAssignorError } from './partition-assignor.js';

interface Unfilled {
  memberId: string;
  /** Partitions the member still takes (one more may be added for an extra partition). */
  quota: number;
}

function copyAssignment(a: Assignment): Map<string, Set<number>> {
  return new Map([...a].map(([topicId, ps]) => [topicId, new Set(ps)]));
}

export function buildHomogeneousAssignment(spec: GroupSpec, topics: ReadonlyMap<string, number>): GroupAssignment {
  const first = spec.members[0];
  if (first === undefined || first.subscribedTopicIds.size === 0) return new Map();
  // Kafka copies the subscription into a HashSet and queues unassigned partitions in its order.
  const subscribed = javaHashOrder(first.subscribedTopicIds, javaUuidHash, tableSizeOfCopy(first.subscribedTopicIds.size));
  const subscribedSet = new Set(subscribed);

  const owned = new Map<string, Set<number>>();
  for (const m of spec.members) {
    for (const [topicId, ps] of m.currentAssignment) {
      let set = owned.get(topicId);
      if (set === undefined) owned.set(topicId, (set = new Set()));
      for (const p of ps) set.add(p);
    }
  }
  const unassigned: [topicId: string, partition: number][] = [];
  let total = 0;
  for (const topicId of subscribed) {
    const count = topics.get(topicId);
    if (count === undefined) throw new PartitionAssignorError(`Members are subscribed to topic ${topicId} which doesn't exist in the topic metadata.`);
    for (let p = 0; p < count; p++) if (owned.get(topicId)?.has(p) !== true) unassigned.push([topicId, p]);
    total += count;
  }
  const minQuota = Math.floor(total / spec.members.length);
  let extrasLeft = total % spec.members.length;

  const target: GroupAssignment = new Map();
  const unfilled: Unfilled[] = [];
  // Keep what fits the quota; give up the rest.
  const keep = (m: AssignmentMemberSpec): void => {
    let quota = minQuota;
    let claimsExtra = extrasLeft > 0;
    if (claimsExtra) quota++;
    const next = copyAssignment(m.currentAssignment);
    for (const [topicId, ps] of m.currentAssignment) {
      if (!subscribedSet.has(topicId)) {
        next.delete(topicId);
        continue;
      }
      if (ps.size <= quota) {
        quota -= ps.size;
        continue;
      }
      const mine = next.get(topicId) as Set<number>;
      for (const p of ps) {
        if (quota > 0) {
          quota--;
        } else {
          mine.delete(p);
          unassigned.push([topicId, p]);
        }
      }
      if (mine.size === 0) next.delete(topicId);
    }
    // Below the higher quota: leave the extra partition to whoever already holds one.
    if (quota > 0 && claimsExtra) {
      quota--;
      claimsExtra = false;
    }
    if (quota === 0 && claimsExtra) extrasLeft--;
    if (quota > 0 || (extrasLeft > 0 && !claimsExtra)) unfilled.push({ memberId: m.memberId, quota });
    target.set(m.memberId, next);
  };
  for (const m of spec.members) keep(m);

  // The extra partitions left go to the last candidates; then everyone fills up in order.
  for (let i = unfilled.length - 1; i >= 0 && extrasLeft > 0; i--) {
    unfilled[i].quota++;
    extrasLeft--;
  }
  let next = 0;
  for (const u of unfilled) {
    const assignment = target.get(u.memberId) as Map<string, Set<number>>;
    for (let i = 0; i < u.quota && next < unassigned.length; i++) {
      const [topicId, p] = unassigned[next++];
      let set = assignment.get(topicId);
      if (set === undefined) assignment.set(topicId, (set = new Set()));
      set.add(p);
    }
  }
  if (next < unassigned.length) throw new PartitionAssignorError('Partitions were left unassigned');
  return target;
}
