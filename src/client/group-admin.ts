import { decodeAssignment, type TopicPartitionList } from '../protocol/consumer-protocol.js';
import { deleteGroups as deleteGroupsApi, type DeleteGroupsResponse } from '../protocol/messages/delete-groups.js';
import { describeGroups as describeGroupsApi, type DescribeGroupsResponse } from '../protocol/messages/describe-groups.js';
import { listGroups as listGroupsApi, type ListGroupsResponse } from '../protocol/messages/list-groups.js';
import { offsetCommit as offsetCommitApi, type OffsetCommitResponse } from '../protocol/messages/offset-commit.js';
import { offsetFetch as offsetFetchApi, type OffsetFetchResponse } from '../protocol/messages/offset-fetch.js';
import type { KafkaClient } from './kafka-client.js';
import { KafkaError } from './kafka-error.js';

/**
 * Consumer group administration (Kafka's Admin client, the group half): ListGroups on every
 * broker, DescribeGroups, OffsetFetch, OffsetCommit and DeleteGroups at each group's coordinator.
 */

export interface ListedGroup {
  readonly groupId: string;
  readonly protocolType: string;
  /** Empty when the broker does not report states (ListGroups < v4). */
  readonly state: string;
  /** "classic" or "consumer" (ListGroups v5+); empty before. */
  readonly type: string;
  readonly coordinator: number;
}

export interface GroupMemberDescription {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** Decoded from the consumer protocol; empty for other protocol types or outside Stable. */
  readonly assignment: readonly TopicPartitionList[];
}

export interface GroupDescription {
  readonly groupId: string;
  readonly errorCode: number;
  /** Kafka's group states: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead, ... */
  readonly state: string;
  readonly protocolType: string;
  /** The assignor chosen (range, roundrobin, ...) for consumer groups. */
  readonly protocol: string;
  readonly members: readonly GroupMemberDescription[];
}

export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string | null;
}

export interface OffsetToCommit {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly metadata?: string | null;
}

/** A member's identity for commits; the defaults are an admin commit into an empty group. */
export interface CommitIdentity {
  readonly generationId?: number;
  readonly memberId?: string;
  readonly groupInstanceId?: string | null;
}

/** Every group of the cluster (each broker lists the groups it coordinates). */
export async function listGroups(client: KafkaClient): Promise<ListedGroup[]> {
  const brokers = await client.allBrokers();
  const lists = await Promise.all(brokers.map(async ({ info, conn }) => {
    const { response } = await client.call<ListGroupsResponse>(conn, listGroupsApi, { statesFilter: [], typesFilter: [] });
    if (response.errorCode !== 0) throw new KafkaError(response.errorCode, null, { api: 'ListGroups' });
    return response.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState ?? '', type: g.groupType ?? '', coordinator: info.nodeId }));
  }));
  return lists.flat().sort((a, b) => a.groupId.localeCompare(b.groupId));
}

export async function describeGroup(client: KafkaClient, groupId: string): Promise<GroupDescription> {
  return client.retrying(async () => {
    const conn = await client.coordinator(groupId);
    const { response } = await client.call<DescribeGroupsResponse>(conn, describeGroupsApi, { groups: [groupId], includeAuthorizedOperations: false });
    const g = response.groups[0];
    if (!g) throw new KafkaError(-1, 'no description in the response', { group: groupId });
    if (g.errorCode !== 0) throw new KafkaError(g.errorCode, null, { group: groupId });
    return {
      groupId: g.groupId,
      errorCode: g.errorCode,
      state: g.groupState,
      protocolType: g.protocolType,
      protocol: g.protocolData,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId ?? null,
        clientId: m.clientId,
        clientHost: m.clientHost,
        assignment: (g.protocolType === 'consumer' && m.memberAssignment.length > 0 ? decodeAssignment(m.memberAssignment)?.assignedPartitions : undefined) ?? [],
      })),
    };
  });
}

