/**
 * The classic rebalance protocol: JoinGroup, SyncGroup, Heartbeat and LeaveGroup on ClassicGroup,
 * with the timers that drive it (initial rebalance delay, rebalance timeout, pending sync, member
 * sessions). Follows Kafka 4.x's GroupMetadataManager (classic part) step by step; the method
 * names are Kafka's so the two can be read side by side.
 *
 * Join and sync requests park a callback on the member; it is called when the rebalance
 * completes (from another member's request or a timer), never by polling. Every parked callback
 * is eventually called: a connection answers in order, so a lost callback would block it.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/errors.js';
import {
  ClassicGroup,
  ClassicGroupMember,
  ClassicGroupState as S,
  EMPTY_ASSIGNMENT,
  type JoinCallback,
  type SyncCallback,
} from './classic-group.js';
import { type GroupContext, timerKey } from './group-context.js';
import type {
  HeartbeatParams,
  JoinGroupParams,
  JoinGroupResult,
  LeaveGroupMemberParams,
  LeaveGroupResult,
  SyncGroupParams,
  SyncGroupResult,
} from './group-types.js';
import { GroupRecordType } from './records-codec.js';

export function joinError(errorCode: ErrorCode, memberId: string): JoinGroupResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

export function syncError(errorCode: ErrorCode): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT };
}

export class ClassicGroupManager {
  constructor(private readonly ctx: GroupContext) {}

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
      this.removeMemberCompletingCallbacks(group, p.memberId, ErrorCode.GROUP_MAX_SIZE_REACHED);
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
      this.ctx.scheduler.schedule(timerKey.classicHeartbeat(group.groupId, newMemberId), p.sessionTimeoutMs, () =>
        this.expireClassicGroupMemberHeartbeat(group.groupId, newMemberId),
      );
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
        if (member.matches(p.protocols)) return cb(this.currentGenerationResult(group, memberId, group.isLeader(memberId)));
        return this.updateMemberThenRebalanceOrCompleteJoin(group, member, p, cb);
      case S.STABLE:
        // A leader rejoining forces a rebalance (e.g. the topic metadata it assigns changed).
        if (group.isLeader(memberId) || !member.matches(p.protocols)) {
          return this.updateMemberThenRebalanceOrCompleteJoin(group, member, p, cb);
        }
        return cb(this.currentGenerationResult(group, memberId, false));
      default:
        return cb(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
    }
  }

  private currentGenerationResult(group: ClassicGroup, memberId: string, withMembers: boolean, skipAssignment = false): JoinGroupResult {
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment,
      memberId,
      members: withMembers ? group.joinedMembers() : [],
    };
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
    this.rescheduleClassicGroupMemberHeartbeat(group, member, this.ctx.config.classicGroupNewMemberJoinTimeoutMs);
    this.maybePrepareRebalanceOrCompleteJoin(group);
  }

  private updateMemberThenRebalanceOrCompleteJoin(group: ClassicGroup, member: ClassicGroupMember, p: JoinGroupParams, cb: JoinCallback): void {
    // A second JoinGroup supersedes a parked one; answer the old so its connection is not stuck.
    group.completeJoin(member, joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    group.updateMember(member, p.protocols, p.rebalanceTimeoutMs, p.sessionTimeoutMs, cb);
    this.maybePrepareRebalanceOrCompleteJoin(group);
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
    this.rescheduleClassicGroupMemberHeartbeat(group, newMember);
    const oldProtocols = newMember.protocols;
    const oldRebalanceTimeoutMs = newMember.rebalanceTimeoutMs;
    const oldSessionTimeoutMs = newMember.sessionTimeoutMs;
    group.updateMember(newMember, p.protocols, p.rebalanceTimeoutMs, p.sessionTimeoutMs, cb);

    switch (group.state) {
      case S.STABLE: {
        // KIP-345: no rebalance when the group's protocol would not change; persist the new id.
        if ((group.protocolName ?? '') !== group.selectProtocol()) return this.maybePrepareRebalanceOrCompleteJoin(group);
        void this.ctx.write(group.groupId, [{ type: GroupRecordType.GROUP_METADATA, groupId: group.groupId, value: group.toRecordValue() }], false).then((err) => {
          if (err !== ErrorCode.NONE) {
            // Revert unless something else (a rebalance) already answered this join.
            if (newMember.awaitingJoin !== cb || this.ctx.groups.get(group.groupId) !== group) return;
            group.updateMember(newMember, oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs, null);
            this.rescheduleClassicGroupMemberHeartbeat(group, group.replaceStaticMember(instanceId, newMemberId, oldMemberId));
            cb(joinError(err, newMemberId));
            return;
          }
          if (p.apiVersion >= 9) {
            const leader = group.isLeader(newMemberId);
            group.completeJoin(newMember, this.currentGenerationResult(group, newMemberId, leader, leader));
            return;
          }
          // KIP-814: before v9 the leader cannot be told to skip assigning, and an assignment it
          // sent would be ignored by the stable group; naming the previous leader makes it act
          // as a follower that fetches its current assignment.
          group.completeJoin(newMember, { ...this.currentGenerationResult(group, newMemberId, false), leader: currentLeader });
        });
        return;
      }
      case S.COMPLETING_REBALANCE:
        // The leader may be assigning with the old id: rebalance so the new id gets partitions.
        return this.prepareRebalance(group);
      case S.PREPARING_REBALANCE:
        return this.maybeCompleteJoinPhase(group);
      default:
        throw new Error(`group ${group.groupId}: static member replaced in state ${group.state}`);
    }
  }

  // ------------------------------------------------------------------ rebalance machinery

  private maybePrepareRebalanceOrCompleteJoin(group: ClassicGroup): void {
    if (group.is(S.STABLE) || group.is(S.COMPLETING_REBALANCE) || group.is(S.EMPTY)) this.prepareRebalance(group);
    else this.maybeCompleteJoinPhase(group);
  }

  prepareRebalance(group: ClassicGroup): void {
    // Members parked in SyncGroup must rejoin.
    if (group.is(S.COMPLETING_REBALANCE)) this.resetAndPropagateAssignmentWithError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.ctx.scheduler.cancel(timerKey.classicSync(group.groupId));
    const isInitialRebalance = group.is(S.EMPTY);
    if (isInitialRebalance) {
      // A new group: give more members time to join (group.initial.rebalance.delay.ms).
      const delayMs = this.ctx.config.classicGroupInitialRebalanceDelayMs;
      const remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
      this.ctx.scheduler.schedule(timerKey.classicJoin(group.groupId), delayMs, () =>
        this.tryCompleteInitialRebalanceElseSchedule(group.groupId, delayMs, remainingMs),
      );
    }
    group.transitionTo(S.PREPARING_REBALANCE, this.now());
    if (!isInitialRebalance) this.maybeCompleteJoinElseSchedule(group);
  }

  private maybeCompleteJoinElseSchedule(group: ClassicGroup): void {
    if (group.hasAllMembersJoined()) return this.completeClassicGroupJoin(group);
    this.ctx.scheduler.schedule(timerKey.classicJoin(group.groupId), group.rebalanceTimeoutMs(), () =>
      this.completeClassicGroupJoinById(group.groupId),
    );
  }

  private tryCompleteInitialRebalanceElseSchedule(groupId: string, delayMs: number, remainingMs: number): void {
    const group = this.classicGroup(groupId);
    if (group === undefined) return;
    if (group.newMemberAdded && remainingMs !== 0) {
      group.newMemberAdded = false;
      const newDelayMs = Math.min(this.ctx.config.classicGroupInitialRebalanceDelayMs, remainingMs);
      const newRemainingMs = Math.max(remainingMs - delayMs, 0);
      this.ctx.scheduler.schedule(timerKey.classicJoin(groupId), newDelayMs, () =>
        this.tryCompleteInitialRebalanceElseSchedule(groupId, newDelayMs, newRemainingMs),
      );
      return;
    }
    this.completeClassicGroupJoin(group);
  }

  private maybeCompleteJoinPhase(group: ClassicGroup): void {
    // During the initial delay only the timer completes the join.
    if (group.is(S.PREPARING_REBALANCE) && group.hasAllMembersJoined() && group.previousState !== S.EMPTY) {
      this.completeClassicGroupJoin(group);
    }
  }

  private completeClassicGroupJoinById(groupId: string): void {
    const group = this.classicGroup(groupId);
    if (group !== undefined) this.completeClassicGroupJoin(group);
  }

  private completeClassicGroupJoin(group: ClassicGroup): void {
    const { scheduler } = this.ctx;
    scheduler.cancel(timerKey.classicJoin(group.groupId));
    // Dynamic members that did not rejoin in time are out; static ones keep their place.
    for (const m of [...group.members.values()]) {
      if (m.awaitingJoin === null && !m.isStatic) {
        this.removeMemberCompletingCallbacks(group, m.memberId, ErrorCode.UNKNOWN_MEMBER_ID);
        scheduler.cancel(timerKey.classicHeartbeat(group.groupId, m.memberId));
      }
    }
    if (group.is(S.DEAD)) return;
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Nobody rejoined: wait for the sessions of the silent members to expire.
      this.ctx.logger.warn(`group ${group.groupId} could not complete rebalance because no members rejoined`);
      scheduler.schedule(timerKey.classicJoin(group.groupId), group.rebalanceTimeoutMs(), () => this.completeClassicGroupJoinById(group.groupId));
      return;
    }
    group.initNextGeneration(this.now());
    if (group.is(S.EMPTY)) {
      void this.ctx.write(group.groupId, [{ type: GroupRecordType.GROUP_METADATA, groupId: group.groupId, value: group.toRecordValue() }], false);
      return;
    }
    const leaderMembers = group.joinedMembers();
    for (const member of [...group.members.values()]) {
      group.completeJoin(member, {
        errorCode: ErrorCode.NONE,
        generationId: group.generationId,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        leader: group.leaderId ?? '',
        skipAssignment: false,
        memberId: member.memberId,
        members: group.isLeader(member.memberId) ? leaderMembers : [],
      });
      this.rescheduleClassicGroupMemberHeartbeat(group, member);
      member.isNew = false;
      group.pendingSyncMembers.add(member.memberId);
    }
    const generationId = group.generationId;
    scheduler.schedule(timerKey.classicSync(group.groupId), group.rebalanceTimeoutMs(), () => this.expirePendingSync(group.groupId, generationId));
  }

  /** Members that got the JoinGroup response but never sent SyncGroup are removed. */
  private expirePendingSync(groupId: string, generationId: number): void {
    const group = this.classicGroup(groupId);
    if (group === undefined || group.generationId !== generationId) return;
    if (!group.is(S.COMPLETING_REBALANCE) && !group.is(S.STABLE)) return;
    if (group.pendingSyncMembers.size === 0) return;
    for (const memberId of [...group.pendingSyncMembers]) {
      this.removeMemberCompletingCallbacks(group, memberId, ErrorCode.UNKNOWN_MEMBER_ID);
      this.ctx.scheduler.cancel(timerKey.classicHeartbeat(groupId, memberId));
    }
    this.prepareRebalance(group);
  }

  private removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    const stillWaiting = (group.is(S.COMPLETING_REBALANCE) || group.is(S.STABLE)) && group.pendingSyncMembers.size > 0;
    if (!stillWaiting) this.ctx.scheduler.cancel(timerKey.classicSync(group.groupId));
  }

  rescheduleClassicGroupMemberHeartbeat(group: ClassicGroup, member: ClassicGroupMember, timeoutMs = member.sessionTimeoutMs): void {
    const groupId = group.groupId;
    const memberId = member.memberId;
    this.ctx.scheduler.schedule(timerKey.classicHeartbeat(groupId, memberId), timeoutMs, () =>
      this.expireClassicGroupMemberHeartbeat(groupId, memberId),
    );
  }

  private expireClassicGroupMemberHeartbeat(groupId: string, memberId: string): void {
    const group = this.classicGroup(groupId);
    if (group === undefined || group.is(S.DEAD)) return;
    if (group.pendingJoinMembers.has(memberId)) {
      group.remove(memberId);
      if (group.is(S.PREPARING_REBALANCE) && group.hasAllMembersJoined()) this.completeClassicGroupJoin(group);
      return;
    }
    const member = group.member(memberId);
    if (member === undefined || member.hasSatisfiedHeartbeat()) return;
    this.ctx.logger.info(`group ${groupId}: member ${memberId} removed on session expiration`);
    this.removeMemberAndUpdateClassicGroup(group, member);
  }

  private removeMemberAndUpdateClassicGroup(group: ClassicGroup, member: ClassicGroupMember): void {
    this.removeMemberCompletingCallbacks(group, member.memberId, ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.is(S.STABLE) || group.is(S.COMPLETING_REBALANCE)) this.maybePrepareRebalanceOrCompleteJoin(group);
    else if (group.is(S.PREPARING_REBALANCE) && group.hasAllMembersJoined()) this.completeClassicGroupJoin(group);
  }

  /** Removes a member after answering its parked requests (join with memberId "", as Kafka). */
  private removeMemberCompletingCallbacks(group: ClassicGroup, memberId: string, errorCode: ErrorCode): void {
    const member = group.member(memberId);
    if (member !== undefined) {
      group.completeJoin(member, joinError(errorCode, ''));
      group.completeSync(member, syncError(errorCode));
    }
    group.remove(memberId);
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
        this.removePendingSyncMember(group, p.memberId);
        if (!group.isLeader(p.memberId)) return;
        const assignment = new Map<string, Buffer>();
        for (const a of p.assignments) assignment.set(a.memberId, a.assignment);
        for (const id of group.members.keys()) if (!assignment.has(id)) assignment.set(id, EMPTY_ASSIGNMENT);
        const generationId = group.generationId;
        const record = { type: GroupRecordType.GROUP_METADATA, groupId: group.groupId, value: group.toRecordValue(assignment) } as const;
        void this.ctx.write(group.groupId, [record], false).then((appendErr) => {
          // Another member may have rejoined meanwhile: then this assignment is stale.
          if (this.ctx.groups.get(group.groupId) !== group || !group.is(S.COMPLETING_REBALANCE) || group.generationId !== generationId) return;
          if (appendErr !== ErrorCode.NONE) {
            this.resetAndPropagateAssignmentWithError(group, appendErr);
            this.maybePrepareRebalanceOrCompleteJoin(group);
            return;
          }
          for (const m of group.members.values()) m.assignment = assignment.get(m.memberId) ?? EMPTY_ASSIGNMENT;
          this.propagateAssignment(group, ErrorCode.NONE);
          group.transitionTo(S.STABLE, this.now());
        });
        return;
      }
      case S.STABLE:
        this.removePendingSyncMember(group, p.memberId);
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

  private resetAndPropagateAssignmentWithError(group: ClassicGroup, error: ErrorCode): void {
    for (const m of group.members.values()) m.assignment = EMPTY_ASSIGNMENT;
    this.propagateAssignment(group, error);
  }

  private propagateAssignment(group: ClassicGroup, error: ErrorCode): void {
    const ok = error === ErrorCode.NONE;
    for (const member of [...group.members.values()]) {
      const answered = group.completeSync(member, {
        errorCode: error,
        protocolType: ok ? group.protocolType : null,
        protocolName: ok ? group.protocolName : null,
        assignment: member.assignment,
      });
      // Sessions restart once the member has its assignment (expirations meanwhile were ignored).
      if (answered) this.rescheduleClassicGroupMemberHeartbeat(group, member);
    }
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
    this.rescheduleClassicGroupMemberHeartbeat(group, member);
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
        if (staticId !== undefined) this.removeCurrentMemberFromClassicGroup(group, staticId);
        else errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
      } else if (group.pendingJoinMembers.has(m.memberId)) {
        group.remove(m.memberId);
        this.ctx.scheduler.cancel(timerKey.classicHeartbeat(groupId, m.memberId));
      } else {
        errorCode = group.validateMember(m.memberId, m.groupInstanceId);
        if (errorCode === ErrorCode.NONE) this.removeCurrentMemberFromClassicGroup(group, m.memberId);
      }
      if (errorCode === ErrorCode.NONE) anyLeft = true;
      results.push({ ...this.identity(m), errorCode });
    }
    if (anyLeft) {
      if (group.is(S.STABLE) || group.is(S.COMPLETING_REBALANCE)) this.maybePrepareRebalanceOrCompleteJoin(group);
      else if (group.is(S.PREPARING_REBALANCE)) this.maybeCompleteJoinPhase(group);
    }
    return { errorCode: ErrorCode.NONE, members: results };
  }

  private identity(m: LeaveGroupMemberParams): { memberId: string; groupInstanceId: string | null } {
    return { memberId: m.memberId, groupInstanceId: m.groupInstanceId };
  }

  private removeCurrentMemberFromClassicGroup(group: ClassicGroup, memberId: string): void {
    this.ctx.scheduler.cancel(timerKey.classicHeartbeat(group.groupId, memberId));
    this.removeMemberCompletingCallbacks(group, memberId, ErrorCode.UNKNOWN_MEMBER_ID);
  }

  // ------------------------------------------------------------------ lifecycle

  /** After loading: members' sessions start now (Kafka's onLoaded). */
  onLoaded(group: ClassicGroup): void {
    for (const m of group.members.values()) this.rescheduleClassicGroupMemberHeartbeat(group, m);
    if (group.size > this.ctx.config.classicGroupMaxSize) this.prepareRebalance(group);
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
