// LeaveGroup v0-5. v0-2 name one member (`memberId`) and answer with one top-level error: the
// group-level error if any, else that member's (as Kafka's LeaveGroupResponse folds it). v3+
// remove a batch of members, by member id or, with an empty member id, by group instance id
// alone (KIP-345 admin removal), with an error per member; v5+ add a reason per member. An
// unknown group answers UNKNOWN_MEMBER_ID per member. Not implemented: ACLs.
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import type { LeaveGroupMemberParams } from '../coordinator/group/group-types.js';
import type { LeaveGroupRequest, LeaveGroupResponse } from '../protocol/messages/leave-group.js';

const BATCHED_FROM = 3;

export const leaveGroupHandler = defineHandler<LeaveGroupRequest, LeaveGroupResponse>({
  apiKey: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    const batched = ctx.apiVersion >= BATCHED_FROM;
    const members: LeaveGroupMemberParams[] = batched
      ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: m.reason }))
      : [{ memberId: req.memberId, groupInstanceId: null, reason: null }];
    const result = await ctx.broker.groups.leaveGroup(req.groupId, members);
    if (batched) {
      return {
        throttleTimeMs: 0,
        errorCode: result.errorCode,
        members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: m.errorCode })),
      };
    }
    const memberError = result.members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE;
    return { throttleTimeMs: 0, errorCode: result.errorCode !== ErrorCode.NONE ? result.errorCode : memberError };
  },
});
