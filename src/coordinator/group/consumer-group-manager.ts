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
import type { ConsumerGroupHeartbeatParams, ConsumerGroupHeartbeatResult, TopicMetadata, TopicPartitions } from './group-types.js';
import { consumerGroupTombstones, currentAssignmentRecord, memberMetadataRecord, removeMemberRecords } from './consumer-group-records.js';
import { type AssignmentMemberSpec, createAssignors, type PartitionAssignor } from './partition-assignor.js';
import { type GroupRecord, GroupRecordType } from './records-codec.js';

type Outcome = { result: ConsumerGroupHeartbeatResult; groupId: string };

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

/** Kafka's Uuid.randomUuid().toString(): 16 random bytes, URL-safe base64 without padding. */
function newMemberId(): string {
  return randomBytes(16).toString('base64url');
}

export class ConsumerGroupManager {
  readonly assignors: Map<string, PartitionAssignor>;
  /** Called when a heartbeat turns an empty classic group into a consumer group. */
  onClassicGroupReplaced: (group: ClassicGroup) => void = () => {};

  constructor(private readonly ctx: GroupContext) {
    this.assignors = createAssignors(ctx.config.consumerGroupAssignors);
  }

  private consumerGroup(groupId: string): ConsumerGroup | undefined {
    const g = this.ctx.groups.get(groupId);
    return g instanceof ConsumerGroup ? g : undefined;
  }

  /** Applies the heartbeat; the caller answers after ctx.flushed(groupId). */
  heartbeat(p: ConsumerGroupHeartbeatParams): ConsumerGroupHeartbeatResult {
    try {
      return this.heartbeatOrThrow(p).result;
    } catch (err) {
      if (err instanceof HeartbeatError) return this.errorResult(err.errorCode, err.message);
      if (err instanceof FencedMemberEpochError) return this.errorResult(ErrorCode.FENCED_MEMBER_EPOCH, err.message);
      throw err;
    }
  }

