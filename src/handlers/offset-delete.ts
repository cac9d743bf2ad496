// OffsetDelete v0: deletes a group's committed offsets for some partitions. As Kafka's
// KafkaApis, partitions of unknown topics answer UNKNOWN_TOPIC_OR_PARTITION here; the
// coordinator answers the rest: GROUP_SUBSCRIBED_TO_TOPIC for a topic the group still consumes,
// and a group-level error (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP for a live group whose
// subscriptions cannot be known, COORDINATOR_LOAD_IN_PROGRESS) which then stands alone with no
// partitions. Not implemented: ACLs.
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../protocol/messages/offset-delete.js';

export const offsetDeleteHandler = defineHandler<OffsetDeleteRequest, OffsetDeleteResponse>({
  apiKey: 47,
  name: 'OffsetDelete',
  minVersion: 0,
  maxVersion: 0,
  async handle(req, ctx) {
    const { cluster, groups } = ctx.broker;
    const known: { name: string; partitionIndexes: number[] }[] = [];
    for (const t of req.topics) {
      const topic = cluster.topic(t.name);
      const partitionIndexes = t.partitions
        .map((p) => p.partitionIndex)
        .filter((i) => topic !== undefined && i >= 0 && i < topic.partitions.length);
      if (partitionIndexes.length > 0) known.push({ name: t.name, partitionIndexes });
    }
    const result = await groups.deleteOffsets(req.groupId, known);
    if (result.errorCode !== ErrorCode.NONE) return { errorCode: result.errorCode, throttleTimeMs: 0, topics: [] };
    const errors = new Map<string, number>();
    for (const t of result.topics) for (const p of t.partitions) errors.set(`${p.partitionIndex}:${t.name}`, p.errorCode);
    return {
      errorCode: ErrorCode.NONE,
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: errors.get(`${p.partitionIndex}:${t.name}`) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        })),
      })),
    };
  },
});
