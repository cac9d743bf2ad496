/**
 * GroupCoordinator: the one entry point the handlers, the embedded API and the console use for
 * consumer groups (Kafka's GroupCoordinatorService + GroupCoordinatorShard for a single shard).
 * It checks what Kafka checks before a request reaches the state machines (loading, group id,
 * session timeout bounds), routes to the classic or KIP-848 manager, persists through GroupLog,
 * rebuilds everything from the log with replay(), and expires offsets periodically.
 *
 * All methods return promises: a response is sent only once the records it depends on are
 * durable. State is read and written without awaiting in between (the event loop is the lock).
 */
import { ErrorCode } from '../../protocol/errors.js';
import { ClassicGroup, ClassicGroupState as S } from './classic-group.js';
import { joinError, syncError } from './classic-group-member.js';
import { ClassicGroupManager } from './classic-group-manager.js';
import { ClassicRebalance } from './classic-rebalance.js';
import { ConsumerGroup } from './consumer-group.js';
import { ConsumerGroupManager, heartbeatError } from './consumer-group-manager.js';
import { consumerGroupTombstones } from './consumer-group-records.js';
import { type Group, GroupContext, timerKey } from './group-context.js';
import { DEFAULT_GROUP_COORDINATOR_CONFIG, type GroupCoordinatorConfig } from './group-coordinator-config.js';
import { type GroupInspection, GroupInspector, type LogEndOffsetLookup } from './group-inspector.js';
import type {
  ConsumerGroupDescription,
  ConsumerGroupHeartbeatParams,
  ConsumerGroupHeartbeatResult,
  DescribedGroup,
  GroupLog,
  GroupLogEntry,
  GroupLogger,
  HeartbeatParams,
  JoinGroupParams,
  JoinGroupResult,
  LeaveGroupMemberParams,
  LeaveGroupResult,
  ListGroupsResult,
  OffsetCommitParams,
  OffsetCommitResult,
  OffsetDeleteResult,
  OffsetFetchGroupParams,
  OffsetFetchGroupResult,
  SyncGroupParams,
  SyncGroupResult,
  TopicMetadataView,
  TxnOffsetCommitParams,
} from './group-types.js';
import { TxnOffsetManager } from './txn-offset-manager.js';
import type { OffsetAndMetadata } from './offset-store.js';
import type { MarkerResult, TxnMarker } from '../../cluster/partition.js';
import { OffsetManager, offsetCommitError } from './offset-manager.js';
import { decodeGroupRecord, type GroupRecord, GroupRecordType } from './records-codec.js';
import { type Scheduler, TimerScheduler } from './scheduler.js';

export interface GroupCoordinatorOptions {
  log: GroupLog;
  topics: TopicMetadataView;
  config?: Partial<GroupCoordinatorConfig>;
  scheduler?: Scheduler;
  logger?: GroupLogger;
  /** For lag in inspectGroups(); the broker supplies it. */
  logEndOffset?: LogEndOffsetLookup;
}

export interface ReplayOptions {
  /** Synchronous work per slice, in ms, before replay yields to the event loop. Default 10. */
  sliceMs?: number;
  /** Awaited at the start of every slice, the first included (a test seam: tests pause here). */
  beforeSlice?: () => Promise<void>;
}

export interface ReplayResult {
  /** Records read (tombstones and unknown types included). */
  records: number;
  /** Groups in memory afterwards. */
  groups: number;
  /** False when close() ended the replay early. */
  complete: boolean;
}

/**
 * 10 ms: a request that arrives during a replay waits at most about this long for its turn,
 * while 2 M records still replay in a few hundred slices (setImmediate costs microseconds).
 */
const DEFAULT_REPLAY_SLICE_MS = 10;

const SILENT: GroupLogger = { info() {}, warn() {}, error() {} };
const LOADING = ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;

