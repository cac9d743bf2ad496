/**
 * A KIP-848 consumer group: members, group epoch, target assignment and the members' current
 * assignments, after Kafka's ConsumerGroup. Its state changes only by replaying records (live
 * and at startup alike), so what is persisted and what is in memory cannot drift apart.
 */
import type { TopicMetadata, TopicPartitions } from './group-types.js';
import { type GroupRecord, GroupRecordType } from './records-codec.js';

/** A member's reconciliation state (Kafka's MemberState). */
export const MemberState = {
  STABLE: 0,
  UNREVOKED_PARTITIONS: 1,
  UNRELEASED_PARTITIONS: 2,
  UNKNOWN: 3,
} as const;
export type MemberState = (typeof MemberState)[keyof typeof MemberState];

const MEMBER_STATES: ReadonlySet<number> = new Set(Object.values(MemberState));

export const MEMBER_STATE_NAMES: Record<MemberState, string> = {
  [MemberState.STABLE]: 'stable',
  [MemberState.UNREVOKED_PARTITIONS]: 'unrevoked_partitions',
  [MemberState.UNRELEASED_PARTITIONS]: 'unreleased_partitions',
  [MemberState.UNKNOWN]: 'unknown',
};

/** topic id -> partitions */
export type Assignment = ReadonlyMap<string, ReadonlySet<number>>;
export const EMPTY: Assignment = new Map();

/** The topics a subscription regex matched when it was last resolved (Kafka's ResolvedRegularExpression). */
export interface ResolvedRegularExpression {
  readonly topics: ReadonlySet<string>;
  /** When that resolution started, ms since the epoch. */
  readonly timestampMs: number;
}

export const LEAVE_GROUP_MEMBER_EPOCH = -1;
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

/** Immutable: updates make a new object, so "did it change" is a comparison. */
export interface ConsumerGroupMember {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly subscribedTopicNames: readonly string[];
  readonly subscribedTopicRegex: string | null;
  readonly serverAssignor: string | null;
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: MemberState;
  /** Partitions the member may use now. */
  readonly assigned: Assignment;
  /** Partitions the member must give up before it moves to the next epoch. */
  readonly pendingRevocation: Assignment;
}

export function newMember(memberId: string): ConsumerGroupMember {
  return {
    memberId,
    instanceId: null,
    rackId: null,
    clientId: '',
    clientHost: '',
    rebalanceTimeoutMs: -1,
    subscribedTopicNames: [],
    subscribedTopicRegex: null,
    serverAssignor: null,
    memberEpoch: 0,
    previousMemberEpoch: 0,
    state: MemberState.STABLE,
    assigned: EMPTY,
    pendingRevocation: EMPTY,
  };
}

export function assignmentFrom(list: readonly TopicPartitions[]): Assignment {
  const out = new Map<string, Set<number>>();
  for (const tp of list) {
    if (tp.partitions.length === 0) continue;
    let set = out.get(tp.topicId);
    if (set === undefined) out.set(tp.topicId, (set = new Set()));
    for (const p of tp.partitions) set.add(p);
  }
  return out;
}

/** Sorted by topic id and partition, for deterministic records and responses. */
export function assignmentToList(a: Assignment): TopicPartitions[] {
  return [...a.entries()]
    .filter(([, ps]) => ps.size > 0)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([topicId, ps]) => ({ topicId, partitions: [...ps].sort((x, y) => x - y) }));
}

export function assignmentsEqual(a: Assignment, b: Assignment): boolean {
  let na = 0;
  for (const [topicId, ps] of a) {
    if (ps.size === 0) continue;
    na++;
    const other = b.get(topicId);
    if (other === undefined || other.size !== ps.size) return false;
    for (const p of ps) if (!other.has(p)) return false;
  }
  let nb = 0;
  for (const ps of b.values()) if (ps.size > 0) nb++;
  return na === nb;
}

export function assignmentSize(a: Assignment): number {
  let n = 0;
  for (const ps of a.values()) n += ps.size;
  return n;
}

export const ConsumerGroupState = {
  EMPTY: 'Empty',
  ASSIGNING: 'Assigning',
  RECONCILING: 'Reconciling',
  STABLE: 'Stable',
} as const;
export type ConsumerGroupState = (typeof ConsumerGroupState)[keyof typeof ConsumerGroupState];

export class ConsumerGroup {
  readonly type = 'consumer';
  groupEpoch = 0;
  assignmentEpoch = 0;
  readonly members = new Map<string, ConsumerGroupMember>();
  /** instance id -> member id */
  readonly staticMembers = new Map<string, string>();
  readonly targetAssignment = new Map<string, Assignment>();
  /** topic id -> partition -> epoch of the member that owns it (assigned or revoking). */
  private readonly partitionEpochs = new Map<string, Map<number, number>>();
  /** Subscribed topics as of the group epoch, sorted by name. */
  subscriptionMetadata: TopicMetadata[] = [];
  /** regex -> what it matched; kept while a member subscribes to the regex. */
  readonly resolvedRegularExpressions = new Map<string, ResolvedRegularExpression>();

  constructor(readonly groupId: string) {}

  get size(): number {
    return this.members.size;
  }

  isEmpty(): boolean {
    return this.members.size === 0;
  }

  state(): ConsumerGroupState {
    if (this.members.size === 0) return ConsumerGroupState.EMPTY;
    if (this.groupEpoch > this.assignmentEpoch) return ConsumerGroupState.ASSIGNING;
    for (const m of this.members.values()) {
      if (m.memberEpoch !== this.assignmentEpoch || m.state !== MemberState.STABLE) return ConsumerGroupState.RECONCILING;
    }
    return ConsumerGroupState.STABLE;
  }

