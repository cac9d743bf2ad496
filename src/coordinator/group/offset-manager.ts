/**
 * OffsetCommit, OffsetFetch, OffsetDelete and offsets expiration, after Kafka's
 * OffsetMetadataManager. Offsets change only through OFFSET_COMMIT records; a commit is applied
 * in memory when validated and its response waits for the append (reverted if it fails).
 */
import { ErrorCode } from '../../protocol/errors.js';
import { ClassicGroup, ClassicGroupState as S } from './classic-group.js';
import type { ClassicRebalance } from './classic-rebalance.js';
import { ConsumerGroup } from './consumer-group.js';
import type { Group, GroupContext } from './group-context.js';
import type {
  OffsetCommitParams,
  OffsetCommitResult,
  OffsetDeleteResult,
  OffsetFetchGroupParams,
  OffsetFetchGroupResult,
  OffsetFetchPartitionResult,
} from './group-types.js';
import type { OffsetAndMetadata } from './offset-store.js';
import { type GroupRecord, GroupRecordType } from './records-codec.js';
import { offsetCommitRecords } from './offset-commit-records.js';

/** An OffsetCommit answer with the same error for every partition of the request. */
export function offsetCommitError(p: Pick<OffsetCommitParams, 'topics'>, errorCode: ErrorCode): OffsetCommitResult {
  return { topics: p.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((x) => ({ partitionIndex: x.partitionIndex, errorCode })) })) };
}

export class OffsetManager {
  constructor(
    private readonly ctx: GroupContext,
    private readonly rebalance: ClassicRebalance,
  ) {}

  private validateClassicCommit(g: ClassicGroup, p: OffsetCommitParams): ErrorCode {
    if (g.is(S.DEAD)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    // Generation -1 from outside the group (admin tools, manual assignment): only into an empty group.
    if (p.generationIdOrMemberEpoch < 0 && g.is(S.EMPTY)) return ErrorCode.NONE;
    if (p.generationIdOrMemberEpoch >= 0 || p.memberId !== '' || p.groupInstanceId !== null) {
      const err = g.validateMember(p.memberId, p.groupInstanceId);
      if (err !== ErrorCode.NONE) return err;
      if (p.generationIdOrMemberEpoch !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
    } else if (!g.is(S.EMPTY)) {
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    // The member has its generation from the JoinGroup response but no assignment yet.
    if (g.is(S.COMPLETING_REBALANCE)) return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  private validateConsumerCommit(g: ConsumerGroup, p: OffsetCommitParams): ErrorCode {
    if (p.generationIdOrMemberEpoch < 0 && g.isEmpty()) return ErrorCode.NONE;
    const member = g.members.get(p.memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (p.apiVersion < 9) return ErrorCode.UNSUPPORTED_VERSION;
    if (p.generationIdOrMemberEpoch !== member.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
    return ErrorCode.NONE;
  }

  async commit(p: OffsetCommitParams): Promise<OffsetCommitResult> {
    let group: Group | undefined = this.ctx.groups.get(p.groupId);
    if (group === undefined) {
      if (p.generationIdOrMemberEpoch >= 0) {
        return offsetCommitError(p, p.apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION);
      }
      // A "simple" group, known only through its offsets.
      group = new ClassicGroup(p.groupId, this.ctx.scheduler.now());
      this.ctx.groups.set(p.groupId, group);
    }
    const err = group instanceof ClassicGroup ? this.validateClassicCommit(group, p) : this.validateConsumerCommit(group, p);
    if (err !== ErrorCode.NONE) return offsetCommitError(p, err);
    if (group instanceof ClassicGroup && (group.is(S.STABLE) || group.is(S.PREPARING_REBALANCE))) {
      // Classic members' commits keep their session alive.
      const member = group.member(p.memberId);
      if (member !== undefined) this.rebalance.rescheduleClassicGroupMemberHeartbeat(group, member);
    }

    const now = this.ctx.scheduler.now();
    const expireTimestampMs = p.retentionTimeMs === -1 ? -1 : now + p.retentionTimeMs;
    const { records, result } = offsetCommitRecords(p.groupId, p.topics, { metadataMaxSize: this.ctx.config.offsetMetadataMaxSize, now, expireTimestampMs });
    const undo = this.snapshot(records);
    const appendErr = await this.ctx.write(p.groupId, records, true);
    if (appendErr !== ErrorCode.NONE) {
      this.revert(p.groupId, records, undo);
      return offsetCommitError(p, appendErr);
    }
    return result;
  }

  private snapshot(records: GroupRecord[]): (OffsetAndMetadata | undefined)[] {
    return records.map((r) => (r.type === GroupRecordType.OFFSET_COMMIT ? this.ctx.offsets.get(r.groupId, r.topic, r.partition) : undefined));
  }

  /** Puts back the previous values where nothing newer was written since. */
  private revert(groupId: string, records: GroupRecord[], previous: (OffsetAndMetadata | undefined)[]): void {
    records.forEach((r, i) => {
      if (r.type !== GroupRecordType.OFFSET_COMMIT) return;
      const current = this.ctx.offsets.get(groupId, r.topic, r.partition);
      if (current !== (r.value ?? undefined)) return;
      const prev = previous[i];
      if (prev === undefined) this.ctx.offsets.remove(groupId, r.topic, r.partition);
      else this.ctx.offsets.put(groupId, r.topic, r.partition, prev);
    });
  }

  fetch(p: OffsetFetchGroupParams): OffsetFetchGroupResult {
    const group = this.ctx.groups.get(p.groupId);
    if (group instanceof ConsumerGroup && !(p.memberId === null && p.memberEpoch < 0)) {
      const member = p.memberId === null ? undefined : group.members.get(p.memberId);
      if (member === undefined) return { groupId: p.groupId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID, topics: [] };
      if (member.memberEpoch !== p.memberEpoch) return { groupId: p.groupId, errorCode: ErrorCode.STALE_MEMBER_EPOCH, topics: [] };
    }
    // A missing group simply has no offsets (no error), like Kafka.
    const known = group !== undefined && !(group instanceof ClassicGroup && group.is(S.DEAD));
    const offsets = known ? this.ctx.offsets.groupOffsets(p.groupId) : undefined;
    const toResult = (partitionIndex: number, o: OffsetAndMetadata | undefined): OffsetFetchPartitionResult =>
      o === undefined
        ? { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE }
        : { partitionIndex, committedOffset: o.committedOffset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE };
    if (p.topics === null) {
      const topics = [...(offsets?.entries() ?? [])]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, parts]) => ({
          name,
          partitions: [...parts.entries()].sort(([a], [b]) => a - b).map(([i, o]) => toResult(i, o)),
        }));
      return { groupId: p.groupId, errorCode: ErrorCode.NONE, topics };
    }
    return {
      groupId: p.groupId,
      errorCode: ErrorCode.NONE,
      topics: p.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((i) => toResult(i, offsets?.get(t.name)?.get(i))) })),
    };
  }

