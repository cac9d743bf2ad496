/**
 * Transactional offset commits (TxnOffsetCommit), after Kafka's OffsetMetadataManager: the
 * offsets are written to `__consumer_offsets` in the producer's transaction and kept pending,
 * invisible to OffsetFetch, until the transaction's COMMIT marker lands in the group's partition
 * (then they become the committed offsets, unless a plain commit written after them is newer) or
 * its ABORT marker (then they are dropped). Replay at start goes through the same two entry
 * points (applyPending, completeTransaction), so a restart rebuilds exactly this state.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { ClassicGroup, ClassicGroupState as S } from './classic-group.js';
import { ConsumerGroup } from './consumer-group.js';
import type { Group, GroupContext } from './group-context.js';
import type { OffsetCommitResult, TxnOffsetCommitParams } from './group-types.js';
import type { OffsetAndMetadata } from './offset-store.js';
import { GroupRecordType } from './records-codec.js';
import { offsetCommitRecords } from './offset-commit-records.js';

type PartitionOffsets = Map<number, OffsetAndMetadata>;
/** groupId -> topic -> partition -> pending offset. */
type GroupOffsets = Map<string, Map<string, PartitionOffsets>>;

function txnCommitError(p: TxnOffsetCommitParams, errorCode: ErrorCode): OffsetCommitResult {
  return { topics: p.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((x) => ({ partitionIndex: x.partitionIndex, errorCode })) })) };
}

export class TxnOffsetManager {
  /** producerId -> its pending offsets. */
  private readonly pending = new Map<number, GroupOffsets>();
  /** groupId -> producers with pending offsets in it. */
  private readonly openByGroup = new Map<string, Set<number>>();

  constructor(private readonly ctx: GroupContext) {}

