// OffsetFetch v0-9. v0-7 ask for one group (`groupId`, `topics`), v8+ for several (`groups`),
// each answered separately. Partitions without a commit answer offset -1, metadata "" and no
// error; `topics` null (v2+) asks for every committed partition of the group. Group errors
// (COORDINATOR_LOAD_IN_PROGRESS, and for KIP-848 members UNKNOWN_MEMBER_ID/STALE_MEMBER_EPOCH,
// v9+) go where each version puts them: per group (v8+), top level (v2-7), or on every requested
// partition (v0-1, which have no top-level error). v9+ identify a KIP-848 member (member id and
// epoch). requireStable (v7+): a partition whose offset a transaction has written but not yet
// committed or aborted answers UNSTABLE_OFFSET_COMMIT (offset -1), which clients retry.
// Not implemented: ACLs.
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import type { OffsetFetchGroupParams, OffsetFetchGroupResult } from '../coordinator/group/group-types.js';
import type {
  OffsetFetchRequest,
  OffsetFetchResponse,
  OffsetFetchResponseOffsetFetchResponseTopic,
} from '../protocol/messages/offset-fetch.js';

const TOP_LEVEL_ERROR_FROM = 2;
const BATCHED_FROM = 8;

function singleGroupResponse(req: OffsetFetchRequest, g: OffsetFetchGroupResult, v: number): OffsetFetchResponse {
  if (g.errorCode !== ErrorCode.NONE && v < TOP_LEVEL_ERROR_FROM) {
    return {
      throttleTimeMs: 0,
      topics: (req.topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({
          partitionIndex,
          committedOffset: -1,
          committedLeaderEpoch: -1,
          metadata: '',
          errorCode: g.errorCode,
        })),
      })),
    };
  }
  return {
    throttleTimeMs: 0,
    errorCode: g.errorCode,
    topics: g.topics.map((t): OffsetFetchResponseOffsetFetchResponseTopic => ({ name: t.name, partitions: t.partitions })),
  };
}

export const offsetFetchHandler = defineHandler<OffsetFetchRequest, OffsetFetchResponse>({
  apiKey: 9,
  name: 'OffsetFetch',
  minVersion: 0,
  maxVersion: 9,
  handle(req, ctx) {
    const v = ctx.apiVersion;
    const { groups } = ctx.broker;
    if (v < BATCHED_FROM) {
      const params: OffsetFetchGroupParams = { groupId: req.groupId, topics: req.topics, memberId: null, memberEpoch: -1 };
      return singleGroupResponse(req, groups.fetchOffsets([params], req.requireStable)[0], v);
    }
    const results = groups.fetchOffsets(
      req.groups.map((g) => ({ groupId: g.groupId, topics: g.topics, memberId: g.memberId, memberEpoch: g.memberEpoch })),
      req.requireStable,
    );
    return {
      throttleTimeMs: 0,
      groups: results.map((g) => ({ groupId: g.groupId, errorCode: g.errorCode, topics: g.topics })),
    };
  },
});