  async deleteOffsets(groupId: string, topics: { name: string; partitionIndexes: number[] }[]): Promise<OffsetDeleteResult> {
    const group = this.ctx.groups.get(groupId);
    if (group === undefined) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    if (group instanceof ClassicGroup) {
      if (group.is(S.DEAD)) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
      // Without the consumer protocol Kafka cannot tell what a live group consumes.
      if (!group.is(S.EMPTY) && !group.usesConsumerGroupProtocol()) return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    }
    const records: GroupRecord[] = [];
    const result: OffsetDeleteResult = { errorCode: ErrorCode.NONE, topics: [] };
    for (const t of topics) {
      const subscribed = group.isSubscribedToTopic(t.name);
      const partitions = t.partitionIndexes.map((partitionIndex) => {
        if (subscribed) return { partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC as ErrorCode };
        if (this.ctx.offsets.get(groupId, t.name, partitionIndex) !== undefined) {
          records.push({ type: GroupRecordType.OFFSET_COMMIT, groupId, topic: t.name, partition: partitionIndex, value: null });
        }
        return { partitionIndex, errorCode: ErrorCode.NONE as ErrorCode };
      });
      result.topics.push({ name: t.name, partitions });
    }
    const err = await this.ctx.write(groupId, records, true);
    return err === ErrorCode.NONE ? result : { errorCode: err, topics: [] };
  }

  /** Tombstones for every offset of the group (DeleteGroups). */
  offsetTombstones(groupId: string): GroupRecord[] {
    return this.ctx.offsets.partitionsOf(groupId).map(({ topic, partition }) => ({ type: GroupRecordType.OFFSET_COMMIT, groupId, topic, partition, value: null }));
  }

  /**
   * Adds tombstones for the group's expired offsets to `records`. True when the group has no
   * offsets left afterwards (then an empty group can be deleted), as Kafka's cleanupExpiredOffsets.
   */
  cleanupExpiredOffsets(groupId: string, records: GroupRecord[]): boolean {
    const offsets = this.ctx.offsets.groupOffsets(groupId);
    if (offsets === undefined) return true;
    const group = this.ctx.groups.get(groupId);
    if (group === undefined) return false;
    const now = this.ctx.scheduler.now();
    const retentionMs = this.ctx.config.offsetsRetentionMs;
    let allExpired = true;
    for (const [topic, partitions] of offsets) {
      if (group.isSubscribedToTopic(topic)) {
        allExpired = false;
        continue;
      }
      for (const [partition, o] of partitions) {
        const base = group instanceof ClassicGroup ? group.offsetExpirationBase(o.commitTimestampMs) : o.commitTimestampMs;
        const expired =
          base !== undefined && (o.expireTimestampMs !== -1 ? now >= o.expireTimestampMs : now - base >= retentionMs);
        if (expired) records.push({ type: GroupRecordType.OFFSET_COMMIT, groupId, topic, partition, value: null });
        else allExpired = false;
      }
    }
    return allExpired;
  }
}
