// SyncGroup v0-5. The leader's assignments are stored and every member gets its own once the
// leader's arrive (the coordinator parks followers meanwhile). v3+ carry the group instance id;
// v5+ must name the protocol type and name (Kafka's KafkaApis refuses a v5+ request without
// them with INCONSISTENT_GROUP_PROTOCOL before the coordinator sees it), which the coordinator
// checks against the group's, and the response echoes them. Not implemented: ACLs.
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import type { SyncGroupRequest, SyncGroupResponse } from '../protocol/messages/sync-group.js';

const PROTOCOL_FIELDS_FROM = 5;

export const syncGroupHandler = defineHandler<SyncGroupRequest, SyncGroupResponse>({
  apiKey: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    if (ctx.apiVersion >= PROTOCOL_FIELDS_FROM && (req.protocolType === null || req.protocolName === null)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
    }
    const result = await ctx.broker.groups.syncGroup({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      protocolType: req.protocolType,
      protocolName: req.protocolName,
      assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
    });
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      protocolType: result.protocolType,
      protocolName: result.protocolName,
      assignment: result.assignment,
    };
  },
});