export class GroupCoordinator {
  readonly config: GroupCoordinatorConfig;
  private readonly ctx: GroupContext;
  private readonly classic: ClassicGroupManager;
  private readonly consumer: ConsumerGroupManager;
  private readonly offsetManager: OffsetManager;
  private readonly inspector: GroupInspector;
  private readonly rebalance: ClassicRebalance;
  private readonly txnOffsets: TxnOffsetManager;
  private readonly logEndOffset: LogEndOffsetLookup | undefined;
  /** Counts applied offset commits: their order in the log (see OffsetAndMetadata.recordSeq). */
  private applySeq = 0;
  private loading = false;
  private closed = false;

  constructor(opts: GroupCoordinatorOptions) {
    this.config = { ...DEFAULT_GROUP_COORDINATOR_CONFIG, ...opts.config };
    this.ctx = new GroupContext(this.config, opts.scheduler ?? new TimerScheduler(), opts.topics, opts.logger ?? SILENT, opts.log);
    this.ctx.replayer = (r) => this.applyRecord(r);
    const rebalance = new ClassicRebalance(this.ctx);
    this.rebalance = rebalance;
    this.classic = new ClassicGroupManager(this.ctx, rebalance);
    this.consumer = new ConsumerGroupManager(this.ctx);
    this.consumer.onClassicGroupReplaced = (g) => this.classic.unload(g, ErrorCode.REBALANCE_IN_PROGRESS);
    this.offsetManager = new OffsetManager(this.ctx, rebalance);
    this.txnOffsets = new TxnOffsetManager(this.ctx);
    this.inspector = new GroupInspector(this.ctx);
    this.logEndOffset = opts.logEndOffset;
    this.scheduleOffsetsExpiration();
  }

  // ------------------------------------------------------------------ loading

  /** True while replay() runs: every request is answered COORDINATOR_LOAD_IN_PROGRESS. */
  isLoading(): boolean {
    return this.loading;
  }

  /**
   * Rebuilds the state from `__consumer_offsets` records (in log order), then starts the
   * members' session timers. Requests arriving meanwhile get COORDINATOR_LOAD_IN_PROGRESS.
   *
   * The work runs in slices of at most `sliceMs` that each begin on a fresh turn of the event
   * loop, so the broker answers other requests while a large topic replays (2 M commits take
   * seconds). Loading starts synchronously, before the first yield: a request that arrives
   * between the call and the first slice is already refused. close() ends a replay at the next
   * slice boundary.
   */
  async replay(records: Iterable<GroupLogEntry> | AsyncIterable<GroupLogEntry>, opts: ReplayOptions = {}): Promise<ReplayResult> {
    this.loading = true;
    const sliceMs = opts.sliceMs ?? DEFAULT_REPLAY_SLICE_MS;
    let count = 0;
    try {
      let deadline = await this.nextSlice(opts, sliceMs);
      const apply = (r: GroupLogEntry): void => {
        count++;
        if ('marker' in r) {
          this.txnOffsets.completeTransaction(r.marker.partition, r.marker.producerId, r.marker.commit);
          return;
        }
        const rec = decodeGroupRecord(r.key, r.value);
        if (rec === undefined) return;
        if (rec.type === GroupRecordType.OFFSET_COMMIT && r.producerId !== undefined && r.producerId >= 0) rec.producerId = r.producerId;
        this.applyRecord(rec);
      };
      // Sync sources are iterated without for-await, which would cost a promise per record.
      if (Symbol.iterator in records) {
        for (const r of records) {
          if (this.closed) break;
          apply(r);
          // The clock is read every 256 records: cheaper than a read per record, and 256
          // records take well under a millisecond.
          if ((count & 0xff) === 0 && performance.now() >= deadline) deadline = await this.nextSlice(opts, sliceMs);
        }
      } else {
        for await (const r of records) {
          if (this.closed) break;
          apply(r);
          if ((count & 0xff) === 0 && performance.now() >= deadline) deadline = await this.nextSlice(opts, sliceMs);
        }
      }
    } finally {
      this.loading = false;
    }
    if (!this.closed) {
      for (const g of this.ctx.groups.values()) {
        if (g instanceof ClassicGroup) this.classic.onLoaded(g);
        else this.consumer.onLoaded(g);
      }
    }
    return { records: count, groups: this.ctx.groups.size, complete: !this.closed };
  }

