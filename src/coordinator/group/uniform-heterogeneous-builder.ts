/**
 * The uniform assignor when members subscribe to different topics (Kafka's
 * UniformHeterogeneousAssignmentBuilder as reworked in Kafka 4.0, KAFKA-17710):
 *
 *   1. every member keeps its current partitions of the topics it still subscribes to;
 *   2. the partitions nobody has go, topic by topic, to the least loaded subscribers;
 *   3. then, topic by topic, partitions move from the most to the least loaded subscribers until
 *      their counts differ by at most one (a bounded number of rounds over the topics).
 *
 * Topics are visited by partitions per subscriber (descending), then subscriber count
 * (ascending), then topic id; members by partition count, then by their position in the spec.
 * Members are numbered by that position; "load" is a member's total partition count.
 */
import { javaUuidCompare } from './java-ordering.js';
import { type GroupAssignment, type GroupSpec, PartitionAssignorError } from './partition-assignor.js';

/** Rounds over the topics in step 3: enough for subscriptions that overlap without being equal. */
const MAX_BALANCE_ROUNDS = 16;

/**
 * Hands out least loaded and takes from most loaded members of one topic's subscribers without
 * re-sorting after each move (Kafka's MemberAssignmentBalancer). Members are sorted by load once;
 * the least loaded range grows rightwards and the most loaded range leftwards as their levels
 * meet, so each pick is O(1) amortised.
 */
class LoadBalancer {
  private sorted: number[] = [];
  private leastEnd = 0; // exclusive end of the least loaded range
  private leastLevel = -1; // load of that range before this round of handouts
  private nextLeast = 0;
  private mostStart = 0; // inclusive start of the most loaded range
  private mostEnd = 0; // exclusive end: members with nothing left to give are moved past it
  private mostLevel = 1;
  private nextMost = -1;

  constructor(private readonly loads: Int32Array) {}

  /** Starts over with `members`; returns the spread between most and least loaded. */
  reset(members: readonly number[]): number {
    if (members.length === 0) throw new Error('cannot balance an empty subscriber list');
    this.sorted = [...members].sort((a, b) => this.loads[a] - this.loads[b] || a - b);
    const lowest = this.loads[this.sorted[0]];
    const highest = this.loads[this.sorted[this.sorted.length - 1]];
    this.leastEnd = 0;
    this.leastLevel = lowest - 1;
    this.nextLeast = 0;
    this.mostStart = this.sorted.length;
    this.mostEnd = this.sorted.length;
    this.mostLevel = highest + 1;
    this.nextMost = this.sorted.length - 1;
    return highest - lowest;
  }

  /** The member to give the next partition to; counts it as given. */
  leastLoaded(): number {
    if (this.nextLeast >= this.leastEnd) {
      // Everyone in the range got one: the range is one level higher and may take in more.
      this.leastLevel++;
      while (this.leastEnd < this.sorted.length && this.loads[this.sorted[this.leastEnd]] === this.leastLevel) this.leastEnd++;
      this.nextLeast = 0;
    }
    return this.sorted[this.nextLeast++];
  }

  /** The member to take the next partition from, or -1 if none can give; counts it as taken. */
  mostLoaded(): number {
    if (this.nextMost < this.mostStart) {
      if (this.mostEnd <= this.mostStart && this.mostStart > 0) {
        // Emptied by exclusions: restart from the next member's level so the range grows.
        this.mostLevel = this.loads[this.sorted[this.mostStart - 1]];
      } else {
        this.mostLevel--;
      }
      while (this.mostStart > 0 && this.loads[this.sorted[this.mostStart - 1]] === this.mostLevel) this.mostStart--;
      this.nextMost = this.mostEnd - 1;
    }
    if (this.nextMost < 0) return -1;
    return this.sorted[this.nextMost--];
  }

  /** Drops the member mostLoaded() just returned: it has no partition of this topic to give. */
  excludeLastMostLoaded(): void {
    const i = this.nextMost + 1;
    const member = this.sorted[i];
    this.sorted[i] = this.sorted[this.mostEnd - 1];
    this.sorted[this.mostEnd - 1] = member;
    this.mostEnd--;
  }

  balanced(): boolean {
    return this.mostLevel - this.leastLevel <= 1;
  }
}

