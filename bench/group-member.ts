// A classic-protocol group member over one WireClient connection, just enough for the group
// benchmarks: JoinGroup (with the member-id round trip of KIP-394), SyncGroup with the leader
// computing a range assignment of one topic, Heartbeat on a timer, rejoin when the coordinator
// asks for it. Times of the steps are reported to a listener so that a benchmark can split a
// failover into its parts.
import { decodeAssignment, encodeAssignment, encodeSubscription } from '../src/protocol/consumer-protocol.js';
import { ErrorCode, errorName } from '../src/protocol/errors.js';
import type { HeartbeatResponse } from '../src/protocol/messages/heartbeat.js';
import type { JoinGroupResponse, JoinGroupResponseJoinGroupResponseMember } from '../src/protocol/messages/join-group.js';
import type { SyncGroupResponse } from '../src/protocol/messages/sync-group.js';
import { ApiKey, type BenchClient } from './bench-client.js';

export type MemberEvent = 'rebalance' | 'joined' | 'synced';

export interface GroupMemberOptions {
  groupId: string;
  topic: string;
  partitions: number;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  onEvent?: (member: GroupMember, event: MemberEvent, at: number) => void;
}

const MAX_JOIN_ATTEMPTS = 50;
const PROTOCOL = 'range';

/** Range assignment of one topic: sorted members, contiguous runs, the first ones get one more. */
export function rangeAssign(memberIds: readonly string[], partitions: number): Map<string, number[]> {
  const sorted = [...memberIds].sort();
  const out = new Map<string, number[]>();
  const per = Math.floor(partitions / sorted.length);
  const extra = partitions % sorted.length;
  let next = 0;
  sorted.forEach((id, i) => {
    const n = per + (i < extra ? 1 : 0);
    out.set(id, Array.from({ length: n }, (_, k) => next + k));
    next += n;
  });
  return out;
}

export class GroupMember {
  memberId = '';
  generationId = -1;
  assignment: number[] = [];
  stable = false;
  /** performance.now() when the last successful heartbeat response arrived (0: none yet). */
  lastHeartbeatAt = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private joining: Promise<void> | undefined;
  private dead = false;
  /** First unexpected error of the background heartbeat/rejoin loop. */
  failure: Error | undefined;

  constructor(
    readonly client: BenchClient,
    private readonly o: GroupMemberOptions,
  ) {}

  /** Joins (or rejoins) and syncs; resolves once this member holds an assignment. */
  joinAndSync(): Promise<void> {
    this.joining ??= this.runJoin().finally(() => {
      this.joining = undefined;
    });
    return this.joining;
  }

  /** Heartbeats every interval while stable; a rebalance triggers a rejoin. */
  startHeartbeats(): void {
    if (this.dead || this.heartbeatTimer) return;
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatTimer = undefined;
      void this.heartbeat();
    }, this.o.heartbeatIntervalMs);
  }

  /** Disappears without LeaveGroup, as a crashed process does. */
  kill(): void {
    this.dead = true;
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    this.client.close();
  }

  private async heartbeat(): Promise<void> {
    if (this.dead) return;
    try {
      if (this.stable) {
        const res = await this.client.request<HeartbeatResponse>(ApiKey.HEARTBEAT, {
          groupId: this.o.groupId,
          generationId: this.generationId,
          memberId: this.memberId,
          groupInstanceId: null,
        });
        if (this.dead) return;
        if (res.errorCode === ErrorCode.NONE) this.lastHeartbeatAt = performance.now();
        if (res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
        if (res.errorCode !== ErrorCode.NONE) {
          if (!isRejoinError(res.errorCode)) throw new Error(`Heartbeat: ${errorName(res.errorCode)}`);
          this.stable = false;
          this.o.onEvent?.(this, 'rebalance', performance.now());
          await this.joinAndSync();
        }
      }
    } catch (err) {
      if (!this.dead) this.failure ??= err as Error;
      return;
    }
    this.startHeartbeats();
  }

  private async runJoin(): Promise<void> {
    this.stable = false;
    const metadata = encodeSubscription({ version: 0, topics: [this.o.topic] });
    for (let attempt = 0; attempt < MAX_JOIN_ATTEMPTS && !this.dead; attempt++) {
      const j = await this.client.request<JoinGroupResponse>(ApiKey.JOIN_GROUP, {
        groupId: this.o.groupId,
        sessionTimeoutMs: this.o.sessionTimeoutMs,
        rebalanceTimeoutMs: this.o.rebalanceTimeoutMs,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: PROTOCOL, metadata }],
        reason: null,
      });
      if (j.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        this.memberId = j.memberId;
        continue;
      }
      if (j.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
      if (isRejoinError(j.errorCode)) continue;
      if (j.errorCode !== ErrorCode.NONE) throw new Error(`JoinGroup: ${errorName(j.errorCode)}`);
      this.memberId = j.memberId;
      this.generationId = j.generationId;
      this.o.onEvent?.(this, 'joined', performance.now());

      const assignments = j.leader === j.memberId ? this.leaderAssignments(j.members) : [];
      const s = await this.client.request<SyncGroupResponse>(ApiKey.SYNC_GROUP, {
        groupId: this.o.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: j.protocolName ?? PROTOCOL,
        assignments,
      });
      if (s.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
      if (isRejoinError(s.errorCode)) continue;
      if (s.errorCode !== ErrorCode.NONE) throw new Error(`SyncGroup: ${errorName(s.errorCode)}`);
      const a = decodeAssignment(s.assignment);
      this.assignment = a?.assignedPartitions.find((tp) => tp.topic === this.o.topic)?.partitions ?? [];
      this.stable = true;
      this.o.onEvent?.(this, 'synced', performance.now());
      return;
    }
    if (!this.dead) throw new Error(`no stable membership after ${MAX_JOIN_ATTEMPTS} join attempts`);
  }

  private leaderAssignments(members: JoinGroupResponseJoinGroupResponseMember[]): { memberId: string; assignment: Buffer }[] {
    const plan = rangeAssign(
      members.map((m) => m.memberId),
      this.o.partitions,
    );
    return members.map((m) => ({
      memberId: m.memberId,
      assignment: encodeAssignment({ version: 0, assignedPartitions: [{ topic: this.o.topic, partitions: plan.get(m.memberId) ?? [] }] }),
    }));
  }
}

function isRejoinError(code: number): boolean {
  return code === ErrorCode.REBALANCE_IN_PROGRESS || code === ErrorCode.ILLEGAL_GENERATION || code === ErrorCode.UNKNOWN_MEMBER_ID;
}
