/**
 * KIP-848 ConsumerGroupHeartbeat: joining, leaving, subscriptions, the group epoch, the target
 * assignment and each member's reconciliation, plus the session and rebalance timeouts. Follows
 * Kafka 4.x's GroupMetadataManager.consumerGroupHeartbeat.
 *
 * Every state change is a record: it is replayed into the group right away (so later steps of
 * the same heartbeat see it) and appended to the log; the response waits for the append.
 * Validation happens before the first record, so a rejected heartbeat changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode } from '../../protocol/errors.js';
import { ClassicGroup } from './classic-group.js';
import {
  type Assignment,
  assignmentFrom,
  assignmentsEqual,
  assignmentToList,
  ConsumerGroup,
  type ConsumerGroupMember,
  EMPTY,
  LEAVE_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_STATIC_MEMBER_EPOCH,
  MemberState,
  newMember,
} from './consumer-group.js';
import { FencedMemberEpochError, isReconciledTo, reconcile } from './current-assignment-builder.js';
import { type GroupContext, timerKey } from './group-context.js';
import type { ConsumerGroupHeartbeatParams, ConsumerGroupHeartbeatResult, TopicPartitions } from './group-types.js';
import { currentAssignmentRecord, groupEpochRecord, memberMetadataRecord, removeMemberRecords, targetAssignmentRecord } from './consumer-group-records.js';
import { createAssignors, type PartitionAssignor } from './partition-assignor.js';
import { type GroupRecord, GroupRecordType } from './records-codec.js';
import { RegexResolver } from './regex-resolution.js';
import { buildTargetAssignment } from './target-assignment-builder.js';
import {
  compileSubscriptionRegex,
  computeSubscriptionMetadata,
  InvalidSubscriptionRegexError,
  memberRegex,
  sameSubscriptionMetadata,
  sameTopicNames,
} from './subscription-metadata.js';

class HeartbeatError extends Error {
  constructor(
    readonly errorCode: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function fail(errorCode: ErrorCode, message: string): never {
  throw new HeartbeatError(errorCode, message);
}

export function heartbeatError(errorCode: ErrorCode, errorMessage: string | null = null): ConsumerGroupHeartbeatResult {
  return { errorCode, errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
}

/** Kafka's Uuid.randomUuid().toString(): 16 random bytes, URL-safe base64 without padding. */
function newMemberId(): string {
  return randomBytes(16).toString('base64url');
}

export class ConsumerGroupManager {
  readonly assignors: Map<string, PartitionAssignor>;
  /** Called when a heartbeat turns an empty classic group into a consumer group. */
  onClassicGroupReplaced: (group: ClassicGroup) => void = () => {};

  private readonly regexes: RegexResolver;

  constructor(private readonly ctx: GroupContext) {
    this.assignors = createAssignors(ctx.config.consumerGroupAssignors);
    this.regexes = new RegexResolver(ctx);
  }

  private consumerGroup(groupId: string): ConsumerGroup | undefined {
    const g = this.ctx.groups.get(groupId);
    return g instanceof ConsumerGroup ? g : undefined;
  }

  /** Applies the heartbeat; the caller answers after ctx.flushed(groupId). */
  heartbeat(p: ConsumerGroupHeartbeatParams): ConsumerGroupHeartbeatResult {
    try {
      return this.heartbeatOrThrow(p);
    } catch (err) {
      if (err instanceof HeartbeatError) return heartbeatError(err.errorCode, err.message);
      if (err instanceof FencedMemberEpochError) return heartbeatError(ErrorCode.FENCED_MEMBER_EPOCH, err.message);
      if (err instanceof InvalidSubscriptionRegexError) return heartbeatError(ErrorCode.INVALID_REGULAR_EXPRESSION, err.message);
      throw err;
    }
  }

