// DeleteGroups v0-2: deletes empty groups and their committed offsets (tombstones in
// `__consumer_offsets`). Per group: GROUP_ID_NOT_FOUND for an unknown group, NON_EMPTY_GROUP
// while it has members, COORDINATOR_LOAD_IN_PROGRESS while loading. Not implemented: ACLs.
import { defineHandler } from './handler.js';
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../protocol/messages/delete-groups.js';

export const deleteGroupsHandler = defineHandler<DeleteGroupsRequest, DeleteGroupsResponse>({
  apiKey: 42,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 2,
  async handle(req, ctx) {
    const results = await ctx.broker.groups.deleteGroups(req.groupsNames);
    return { throttleTimeMs: 0, results: results.map((r) => ({ groupId: r.groupId, errorCode: r.errorCode })) };
  },
});
