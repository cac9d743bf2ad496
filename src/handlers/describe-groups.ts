// DescribeGroups v0-5: state, protocol and members of each group (classic groups as they are;
// KIP-848 groups shown the way Kafka shows them to old tools, as "consumer" protocol groups
// with encoded subscriptions and assignments). A group that does not exist is described as
// Dead with no error in every version here (v6+, which would say GROUP_ID_NOT_FOUND, is not in
// the schema). Member metadata and assignments are filled only in the Stable state, as Kafka.
// v3+ report authorized operations when asked (everything a group supports: there is no
// authorizer) and Kafka's "not requested" value otherwise; v4+ the members' instance ids.
// Errors are per group (COORDINATOR_LOAD_IN_PROGRESS while loading).
import { defineHandler } from './handler.js';
import { groupAuthorizedOperations } from './authorized-operations.js';
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../protocol/messages/describe-groups.js';

export const describeGroupsHandler = defineHandler<DescribeGroupsRequest, DescribeGroupsResponse>({
  apiKey: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 5,
  handle(req, ctx) {
    const described = ctx.broker.groups.describeGroups(req.groups, ctx.apiVersion);
    return {
      throttleTimeMs: 0,
      groups: described.map((g) => ({
        errorCode: g.errorCode,
        groupId: g.groupId,
        groupState: g.groupState,
        protocolType: g.protocolType,
        protocolData: g.protocolData,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: m.memberMetadata,
          memberAssignment: m.memberAssignment,
        })),
        authorizedOperations: groupAuthorizedOperations(req.includeAuthorizedOperations, g.errorCode),
      })),
    };
  },
});
