import { ErrorCode } from '../protocol/errors.js';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription, type TopicPartitionList } from '../protocol/consumer-protocol.js';
import { heartbeat as heartbeatApi, type HeartbeatResponse } from '../protocol/messages/heartbeat.js';
import { joinGroup as joinGroupApi, type JoinGroupResponse } from '../protocol/messages/join-group.js';
import { leaveGroup as leaveGroupApi, type LeaveGroupResponse } from '../protocol/messages/leave-group.js';
import { syncGroup as syncGroupApi, type SyncGroupResponse } from '../protocol/messages/sync-group.js';
import { ASSIGNORS, type MemberSubscription } from './assignors.js';
import { commitOffsets, type OffsetToCommit } from './group-admin.js';
import type { KafkaClient } from './kafka-client.js';
import { KafkaError } from './kafka-error.js';
import type { WireClient } from './wire-client.js';

/**
 * A member of a consumer group on the classic protocol (JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup) with the "consumer" embedded protocol, as the Java consumer speaks it: the leader
 * assigns with range or roundrobin, heartbeats run in the background, and a rebalance announced
 * by a heartbeat (REBALANCE_IN_PROGRESS) sets `needsRejoin`, which the consuming loop answers by
 * committing and calling join() again. Eager rebalancing: every rejoin revokes everything.
 */

export interface GroupMemberOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Assignors offered, preferred first. Default ['range', 'roundrobin']. */
  readonly assignors?: readonly string[];
  readonly sessionTimeoutMs?: number;
  readonly rebalanceTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** Static membership (KIP-345). */
  readonly groupInstanceId?: string | null;
}

let members = 0;

export class GroupMember {
  memberId = '';
  /** This member's own connection to the coordinator (see KafkaClient.coordinator). */
  private readonly connectionName = `member-${++members}`;
  generationId = -1;
  /** Set when the group is rebalancing (or this member was fenced); join() again. */
  needsRejoin = false;
  private coordinator: WireClient | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly assignors: readonly string[];
  private readonly sessionTimeoutMs: number;
  private readonly rebalanceTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private heartbeatError: Error | undefined;

  constructor(
    private readonly client: KafkaClient,
    private readonly options: GroupMemberOptions,
  ) {
    this.assignors = options.assignors ?? ['range', 'roundrobin'];
    for (const a of this.assignors) if (!ASSIGNORS[a]) throw new Error(`unknown assignor '${a}' (known: ${Object.keys(ASSIGNORS).join(', ')})`);
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 45000;
    this.rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 60000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3000;
  }

  get groupId(): string {
    return this.options.groupId;
  }

  /** A failure of the background heartbeat that is not a rebalance (the coordinator is gone for good). */
  get failure(): Error | undefined {
    return this.heartbeatError;
  }

  /** Joins (or rejoins) the group and returns this member's assignment. */
  async join(): Promise<TopicPartitionList[]> {
    this.stopHeartbeat();
    this.needsRejoin = false;
    return this.client.retrying(async () => {
      this.coordinator = await this.client.coordinator(this.groupId, this.connectionName);
      const join = await this.joinGroup();
      const assignments = join.leader === this.memberId ? await this.assign(join) : [];
      const { response: sync } = await this.client.call<SyncGroupResponse>(this.coordinator, syncGroupApi, {
        groupId: this.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: this.options.groupInstanceId ?? null,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocolName: join.protocolName,
        assignments,
      }, { timeoutMs: this.rebalanceTimeoutMs + this.client.requestTimeoutMs });
      if (sync.errorCode !== 0) this.groupError(sync.errorCode);
      this.startHeartbeat();
      return decodeAssignment(sync.assignment)?.assignedPartitions ?? [];
    }, this.rebalanceTimeoutMs + this.client.requestTimeoutMs, (err) => err.errorCode === ErrorCode.REBALANCE_IN_PROGRESS);
  }

  /** Commits offsets as this member of its current generation. */
  async commit(offsets: readonly OffsetToCommit[]): Promise<void> {
    await commitOffsets(this.client, this.groupId, offsets, { generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.options.groupInstanceId ?? null });
  }

