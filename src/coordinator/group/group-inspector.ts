/**
 * Read-only views of the groups: DescribeGroups, ConsumerGroupDescribe, ListGroups and the
 * richer introspection the embedded API and the web console show (decoded assignments,
 * committed offsets, lag).
 */
import { ErrorCode } from '../../protocol/errors.js';
import { ClassicGroup, ClassicGroupState as S } from './classic-group.js';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../protocol/consumer-protocol.js';
import { type Assignment, assignmentToList, ConsumerGroup, EMPTY } from './consumer-group.js';
import type { Group, GroupContext } from './group-context.js';
import type { ConsumerGroupDescription, DescribedGroup, DescribedTopicPartitions, ListedGroup } from './group-types.js';

export interface InspectedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** KIP-848 member epoch; the group generation for classic members. */
  memberEpoch: number;
  subscribedTopics: string[];
  /** Decoded assignment; null when a classic group's protocol is not "consumer" (see rawAssignment). */
  assignment: { topic: string; partitions: number[] }[] | null;
  rawAssignment: Buffer | null;
}

export interface InspectedOffset {
  topic: string;
  partition: number;
  committedOffset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: number;
  logEndOffset: number | undefined;
  /** logEndOffset - committedOffset (never negative), when the log end offset is known. */
  lag: number | undefined;
}

export interface GroupInspection {
  groupId: string;
  type: 'classic' | 'consumer';
  state: string;
  protocolType: string;
  /** Classic: selected protocol (assignor); consumer: server assignor. */
  protocol: string | null;
  /** Classic generation or KIP-848 group epoch. */
  generationId: number;
  assignmentEpoch: number | null;
  leader: string | null;
  members: InspectedMember[];
  offsets: InspectedOffset[];
}

export type LogEndOffsetLookup = (topic: string, partition: number) => number | undefined;

export class GroupInspector {
  constructor(private readonly ctx: GroupContext) {}

  private defaultAssignor(): string {
    return this.ctx.config.consumerGroupAssignors[0] ?? 'uniform';
  }

  private topicName(topicId: string): string {
    return this.ctx.topics.topicById(topicId)?.name ?? '';
  }

