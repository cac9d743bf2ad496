// DeleteRecords v0-2, as Kafka's ReplicaManager.deleteRecordsOnLocalLog and
// Partition.deleteRecordsOnLeader do it: offset -1 means the high watermark; an offset beyond the
// high watermark (or otherwise negative) is OFFSET_OUT_OF_RANGE; an offset at or below the log
// start offset changes nothing; otherwise the log start offset moves up to it and the segments
// wholly below it are deleted. lowWatermark is the resulting log start offset (-1 on error).
// Internal topics are refused with INVALID_TOPIC_EXCEPTION, and topics whose cleanup.policy is
// compact without delete with POLICY_VIOLATION, partitions whose log directory is offline with
// KAFKA_STORAGE_ERROR. With one replica there is nothing to wait for,
// so timeoutMs is not needed.
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import type { Topic } from '../cluster/cluster.js';
import type {
  DeleteRecordsRequest,
  DeleteRecordsResponse,
  DeleteRecordsResponseDeleteRecordsPartitionResult,
} from '../protocol/messages/delete-records.js';

type Result = DeleteRecordsResponseDeleteRecordsPartitionResult;

function deleteBefore(topic: Topic | undefined, partitionIndex: number, requested: number): Result {
  const failed = (errorCode: number): Result => ({ partitionIndex, lowWatermark: -1, errorCode });
  const p = topic?.partitions[partitionIndex];
  if (!topic || !p) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (topic.internal) return failed(ErrorCode.INVALID_TOPIC_EXCEPTION);
  return { partitionIndex, ...p.deleteRecordsBefore(requested) };
}

export const deleteRecordsHandler = defineHandler<DeleteRecordsRequest, DeleteRecordsResponse>({
  apiKey: 21,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 2,
  handle(req, ctx) {
    const { cluster } = ctx.broker;
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => {
        const topic = cluster.topic(t.name);
        return { name: t.name, partitions: t.partitions.map((p) => deleteBefore(topic, p.partitionIndex, p.offset)) };
      }),
    };
  },
});
