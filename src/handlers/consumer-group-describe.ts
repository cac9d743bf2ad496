// ConsumerGroupDescribe v0 (KIP-848): epochs, assignor and each member's current and target
// assignment, with topic names beside the ids. Per group: GROUP_ID_NOT_FOUND for an unknown
// group or one that is not a KIP-848 consumer group, INVALID_GROUP_ID for "",
// COORDINATOR_LOAD_IN_PROGRESS while loading. Authorized operations as DescribeGroups: every
// operation a group supports when asked (no authorizer), Kafka's "not requested" value otherwise.
import { defineHandler } from './handler.js';
import { groupAuthorizedOperations } from './authorized-operations.js';
import type { DescribedTopicPartitions } from '../coordinator/group/group-types.js';
import type {
  ConsumerGroupDescribeRequest,
  ConsumerGroupDescribeResponse,
  ConsumerGroupDescribeResponseAssignment,
} from '../protocol/messages/consumer-group-describe.js';

function assignment(tps: DescribedTopicPartitions[]): ConsumerGroupDescribeResponseAssignment {
  return { topicPartitions: tps.map((tp) => ({ topicId: tp.topicId, topicName: tp.topicName, partitions: tp.partitions })) };
}

export const consumerGroupDescribeHandler = defineHandler<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>({
  apiKey: 69,
  name: 'ConsumerGroupDescribe',
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    return {
      throttleTimeMs: 0,
      groups: ctx.broker.groups.consumerGroupDescribe(req.groupIds).map((g) => ({
        errorCode: g.errorCode,
        errorMessage: g.errorMessage,
        groupId: g.groupId,
        groupState: g.groupState,
        groupEpoch: g.groupEpoch,
        assignmentEpoch: g.assignmentEpoch,
        assignorName: g.assignorName,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          instanceId: m.instanceId,
          rackId: m.rackId,
          memberEpoch: m.memberEpoch,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscribedTopicNames: m.subscribedTopicNames,
          subscribedTopicRegex: m.subscribedTopicRegex,
          assignment: assignment(m.assignment),
          targetAssignment: assignment(m.targetAssignment),
        })),
        authorizedOperations: groupAuthorizedOperations(req.includeAuthorizedOperations, g.errorCode),
      })),
    };
  },
});
