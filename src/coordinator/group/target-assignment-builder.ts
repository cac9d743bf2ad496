/**
 * A consumer group's next target assignment (Kafka's TargetAssignmentBuilder): the assignor's
 * input built as Kafka builds it, and the records of what changed.
 *
 * Kafka hands its assignor Java hash maps and sets, whose iteration order decides which
 * partitions a member keeps and who gets the leftovers; the input here is put in the same order
 * (java-ordering.ts). Members that fall in the same hash bucket are taken in join order, where
 * Kafka takes them in the order of its own member table.
 */
import { type Assignment, assignmentsEqual, type ConsumerGroup, EMPTY } from './consumer-group.js';
import { targetAssignmentRecord } from './consumer-group-records.js';
import {
  javaHashOrder,
  javaIntegerHash,
  javaStringHash,
  javaUuidHash,
  tableSizeAfterInserts,
  tableSizeOfCopy,
} from './java-ordering.js';
import type { AssignmentMemberSpec, PartitionAssignor } from './partition-assignor.js';
import { type GroupRecord, GroupRecordType } from './records-codec.js';
import { memberSubscribedTopicIds, subscriptionType } from './subscription-metadata.js';

/** A target assignment as Kafka's coordinator holds it: a HashMap of topics to HashSets, rebuilt from its record. */
function inJavaOrder(a: Assignment): Assignment {
  const topics = javaHashOrder(a.keys(), javaUuidHash, tableSizeAfterInserts(a.size));
  return new Map(
    topics.map((topicId) => {
      const ps = a.get(topicId) as ReadonlySet<number>;
      const sorted = [...ps].sort((x, y) => x - y);
      return [topicId, new Set(javaHashOrder(sorted, javaIntegerHash, tableSizeOfCopy(ps.size)))];
    }),
  );
}

/** Runs the assignor for the group's current epoch; the records of changed targets, then the epoch. */
export function buildTargetAssignment(g: ConsumerGroup, assignor: PartitionAssignor): GroupRecord[] {
  const topics = new Map<string, number>();
  for (const t of g.subscriptionMetadata) topics.set(t.id, t.partitions);
  const memberIds = javaHashOrder(g.members.keys(), javaStringHash, tableSizeAfterInserts(g.members.size));
  const members: AssignmentMemberSpec[] = memberIds.map((memberId) => {
    const m = g.members.get(memberId);
    if (m === undefined) throw new Error(`member ${memberId} vanished`);
    return {
      memberId,
      instanceId: m.instanceId,
      rackId: m.rackId,
      subscribedTopicIds: memberSubscribedTopicIds(m, g.resolvedRegularExpressions, g.subscriptionMetadata),
      currentAssignment: inJavaOrder(g.targetAssignment.get(memberId) ?? EMPTY),
    };
  });
  const next = assignor.assign({ members, subscriptionType: subscriptionType(g.members.values()) }, topics);
  const records: GroupRecord[] = [];
  for (const m of g.members.values()) {
    const target: Assignment = next.get(m.memberId) ?? EMPTY;
    const prev = g.targetAssignment.get(m.memberId);
    if (prev === undefined || !assignmentsEqual(prev, target)) records.push(targetAssignmentRecord(g.groupId, m.memberId, target));
  }
  records.push({ type: GroupRecordType.CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA, groupId: g.groupId, value: { assignmentEpoch: g.groupEpoch } });
  return records;
}