  private errorResult(errorCode: ErrorCode, errorMessage: string | null): ConsumerGroupHeartbeatResult {
    return { errorCode, errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
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
    if (p.subscribedTopicRegex !== null) compileRegex(p.subscribedTopicRegex);
  }

  private heartbeatOrThrow(p: ConsumerGroupHeartbeatParams): Outcome {
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
    let member: ConsumerGroupMember;
    let replaced: ConsumerGroupMember | undefined;
    if (p.instanceId === null) {
      const found = group?.members.get(memberId);
      if (found === undefined && p.memberEpoch !== 0) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${p.groupId}.`);
      member = found ?? newMember(memberId);
      if (found !== undefined) this.throwIfMemberEpochIsInvalid(found, p.memberEpoch, p.topicPartitions);
    } else {
      const staticMember = group?.staticMember(p.instanceId);
      if (p.memberEpoch === 0) {
        if (staticMember === undefined) {
          member = group?.members.get(memberId) ?? newMember(memberId);
        } else {
          if (staticMember.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
            fail(ErrorCode.UNRELEASED_INSTANCE_ID, `Static member ${memberId} with instance id ${p.instanceId} cannot join the group because the instance id is owned by ${staticMember.memberId} member.`);
          }
          replaced = staticMember;
          // The new incarnation takes over the old one's assignment, at epoch 0.
          member = { ...staticMember, memberId, memberEpoch: 0, previousMemberEpoch: 0 };
        }
      } else {
        if (staticMember === undefined) fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${p.instanceId} is unknown.`);
        if (staticMember.memberId !== memberId) fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${p.instanceId} was fenced by member ${staticMember.memberId}.`);
        this.throwIfMemberEpochIsInvalid(staticMember, p.memberEpoch, p.topicPartitions);
        member = staticMember;
      }
    }

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
      emit({ type: GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER, groupId, memberId, value: { partitions: assignmentToList(target) } });
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
    if (!sameStrings(member.subscribedTopicNames, updated.subscribedTopicNames) || member.subscribedTopicRegex !== updated.subscribedTopicRegex) {
      bumpGroupEpoch = true;
    }

    const g = this.consumerGroup(groupId);
    if (g === undefined) throw new Error(`consumer group ${groupId} missing after member records`);
    const metadata = this.subscriptionMetadata(g);
    if (!sameMetadata(metadata, g.subscriptionMetadata)) bumpGroupEpoch = true;
    if (bumpGroupEpoch) {
      emit({ type: GroupRecordType.CONSUMER_GROUP_METADATA, groupId, value: { epoch: g.groupEpoch + 1, subscriptionMetadata: metadata } });
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
      groupId,
      result: {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        memberId,
        memberEpoch: after.memberEpoch,
        heartbeatIntervalMs: this.ctx.config.consumerGroupHeartbeatIntervalMs,
        assignment: isFullRequest || changed ? assignmentToList(after.assigned) : null,
      },
    };
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
      !sameStrings(a.subscribedTopicNames, b.subscribedTopicNames)
    );
  }

  /** Topics the group's members subscribe to (names and resolved regexes) that exist. */
  private subscriptionMetadata(g: ConsumerGroup): TopicMetadata[] {
    const names = new Set<string>();
    const regexes: RegExp[] = [];
    for (const m of g.members.values()) {
      for (const n of m.subscribedTopicNames) names.add(n);
      if (m.subscribedTopicRegex !== null) regexes.push(compileRegex(m.subscribedTopicRegex));
    }
    if (regexes.length > 0 && this.ctx.topics.topicNames !== undefined) {
      for (const t of this.ctx.topics.topicNames()) {
        // Internal topics are never matched by a subscription pattern.
        if (!t.startsWith('__') && regexes.some((r) => r.test(t))) names.add(t);
      }
    }
    const out: TopicMetadata[] = [];
    for (const name of names) {
      const t = this.ctx.topics.topicByName(name);
      if (t !== undefined) out.push({ id: t.id, name: t.name, partitions: t.partitions });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private memberTopicIds(g: ConsumerGroup, m: ConsumerGroupMember): Set<string> {
    const ids = new Set<string>();
    const regex = m.subscribedTopicRegex === null ? null : compileRegex(m.subscribedTopicRegex);
    for (const t of g.subscriptionMetadata) {
      if (m.subscribedTopicNames.includes(t.name) || (regex !== null && !t.name.startsWith('__') && regex.test(t.name))) ids.add(t.id);
    }
    return ids;
  }

  /** Runs the group's assignor; records the members whose target changed, then the epoch. */
  private updateTargetAssignment(g: ConsumerGroup): GroupRecord[] {
    const assignorName = g.preferredServerAssignor(this.ctx.config.consumerGroupAssignors[0] ?? 'uniform');
    const assignor = this.assignors.get(assignorName) ?? [...this.assignors.values()][0];
    const topics = new Map<string, number>();
    for (const t of g.subscriptionMetadata) topics.set(t.id, t.partitions);
    const specs: AssignmentMemberSpec[] = [...g.members.values()].map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId,
      rackId: m.rackId,
      subscribedTopicIds: this.memberTopicIds(g, m),
      currentAssignment: g.targetAssignment.get(m.memberId) ?? EMPTY,
    }));
    const next = assignor.assign(specs, topics);
    const records: GroupRecord[] = [];
    for (const m of g.members.values()) {
      const target: Assignment = next.get(m.memberId) ?? EMPTY;
      const prev = g.targetAssignment.get(m.memberId);
      if (prev === undefined || !assignmentsEqual(prev, target)) {
        records.push({ type: GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER, groupId: g.groupId, memberId: m.memberId, value: { partitions: assignmentToList(target) } });
      }
    }
    records.push({ type: GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA, groupId: g.groupId, value: { assignmentEpoch: g.groupEpoch } });
    return records;
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

  private scheduleSessionTimeout(groupId: string, memberId: string): void {
    this.ctx.scheduler.schedule(timerKey.consumerSession(groupId, memberId), this.ctx.config.consumerGroupSessionTimeoutMs, () => {
      if (this.consumerGroup(groupId)?.members.has(memberId) === true) {
        this.ctx.logger.info(`group ${groupId}: member ${memberId} fenced on session expiration`);
        this.fenceMember(groupId, memberId);
      }
    });
  }

  private leave(p: ConsumerGroupHeartbeatParams): Outcome {
    const g = this.consumerGroup(p.groupId);
    if (g === undefined) fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${p.groupId} not found.`);
    const ok = (memberEpoch: number): Outcome => ({
      groupId: p.groupId,
      result: { errorCode: ErrorCode.NONE, errorMessage: null, memberId: p.memberId, memberEpoch, heartbeatIntervalMs: 0, assignment: null },
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
    if (g === undefined || !g.members.has(memberId)) return;
    const records = removeMemberRecords(groupId, memberId);
    for (const r of records) this.ctx.replayer(r);
    const epochRecord: GroupRecord = {
      type: GroupRecordType.CONSUMER_GROUP_METADATA,
      groupId,
      value: { epoch: g.groupEpoch + 1, subscriptionMetadata: this.subscriptionMetadata(g) },
    };
    this.ctx.replayer(epochRecord);
    records.push(epochRecord);
    this.ctx.scheduler.cancel(timerKey.consumerSession(groupId, memberId));
    this.ctx.scheduler.cancel(timerKey.consumerRebalance(groupId, memberId));
    void this.ctx.write(groupId, records, false);
  }

  /** Tombstones deleting an empty group (DeleteGroups, offsets expiration). */
  groupTombstones(g: ConsumerGroup): GroupRecord[] {
    return consumerGroupTombstones(g);
  }

  /** After loading: every member gets a fresh session and revocation deadline (Kafka's onLoaded). */
  onLoaded(g: ConsumerGroup): void {
    for (const m of g.members.values()) {
      this.scheduleSessionTimeout(g.groupId, m.memberId);
      if (m.state === MemberState.UNREVOKED_PARTITIONS) this.scheduleRebalanceTimeout(g.groupId, m.memberId, m.memberEpoch, m.rebalanceTimeoutMs);
    }
  }

  unload(g: ConsumerGroup): void {
    for (const id of g.members.keys()) {
      this.ctx.scheduler.cancel(timerKey.consumerSession(g.groupId, id));
      this.ctx.scheduler.cancel(timerKey.consumerRebalance(g.groupId, id));
    }
  }
}

const regexCache = new Map<string, RegExp>();

/** Subscription patterns match whole topic names (Java's Matcher.matches). */
function compileRegex(source: string): RegExp {
  const cached = regexCache.get(source);
  if (cached !== undefined) return cached;
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${source})$`, 'u');
  } catch {
    return fail(ErrorCode.INVALID_REGULAR_EXPRESSION, `SubscribedTopicRegex ${source} is not a valid regular expression.`);
  }
  if (regexCache.size > 1000) regexCache.clear();
  regexCache.set(source, re);
  return re;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((x, i) => x === sb[i]);
}

function sameMetadata(a: readonly TopicMetadata[], b: readonly TopicMetadata[]): boolean {
  return a.length === b.length && a.every((t, i) => t.name === b[i].name && t.id === b[i].id && t.partitions === b[i].partitions);
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
