/**
 * The records that describe a KIP-848 group's changes (members, assignments, tombstones).
 */
import { type Assignment, assignmentToList, type ConsumerGroup, type ConsumerGroupMember, type ResolvedRegularExpression } from './consumer-group.js';
import type { TopicMetadata } from './group-types.js';
import { type GroupRecord, GroupRecordType } from './records-codec.js';

/** Tombstones for a member, in the order replay needs (assignment before metadata). */
export function removeMemberRecords(groupId: string, memberId: string): GroupRecord[] {
  return [
    { type: GroupRecordType.CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT, groupId, memberId, value: null },
    { type: GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER, groupId, memberId, value: null },
    { type: GroupRecordType.CONSUMER_GROUP_MEMBER_METADATA, groupId, memberId, value: null },
  ];
}

export function memberMetadataRecord(groupId: string, m: ConsumerGroupMember): GroupRecord {
  return {
    type: GroupRecordType.CONSUMER_GROUP_MEMBER_METADATA,
    groupId,
    memberId: m.memberId,
    value: {
      instanceId: m.instanceId,
      rackId: m.rackId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      subscribedTopicNames: [...m.subscribedTopicNames],
      subscribedTopicRegex: m.subscribedTopicRegex,
      serverAssignor: m.serverAssignor,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
    },
  };
}

/** The group epoch, with the subscription metadata it was computed from. */
export function groupEpochRecord(groupId: string, epoch: number, subscriptionMetadata: TopicMetadata[]): GroupRecord {
  return { type: GroupRecordType.CONSUMER_GROUP_METADATA, groupId, value: { epoch, subscriptionMetadata } };
}

export function targetAssignmentRecord(groupId: string, memberId: string, target: Assignment): GroupRecord {
  return { type: GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER, groupId, memberId, value: { partitions: assignmentToList(target) } };
}

export function currentAssignmentRecord(groupId: string, m: ConsumerGroupMember): GroupRecord {
  return {
    type: GroupRecordType.CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT,
    groupId,
    memberId: m.memberId,
    value: {
      memberEpoch: m.memberEpoch,
      previousMemberEpoch: m.previousMemberEpoch,
      state: m.state,
      assigned: assignmentToList(m.assigned),
      pendingRevocation: assignmentToList(m.pendingRevocation),
    },
  };
}

/** What a subscription regex matched (topic names sorted); null deletes it. */
export function regularExpressionRecord(groupId: string, regex: string, resolved: ResolvedRegularExpression | null): GroupRecord {
  const value = resolved === null ? null : { topics: [...resolved.topics].sort(), timestampMs: resolved.timestampMs };
  return { type: GroupRecordType.CONSUMER_GROUP_REGULAR_EXPRESSION, groupId, regex, value };
}

/** Tombstones deleting an empty group (DeleteGroups, offsets expiration). */
export function consumerGroupTombstones(g: ConsumerGroup): GroupRecord[] {
  const out: GroupRecord[] = [];
  for (const id of g.members.keys()) out.push(...removeMemberRecords(g.groupId, id));
  for (const regex of g.resolvedRegularExpressions.keys()) out.push(regularExpressionRecord(g.groupId, regex, null));
  out.push({ type: GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA, groupId: g.groupId, value: null });
  out.push({ type: GroupRecordType.CONSUMER_GROUP_METADATA, groupId: g.groupId, value: null });
  return out;
}
