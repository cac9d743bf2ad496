// ConsumerGroupHeartbeat v0-1 (KIP-848): the member joins (epoch 0), heartbeats with its epoch
// and owned partitions, and leaves (epoch -1, or -2 for a static member leaving for a while);
// the coordinator computes the target assignment and hands it out as the member revokes what it
// must give up. v0: the coordinator names a joining member; v1: the member brings its own id
// and may subscribe by regular expression. Topic ids are the cluster's, in Kafka's base64 form.
// With `consumer` missing from group.coordinator.rebalance.protocols the answer is
// UNSUPPORTED_VERSION, as Kafka's. Not implemented: ACLs (GROUP/TOPIC_AUTHORIZATION_FAILED).
import { defineHandler } from './handler.js';
import { clientInfo } from './client-info.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from '../protocol/messages/consumer-group-heartbeat.js';

export const consumerGroupHeartbeatHandler = defineHandler<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>({
  apiKey: 68,
  name: 'ConsumerGroupHeartbeat',
  minVersion: 0,
  maxVersion: 1,
  async handle(req, ctx) {
    if (!ctx.broker.config.groupCoordinatorRebalanceProtocols.includes('consumer')) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: null, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
    }
    const result = await ctx.broker.groups.consumerGroupHeartbeat({
      ...clientInfo(ctx),
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      instanceId: req.instanceId,
      rackId: req.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      subscribedTopicNames: req.subscribedTopicNames,
      subscribedTopicRegex: req.subscribedTopicRegex,
      serverAssignor: req.serverAssignor,
      topicPartitions: req.topicPartitions?.map((tp) => ({ topicId: tp.topicId, partitions: tp.partitions })) ?? null,
      apiVersion: ctx.apiVersion,
    });
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      errorMessage: result.errorMessage,
      memberId: result.memberId,
      memberEpoch: result.memberEpoch,
      heartbeatIntervalMs: result.heartbeatIntervalMs,
      assignment: result.assignment === null ? null : { topicPartitions: result.assignment.map((tp) => ({ topicId: tp.topicId, partitions: tp.partitions })) },
    };
  },
});