  /** Kafka's validateTransactionalOffsetCommit: generation and member fencing (KIP-447). */
  private validate(p: TxnOffsetCommitParams): ErrorCode {
    let g: Group | undefined = this.ctx.groups.get(p.groupId);
    if (g === undefined) {
      if (p.generationId >= 0) return ErrorCode.ILLEGAL_GENERATION;
      // A "simple" group, known only through its offsets.
      g = new ClassicGroup(p.groupId, this.ctx.scheduler.now());
      this.ctx.groups.set(p.groupId, g);
      return ErrorCode.NONE;
    }
    if (g instanceof ClassicGroup) {
      if (g.is(S.DEAD)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      if (p.generationId < 0 && g.is(S.EMPTY)) return ErrorCode.NONE;
      if (p.generationId >= 0 || p.memberId !== '' || p.groupInstanceId !== null) {
        const err = g.validateMember(p.memberId, p.groupInstanceId);
        if (err !== ErrorCode.NONE) return err;
        if (p.generationId !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
      }
      // Unlike plain commits, neither the group's state nor a missing member id is checked:
      // older versions of this API carry neither.
      return ErrorCode.NONE;
    }
    if (p.generationId < 0 && g.isEmpty()) return ErrorCode.NONE;
    const member = (g as ConsumerGroup).members.get(p.memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    // A stale member epoch is ILLEGAL_GENERATION here, whatever protocol the member uses.
    return p.generationId === member.memberEpoch ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
  }

  async commit(p: TxnOffsetCommitParams): Promise<OffsetCommitResult> {
    const err = this.validate(p);
    if (err !== ErrorCode.NONE) return txnCommitError(p, err);
    const now = this.ctx.scheduler.now();
    const { records, result } = offsetCommitRecords(p.groupId, p.topics, { metadataMaxSize: this.ctx.config.offsetMetadataMaxSize, now, expireTimestampMs: -1, producerId: p.producerId });
    if (records.length === 0) return result;
    const appendErr = await this.ctx.writeTransactional(p.groupId, records, { producerId: p.producerId, producerEpoch: p.producerEpoch });
    if (appendErr !== ErrorCode.NONE) {
      // Not written: take these pending offsets back (unless a later commit replaced them).
      for (const r of records) {
        if (r.type !== GroupRecordType.OFFSET_COMMIT) continue;
        const byTopic = this.pending.get(p.producerId)?.get(p.groupId)?.get(r.topic);
        if (byTopic?.get(r.partition) === r.value) this.removePending(p.producerId, p.groupId, r.topic, r.partition);
      }
      return txnCommitError(p, appendErr);
    }
    return result;
  }

  /** A transactional OFFSET_COMMIT record, live or replayed: pending until its marker. */
  applyPending(producerId: number, groupId: string, topic: string, partition: number, value: OffsetAndMetadata): void {
    let groups = this.pending.get(producerId);
    if (!groups) this.pending.set(producerId, (groups = new Map()));
    let topics = groups.get(groupId);
    if (!topics) groups.set(groupId, (topics = new Map()));
    let parts = topics.get(topic);
    if (!parts) topics.set(topic, (parts = new Map()));
    parts.set(partition, value);
    let open = this.openByGroup.get(groupId);
    if (!open) this.openByGroup.set(groupId, (open = new Set()));
    open.add(producerId);
  }

  private removePending(producerId: number, groupId: string, topic: string, partition: number): void {
    const groups = this.pending.get(producerId);
    const topics = groups?.get(groupId);
    const parts = topics?.get(topic);
    if (!groups || !topics || !parts) return;
    parts.delete(partition);
    if (parts.size === 0) topics.delete(topic);
    if (topics.size > 0) return;
    groups.delete(groupId);
    if (groups.size === 0) this.pending.delete(producerId);
    this.closeOpen(groupId, producerId);
  }

  private closeOpen(groupId: string, producerId: number): void {
    const open = this.openByGroup.get(groupId);
    open?.delete(producerId);
    if (open?.size === 0) this.openByGroup.delete(groupId);
  }

  /** A tombstone (OffsetDelete, DeleteGroups, expiry) removes pending offsets of the partition too. */
  onTombstone(groupId: string, topic: string, partition: number): void {
    for (const producerId of [...(this.openByGroup.get(groupId) ?? [])]) this.removePending(producerId, groupId, topic, partition);
  }

  /**
   * The marker of `producerId`'s transaction in partition `logPartition` of `__consumer_offsets`:
   * its pending offsets for the groups of that partition become committed (COMMIT) or are
   * dropped (ABORT). Other partitions' groups wait for their own markers.
   */
  completeTransaction(logPartition: number, producerId: number, commit: boolean): void {
    const groups = this.pending.get(producerId);
    if (!groups) return;
    for (const [groupId, topics] of [...groups]) {
      if (this.ctx.partitionFor(groupId) !== logPartition) continue;
      groups.delete(groupId);
      this.closeOpen(groupId, producerId);
      if (!commit) continue;
      for (const [topic, parts] of topics) {
        for (const [partition, value] of parts) {
          const existing = this.ctx.offsets.get(groupId, topic, partition);
          if (existing === undefined || (value.recordSeq ?? 0) > (existing.recordSeq ?? 0)) this.ctx.offsets.put(groupId, topic, partition, value);
        }
      }
    }
    if (groups.size === 0) this.pending.delete(producerId);
  }

  /** Whether a transaction holds an offset of the partition not yet committed (OffsetFetch requireStable). */
  hasPending(groupId: string, topic: string, partition: number): boolean {
    for (const producerId of this.openByGroup.get(groupId) ?? []) {
      if (this.pending.get(producerId)?.get(groupId)?.get(topic)?.has(partition)) return true;
    }
    return false;
  }

  /** Whether the group has open transactions (it is then never deleted as expired). */
  hasOpenTransactions(groupId: string): boolean {
    return this.openByGroup.has(groupId);
  }

  /** Pending offsets per producer, for inspection: producerId -> groupId -> count. */
  pendingCount(): number {
    let n = 0;
    for (const groups of this.pending.values()) for (const topics of groups.values()) for (const parts of topics.values()) n += parts.size;
    return n;
  }
}