  private described(a: Assignment): DescribedTopicPartitions[] {
    return assignmentToList(a).map((tp) => ({ topicId: tp.topicId, topicName: this.topicName(tp.topicId), partitions: tp.partitions }));
  }

  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): ListedGroup[] {
    const states = new Set(statesFilter.map((s) => s.trim().toLowerCase()));
    const types = new Set(typesFilter.map((t) => t.trim().toLowerCase()));
    const out: ListedGroup[] = [];
    for (const g of this.ctx.groups.values()) {
      const listed = this.listed(g);
      if (states.size > 0 && !states.has(listed.groupState.toLowerCase())) continue;
      if (types.size > 0 && !types.has(listed.groupType)) continue;
      out.push(listed);
    }
    return out;
  }

  private listed(g: Group): ListedGroup {
    if (g instanceof ClassicGroup) return { groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state, groupType: 'classic' };
    return { groupId: g.groupId, protocolType: CONSUMER_PROTOCOL_TYPE, groupState: g.state(), groupType: 'consumer' };
  }

  /** DescribeGroups; `apiVersion` 6+ reports GROUP_ID_NOT_FOUND instead of a Dead group. */
  describeGroup(groupId: string, apiVersion: number): DescribedGroup {
    const g = this.ctx.groups.get(groupId);
    if (g instanceof ClassicGroup && !g.is(S.DEAD)) {
      const stable = g.is(S.STABLE) && g.protocolName !== null;
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        groupId,
        groupState: g.state,
        protocolType: g.protocolType ?? '',
        protocolData: stable ? (g.protocolName ?? '') : '',
        members: [...g.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: stable ? m.metadata(g.protocolName ?? '') : Buffer.alloc(0),
          memberAssignment: stable ? m.assignment : Buffer.alloc(0),
        })),
      };
    }
    if (g instanceof ConsumerGroup) {
      // Old tools see a KIP-848 group as a "consumer" protocol group (Kafka's asDescribedGroup).
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        groupId,
        groupState: g.state(),
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocolData: g.preferredServerAssignor(this.defaultAssignor()),
        members: [...g.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.instanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: encodeSubscription({
            topics: [...m.subscribedTopicNames],
            ownedPartitions: this.byName(m.assigned),
            generationId: m.memberEpoch,
            rackId: m.rackId,
          }),
          memberAssignment: encodeAssignment({ assignedPartitions: this.byName(g.targetAssignment.get(m.memberId) ?? EMPTY) }),
        })),
      };
    }
    const notFound = apiVersion >= 6;
    return {
      errorCode: notFound ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.NONE,
      errorMessage: notFound ? `Group ${groupId} not found.` : null,
      groupId,
      groupState: S.DEAD,
      protocolType: '',
      protocolData: '',
      members: [],
    };
  }

  private byName(a: Assignment): { topic: string; partitions: number[] }[] {
    return assignmentToList(a).map((tp) => ({ topic: this.topicName(tp.topicId), partitions: tp.partitions }));
  }

  consumerGroupDescribe(groupId: string): ConsumerGroupDescription {
    const g = this.ctx.groups.get(groupId);
    if (!(g instanceof ConsumerGroup)) {
      return {
        errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
        errorMessage: g === undefined ? `Group ${groupId} not found.` : `Group ${groupId} is not a consumer group.`,
        groupId,
        groupState: '',
        groupEpoch: -1,
        assignmentEpoch: -1,
        assignorName: '',
        members: [],
      };
    }
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      groupId,
      groupState: g.state(),
      groupEpoch: g.groupEpoch,
      assignmentEpoch: g.assignmentEpoch,
      assignorName: g.preferredServerAssignor(this.defaultAssignor()),
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        rackId: m.rackId,
        memberEpoch: m.memberEpoch,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: [...m.subscribedTopicNames],
        subscribedTopicRegex: m.subscribedTopicRegex,
        assignment: this.described(m.assigned),
        targetAssignment: this.described(g.targetAssignment.get(m.memberId) ?? EMPTY),
      })),
    };
  }

  inspect(groupId: string, logEndOffset: LogEndOffsetLookup | undefined): GroupInspection | undefined {
    const g = this.ctx.groups.get(groupId);
    if (g === undefined) return undefined;
    const offsets: InspectedOffset[] = [];
    for (const [topic, parts] of this.ctx.offsets.groupOffsets(groupId) ?? new Map()) {
      for (const [partition, o] of parts) {
        const leo = logEndOffset?.(topic, partition);
        offsets.push({
          topic,
          partition,
          committedOffset: o.committedOffset,
          leaderEpoch: o.leaderEpoch,
          metadata: o.metadata,
          commitTimestampMs: o.commitTimestampMs,
          logEndOffset: leo,
          lag: leo === undefined || o.committedOffset < 0 ? undefined : Math.max(0, leo - o.committedOffset),
        });
      }
    }
    offsets.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    if (g instanceof ClassicGroup) {
      const consumer = g.usesConsumerGroupProtocol();
      return {
        groupId,
        type: 'classic',
        state: g.state,
        protocolType: g.protocolType ?? '',
        protocol: g.protocolName,
        generationId: g.generationId,
        assignmentEpoch: null,
        leader: g.leaderId,
        offsets,
        members: [...g.members.values()].map((m) => {
          const decoded = consumer ? decodeAssignment(m.assignment) : undefined;
          const sub = consumer && g.protocolName !== null ? decodeSubscription(m.metadata(g.protocolName)) : undefined;
          return {
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberEpoch: g.generationId,
            subscribedTopics: sub?.topics ?? [],
            assignment: consumer ? (decoded?.assignedPartitions ?? []) : null,
            rawAssignment: m.assignment,
          };
        }),
      };
    }
    return {
      groupId,
      type: 'consumer',
      state: g.state(),
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocol: g.preferredServerAssignor(this.defaultAssignor()),
      generationId: g.groupEpoch,
      assignmentEpoch: g.assignmentEpoch,
      leader: null,
      offsets,
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.instanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberEpoch: m.memberEpoch,
        subscribedTopics: [...m.subscribedTopicNames],
        assignment: this.byName(m.assigned),
        rawAssignment: null,
      })),
    };
  }
}
