/**
 * The rebalance machinery of classic groups, shared by JoinGroup, SyncGroup, LeaveGroup and the
 * timers: preparing a rebalance, completing the join phase, propagating the assignment, and the
 * member-session, join and pending-sync timers. The methods are those of Kafka 4.x's
 * GroupMetadataManager (classic part), under the same names; ClassicGroupManager holds the
 * request entry points and calls in here.
 *
 * Timer callbacks look the group up again by id: the group may have been deleted or replaced
 * (by a KIP-848 group) while the timer waited.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { ClassicGroup, ClassicGroupState as S } from './classic-group.js';
import { type ClassicGroupMember, EMPTY_ASSIGNMENT, joinError, syncError } from './classic-group-member.js';
import { type GroupContext, timerKey } from './group-context.js';

export class ClassicRebalance {
  constructor(private readonly ctx: GroupContext) {}

  private classicGroup(groupId: string): ClassicGroup | undefined {
    const g = this.ctx.groups.get(groupId);
    return g instanceof ClassicGroup ? g : undefined;
  }

  private now(): number {
    return this.ctx.scheduler.now();
  }

  // ------------------------------------------------------------------ join phase

  maybePrepareRebalanceOrCompleteJoin(group: ClassicGroup): void {
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

  maybeCompleteJoinPhase(group: ClassicGroup): void {
    // During the initial delay only the timer completes the join.
    if (group.is(S.PREPARING_REBALANCE) && group.hasAllMembersJoined() && group.previousState !== S.EMPTY) {
      this.completeClassicGroupJoin(group);
    }
  }

  private maybeCompleteJoinElseSchedule(group: ClassicGroup): void {
    if (group.hasAllMembersJoined()) return this.completeClassicGroupJoin(group);
    this.scheduleJoinTimeout(group);
  }

  private scheduleJoinTimeout(group: ClassicGroup): void {
    const groupId = group.groupId;
    this.ctx.scheduler.schedule(timerKey.classicJoin(groupId), group.rebalanceTimeoutMs(), () => {
      const current = this.classicGroup(groupId);
      if (current !== undefined) this.completeClassicGroupJoin(current);
    });
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

  private completeClassicGroupJoin(group: ClassicGroup): void {
    const { scheduler } = this.ctx;
    scheduler.cancel(timerKey.classicJoin(group.groupId));
    // Dynamic members that did not rejoin in time are out; static ones keep their place.
    for (const m of [...group.members.values()]) {
      if (m.awaitingJoin === null && !m.isStatic) this.removeCurrentMemberFromClassicGroup(group, m.memberId);
    }
    if (group.is(S.DEAD)) return;
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Nobody rejoined: wait for the sessions of the silent members to expire.
      this.ctx.logger.warn(`group ${group.groupId} could not complete rebalance because no members rejoined`);
      this.scheduleJoinTimeout(group);
      return;
    }
    group.initNextGeneration(this.now());
    if (group.is(S.EMPTY)) {
      void this.ctx.write(group.groupId, [group.toRecord()], false);
      return;
    }
    for (const member of [...group.members.values()]) {
      group.completeJoin(member, group.currentGenerationJoinResult(member.memberId, group.isLeader(member.memberId)));
      this.rescheduleClassicGroupMemberHeartbeat(group, member);
      member.isNew = false;
      group.pendingSyncMembers.add(member.memberId);
    }
    const generationId = group.generationId;
    scheduler.schedule(timerKey.classicSync(group.groupId), group.rebalanceTimeoutMs(), () => this.expirePendingSync(group.groupId, generationId));
  }

  // ------------------------------------------------------------------ sync phase

  /** Members that got the JoinGroup response but never sent SyncGroup are removed. */
  private expirePendingSync(groupId: string, generationId: number): void {
    const group = this.classicGroup(groupId);
    if (group === undefined || group.generationId !== generationId) return;
    if (!group.is(S.COMPLETING_REBALANCE) && !group.is(S.STABLE)) return;
    if (group.pendingSyncMembers.size === 0) return;
    for (const memberId of [...group.pendingSyncMembers]) this.removeCurrentMemberFromClassicGroup(group, memberId);
    this.prepareRebalance(group);
  }

  removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    const stillWaiting = (group.is(S.COMPLETING_REBALANCE) || group.is(S.STABLE)) && group.pendingSyncMembers.size > 0;
    if (!stillWaiting) this.ctx.scheduler.cancel(timerKey.classicSync(group.groupId));
  }

  resetAndPropagateAssignmentWithError(group: ClassicGroup, error: ErrorCode): void {
    for (const m of group.members.values()) m.assignment = EMPTY_ASSIGNMENT;
    this.propagateAssignment(group, error);
  }

  propagateAssignment(group: ClassicGroup, error: ErrorCode): void {
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

  // ------------------------------------------------------------------ member sessions

  rescheduleClassicGroupMemberHeartbeat(group: ClassicGroup, member: ClassicGroupMember, timeoutMs = member.sessionTimeoutMs): void {
    this.scheduleClassicGroupMemberHeartbeat(group.groupId, member.memberId, timeoutMs);
  }

  /** Also for ids handed out by MEMBER_ID_REQUIRED, which have no member yet. */
  scheduleClassicGroupMemberHeartbeat(groupId: string, memberId: string, timeoutMs: number): void {
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

  /**
   * Removes a member as its session timeout would, whatever it is doing (the test-control API's
   * expireMember): parked requests get UNKNOWN_MEMBER_ID and the others rebalance.
   */
  expireMember(group: ClassicGroup, member: ClassicGroupMember): void {
    this.ctx.scheduler.cancel(timerKey.classicHeartbeat(group.groupId, member.memberId));
    this.ctx.logger.info(`group ${group.groupId}: member ${member.memberId} removed on session expiration (forced)`);
    this.removeMemberAndUpdateClassicGroup(group, member);
  }

  private removeMemberAndUpdateClassicGroup(group: ClassicGroup, member: ClassicGroupMember): void {
    this.removeMemberCompletingCallbacks(group, member.memberId, ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.is(S.STABLE) || group.is(S.COMPLETING_REBALANCE)) this.maybePrepareRebalanceOrCompleteJoin(group);
    else if (group.is(S.PREPARING_REBALANCE) && group.hasAllMembersJoined()) this.completeClassicGroupJoin(group);
  }

  /** Removes a member after answering its parked requests (join with memberId "", as Kafka). */
  removeMemberCompletingCallbacks(group: ClassicGroup, memberId: string, errorCode: ErrorCode): void {
    const member = group.member(memberId);
    if (member !== undefined) {
      group.completeJoin(member, joinError(errorCode, ''));
      group.completeSync(member, syncError(errorCode));
    }
    group.remove(memberId);
  }

  /** Removes a member that is gone for good (left, or missed a deadline), with its session timer. */
  removeCurrentMemberFromClassicGroup(group: ClassicGroup, memberId: string): void {
    this.ctx.scheduler.cancel(timerKey.classicHeartbeat(group.groupId, memberId));
    this.removeMemberCompletingCallbacks(group, memberId, ErrorCode.UNKNOWN_MEMBER_ID);
  }
}
