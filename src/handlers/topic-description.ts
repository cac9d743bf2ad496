// How Metadata and DescribeTopicPartitions describe a topic on this one-node cluster: this node
// is the only replica, the leader and the whole ISR of every partition; authorized operations
// start as "not requested" and each handler fills them when Kafka would. A partition whose log
// directory is offline lists this node in offlineReplicas and keeps it as leader: Kafka's
// controller would then elect no leader (-1, LEADER_NOT_AVAILABLE), on which clients wait
// silently until their timeouts; with no other replica to fail over to, Brook lets them send
// their requests and answers KAFKA_STORAGE_ERROR, which says what is wrong.
import { ErrorCode } from '../protocol/errors.js';
import type { Topic } from '../cluster/cluster.js';
import type { Partition } from '../cluster/partition.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from './authorized-operations.js';

/** The partition fields both APIs share. */
export function describePartition(p: Partition, nodeId: number) {
  return {
    errorCode: ErrorCode.NONE,
    partitionIndex: p.index,
    leaderId: nodeId,
    leaderEpoch: p.leaderEpoch,
    replicaNodes: [nodeId],
    isrNodes: [nodeId],
    offlineReplicas: p.offline ? [nodeId] : ([] as number[]),
  };
}

/** A topic that exists, with the partitions the caller chose to describe. */
export function describeTopic<P>(topic: Topic, partitions: P[]) {
  return {
    errorCode: ErrorCode.NONE as number,
    name: topic.name,
    topicId: topic.id,
    isInternal: topic.internal,
    partitions,
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

/** A topic that could not be described: the error, no partitions. */
export function missingTopic<N extends string | null>(name: N, topicId: string, errorCode: number, isInternal: boolean) {
  return { errorCode, name, topicId, isInternal, partitions: [] as never[], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}
