import type { TopicPartitionList } from '../protocol/consumer-protocol.js';

/**
 * The classic consumer protocol's client-side assignors, as the Java client implements them: the
 * group leader runs one over every member's subscription and the partition counts.
 */

export interface MemberSubscription {
  readonly memberId: string;
  readonly topics: readonly string[];
}

export type Assignor = (members: readonly MemberSubscription[], partitionCounts: ReadonlyMap<string, number>) => Map<string, TopicPartitionList[]>;

/**
 * "range": per topic, the members subscribed to it (sorted by member id) get consecutive
 * partitions, the first (count mod members) of them one extra.
 */
export const rangeAssignor: Assignor = (members, partitionCounts) => {
  const result = emptyAssignment(members);
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const count = partitionCounts.get(topic) ?? 0;
    const subscribed = members.filter((m) => m.topics.includes(topic)).map((m) => m.memberId).sort();
    const per = Math.floor(count / subscribed.length);
    const extra = count % subscribed.length;
    subscribed.forEach((memberId, i) => {
      const start = per * i + Math.min(i, extra);
      const length = per + (i < extra ? 1 : 0);
      if (length > 0) result.get(memberId)!.push({ topic, partitions: Array.from({ length }, (_, k) => start + k) });
    });
  }
  return result;
};

/**
 * "roundrobin": every partition of every subscribed topic, sorted by topic then partition, dealt
 * in turn to the members (sorted by id), skipping members not subscribed to its topic.
 */
export const roundRobinAssignor: Assignor = (members, partitionCounts) => {
  const result = emptyAssignment(members);
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  let next = 0;
  for (const topic of topics) {
    for (let partition = 0; partition < (partitionCounts.get(topic) ?? 0); partition++) {
      for (let tries = 0; tries < sorted.length; tries++) {
        const member = sorted[next++ % sorted.length];
        if (!member.topics.includes(topic)) continue;
        const lists = result.get(member.memberId)!;
        const list = lists.find((l) => l.topic === topic);
        if (list) list.partitions.push(partition);
        else lists.push({ topic, partitions: [partition] });
        break;
      }
    }
  }
  return result;
};

export const ASSIGNORS: Readonly<Record<string, Assignor>> = { range: rangeAssignor, roundrobin: roundRobinAssignor };

function emptyAssignment(members: readonly MemberSubscription[]): Map<string, TopicPartitionList[]> {
  return new Map(members.map((m) => [m.memberId, []]));
}