  /** Yields to the event loop, then awaits the test seam; returns the new slice's deadline. */
  private async nextSlice(opts: ReplayOptions, sliceMs: number): Promise<number> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (opts.beforeSlice) await opts.beforeSlice();
    return performance.now() + sliceMs;
  }

  /** Applies one record to the in-memory state: replay at startup and live writes alike. */
  private applyRecord(rec: GroupRecord): void {
    const { groups, offsets } = this.ctx;
    const now = this.ctx.scheduler.now();
    switch (rec.type) {
      case GroupRecordType.OFFSET_COMMIT:
        if (rec.value === null) {
          offsets.remove(rec.groupId, rec.topic, rec.partition);
          this.txnOffsets.onTombstone(rec.groupId, rec.topic, rec.partition);
        } else {
          // Stamped in place: callers compare the stored object with the one they wrote.
          const value: OffsetAndMetadata = rec.value;
          value.recordSeq = ++this.applySeq;
          if (rec.producerId !== undefined && rec.producerId >= 0) this.txnOffsets.applyPending(rec.producerId, rec.groupId, rec.topic, rec.partition, value);
          else offsets.put(rec.groupId, rec.topic, rec.partition, value);
          // Offsets without a group record belong to a "simple" group (Kafka does the same).
          if (!groups.has(rec.groupId)) groups.set(rec.groupId, new ClassicGroup(rec.groupId, now));
        }
        return;
      case GroupRecordType.GROUP_METADATA: {
        const existing = groups.get(rec.groupId);
        if (rec.value === null) {
          if (existing instanceof ClassicGroup) {
            existing.loadState(S.DEAD, now);
            groups.delete(rec.groupId);
          }
        } else if (this.loading) {
          groups.set(rec.groupId, ClassicGroup.fromRecord(rec.groupId, rec.value));
        }
        return;
      }
      default: {
        if (rec.type === GroupRecordType.CONSUMER_GROUP_METADATA && rec.value === null) {
          if (groups.get(rec.groupId) instanceof ConsumerGroup) groups.delete(rec.groupId);
          return;
        }
        let g = groups.get(rec.groupId);
        if (!(g instanceof ConsumerGroup)) {
          if (rec.value === null) return;
          g = new ConsumerGroup(rec.groupId);
          groups.set(rec.groupId, g);
        }
        g.replay(rec);
      }
    }
  }

  // ------------------------------------------------------------------ classic protocol

  async joinGroup(p: JoinGroupParams): Promise<JoinGroupResult> {
    if (this.loading) return joinError(LOADING, p.memberId);
    if (p.groupId === '') return joinError(ErrorCode.INVALID_GROUP_ID, p.memberId);
    if (p.sessionTimeoutMs < this.config.classicGroupMinSessionTimeoutMs || p.sessionTimeoutMs > this.config.classicGroupMaxSessionTimeoutMs) {
      return joinError(ErrorCode.INVALID_SESSION_TIMEOUT, p.memberId);
    }
    const existing = this.ctx.groups.get(p.groupId);
    if (existing instanceof ConsumerGroup) {
      // Brook does not run classic members inside KIP-848 groups; an empty one is converted.
      if (!existing.isEmpty()) return joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, p.memberId);
      this.deleteGroupState(existing, []);
    }
    const params = p.rebalanceTimeoutMs < 0 ? { ...p, rebalanceTimeoutMs: p.sessionTimeoutMs } : p;
    return new Promise((resolve) => this.classic.join(params, resolve));
  }

  async syncGroup(p: SyncGroupParams): Promise<SyncGroupResult> {
    if (this.loading) return syncError(LOADING);
    if (p.groupId === '') return syncError(ErrorCode.INVALID_GROUP_ID);
    return new Promise((resolve) => this.classic.sync(p, resolve));
  }

  async heartbeat(p: HeartbeatParams): Promise<{ errorCode: ErrorCode }> {
    // Kafka answers a heartbeat "blindly" while loading: members keep their session and learn
    // about a rebalance on the first heartbeat after the load.
    if (this.loading) return { errorCode: ErrorCode.NONE };
    if (p.groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID };
    return { errorCode: this.classic.heartbeat(p) };
  }

  /** LeaveGroup; v0-2 carry one member: pass it as a one-element list. */
  async leaveGroup(groupId: string, members: LeaveGroupMemberParams[]): Promise<LeaveGroupResult> {
    if (this.loading) return { errorCode: LOADING, members: [] };
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const result = this.classic.leave(groupId, members);
    const err = await this.ctx.flushed(groupId);
    return err === ErrorCode.NONE ? result : { errorCode: err, members: [] };
  }

  // ------------------------------------------------------------------ KIP-848

  async consumerGroupHeartbeat(p: ConsumerGroupHeartbeatParams): Promise<ConsumerGroupHeartbeatResult> {
    if (this.loading) return heartbeatError(LOADING);
    if (p.groupId === '') return heartbeatError(ErrorCode.INVALID_GROUP_ID);
    const result = this.consumer.heartbeat(p);
    const err = await this.ctx.flushed(p.groupId);
    return err === ErrorCode.NONE || result.errorCode !== ErrorCode.NONE ? result : heartbeatError(err);
  }

  consumerGroupDescribe(groupIds: readonly string[]): ConsumerGroupDescription[] {
    return groupIds.map((id) => {
      const d = this.inspector.consumerGroupDescribe(id);
      if (id === '') return { ...d, errorCode: ErrorCode.INVALID_GROUP_ID, errorMessage: null };
      return this.loading ? { ...d, errorCode: LOADING, errorMessage: null } : d;
    });
  }

  // ------------------------------------------------------------------ offsets

  async commitOffsets(p: OffsetCommitParams): Promise<OffsetCommitResult> {
    if (this.loading) return offsetCommitError(p, LOADING);
    return this.offsetManager.commit(p);
  }

  /**
   * OffsetFetch for one or more groups (v8+ batches groups; older versions pass one). With
   * `requireStable` (v7+), a partition with a transactional commit not yet decided answers
   * UNSTABLE_OFFSET_COMMIT (the client retries), as Kafka's does.
   */
  fetchOffsets(groups: readonly OffsetFetchGroupParams[], requireStable = false): OffsetFetchGroupResult[] {
    return groups.map((g) => {
      if (this.loading) return { groupId: g.groupId, errorCode: LOADING, topics: [] };
      const result = this.offsetManager.fetch(g);
      if (requireStable && this.txnOffsets.hasOpenTransactions(g.groupId)) {
        for (const t of result.topics) {
          for (const p of t.partitions) {
            if (!this.txnOffsets.hasPending(g.groupId, t.name, p.partitionIndex)) continue;
            Object.assign(p, { committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
          }
        }
      }
      return result;
    });
  }

  // ------------------------------------------------------------------ transactions

  /**
   * TxnOffsetCommit: offsets written in the producer's transaction, visible once a COMMIT marker
   * reaches the group's partition (completeTransaction). The caller has checked the transaction
   * (KIP-890 verification) and the topics.
   */
  async commitTransactionalOffsets(p: TxnOffsetCommitParams): Promise<OffsetCommitResult> {
    if (this.loading) return offsetCommitError(p, LOADING);
    if (p.groupId === '') return offsetCommitError(p, ErrorCode.INVALID_GROUP_ID);
    return this.txnOffsets.commit(p);
  }

  /**
   * Writes a transaction's COMMIT or ABORT marker to partition `partition` of the log and applies
   * it: the producer's pending offsets of that partition's groups become committed, or are
   * dropped. COORDINATOR_LOAD_IN_PROGRESS while the log replays (the marker must land after the
   * offsets it ends have been replayed).
   */
  completeTransaction(partition: number, marker: TxnMarker, now: number): MarkerResult {
    if (this.loading || this.closed) return { errorCode: this.loading ? LOADING : ErrorCode.NOT_COORDINATOR, errorMessage: null, offset: -1, flushed: undefined };
    const r = this.ctx.writeMarker(partition, marker, now);
    if (r.errorCode === ErrorCode.NONE) this.txnOffsets.completeTransaction(partition, marker.producerId, marker.commit);
    return r;
  }

  /** Whether a transaction holds offsets of the partition not yet committed or aborted. */
  hasPendingTransactionalOffsets(groupId: string, topic: string, partition: number): boolean {
    return this.txnOffsets.hasPending(groupId, topic, partition);
  }

  async deleteOffsets(groupId: string, topics: { name: string; partitionIndexes: number[] }[]): Promise<OffsetDeleteResult> {
    if (this.loading) return { errorCode: LOADING, topics: [] };
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] };
    return this.offsetManager.deleteOffsets(groupId, topics);
  }

  // ------------------------------------------------------------------ admin

  listGroups(statesFilter: readonly string[] = [], typesFilter: readonly string[] = []): ListGroupsResult {
    if (this.loading) return { errorCode: LOADING, groups: [] };
    return { errorCode: ErrorCode.NONE, groups: this.inspector.listGroups(statesFilter, typesFilter) };
  }

  describeGroups(groupIds: readonly string[], apiVersion = 5): DescribedGroup[] {
    return groupIds.map((id) => {
      const d = this.inspector.describeGroup(id, apiVersion);
      return this.loading ? { ...d, errorCode: LOADING, members: [] } : d;
    });
  }

  async deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string; errorCode: ErrorCode }[]> {
    return Promise.all(groupIds.map((groupId) => this.deleteGroup(groupId)));
  }

  private async deleteGroup(groupId: string): Promise<{ groupId: string; errorCode: ErrorCode }> {
    if (this.loading) return { groupId, errorCode: LOADING };
    const g = this.ctx.groups.get(groupId);
    if (g === undefined || (g instanceof ClassicGroup && g.is(S.DEAD))) return { groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND };
    if (!g.isEmpty()) return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP };
    const errorCode = await this.deleteGroupState(g, this.offsetManager.offsetTombstones(groupId));
    return { groupId, errorCode };
  }

  /** Writes `records` plus the group's tombstones and drops the group from memory. */
  private deleteGroupState(g: Group, records: GroupRecord[]): Promise<ErrorCode> {
    const all = [...records];
    if (g instanceof ClassicGroup) {
      this.classic.unload(g, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      all.push({ type: GroupRecordType.GROUP_METADATA, groupId: g.groupId, value: null });
    } else {
      this.consumer.unload(g);
      all.push(...consumerGroupTombstones(g));
    }
    return this.ctx.write(g.groupId, all, true);
  }

  /**
   * Deletes offsets past `offsets.retention.minutes` (Kafka's rules: for an empty classic group
   * counted from when it became empty, otherwise from the commit, and never for topics the group
   * consumes), then empty groups left without offsets. Runs every
   * `offsets.retention.check.interval.ms`; callable directly.
   */
  async expireOffsets(): Promise<void> {
    if (this.loading) return;
    const writes: Promise<ErrorCode>[] = [];
    const ids = new Set<string>([...this.ctx.groups.keys(), ...this.ctx.offsets.groupIds()]);
    for (const groupId of ids) {
      const records: GroupRecord[] = [];
      const allExpired = this.offsetManager.cleanupExpiredOffsets(groupId, records);
      const g = this.ctx.groups.get(groupId);
      // A group with transactional offsets pending is kept until they are decided (Kafka too).
      if (allExpired && g !== undefined && g.isEmpty() && !this.txnOffsets.hasOpenTransactions(groupId)) writes.push(this.deleteGroupState(g, records));
      else if (records.length > 0) writes.push(this.ctx.write(groupId, records, true));
    }
    await Promise.all(writes);
  }

  /**
   * Kafka's onPartitionsDeleted: a deleted topic's committed offsets are deleted with it, as
   * tombstones (one per group and partition), so `__consumer_offsets` keeps nothing of topics
   * that are gone. While the coordinator loads, the offsets replayed later stay until they expire.
   */
  async onPartitionsDeleted(topic: string, partitions: number): Promise<void> {
    if (this.loading) return;
    const writes: Promise<ErrorCode>[] = [];
    for (const groupId of [...this.ctx.offsets.groupIds()]) {
      const offsets = this.ctx.offsets.groupOffsets(groupId)?.get(topic);
      if (offsets === undefined) continue;
      const records: GroupRecord[] = [];
      for (const partition of offsets.keys()) {
        if (partition < partitions) records.push({ type: GroupRecordType.OFFSET_COMMIT, groupId, topic, partition, value: null });
      }
      if (records.length > 0) writes.push(this.ctx.write(groupId, records, true));
    }
    await Promise.all(writes);
  }

  private scheduleOffsetsExpiration(): void {
    this.ctx.scheduler.schedule(timerKey.offsetsExpiration, this.config.offsetsRetentionCheckIntervalMs, () => {
      if (this.closed) return;
      void this.expireOffsets().finally(() => this.scheduleOffsetsExpiration());
    });
  }

  // ------------------------------------------------------------------ introspection

  /** Groups as the embedded API and the console show them; all groups unless `groupId` is given. */
  inspectGroups(options: { groupId?: string; logEndOffset?: LogEndOffsetLookup } = {}): GroupInspection[] {
    const lookup = options.logEndOffset ?? this.logEndOffset;
    const ids = options.groupId !== undefined ? [options.groupId] : [...this.ctx.groups.keys()].sort();
    const out: GroupInspection[] = [];
    for (const id of ids) {
      const view = this.inspector.inspect(id, lookup);
      if (view !== undefined) out.push(view);
    }
    return out;
  }

  // ------------------------------------------------------------------ test control

  /**
   * Starts a rebalance as a new member would: a classic group in Stable or CompletingRebalance
   * goes to PreparingRebalance (members learn it from their next heartbeat and rejoin); a
   * consumer (KIP-848) group gets a new group epoch. A classic group already rebalancing, or
   * empty, is left as it is. GROUP_ID_NOT_FOUND for an unknown group.
   */
  forceRebalance(groupId: string): ErrorCode {
    if (this.loading) return LOADING;
    const g = this.ctx.groups.get(groupId);
    if (g instanceof ConsumerGroup) return this.consumer.bumpGroupEpoch(groupId) ? ErrorCode.NONE : ErrorCode.GROUP_ID_NOT_FOUND;
    if (!(g instanceof ClassicGroup) || g.is(S.DEAD)) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (g.is(S.STABLE) || g.is(S.COMPLETING_REBALANCE)) this.rebalance.prepareRebalance(g);
    return ErrorCode.NONE;
  }

  /**
   * Removes a member as if its session had timed out (classic: the others rebalance; consumer:
   * the member is fenced and the group epoch bumped). UNKNOWN_MEMBER_ID when it is not a member.
   */
  expireMember(groupId: string, memberId: string): ErrorCode {
    if (this.loading) return LOADING;
    const g = this.ctx.groups.get(groupId);
    if (g instanceof ConsumerGroup) {
      if (!g.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.ctx.logger.info(`group ${groupId}: member ${memberId} fenced on session expiration (forced)`);
      this.consumer.fenceMember(groupId, memberId);
      return ErrorCode.NONE;
    }
    if (!(g instanceof ClassicGroup) || g.is(S.DEAD)) return ErrorCode.GROUP_ID_NOT_FOUND;
    const member = g.member(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.rebalance.expireMember(g, member);
    return ErrorCode.NONE;
  }

  /** Waits for every append in flight (tests, orderly shutdown). */
  flush(): Promise<void> {
    return this.ctx.flushAll();
  }

  /** Stops timers and answers parked JoinGroup/SyncGroup requests with NOT_COORDINATOR. */
  close(): void {
    this.closed = true;
    this.ctx.scheduler.cancel(timerKey.offsetsExpiration);
    for (const g of this.ctx.groups.values()) {
      if (g instanceof ClassicGroup) this.classic.unload(g, ErrorCode.NOT_COORDINATOR);
      else this.consumer.unload(g);
    }
  }
}
