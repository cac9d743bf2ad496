// ListGroups v0-5: every group this coordinator knows, classic and KIP-848 alike. v4+ filter by
// state (case-insensitive, e.g. "Stable", "Empty") and report each group's state; v5+ filter
// by type ("classic", "consumer") and report it. While the coordinator loads, the answer is
// COORDINATOR_LOAD_IN_PROGRESS with no groups. Not implemented: ACLs (Kafka lists only groups
// the client may describe).
import { defineHandler } from './handler.js';
import type { ListGroupsRequest, ListGroupsResponse } from '../protocol/messages/list-groups.js';

export const listGroupsHandler = defineHandler<ListGroupsRequest, ListGroupsResponse>({
  apiKey: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 5,
  handle(req, ctx) {
    const result = ctx.broker.groups.listGroups(req.statesFilter, req.typesFilter);
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      groups: result.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.groupState, groupType: g.groupType })),
    };
  },
});
