// OffsetCommit v0-9. As Kafka's KafkaApis, partitions of unknown topics (or beyond a topic's
// partition count) answer UNKNOWN_TOPIC_OR_PARTITION here and the rest go to the coordinator,
// which checks the member: v0 commits carry no generation and are accepted only into an empty
// group; v1+ carry generation (or KIP-848 member epoch) and member id, v7+ the group instance
// id. v2-4 carry a retention time, which Kafka 4 still honours as the offsets' expiry (-1: the
// broker's offsets.retention.minutes). v1's per-partition commit timestamp is ignored: the
// commit time is the broker's. v6+ carry the leader epoch. Answers keep the request's order.
// Not implemented: ACLs (TOPIC/GROUP_AUTHORIZATION_FAILED).
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import type { OffsetCommitParams } from '../coordinator/group/group-types.js';
import type {
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetCommitResponseOffsetCommitResponseTopic,
} from '../protocol/messages/offset-commit.js';

export const offsetCommitHandler = defineHandler<OffsetCommitRequest, OffsetCommitResponse>({
  apiKey: 8,
  name: 'OffsetCommit',
  minVersion: 0,
  maxVersion: 9,
  async handle(req, ctx) {
    const { cluster, groups } = ctx.broker;
    const known: OffsetCommitParams['topics'] = [];
    for (const t of req.topics) {
      const topic = cluster.topic(t.name);
      const partitions = t.partitions.filter((p) => topic !== undefined && p.partitionIndex >= 0 && p.partitionIndex < topic.partitions.length);
      if (partitions.length === 0) continue;
      known.push({
        name: t.name,
        partitions: partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          committedOffset: p.committedOffset,
          committedLeaderEpoch: p.committedLeaderEpoch,
          committedMetadata: p.committedMetadata,
        })),
      });
    }
    const errors = new Map<string, number>();
    if (known.length > 0) {
      const result = await groups.commitOffsets({
        groupId: req.groupId,
        generationIdOrMemberEpoch: req.generationIdOrMemberEpoch,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId,
        retentionTimeMs: req.retentionTimeMs,
        topics: known,
        apiVersion: ctx.apiVersion,
      });
      for (const t of result.topics) for (const p of t.partitions) errors.set(`${p.partitionIndex}:${t.name}`, p.errorCode);
    }
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t): OffsetCommitResponseOffsetCommitResponseTopic => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: errors.get(`${p.partitionIndex}:${t.name}`) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        })),
      })),
    };
  },
});
