/**
 * The classic rebalance protocol's requests: JoinGroup, SyncGroup, Heartbeat and LeaveGroup on
 * ClassicGroup. The rebalance they trigger (join and sync phases, the timers that drive them,
 * member sessions) is ClassicRebalance's. Follows Kafka 4.x's GroupMetadataManager (classic part)
 * step by step; the method names are Kafka's so the two can be read side by side.
 *
 * Join and sync requests park a callback on the member; it is called when the rebalance
 * completes (from another member's request or a timer), never by polling. Every parked callback
 * is eventually called: a connection answers in order, so a lost callback would block it.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/errors.js';
import { ClassicGroup, ClassicGroupState as S } from './classic-group.js';
import { ClassicGroupMember, EMPTY_ASSIGNMENT, type JoinCallback, joinError, type SyncCallback, syncError } from './classic-group-member.js';
import type { ClassicRebalance } from './classic-rebalance.js';
import { type GroupContext, timerKey } from './group-context.js';
import type {
  HeartbeatParams,
  JoinGroupParams,
  LeaveGroupMemberParams,
  LeaveGroupResult,
  SyncGroupParams,
} from './group-types.js';

export class ClassicGroupManager {
  constructor(
    private readonly ctx: GroupContext,
    private readonly rebalance: ClassicRebalance,
  ) {}

  private classicGroup(groupId: string): ClassicGroup | undefined {
    const g = this.ctx.groups.get(groupId);
    return g instanceof ClassicGroup ? g : undefined;
  }

  private now(): number {
    return this.ctx.scheduler.now();
  }

  // ------------------------------------------------------------------ JoinGroup

  /** Parameters already validated by the caller (group id, session timeout bounds, loading). */
  join(p: JoinGroupParams, cb: JoinCallback): void {
    const isUnknownMember = p.memberId === '';
    let group = this.classicGroup(p.groupId);
    if (group === undefined) {
      if (!isUnknownMember) return cb(joinError(ErrorCode.UNKNOWN_MEMBER_ID, p.memberId));
      group = new ClassicGroup(p.groupId, this.now());
      this.ctx.groups.set(p.groupId, group);
    }
    if (!this.acceptJoiningMember(group, p.memberId)) {
      this.rebalance.removeMemberCompletingCallbacks(group, p.memberId, ErrorCode.GROUP_MAX_SIZE_REACHED);
      return cb(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, ''));
    }
    if (isUnknownMember) this.joinNewMember(group, p, cb);
    else this.joinExistingMember(group, p, cb);
  }

  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    const max = this.ctx.config.classicGroupMaxSize;
    switch (group.state) {
      case S.EMPTY:
      case S.DEAD:
        return true;
      case S.PREPARING_REBALANCE:
        // Awaiting members count, not the size: members that do not rejoin will be evicted.
        return group.member(memberId)?.awaitingJoin != null || group.numMembersAwaitingJoin < max;
      default:
        return group.members.has(memberId) || group.size < max;
    }
  }

  private joinNewMember(group: ClassicGroup, p: JoinGroupParams, cb: JoinCallback): void {
    if (group.is(S.DEAD)) return cb(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, ''));
    if (!group.supportsProtocols(p.protocolType, p.protocols)) return cb(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, ''));
    const newMemberId = `${p.groupInstanceId ?? p.clientId}-${randomUUID()}`;
    if (p.groupInstanceId !== null) {
      const existing = group.staticMemberId(p.groupInstanceId);
      if (existing !== undefined) return this.updateStaticMemberThenRebalanceOrCompleteJoin(group, p, existing, newMemberId, cb);
      return this.addMemberThenRebalanceOrCompleteJoin(group, p, newMemberId, cb);
    }
    if (p.apiVersion >= 4) {
      // KIP-394: hand out the id and wait for the member to come back with it.
      group.pendingJoinMembers.add(newMemberId);
      this.rebalance.scheduleClassicGroupMemberHeartbeat(group.groupId, newMemberId, p.sessionTimeoutMs);
      return cb(joinError(ErrorCode.MEMBER_ID_REQUIRED, newMemberId));
    }
    this.addMemberThenRebalanceOrCompleteJoin(group, p, newMemberId, cb);
  }

  private joinExistingMember(group: ClassicGroup, p: JoinGroupParams, cb: JoinCallback): void {
    const memberId = p.memberId;
    if (group.is(S.DEAD)) return cb(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, memberId));
    if (!group.supportsProtocols(p.protocolType, p.protocols)) return cb(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, memberId));
    if (group.pendingJoinMembers.has(memberId)) {
      // Pending ids come from the dynamic handshake only; Kafka treats a static one as a bug.
      if (p.groupInstanceId !== null) return cb(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
      return this.addMemberThenRebalanceOrCompleteJoin(group, p, memberId, cb);
    }
    const err = group.validateMember(memberId, p.groupInstanceId);
    if (err !== ErrorCode.NONE) return cb(joinError(err, memberId));
    const member = group.member(memberId);
    if (member === undefined) return cb(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
    switch (group.state) {
      case S.PREPARING_REBALANCE:
        return this.updateMemberThenRebalanceOrCompleteJoin(group, member, p, cb);
      case S.COMPLETING_REBALANCE:
        // Same metadata: the member probably missed the JoinGroup response; send it again.
        if (member.matches(p.protocols)) return cb(group.currentGenerationJoinResult(memberId, group.isLeader(memberId)));
        return this.updateMemberThenRebalanceOrCompleteJoin(group, member, p, cb);
      case S.STABLE:
        // A leader rejoining forces a rebalance (e.g. the topic metadata it assigns changed).
        if (group.isLeader(memberId) || !member.matches(p.protocols)) {
          return this.updateMemberThenRebalanceOrCompleteJoin(group, member, p, cb);
        }
        return cb(group.currentGenerationJoinResult(memberId, false));
      default:
        return cb(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
    }
  }

  private addMemberThenRebalanceOrCompleteJoin(group: ClassicGroup, p: JoinGroupParams, memberId: string, cb: JoinCallback): void {
    const member = new ClassicGroupMember(
      memberId,
      p.groupInstanceId,
      p.clientId,
      p.clientHost,
      p.rebalanceTimeoutMs,
      p.sessionTimeoutMs,
      p.protocolType,
      p.protocols,
    );
    member.isNew = true;
    // A member joining while the initial delay runs extends the delay.
    if (group.is(S.PREPARING_REBALANCE) && group.previousState === S.EMPTY) group.newMemberAdded = true;
    group.add(member, cb);
    // A parked new member cannot heartbeat and its disconnect is invisible: bound its wait.
    this.rebalance.rescheduleClassicGroupMemberHeartbeat(group, member, this.ctx.config.classicGroupNewMemberJoinTimeoutMs);
    this.rebalance.maybePrepareRebalanceOrCompleteJoin(group);
  }

  private updateMemberThenRebalanceOrCompleteJoin(group: ClassicGroup, member: ClassicGroupMember, p: JoinGroupParams, cb: JoinCallback): void {
    // A second JoinGroup supersedes a parked one; answer the old so its connection is not stuck.
    group.completeJoin(member, joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    group.updateMember(member, p.protocols, p.rebalanceTimeoutMs, p.sessionTimeoutMs, cb);
    this.rebalance.maybePrepareRebalanceOrCompleteJoin(group);
  }

  private updateStaticMemberThenRebalanceOrCompleteJoin(
    group: ClassicGroup,
    p: JoinGroupParams,
    oldMemberId: string,
    newMemberId: string,
    cb: JoinCallback,
  ): void {
    const instanceId = p.groupInstanceId ?? '';
    // Before the replacement: a pre-v9 static leader is told the old leader id (see below).
    const currentLeader = group.leaderId ?? '';
    this.ctx.scheduler.cancel(timerKey.classicHeartbeat(group.groupId, oldMemberId));
    const newMember = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    this.rebalance.rescheduleClassicGroupMemberHeartbeat(group, newMember);
    const oldProtocols = newMember.protocols;
    const oldRebalanceTimeoutMs = newMember.rebalanceTimeoutMs;
    const oldSessionTimeoutMs = newMember.sessionTimeoutMs;
    group.updateMember(newMember, p.protocols, p.rebalanceTimeoutMs, p.sessionTimeoutMs, cb);

    switch (group.state) {
      case S.STABLE: {
        // KIP-345: no rebalance when the group's protocol would not change; persist the new id.
        if ((group.protocolName ?? '') !== group.selectProtocol()) return this.rebalance.maybePrepareRebalanceOrCompleteJoin(group);
        void this.ctx.write(group.groupId, [group.toRecord()], false).then((err) => {
          if (err !== ErrorCode.NONE) {
            // Revert unless something else (a rebalance) already answered this join.
            if (newMember.awaitingJoin !== cb || this.ctx.groups.get(group.groupId) !== group) return;
            group.updateMember(newMember, oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs, null);
            this.rebalance.rescheduleClassicGroupMemberHeartbeat(group, group.replaceStaticMember(instanceId, newMemberId, oldMemberId));
            cb(joinError(err, newMemberId));
            return;
          }
          if (p.apiVersion >= 9) {
            const leader = group.isLeader(newMemberId);
            group.completeJoin(newMember, group.currentGenerationJoinResult(newMemberId, leader, leader));
            return;
          }
          // KIP-814: before v9 the leader cannot be told to skip assigning, and an assignment it
          // sent would be ignored by the stable group; naming the previous leader makes it act
          // as a follower that fetches its current assignment.
          group.completeJoin(newMember, { ...group.currentGenerationJoinResult(newMemberId, false), leader: currentLeader });
        });
        return;
      }
      case S.COMPLETING_REBALANCE:
        // The leader may be assigning with the old id: rebalance so the new id gets partitions.
        return this.rebalance.prepareRebalance(group);
      case S.PREPARING_REBALANCE:
        return this.rebalance.maybeCompleteJoinPhase(group);
      default:
        throw new Error(`group ${group.groupId}: static member replaced in state ${group.state}`);
    }
  }

  // ------------------------------------------------------------------ SyncGroup

  sync(p: SyncGroupParams, cb: SyncCallback): void {
    const group = this.classicGroup(p.groupId);
    if (group === undefined) return cb(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    const err = this.validateSyncGroup(group, p);
    if (err !== ErrorCode.NONE) return cb(syncError(err));
    const member = group.member(p.memberId);
    if (member === undefined) return cb(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    switch (group.state) {
      case S.PREPARING_REBALANCE:
        return cb(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case S.COMPLETING_REBALANCE: {
        group.completeSync(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS)); // superseded request
        member.awaitingSync = cb;
        this.rebalance.removePendingSyncMember(group, p.memberId);
        if (!group.isLeader(p.memberId)) return;
        const assignment = new Map<string, Buffer>();
        for (const a of p.assignments) assignment.set(a.memberId, a.assignment);
        for (const id of group.members.keys()) if (!assignment.has(id)) assignment.set(id, EMPTY_ASSIGNMENT);
        const generationId = group.generationId;
        void this.ctx.write(group.groupId, [group.toRecord(assignment)], false).then((appendErr) => {
          // Another member may have rejoined meanwhile: then this assignment is stale.
          if (this.ctx.groups.get(group.groupId) !== group || !group.is(S.COMPLETING_REBALANCE) || group.generationId !== generationId) return;
          if (appendErr !== ErrorCode.NONE) {
            this.rebalance.resetAndPropagateAssignmentWithError(group, appendErr);
            this.rebalance.maybePrepareRebalanceOrCompleteJoin(group);
            return;
          }
          for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? EMPTY_ASSIGNMENT;
          this.rebalance.propagateAssignment(group, ErrorCode.NONE);
          group.transitionTo(S.STABLE, this.now());
        });
        return;
      }
      case S.STABLE:
        this.rebalance.removePendingSyncMember(group, p.memberId);
        return cb({ errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment });
      default:
        return cb(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private validateSyncGroup(group: ClassicGroup, p: SyncGroupParams): ErrorCode {
    if (group.is(S.DEAD)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const err = group.validateMember(p.memberId, p.groupInstanceId);
    if (err !== ErrorCode.NONE) return err;
    if (p.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    const inconsistent = (a: string | null, b: string | null) => a !== null && b !== null && a !== b;
    if (inconsistent(p.protocolType, group.protocolType) || inconsistent(p.protocolName, group.protocolName)) {
      return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    }
    return ErrorCode.NONE;
  }

  // ------------------------------------------------------------------ Heartbeat, LeaveGroup

  heartbeat(p: HeartbeatParams): ErrorCode {
    const group = this.classicGroup(p.groupId);
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is(S.DEAD)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const err = group.validateMember(p.memberId, p.groupInstanceId);
    if (err !== ErrorCode.NONE) return err;
    if (p.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    const member = group.member(p.memberId);
    if (member === undefined || group.is(S.EMPTY)) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.rebalance.rescheduleClassicGroupMemberHeartbeat(group, member);
    // The member learns about a rebalance from this error and rejoins.
    return group.is(S.PREPARING_REBALANCE) ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  leave(groupId: string, members: LeaveGroupMemberParams[]): LeaveGroupResult {
    const group = this.classicGroup(groupId);
    if (group === undefined) {
      // Unknown group, or a KIP-848 group (no classic members in Brook): Kafka answers every
      // member UNKNOWN_MEMBER_ID with no group-level error.
      return { errorCode: ErrorCode.NONE, members: members.map((m) => ({ ...this.identity(m), errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) };
    }
    if (group.is(S.DEAD)) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const results: LeaveGroupResult['members'] = [];
    let anyLeft = false;
    for (const m of members) {
      let errorCode: ErrorCode = ErrorCode.NONE;
      if (m.memberId === '') {
        // Admin removal of a static member by instance id alone.
        const staticId = group.staticMemberId(m.groupInstanceId);
        if (staticId !== undefined) this.rebalance.removeCurrentMemberFromClassicGroup(group, staticId);
        else errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
      } else if (group.pendingJoinMembers.has(m.memberId)) {
        group.remove(m.memberId);
        this.ctx.scheduler.cancel(timerKey.classicHeartbeat(groupId, m.memberId));
      } else {
        errorCode = group.validateMember(m.memberId, m.groupInstanceId);
        if (errorCode === ErrorCode.NONE) this.rebalance.removeCurrentMemberFromClassicGroup(group, m.memberId);
      }
      if (errorCode === ErrorCode.NONE) anyLeft = true;
      results.push({ ...this.identity(m), errorCode });
    }
    if (anyLeft) {
      if (group.is(S.STABLE) || group.is(S.COMPLETING_REBALANCE)) this.rebalance.maybePrepareRebalanceOrCompleteJoin(group);
      else if (group.is(S.PREPARING_REBALANCE)) this.rebalance.maybeCompleteJoinPhase(group);
    }
    return { errorCode: ErrorCode.NONE, members: results };
  }

  private identity(m: LeaveGroupMemberParams): { memberId: string; groupInstanceId: string | null } {
    return { memberId: m.memberId, groupInstanceId: m.groupInstanceId };
  }

  // ------------------------------------------------------------------ lifecycle

  /** After loading: members' sessions start now (Kafka's onLoaded). */
  onLoaded(group: ClassicGroup): void {
    for (const m of group.members.values()) this.rebalance.rescheduleClassicGroupMemberHeartbeat(group, m);
    if (group.size > this.ctx.config.classicGroupMaxSize) this.rebalance.prepareRebalance(group);
  }

  /** Drops the group's timers and answers its parked requests (deletion, shutdown). */
  unload(group: ClassicGroup, errorCode: ErrorCode): void {
    const { scheduler } = this.ctx;
    scheduler.cancel(timerKey.classicJoin(group.groupId));
    scheduler.cancel(timerKey.classicSync(group.groupId));
    for (const m of group.members.values()) {
      scheduler.cancel(timerKey.classicHeartbeat(group.groupId, m.memberId));
      group.completeJoin(m, joinError(errorCode, m.memberId));
      group.completeSync(m, syncError(errorCode));
    }
    for (const id of group.pendingJoinMembers) scheduler.cancel(timerKey.classicHeartbeat(group.groupId, id));
  }
}