  /** Leaves the group (a static member only stops heartbeating, as in Kafka). */
  async leave(): Promise<void> {
    this.stopHeartbeat();
    if (!this.coordinator || this.memberId === '' || this.options.groupInstanceId) return;
    try {
      await this.client.call<LeaveGroupResponse>(this.coordinator, leaveGroupApi, {
        groupId: this.groupId,
        memberId: this.memberId,
        members: [{ memberId: this.memberId, groupInstanceId: null, reason: 'the brook consumer stopped' }],
      });
    } catch {
      // Leaving is a courtesy: the session timeout removes the member anyway.
    }
  }

  private async joinGroup(): Promise<JoinGroupResponse> {
    const metadata = encodeSubscription({ topics: [...this.options.topics] });
    for (;;) {
      const { response } = await this.client.call<JoinGroupResponse>(this.coordinator!, joinGroupApi, {
        groupId: this.groupId,
        sessionTimeoutMs: this.sessionTimeoutMs,
        rebalanceTimeoutMs: this.rebalanceTimeoutMs,
        memberId: this.memberId,
        groupInstanceId: this.options.groupInstanceId ?? null,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocols: this.assignors.map((name) => ({ name, metadata })),
        reason: null,
      }, { min: 1, timeoutMs: this.rebalanceTimeoutMs + this.client.requestTimeoutMs });
      // v4+: the first join only hands out a member id, to be sent back (KIP-394).
      if (response.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        this.memberId = response.memberId;
        continue;
      }
      if (response.errorCode !== 0) this.groupError(response.errorCode);
      this.memberId = response.memberId;
      this.generationId = response.generationId;
      return response;
    }
  }

  /** The leader's part: every member's assignment, from their subscriptions and the partition counts. */
  private async assign(join: JoinGroupResponse): Promise<{ memberId: string; assignment: Buffer }[]> {
    const assignor = ASSIGNORS[join.protocolName ?? ''];
    if (!assignor) throw new Error(`the group chose assignor '${join.protocolName}', which this client does not have`);
    const members: MemberSubscription[] = join.members.map((m) => ({ memberId: m.memberId, topics: decodeSubscription(m.metadata)?.topics ?? [] }));
    const topics = [...new Set(members.flatMap((m) => m.topics))];
    const meta = await this.client.metadata(topics);
    const counts = new Map<string, number>();
    for (const t of topics) {
      const info = meta.topics.get(t);
      if (info && info.errorCode === 0) counts.set(t, info.partitions.length);
    }
    const plan = assignor(members, counts);
    return [...plan].map(([memberId, assignedPartitions]) => ({ memberId, assignment: encodeAssignment({ version: 0, assignedPartitions }) }));
  }

  private startHeartbeat(): void {
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private async heartbeat(): Promise<void> {
    if (!this.coordinator || this.needsRejoin) return;
    try {
      const { response } = await this.client.call<HeartbeatResponse>(this.coordinator, heartbeatApi, {
        groupId: this.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: this.options.groupInstanceId ?? null,
      });
      if (response.errorCode === 0) return;
      if (response.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || response.errorCode === ErrorCode.FENCED_INSTANCE_ID) this.memberId = '';
      if (response.errorCode === ErrorCode.FENCED_INSTANCE_ID) this.heartbeatError = new KafkaError(response.errorCode, null, { group: this.groupId });
      this.needsRejoin = true;
      this.stopHeartbeat();
    } catch {
      // The coordinator may have moved: rejoining finds it again.
      this.needsRejoin = true;
      this.stopHeartbeat();
    }
  }

  private groupError(code: number): never {
    if (code === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
    // Rebalancing and generation errors are worth another join at once.
    if (code === ErrorCode.REBALANCE_IN_PROGRESS || code === ErrorCode.ILLEGAL_GENERATION || code === ErrorCode.UNKNOWN_MEMBER_ID) {
      throw new KafkaError(ErrorCode.REBALANCE_IN_PROGRESS, null, { group: this.groupId });
    }
    throw new KafkaError(code, null, { group: this.groupId });
  }
}
