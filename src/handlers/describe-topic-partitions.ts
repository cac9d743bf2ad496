// DescribeTopicPartitions v0 (KIP-966), as Kafka 4's DescribeTopicPartitionsRequestHandler and
// KRaftMetadataCache.describeTopicResponse answer it: the named topics (or, with an empty list,
// every topic), sorted by name, from the cursor on; at most responsePartitionLimit partitions
// (capped at Kafka's max.request.partition.size.limit default, 2000, and at least 1) are returned,
// and nextCursor names the first partition left out. Unknown names are UNKNOWN_TOPIC_OR_PARTITION
// (INVALID_TOPIC_EXCEPTION when the name is illegal) and are omitted when listing every topic. A
// cursor whose topic is not among those described, or with a negative partition, makes the whole
// request INVALID_REQUEST. This node leads every partition with epoch 0; there is no ELR (both
// lists empty). Every described topic, found or not, reports its authorized operations (the
// request has no flag for it): all a topic supports, as Kafka answers without an authorizer.
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { topicNameError, ZERO_UUID } from '../cluster/topic-name.js';
import { INTERNAL_TOPICS, type Topic } from '../cluster/cluster.js';
import { describePartition, describeTopic, missingTopic } from './topic-description.js';
import { TOPIC_AUTHORIZED_OPERATIONS } from './authorized-operations.js';
import type {
  DescribeTopicPartitionsRequest,
  DescribeTopicPartitionsResponse,
  DescribeTopicPartitionsResponseCursor,
  DescribeTopicPartitionsResponseDescribeTopicPartitionsResponsePartition,
  DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic,
} from '../protocol/messages/describe-topic-partitions.js';

/** Kafka's max.request.partition.size.limit default. */
const MAX_PARTITIONS_PER_RESPONSE = 2000;

type TopicResult = DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic;
type PartitionResult = DescribeTopicPartitionsResponseDescribeTopicPartitionsResponsePartition;

function partitions(topic: Topic, from: number, count: number, nodeId: number): PartitionResult[] {
  return topic.partitions.slice(from, from + count).map((p) => ({ ...describePartition(p, nodeId), eligibleLeaderReplicas: [], lastKnownElr: [] }));
}

function missing(name: string, errorCode: number): TopicResult {
  return missingTopic(name, ZERO_UUID, errorCode, INTERNAL_TOPICS.has(name));
}

/** Kafka compares topic names with String.compareTo: UTF-16 code units, which is JS's `<`. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const describeTopicPartitionsHandler = defineHandler<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse>({
  apiKey: 75,
  name: 'DescribeTopicPartitions',
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    const { cluster, nodeId } = ctx.broker;
    const cursorTopic = req.cursor?.topicName ?? '';
    const listAll = req.topics.length === 0;
    const names = new Set<string>();
    for (const name of listAll ? [...cluster.topics()].map((t) => t.name) : req.topics.map((t) => t.name)) {
      if (byName(name, cursorTopic) >= 0) names.add(name);
    }
    if (req.cursor && (req.cursor.partitionIndex < 0 || !names.has(req.cursor.topicName))) {
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t) => missing(t.name, ErrorCode.INVALID_REQUEST)),
        nextCursor: null,
      };
    }

    let remaining = Math.max(Math.min(MAX_PARTITIONS_PER_RESPONSE, req.responsePartitionLimit), 1);
    const topics: TopicResult[] = [];
    let nextCursor: DescribeTopicPartitionsResponseCursor | null = null;
    for (const name of [...names].sort(byName)) {
      if (remaining === 0) {
        nextCursor = { topicName: name, partitionIndex: 0 };
        break;
      }
      const topic = cluster.topic(name);
      if (!topic) {
        if (!listAll) topics.push(missing(name, topicNameError(name) ? ErrorCode.INVALID_TOPIC_EXCEPTION : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        continue;
      }
      const from = req.cursor && name === cursorTopic ? req.cursor.partitionIndex : 0;
      const part = partitions(topic, from, remaining, nodeId);
      topics.push(describeTopic(topic, part));
      const upper = Math.min(topic.partitions.length, from + remaining);
      if (upper < topic.partitions.length) {
        nextCursor = { topicName: name, partitionIndex: upper };
        break;
      }
      remaining -= part.length;
    }
    return { throttleTimeMs: 0, topics: topics.map((t) => ({ ...t, topicAuthorizedOperations: TOPIC_AUTHORIZED_OPERATIONS })), nextCursor };
  },
});