  private validateRequest(p: ConsumerGroupHeartbeatParams): void {
    const bad = (msg: string) => fail(ErrorCode.INVALID_REQUEST, msg);
    if (p.memberId === '' && (p.apiVersion >= 1 || p.memberEpoch !== 0)) bad('MemberId can\'t be empty.');
    if (p.groupId === '') bad('GroupId can\'t be empty.');
    if (p.instanceId === '') bad('InstanceId can\'t be empty.');
    if (p.rackId === '') bad('RackId can\'t be empty.');
    if (p.memberEpoch === 0) {
      if (p.rebalanceTimeoutMs === -1) bad('RebalanceTimeoutMs must be provided in first request.');
      if (p.topicPartitions === null || p.topicPartitions.length > 0) bad('TopicPartitions must be empty when (re-)joining.');
      if (p.subscribedTopicNames === null && p.subscribedTopicRegex === null) {
        bad('Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.');
      }
    } else if (p.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      if (p.instanceId === null) bad('InstanceId can\'t be null.');
    } else if (p.memberEpoch < LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      bad('MemberEpoch is invalid.');
    }
    if (p.serverAssignor !== null && !this.assignors.has(p.serverAssignor)) {
      fail(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${p.serverAssignor} is not supported. Supported assignors: ${[...this.assignors.keys()].join(', ')}.`);
    }
    // An empty regex is no regex (Kafka lets a member join subscribed to nothing).
    if (p.subscribedTopicRegex !== null && p.subscribedTopicRegex !== '') compileSubscriptionRegex(p.subscribedTopicRegex);
  }

  private heartbeatOrThrow(p: ConsumerGroupHeartbeatParams): ConsumerGroupHeartbeatResult {
    this.validateRequest(p);
    if (p.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || p.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) return this.leave(p);

    // ---- validation (no state change) ----
    const existing = this.ctx.groups.get(p.groupId);
    let classicToReplace: ClassicGroup | undefined;
    if (existing instanceof ClassicGroup) {
      // Brook does not migrate live classic groups (Kafka's online upgrade); empty ones convert.
      if (!existing.isEmpty() || p.memberEpoch !== 0) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${p.groupId} is not a consumer group.`);
      classicToReplace = existing;
    }
    const group = existing instanceof ConsumerGroup ? existing : undefined;
    if (group === undefined && p.memberEpoch !== 0) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${p.groupId} not found.`);
    const size = group?.size ?? 0;
    if (size >= this.ctx.config.consumerGroupMaxSize && (p.memberId === '' || group?.members.has(p.memberId) !== true)) {
      fail(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${this.ctx.config.consumerGroupMaxSize} members.`);
    }
    const memberId = p.memberId === '' ? newMemberId() : p.memberId;
    const { member, replaced } =
      p.instanceId === null
        ? { member: this.getOrMaybeCreateConsumerGroupMember(p, group, memberId), replaced: undefined }
        : this.getOrMaybeSubscribeStaticConsumerGroupMember(p, p.instanceId, group, memberId);

    // ---- state changes: each record is replayed as it is emitted ----
    const records: GroupRecord[] = [];
    const emit = (r: GroupRecord) => {
      records.push(r);
      this.ctx.replayer(r);
    };
    const groupId = p.groupId;
    if (classicToReplace !== undefined) {
      this.onClassicGroupReplaced(classicToReplace);
      emit({ type: GroupRecordType.GROUP_METADATA, groupId, value: null });
    }
    if (replaced !== undefined) {
      const target = group?.targetAssignment.get(replaced.memberId) ?? EMPTY;
      removeMemberRecords(groupId, replaced.memberId).forEach(emit);
      emit(memberMetadataRecord(groupId, member));
      emit(targetAssignmentRecord(groupId, memberId, target));
      emit(currentAssignmentRecord(groupId, member));
    }

    const updated: ConsumerGroupMember = {
      ...member,
      instanceId: p.instanceId ?? member.instanceId,
      rackId: p.rackId ?? member.rackId,
      rebalanceTimeoutMs: p.rebalanceTimeoutMs === -1 ? member.rebalanceTimeoutMs : p.rebalanceTimeoutMs,
      serverAssignor: p.serverAssignor ?? member.serverAssignor,
      subscribedTopicNames: p.subscribedTopicNames ?? member.subscribedTopicNames,
      subscribedTopicRegex: p.subscribedTopicRegex ?? member.subscribedTopicRegex,
      clientId: p.clientId,
      clientHost: p.clientHost,
    };
    const stored = this.consumerGroup(groupId)?.members.get(memberId);
    let bumpGroupEpoch = (group?.groupEpoch ?? 0) === 0 || classicToReplace !== undefined;
    if (stored === undefined || this.metadataChanged(stored, updated)) emit(memberMetadataRecord(groupId, updated));
    if (!sameTopicNames(member.subscribedTopicNames, updated.subscribedTopicNames)) bumpGroupEpoch = true;

    const g = this.consumerGroup(groupId);
    if (g === undefined) throw new Error(`consumer group ${groupId} missing after member records`);
    // A new regex is resolved after this heartbeat: its topics come with a later one.
    if (this.regexes.maybeUpdateRegularExpressions(g, memberRegex(member), memberRegex(updated), emit)) bumpGroupEpoch = true;
    const metadata = computeSubscriptionMetadata(g.members.values(), g.resolvedRegularExpressions, this.ctx.topics);
    if (!sameSubscriptionMetadata(metadata, g.subscriptionMetadata)) bumpGroupEpoch = true;
    if (bumpGroupEpoch) {
      emit(groupEpochRecord(groupId, g.groupEpoch + 1, metadata));
    }
    if (g.groupEpoch > g.assignmentEpoch) this.updateTargetAssignment(g).forEach(emit);

    const before = g.members.get(memberId) ?? updated;
    const after = this.maybeReconcile(g, before, p.topicPartitions);
    if (after !== before) emit(currentAssignmentRecord(groupId, after));

    this.scheduleSessionTimeout(groupId, memberId);
    void this.ctx.write(groupId, records, false);

    // The assignment goes back on full requests (join, or after an error) and when it changed.
    const isFullRequest =
      p.memberEpoch === 0 ||
      (p.rebalanceTimeoutMs !== -1 && (p.subscribedTopicNames !== null || p.subscribedTopicRegex !== null) && p.topicPartitions !== null);
    const changed = !assignmentsEqual(member.assigned, after.assigned) || member.memberId !== after.memberId;
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId,
      memberEpoch: after.memberEpoch,
      heartbeatIntervalMs: this.heartbeatIntervalMs(groupId),
      assignment: isFullRequest || changed ? assignmentToList(after.assigned) : null,
    };
  }

  private getOrMaybeCreateConsumerGroupMember(p: ConsumerGroupHeartbeatParams, group: ConsumerGroup | undefined, memberId: string): ConsumerGroupMember {
    const found = group?.members.get(memberId);
    if (found === undefined) {
      if (p.memberEpoch !== 0) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${p.groupId}.`);
      return newMember(memberId);
    }
    this.throwIfMemberEpochIsInvalid(found, p.memberEpoch, p.topicPartitions);
    return found;
  }

  /** `replaced`: the previous incarnation of the instance, whose place the new member id takes. */
  private getOrMaybeSubscribeStaticConsumerGroupMember(
    p: ConsumerGroupHeartbeatParams,
    instanceId: string,
    group: ConsumerGroup | undefined,
    memberId: string,
  ): { member: ConsumerGroupMember; replaced: ConsumerGroupMember | undefined } {
    const staticMember = group?.staticMember(instanceId);
    if (p.memberEpoch === 0) {
      if (staticMember === undefined) return { member: group?.members.get(memberId) ?? newMember(memberId), replaced: undefined };
      if (staticMember.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
        fail(ErrorCode.UNRELEASED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} cannot join the group because the instance id is owned by ${staticMember.memberId} member.`);
      }
      // The new incarnation takes over the old one's assignment, at epoch 0.
      return { member: { ...staticMember, memberId, memberEpoch: 0, previousMemberEpoch: 0 }, replaced: staticMember };
    }
    if (staticMember === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${instanceId} is unknown.`);
    if (staticMember.memberId !== memberId) fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} was fenced by member ${staticMember.memberId}.`);
    this.throwIfMemberEpochIsInvalid(staticMember, p.memberEpoch, p.topicPartitions);
    return { member: staticMember, replaced: undefined };
  }

  private throwIfMemberEpochIsInvalid(member: ConsumerGroupMember, received: number, owned: readonly TopicPartitions[] | null): void {
    if (received > member.memberEpoch) {
      fail(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a greater member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
    }
    if (received < member.memberEpoch) {
      // The previous epoch is fine if the member owns a subset: the bumped response was lost.
      if (received !== member.previousMemberEpoch || !isSubset(owned, member.assigned)) {
        fail(ErrorCode.FENCED_MEMBER_EPOCH, `The consumer group member has a smaller member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`);
      }
    }
  }

  private metadataChanged(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
    return (
      a.instanceId !== b.instanceId ||
      a.rackId !== b.rackId ||
      a.clientId !== b.clientId ||
      a.clientHost !== b.clientHost ||
      a.rebalanceTimeoutMs !== b.rebalanceTimeoutMs ||
      a.serverAssignor !== b.serverAssignor ||
      a.subscribedTopicRegex !== b.subscribedTopicRegex ||
      !sameTopicNames(a.subscribedTopicNames, b.subscribedTopicNames)
    );
  }

  /** Runs the group's assignor; records the members whose target changed, then the epoch. */
  private updateTargetAssignment(g: ConsumerGroup): GroupRecord[] {
    const assignorName = g.preferredServerAssignor(this.ctx.config.consumerGroupAssignors[0] ?? 'uniform');
    const assignor = this.assignors.get(assignorName) ?? [...this.assignors.values()][0];
    return buildTargetAssignment(g, assignor);
  }

  private maybeReconcile(g: ConsumerGroup, member: ConsumerGroupMember, owned: readonly TopicPartitions[] | null): ConsumerGroupMember {
    if (isReconciledTo(member, g.assignmentEpoch)) return member;
    const target = g.targetAssignment.get(member.memberId) ?? EMPTY;
    const next = reconcile(member, g.assignmentEpoch, target, (t, p) => g.currentPartitionEpoch(t, p), owned);
    if (
      next.memberEpoch === member.memberEpoch &&
      next.previousMemberEpoch === member.previousMemberEpoch &&
      next.state === member.state &&
      assignmentsEqual(next.assigned, member.assigned) &&
      assignmentsEqual(next.pendingRevocation, member.pendingRevocation)
    ) {
      return member;
    }
    const key = timerKey.consumerRebalance(g.groupId, member.memberId);
    if (next.state === MemberState.UNREVOKED_PARTITIONS) {
      this.scheduleRebalanceTimeout(g.groupId, next.memberId, next.memberEpoch, next.rebalanceTimeoutMs);
    } else {
      this.ctx.scheduler.cancel(key);
    }
    return next;
  }

  /** The member has rebalance.timeout to revoke what it must give up; otherwise it is fenced. */
  private scheduleRebalanceTimeout(groupId: string, memberId: string, epoch: number, timeoutMs: number): void {
    this.ctx.scheduler.schedule(timerKey.consumerRebalance(groupId, memberId), Math.max(0, timeoutMs), () => {
      const cur = this.consumerGroup(groupId)?.members.get(memberId);
      if (cur !== undefined && cur.memberEpoch === epoch) {
        this.ctx.logger.info(`group ${groupId}: member ${memberId} fenced: it did not revoke its partitions within ${timeoutMs}ms`);
        this.fenceMember(groupId, memberId);
      }
    });
  }

  /** group.consumer.heartbeat.interval.ms, or the group's consumer.heartbeat.interval.ms. */
  private heartbeatIntervalMs(groupId: string): number {
    return this.ctx.config.consumerGroupOverrides?.(groupId).consumerHeartbeatIntervalMs ?? this.ctx.config.consumerGroupHeartbeatIntervalMs;
  }

  /** group.consumer.session.timeout.ms, or the group's consumer.session.timeout.ms. */
  private sessionTimeoutMs(groupId: string): number {
    return this.ctx.config.consumerGroupOverrides?.(groupId).consumerSessionTimeoutMs ?? this.ctx.config.consumerGroupSessionTimeoutMs;
  }

  private scheduleSessionTimeout(groupId: string, memberId: string): void {
    this.ctx.scheduler.schedule(timerKey.consumerSession(groupId, memberId), this.sessionTimeoutMs(groupId), () => {
      if (this.consumerGroup(groupId)?.members.has(memberId) === true) {
        this.ctx.logger.info(`group ${groupId}: member ${memberId} fenced on session expiration`);
        this.fenceMember(groupId, memberId);
      }
    });
  }

  private leave(p: ConsumerGroupHeartbeatParams): ConsumerGroupHeartbeatResult {
    const g = this.consumerGroup(p.groupId);
    if (g === undefined) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${p.groupId} not found.`);
    const ok = (memberEpoch: number): ConsumerGroupHeartbeatResult => ({
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: p.memberId,
      memberEpoch,
      heartbeatIntervalMs: 0,
      assignment: null,
    });
    if (p.instanceId === null) {
      if (!g.members.has(p.memberId)) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${p.memberId} is not a member of group ${p.groupId}.`);
      this.fenceMember(p.groupId, p.memberId);
      return ok(p.memberEpoch);
    }
    const member = g.staticMember(p.instanceId);
    if (member === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${p.instanceId} is unknown.`);
    if (member.memberId !== p.memberId) fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${p.memberId} with instance id ${p.instanceId} was fenced by member ${member.memberId}.`);
    if (p.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      // A static member restarting keeps its partitions until its session expires.
      const leaving: ConsumerGroupMember = { ...member, memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH, pendingRevocation: EMPTY };
      const rec = currentAssignmentRecord(p.groupId, leaving);
      this.ctx.replayer(rec);
      void this.ctx.write(p.groupId, [rec], false);
      return ok(LEAVE_GROUP_STATIC_MEMBER_EPOCH);
    }
    this.fenceMember(p.groupId, p.memberId);
    return ok(p.memberEpoch);
  }

  /** Removes a member and bumps the group epoch so the others rebalance. */
  fenceMember(groupId: string, memberId: string): void {
    const g = this.consumerGroup(groupId);
    const member = g?.members.get(memberId);
    if (g === undefined || member === undefined) return;
    const records: GroupRecord[] = [];
    const emit = (r: GroupRecord) => {
      records.push(r);
      this.ctx.replayer(r);
    };
    removeMemberRecords(groupId, memberId).forEach(emit);
    this.regexes.forgetIfUnsubscribed(g, memberRegex(member), emit);
    emit(groupEpochRecord(groupId, g.groupEpoch + 1, computeSubscriptionMetadata(g.members.values(), g.resolvedRegularExpressions, this.ctx.topics)));
    this.ctx.scheduler.cancel(timerKey.consumerSession(groupId, memberId));
    this.ctx.scheduler.cancel(timerKey.consumerRebalance(groupId, memberId));
    void this.ctx.write(groupId, records, false);
  }

  /**
   * Bumps the group epoch, as a member joining or a subscription change would: every member's
   * next heartbeat computes a new target assignment and moves the member to the new epoch (the
   * test-control API's forceRebalance). False when there is no such consumer group.
   */
  bumpGroupEpoch(groupId: string): boolean {
    const g = this.consumerGroup(groupId);
    if (g === undefined) return false;
    const rec = groupEpochRecord(groupId, g.groupEpoch + 1, computeSubscriptionMetadata(g.members.values(), g.resolvedRegularExpressions, this.ctx.topics));
    this.ctx.replayer(rec);
    void this.ctx.write(groupId, [rec], false);
    return true;
  }

  /** After loading: every member gets a fresh session and revocation deadline (Kafka's onLoaded). */
  onLoaded(g: ConsumerGroup): void {
    for (const m of g.members.values()) {
      this.scheduleSessionTimeout(g.groupId, m.memberId);
      if (m.state === MemberState.UNREVOKED_PARTITIONS) this.scheduleRebalanceTimeout(g.groupId, m.memberId, m.memberEpoch, m.rebalanceTimeoutMs);
    }
  }

  unload(g: ConsumerGroup): void {
    this.regexes.unload(g.groupId);
    for (const id of g.members.keys()) {
      this.ctx.scheduler.cancel(timerKey.consumerSession(g.groupId, id));
      this.ctx.scheduler.cancel(timerKey.consumerRebalance(g.groupId, id));
    }
  }
}

function isSubset(owned: readonly TopicPartitions[] | null, assigned: Assignment): boolean {
  if (owned === null) return false;
  const a = assignmentFrom(owned);
  for (const [topicId, ps] of a) {
    const set = assigned.get(topicId);
    if (set === undefined) return false;
    for (const p of ps) if (!set.has(p)) return false;
  }
  return true;
}
