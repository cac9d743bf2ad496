// DescribeProducers v0 (Kafka's KafkaApis.handleDescribeProducersRequest): per partition the
// producers whose state it keeps: id, epoch, last sequence (-1 when none in this epoch), last
// timestamp, coordinator epoch of the last marker and the first offset of the open transaction
// (-1 when none). An illegal topic name is INVALID_TOPIC_EXCEPTION (with Kafka's message), an
// unknown topic or partition UNKNOWN_TOPIC_OR_PARTITION.
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { topicNameError } from '../cluster/topic-name.js';
import type { DescribeProducersRequest, DescribeProducersResponse, DescribeProducersResponsePartitionResponse } from '../protocol/messages/describe-producers.js';

type PartitionResponse = DescribeProducersResponsePartitionResponse;

export const describeProducersHandler = defineHandler<DescribeProducersRequest, DescribeProducersResponse>({
  apiKey: 61,
  name: 'DescribeProducers',
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const { cluster } = ctx.broker;
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => {
        const nameError = topicNameError(t.name);
        const topic = nameError ? undefined : cluster.topic(t.name);
        return {
          name: t.name,
          partitions: t.partitionIndexes.map((partitionIndex): PartitionResponse => {
            const failed = (errorCode: number, errorMessage: string | null = null): PartitionResponse => ({ partitionIndex, errorCode, errorMessage, activeProducers: [] });
            if (nameError) return failed(ErrorCode.INVALID_TOPIC_EXCEPTION, nameError);
            const p = topic?.partitions[partitionIndex];
            if (!p) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            return { partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers: p.activeProducers() };
          }),
        };
      }),
    };
  },
});
