// JoinGroup v0-9 (classic rebalance protocol). The coordinator parks the request until the
// rebalance completes; the handler only maps versions: v0 has no rebalance timeout and uses the
// session timeout (as Kafka's JoinGroupRequest does), v4+ get MEMBER_ID_REQUIRED for a new
// dynamic member (KIP-394), v5+ carry the group instance id (KIP-345), v8+ a reason, v9+
// skipAssignment (KIP-814: a static leader rejoining a stable group gets its members without
// having to assign; older versions are told the previous leader id instead, so the member acts
// as a follower and keeps its assignment). The protocol name is "" rather than null before v7
// and null rather than "" from v7. Not implemented: ACLs (GROUP_AUTHORIZATION_FAILED).
import { defineHandler } from './handler.js';
import { clientInfo } from './client-info.js';
import type { JoinGroupRequest, JoinGroupResponse } from '../protocol/messages/join-group.js';

const NULLABLE_PROTOCOL_NAME_FROM = 7;

export const joinGroupHandler = defineHandler<JoinGroupRequest, JoinGroupResponse>({
  apiKey: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 9,
  async handle(req, ctx) {
    const v = ctx.apiVersion;
    const result = await ctx.broker.groups.joinGroup({
      ...clientInfo(ctx),
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: v === 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      reason: req.reason,
      apiVersion: v,
    });
    const protocolName = v >= NULLABLE_PROTOCOL_NAME_FROM ? result.protocolName || null : (result.protocolName ?? '');
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      generationId: result.generationId,
      protocolType: result.protocolType,
      protocolName,
      leader: result.leader,
      skipAssignment: result.skipAssignment,
      memberId: result.memberId,
      members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
    };
  },
});