/** The group's committed offsets (all topics, or those named); partitions without one are left out. */
export async function fetchCommittedOffsets(client: KafkaClient, groupId: string, topics: readonly { name: string; partitions: number[] }[] | null = null): Promise<CommittedOffset[]> {
  return client.retrying(async () => {
    const conn = await client.coordinator(groupId);
    const wanted = topics === null ? null : topics.map((t) => ({ name: t.name, partitionIndexes: t.partitions }));
    const { version, response } = await client.call<OffsetFetchResponse>(conn, offsetFetchApi, (v) => (v >= 8
      ? { groups: [{ groupId, memberId: null, memberEpoch: -1, topics: wanted }], requireStable: false }
      : { groupId, topics: wanted, requireStable: false }), { min: topics === null ? 2 : 1 });
    const out: CommittedOffset[] = [];
    const groupError = version >= 8 ? (response.groups?.[0]?.errorCode ?? 0) : (response.errorCode ?? 0);
    if (groupError !== 0) throw new KafkaError(groupError, null, { group: groupId });
    const list = version >= 8 ? (response.groups?.[0]?.topics ?? []) : (response.topics ?? []);
    for (const t of list) {
      for (const p of t.partitions ?? []) {
        if ((p.errorCode ?? 0) !== 0) throw new KafkaError(p.errorCode!, null, { group: groupId, topic: t.name, partition: p.partitionIndex });
        if ((p.committedOffset ?? -1) < 0) continue;
        out.push({ topic: t.name!, partition: p.partitionIndex!, offset: p.committedOffset!, leaderEpoch: p.committedLeaderEpoch ?? -1, metadata: p.metadata ?? null });
      }
    }
    return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  });
}

/**
 * Commits offsets for a group: as the admin tools do (generation -1, no member: the group must
 * be empty) unless a member's identity is given. A partition error throws.
 */
export async function commitOffsets(client: KafkaClient, groupId: string, offsets: readonly OffsetToCommit[], identity: CommitIdentity = {}): Promise<void> {
  if (offsets.length === 0) return;
  const byTopic = new Map<string, OffsetToCommit[]>();
  for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
  await client.retrying(async () => {
    const conn = await client.coordinator(groupId);
    const { response } = await client.call<OffsetCommitResponse>(conn, offsetCommitApi, {
      groupId,
      generationIdOrMemberEpoch: identity.generationId ?? -1,
      memberId: identity.memberId ?? '',
      groupInstanceId: identity.groupInstanceId ?? null,
      retentionTimeMs: -1,
      topics: [...byTopic].map(([name, list]) => ({
        name,
        partitions: list.map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: o.metadata ?? '' })),
      })),
    }, { min: 2 });
    for (const t of response.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== 0) throw new KafkaError(p.errorCode, null, { group: groupId, topic: t.name, partition: p.partitionIndex });
      }
    }
  });
}

/** Deletes groups (each must be empty); the error code per group, 0 when deleted. */
export async function deleteGroups(client: KafkaClient, groupIds: readonly string[]): Promise<{ groupId: string; errorCode: number }[]> {
  const results: { groupId: string; errorCode: number }[] = [];
  for (const groupId of groupIds) {
    try {
      const r = await client.retrying(async () => {
        const conn = await client.coordinator(groupId);
        const { response } = await client.call<DeleteGroupsResponse>(conn, deleteGroupsApi, { groupsNames: [groupId] });
        const code = response.results[0]?.errorCode ?? 0;
        // Retriable answers (the coordinator moved or is loading) go round again.
        if (code !== 0 && new KafkaError(code).retriable) throw new KafkaError(code, null, { group: groupId });
        return code;
      });
      results.push({ groupId, errorCode: r });
    } catch (err) {
      if (!(err instanceof KafkaError)) throw err;
      results.push({ groupId, errorCode: err.errorCode });
    }
  }
  return results;
}