export function buildHeterogeneousAssignment(spec: GroupSpec, topics: ReadonlyMap<string, number>): GroupAssignment {
  const members = spec.members;
  const subscribers = new Map<string, number[]>(); // topic id -> member numbers, ascending
  members.forEach((m, i) => {
    for (const topicId of m.subscribedTopicIds) {
      if (!topics.has(topicId)) throw new PartitionAssignorError(`Members are subscribed to topic ${topicId} which doesn't exist in the topic metadata.`);
      let list = subscribers.get(topicId);
      if (list === undefined) subscribers.set(topicId, (list = []));
      list.push(i);
    }
  });
  if (subscribers.size === 0) return new Map();

  const partitionCount = (topicId: string): number => topics.get(topicId) ?? 0;
  const loads = new Int32Array(members.length);
  const owners = new Map<string, Int32Array>(); // topic id -> partition -> member number or -1
  for (const topicId of subscribers.keys()) owners.set(topicId, new Int32Array(partitionCount(topicId)).fill(-1));
  const topicOrder = (a: string, b: string): number => {
    const sa = (subscribers.get(a) as number[]).length;
    const sb = (subscribers.get(b) as number[]).length;
    return partitionCount(b) / sb - partitionCount(a) / sa || sa - sb || javaUuidCompare(a, b);
  };

  // 1. Keep the partitions of topics still subscribed to.
  const target: GroupAssignment = new Map();
  members.forEach((m, i) => {
    const next = new Map<string, Set<number>>();
    for (const [topicId, ps] of m.currentAssignment) {
      if (!m.subscribedTopicIds.has(topicId)) continue;
      const topicOwners = owners.get(topicId) as Int32Array;
      const kept = new Set<number>();
      for (const p of ps) {
        if (p >= topicOwners.length) continue;
        topicOwners[p] = i;
        kept.add(p);
      }
      loads[i] += kept.size;
      if (kept.size > 0) next.set(topicId, kept);
    }
    target.set(m.memberId, next);
  });

  const give = (topicId: string, p: number, to: number): void => {
    const topicOwners = owners.get(topicId) as Int32Array;
    const from = topicOwners[p];
    if (from !== -1) {
      const fromAssignment = target.get(members[from].memberId) as Map<string, Set<number>>;
      const set = fromAssignment.get(topicId);
      set?.delete(p);
      if (set?.size === 0) fromAssignment.delete(topicId);
      loads[from]--;
    }
    const toAssignment = target.get(members[to].memberId) as Map<string, Set<number>>;
    let set = toAssignment.get(topicId);
    if (set === undefined) toAssignment.set(topicId, (set = new Set()));
    set.add(p);
    topicOwners[p] = to;
    loads[to]++;
  };
  const balancer = new LoadBalancer(loads);

  // 2. Hand out what nobody has.
  const unassigned = new Map<string, number[]>();
  for (const [topicId, topicOwners] of owners) {
    const free: number[] = [];
    topicOwners.forEach((owner, p) => {
      if (owner === -1) free.push(p);
    });
    if (free.length > 0) unassigned.set(topicId, free);
  }
  for (const topicId of [...unassigned.keys()].sort(topicOrder)) {
    balancer.reset(subscribers.get(topicId) as number[]);
    for (const p of unassigned.get(topicId) as number[]) give(topicId, p, balancer.leastLoaded());
  }

  // 3. Even out the topics that more than one member subscribes to.
  const shared = [...subscribers.keys()].filter((t) => (subscribers.get(t) as number[]).length >= 2).sort(topicOrder);
  if (shared.length === 0) return target;
  let lastMoved = -1; // the topic of the last round that moved something
  for (let round = 0; round < MAX_BALANCE_ROUNDS; round++) {
    for (let i = 0; i < shared.length; i++) {
      // A whole lap since the last move: nothing more can move.
      if (i === lastMoved) return target;
      const moved = balanceTopic(shared[i]);
      if (moved > 0 || lastMoved === -1) lastMoved = i;
    }
  }
  return target;

  /** Moves partitions of one topic from its most to its least loaded subscribers; returns how many. */
  function balanceTopic(topicId: string): number {
    if (balancer.reset(subscribers.get(topicId) as number[]) <= 1) return 0;
    const topicOwners = owners.get(topicId) as Int32Array;
    // Partitions grouped by owner (ascending), so each owner's are a contiguous range.
    const byOwner = Array.from(topicOwners.keys()).sort((a, b) => topicOwners[a] - topicOwners[b] || a - b);
    const start = new Map<number, number>();
    const end = new Map<number, number>(); // exclusive
    byOwner.forEach((p, i) => {
      const owner = topicOwners[p];
      if (!start.has(owner)) start.set(owner, i);
      end.set(owner, i + 1);
    });
    let moved = 0;
    while (!balancer.balanced()) {
      let from = balancer.mostLoaded();
      while (from !== -1 && (end.get(from) ?? 0) - (start.get(from) ?? 0) <= 0) {
        balancer.excludeLastMostLoaded();
        from = balancer.mostLoaded();
      }
      if (from === -1) break;
      // The member gives up the highest-numbered partition of this topic it has left.
      const last = (end.get(from) as number) - 1;
      end.set(from, last);
      const to = balancer.leastLoaded();
      if (balancer.balanced()) break;
      give(topicId, byOwner[last], to);
      moved++;
    }
    return moved;
  }
}