  staticMember(instanceId: string): ConsumerGroupMember | undefined {
    const id = this.staticMembers.get(instanceId);
    return id === undefined ? undefined : this.members.get(id);
  }

  /** -1 when no member owns the partition. */
  currentPartitionEpoch(topicId: string, partition: number): number {
    return this.partitionEpochs.get(topicId)?.get(partition) ?? -1;
  }

  /** Whether a member subscribes to the topic by name or (resolved) regex. */
  isSubscribedToTopic(topic: string): boolean {
    if (this.subscriptionMetadata.some((t) => t.name === topic)) return true;
    for (const m of this.members.values()) if (m.subscribedTopicNames.includes(topic)) return true;
    return false;
  }

  /** How many members subscribe to `regex`. */
  numSubscribedMembers(regex: string): number {
    let n = 0;
    for (const m of this.members.values()) if (m.subscribedTopicRegex === regex) n++;
    return n;
  }

  /** The regexes members subscribe to ('' is none). */
  subscribedRegularExpressions(): Set<string> {
    const out = new Set<string>();
    for (const m of this.members.values()) if (m.subscribedTopicRegex !== null && m.subscribedTopicRegex !== '') out.add(m.subscribedTopicRegex);
    return out;
  }

  /**
   * When the regexes were last resolved (they are always resolved together, so the first
   * entry speaks for all); -Infinity when none is.
   */
  lastResolvedRegularExpressionRefreshTimeMs(): number {
    for (const r of this.resolvedRegularExpressions.values()) return r.timestampMs;
    return -Infinity;
  }

  /** The server assignor most members ask for, else the default. */
  preferredServerAssignor(defaultAssignor: string): string {
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      if (m.serverAssignor !== null) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    }
    let best = defaultAssignor;
    let bestVotes = 0;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    return best;
  }

  private setMember(next: ConsumerGroupMember): void {
    const prev = this.members.get(next.memberId);
    if (prev !== undefined) {
      this.changePartitionEpochs(prev.assigned, undefined);
      this.changePartitionEpochs(prev.pendingRevocation, undefined);
      if (prev.instanceId !== null && prev.instanceId !== next.instanceId) this.staticMembers.delete(prev.instanceId);
    }
    this.members.set(next.memberId, next);
    this.changePartitionEpochs(next.assigned, next.memberEpoch);
    this.changePartitionEpochs(next.pendingRevocation, next.memberEpoch);
    if (next.instanceId !== null) this.staticMembers.set(next.instanceId, next.memberId);
  }

  private changePartitionEpochs(a: Assignment, epoch: number | undefined): void {
    for (const [topicId, ps] of a) {
      let map = this.partitionEpochs.get(topicId);
      if (map === undefined) {
        if (epoch === undefined) continue;
        this.partitionEpochs.set(topicId, (map = new Map()));
      }
      for (const p of ps) {
        if (epoch === undefined) map.delete(p);
        else map.set(p, epoch);
      }
      if (map.size === 0) this.partitionEpochs.delete(topicId);
    }
  }

  private removeMember(memberId: string): void {
    const prev = this.members.get(memberId);
    if (prev === undefined) return;
    this.changePartitionEpochs(prev.assigned, undefined);
    this.changePartitionEpochs(prev.pendingRevocation, undefined);
    if (prev.instanceId !== null && this.staticMembers.get(prev.instanceId) === memberId) this.staticMembers.delete(prev.instanceId);
    this.members.delete(memberId);
  }

  /** Applies one consumer group record (types 2-7). The group's own tombstone is the caller's. */
  replay(rec: GroupRecord): void {
    switch (rec.type) {
      case GroupRecordType.CONSUMER_GROUP_METADATA:
        if (rec.value !== null) {
          this.groupEpoch = rec.value.epoch;
          this.subscriptionMetadata = rec.value.subscriptionMetadata;
        }
        return;
      case GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA:
        if (rec.value !== null) this.assignmentEpoch = rec.value.assignmentEpoch;
        return;
      case GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER:
        if (rec.value === null) this.targetAssignment.delete(rec.memberId);
        else this.targetAssignment.set(rec.memberId, assignmentFrom(rec.value.partitions));
        return;
      case GroupRecordType.CONSUMER_GROUP_MEMBER_METADATA: {
        if (rec.value === null) return this.removeMember(rec.memberId);
        const prev = this.members.get(rec.memberId) ?? newMember(rec.memberId);
        this.setMember({ ...prev, ...rec.value, subscribedTopicNames: [...rec.value.subscribedTopicNames] });
        return;
      }
      case GroupRecordType.CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT: {
        const prev = this.members.get(rec.memberId);
        if (rec.value === null) {
          if (prev !== undefined) {
            this.setMember({ ...prev, memberEpoch: LEAVE_GROUP_MEMBER_EPOCH, assigned: EMPTY, pendingRevocation: EMPTY });
          }
          return;
        }
        const v = rec.value;
        // A state written by a newer Brook reads as UNKNOWN.
        const state = MEMBER_STATES.has(v.state) ? (v.state as MemberState) : MemberState.UNKNOWN;
        this.setMember({
          ...(prev ?? newMember(rec.memberId)),
          memberEpoch: v.memberEpoch,
          previousMemberEpoch: v.previousMemberEpoch,
          state,
          assigned: assignmentFrom(v.assigned),
          pendingRevocation: assignmentFrom(v.pendingRevocation),
        });
        return;
      }
      case GroupRecordType.CONSUMER_GROUP_REGULAR_EXPRESSION:
        if (rec.value === null) this.resolvedRegularExpressions.delete(rec.regex);
        else this.resolvedRegularExpressions.set(rec.regex, { topics: new Set(rec.value.topics), timestampMs: rec.value.timestampMs });
        return;
      default:
        return;
    }
  }
}
