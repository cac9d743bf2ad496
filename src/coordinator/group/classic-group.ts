/**
 * A group using the classic rebalance protocol (JoinGroup/SyncGroup/Heartbeat): its state
 * machine and membership bookkeeping, after Kafka's ClassicGroup. No timers and no I/O here:
 * ClassicGroupManager drives it.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { CONSUMER_PROTOCOL_TYPE, decodeSubscription } from '../../protocol/consumer-protocol.js';
import { ClassicGroupMember, type JoinCallback, joinError, syncError } from './classic-group-member.js';
import type { JoinGroupMember, JoinGroupProtocol, JoinGroupResult, SyncGroupResult } from './group-types.js';
import { type GroupMetadataValue, type GroupRecord, GroupRecordType } from './records-codec.js';

export const ClassicGroupState = {
  EMPTY: 'Empty',
  PREPARING_REBALANCE: 'PreparingRebalance',
  COMPLETING_REBALANCE: 'CompletingRebalance',
  STABLE: 'Stable',
  DEAD: 'Dead',
} as const;
export type ClassicGroupState = (typeof ClassicGroupState)[keyof typeof ClassicGroupState];

const S = ClassicGroupState;
const VALID_PREVIOUS: Record<ClassicGroupState, readonly ClassicGroupState[]> = {
  [S.EMPTY]: [S.PREPARING_REBALANCE],
  [S.PREPARING_REBALANCE]: [S.STABLE, S.COMPLETING_REBALANCE, S.EMPTY],
  [S.COMPLETING_REBALANCE]: [S.PREPARING_REBALANCE],
  [S.STABLE]: [S.COMPLETING_REBALANCE],
  [S.DEAD]: [S.STABLE, S.PREPARING_REBALANCE, S.COMPLETING_REBALANCE, S.EMPTY, S.DEAD],
};

export class ClassicGroup {
  readonly type = 'classic';
  state: ClassicGroupState = S.EMPTY;
  previousState: ClassicGroupState = S.EMPTY;
  /** When the group entered its current state (ms); drives offset expiration of empty groups. */
  stateTimestampMs: number;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Insertion-ordered, like Kafka's LinkedHashMap: the first member becomes leader on removal. */
  readonly members = new Map<string, ClassicGroupMember>();
  /** group.instance.id -> member id */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out by MEMBER_ID_REQUIRED that have not joined yet. */
  readonly pendingJoinMembers = new Set<string>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  /** Members with a parked JoinGroup; a count (not derived) because every join asks for it. */
  private awaitingJoinCount = 0;
  /** protocol name -> number of members supporting it */
  private readonly supportedProtocols = new Map<string, number>();
  /** A member joined during the initial delayed rebalance: extend the delay. */
  newMemberAdded = false;
  /** Topics of the selected "consumer" protocol subscriptions; null when unknown. */
  subscribedTopics: Set<string> | null = null;

  constructor(
    readonly groupId: string,
    nowMs: number,
  ) {
    this.stateTimestampMs = nowMs;
  }

  is(state: ClassicGroupState): boolean {
    return this.state === state;
  }

  transitionTo(state: ClassicGroupState, nowMs: number): void {
    if (!VALID_PREVIOUS[state].includes(this.state)) {
      throw new Error(`group ${this.groupId}: illegal transition ${this.state} -> ${state}`);
    }
    this.previousState = this.state;
    this.state = state;
    this.stateTimestampMs = nowMs;
  }

  /** Sets the state directly (loading from the log). */
  loadState(state: ClassicGroupState, nowMs: number): void {
    this.previousState = this.state;
    this.state = state;
    this.stateTimestampMs = nowMs;
  }

  get numMembersAwaitingJoin(): number {
    return this.awaitingJoinCount;
  }

  get size(): number {
    return this.members.size;
  }

  isEmpty(): boolean {
    return this.state === S.EMPTY;
  }

  member(memberId: string): ClassicGroupMember | undefined {
    return this.members.get(memberId);
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  staticMemberId(instanceId: string | null): string | undefined {
    return instanceId === null ? undefined : this.staticMembers.get(instanceId);
  }

  usesConsumerGroupProtocol(): boolean {
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  /** Kafka's ClassicGroup.rebalanceTimeoutMs: the largest of the members'. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  add(member: ClassicGroupMember, callback: JoinCallback | null): void {
    if (member.groupInstanceId !== null) {
      if (this.staticMembers.has(member.groupInstanceId)) {
        throw new Error(`static member ${member.groupInstanceId} is already in group ${this.groupId}`);
      }
      this.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.changeSupport(member.protocols, 1);
    member.awaitingJoin = callback;
    if (callback !== null) this.awaitingJoinCount++;
    this.pendingJoinMembers.delete(member.memberId);
  }

  remove(memberId: string): void {
    const removed = this.members.get(memberId);
    if (removed !== undefined) {
      this.members.delete(memberId);
      this.changeSupport(removed.protocols, -1);
      if (removed.awaitingJoin !== null) this.awaitingJoinCount--;
      if (removed.groupInstanceId !== null) this.staticMembers.delete(removed.groupInstanceId);
    }
    if (this.isLeader(memberId)) {
      const first = this.members.keys().next();
      this.leaderId = first.done === true ? null : first.value;
    }
    this.pendingJoinMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  updateMember(
    member: ClassicGroupMember,
    protocols: JoinGroupProtocol[],
    rebalanceTimeoutMs: number,
    sessionTimeoutMs: number,
    callback: JoinCallback | null,
  ): void {
    this.changeSupport(member.protocols, -1);
    member.protocols = protocols;
    this.changeSupport(protocols, 1);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (callback !== null && member.awaitingJoin === null) this.awaitingJoinCount++;
    else if (callback === null && member.awaitingJoin !== null) this.awaitingJoinCount--;
    member.awaitingJoin = callback;
  }

  /**
   * A static member rejoined with a new member id: the old id is fenced (its parked requests get
   * FENCED_INSTANCE_ID) and the member, with its assignment, continues under the new id.
   */
  replaceStaticMember(instanceId: string, oldMemberId: string, newMemberId: string): ClassicGroupMember {
    const old = this.members.get(oldMemberId);
    if (old === undefined) throw new Error(`cannot replace unknown member ${oldMemberId}`);
    this.members.delete(oldMemberId);
    this.completeJoin(old, joinError(ErrorCode.FENCED_INSTANCE_ID, oldMemberId));
    this.completeSync(old, syncError(ErrorCode.FENCED_INSTANCE_ID));
    const replacement = new ClassicGroupMember(
      newMemberId,
      old.groupInstanceId,
      old.clientId,
      old.clientHost,
      old.rebalanceTimeoutMs,
      old.sessionTimeoutMs,
      old.protocolType,
      old.protocols,
      old.assignment,
    );
    this.members.set(newMemberId, replacement);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    // The new incarnation owes the SyncGroup the old one owed; an id left behind would make the
    // pending-sync expiry rebalance for a member that no longer exists.
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    this.staticMembers.set(instanceId, newMemberId);
    return replacement;
  }

  private changeSupport(protocols: readonly JoinGroupProtocol[], delta: number): void {
    for (const p of protocols) {
      const n = (this.supportedProtocols.get(p.name) ?? 0) + delta;
      if (n <= 0) this.supportedProtocols.delete(p.name);
      else this.supportedProtocols.set(p.name, n);
    }
  }

  /** Whether a member with these protocols may join (Kafka's supportsProtocols). */
  supportsProtocols(protocolType: string, protocols: readonly JoinGroupProtocol[]): boolean {
    if (this.state === S.EMPTY) return protocolType !== '' && protocols.length > 0;
    return this.protocolType === protocolType && protocols.some((p) => this.supportedProtocols.get(p.name) === this.members.size);
  }

  /** The protocol every member supports that most members prefer. */
  selectProtocol(): string {
    const candidates = new Set<string>();
    for (const [name, n] of this.supportedProtocols) if (n === this.members.size) candidates.add(name);
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const p = m.vote(candidates);
      votes.set(p, (votes.get(p) ?? 0) + 1);
    }
    let best: string | undefined;
    let bestVotes = -1;
    for (const [p, n] of votes) {
      if (n > bestVotes) {
        best = p;
        bestVotes = n;
      }
    }
    if (best === undefined) throw new Error(`group ${this.groupId} has no members to select a protocol`);
    return best;
  }

  hasAllMembersJoined(): boolean {
    return this.members.size === this.awaitingJoinCount && this.pendingJoinMembers.size === 0;
  }

  /** If the leader did not rejoin, picks a member that did. False when nobody rejoined. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader !== undefined && leader.awaitingJoin !== null) return true;
    for (const m of this.members.values()) {
      if (m.awaitingJoin !== null) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  initNextGeneration(nowMs: number): void {
    this.generationId++;
    const hasMembers = this.members.size > 0;
    this.protocolName = hasMembers ? this.selectProtocol() : null;
    this.subscribedTopics = this.computeSubscribedTopics();
    this.transitionTo(hasMembers ? S.COMPLETING_REBALANCE : S.EMPTY, nowMs);
    this.pendingSyncMembers.clear();
  }

  computeSubscribedTopics(): Set<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
    if (this.members.size === 0) return new Set();
    if (this.protocolName === null) return null;
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      const sub = decodeSubscription(m.metadata(this.protocolName));
      if (sub === undefined) return null;
      for (const t of sub.topics) topics.add(t);
    }
    return topics;
  }

  isSubscribedToTopic(topic: string): boolean {
    if (this.subscribedTopics !== null) return this.subscribedTopics.has(topic);
    return this.usesConsumerGroupProtocol();
  }

  completeJoin(member: ClassicGroupMember, result: JoinGroupResult): boolean {
    const cb = member.awaitingJoin;
    if (cb === null) return false;
    member.awaitingJoin = null;
    this.awaitingJoinCount--;
    cb(result);
    return true;
  }

  completeSync(member: ClassicGroupMember, result: SyncGroupResult): boolean {
    const cb = member.awaitingSync;
    if (cb === null) return false;
    member.awaitingSync = null;
    cb(result);
    return true;
  }

  /** Group-level validation of a member's identity (Kafka's validateMember). */
  validateMember(memberId: string, instanceId: string | null): ErrorCode {
    if (instanceId !== null) {
      const existing = this.staticMembers.get(instanceId);
      if (existing === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (existing !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
      return ErrorCode.NONE;
    }
    return this.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /** A successful JoinGroup answer for the current generation; only the leader gets the members. */
  currentGenerationJoinResult(memberId: string, withMembers: boolean, skipAssignment = false): JoinGroupResult {
    return {
      errorCode: ErrorCode.NONE,
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId ?? '',
      skipAssignment,
      memberId,
      members: withMembers ? this.joinedMembers() : [],
    };
  }

  /** Members' metadata for the selected protocol, as the leader receives it. */
  joinedMembers(): JoinGroupMember[] {
    const protocol = this.protocolName ?? '';
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadata(protocol),
    }));
  }

  /**
   * The timestamp an offset's retention counts from, or undefined when offsets must not expire
   * now (Kafka's ClassicGroup.offsetExpirationCondition).
   */
  offsetExpirationBase(commitTimestampMs: number): number | undefined {
    if (this.protocolType === null) return commitTimestampMs; // simple group: committed from outside
    if (this.state === S.EMPTY) return this.stateTimestampMs;
    if (this.usesConsumerGroupProtocol() && this.subscribedTopics !== null && this.state === S.STABLE) {
      return commitTimestampMs;
    }
    return undefined;
  }

  /** The group's GROUP_METADATA record; `assignments` overrides the members' current ones. */
  toRecord(assignments?: ReadonlyMap<string, Buffer>): GroupRecord {
    return { type: GroupRecordType.GROUP_METADATA, groupId: this.groupId, value: this.toRecordValue(assignments) };
  }

  private toRecordValue(assignments?: ReadonlyMap<string, Buffer>): GroupMetadataValue {
    const protocol = this.protocolName ?? '';
    return {
      protocolType: this.protocolType ?? '',
      generationId: this.generationId,
      protocolName: this.protocolName,
      leader: this.leaderId,
      currentStateTimestampMs: this.stateTimestampMs,
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        subscription: m.metadata(protocol),
        assignment: assignments?.get(m.memberId) ?? m.assignment,
      })),
    };
  }

  /** Rebuilds a group from its GROUP_METADATA record: Empty without members, Stable otherwise. */
  static fromRecord(groupId: string, v: GroupMetadataValue): ClassicGroup {
    const g = new ClassicGroup(groupId, v.currentStateTimestampMs);
    g.protocolType = v.protocolType === '' ? null : v.protocolType;
    g.generationId = v.generationId;
    g.protocolName = v.protocolName;
    for (const m of v.members) {
      const member = new ClassicGroupMember(
        m.memberId,
        m.groupInstanceId,
        m.clientId,
        m.clientHost,
        m.rebalanceTimeoutMs,
        m.sessionTimeoutMs,
        v.protocolType,
        [{ name: v.protocolName ?? '', metadata: m.subscription }],
        m.assignment,
      );
      g.add(member, null);
    }
    g.leaderId = v.leader !== null && g.members.has(v.leader) ? v.leader : g.leaderId;
    g.loadState(g.members.size === 0 ? S.EMPTY : S.STABLE, v.currentStateTimestampMs);
    g.subscribedTopics = g.computeSubscribedTopics();
    return g;
  }
}
