// Heartbeat v0-4 (classic protocol). Keeps the member's session alive; REBALANCE_IN_PROGRESS
// tells it to rejoin. v3+ carry the group instance id. While the coordinator loads its state the
// answer is NONE, as Kafka's (a member should not drop out because the broker restarted). Not
// implemented: ACLs.
import { defineHandler } from './handler.js';
import type { HeartbeatRequest, HeartbeatResponse } from '../protocol/messages/heartbeat.js';

export const heartbeatHandler = defineHandler<HeartbeatRequest, HeartbeatResponse>({
  apiKey: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 4,
  async handle(req, ctx) {
    const { errorCode } = await ctx.broker.groups.heartbeat({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
    });
    return { throttleTimeMs: 0, errorCode };
  },
});
