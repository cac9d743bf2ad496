// Metadata v0-12. One broker (this node) leads every partition with leader epoch 0; topics are
// listed with their ids (v10+) and internal flag, and may be asked for by id (null name:
// UNKNOWN_TOPIC_ID when unknown). Illegal names are INVALID_TOPIC_EXCEPTION. Unknown topics are
// auto-created when the request allows it (always before v4) and auto.create.topics.enable is on,
// and are then returned fully formed rather than with LEADER_NOT_AVAILABLE, since creation is
// local and immediate; a creation that fails (the disk is full) answers the topic with its error,
// KAFKA_STORAGE_ERROR, as Kafka passes a failed auto-creation's error on. Authorized operations
// (v8+), when asked for, are every operation of a topic or the cluster (v8-10), as Kafka answers
// without an authorizer; topics asked for by an unknown id, and fields not asked for, keep
// Kafka's "not requested" value, -2147483648.
import { defineHandler, type RequestContext } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { topicNameError, ZERO_UUID } from '../cluster/topic-name.js';
import { authorizedOperations, CLUSTER_AUTHORIZED_OPERATIONS, TOPIC_AUTHORIZED_OPERATIONS } from './authorized-operations.js';
import { describePartition, describeTopic, missingTopic } from './topic-description.js';
import type { Topic } from '../cluster/cluster.js';
import type {
  MetadataRequest,
  MetadataResponse,
  MetadataResponseMetadataResponseTopic,
} from '../protocol/messages/metadata.js';

type TopicResult = MetadataResponseMetadataResponseTopic;

function describe(topic: Topic, nodeId: number): TopicResult {
  return describeTopic(topic, topic.partitions.map((p) => describePartition(p, nodeId)));
}

async function lookup(req: MetadataRequest, ctx: RequestContext): Promise<TopicResult[]> {
  const { cluster, nodeId } = ctx.broker;
  if (req.topics === null) return [...cluster.topics()].map((t) => describe(t, nodeId));
  const allowAuto = ctx.apiVersion < 4 || req.allowAutoTopicCreation;
  const out: TopicResult[] = [];
  for (const t of req.topics) {
    if (t.name === null) {
      const topic = cluster.topicById(t.topicId);
      out.push(topic ? describe(topic, nodeId) : missingTopic(null, t.topicId, ErrorCode.UNKNOWN_TOPIC_ID, false));
      continue;
    }
    let topic = cluster.topic(t.name);
    let missing: number = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    if (!topic) {
      if (topicNameError(t.name)) {
        out.push(missingTopic(t.name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION, false));
        continue;
      }
      if (allowAuto) {
        const error = await ctx.broker.autoCreateTopic(t.name);
        topic = cluster.topic(t.name);
        if (error !== ErrorCode.NONE) missing = error;
      }
    }
    out.push(topic ? describe(topic, nodeId) : missingTopic(t.name, ZERO_UUID, missing, false));
  }
  return out;
}

export const metadataHandler = defineHandler<MetadataRequest, MetadataResponse>({
  apiKey: 3,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 12,
  async handle(req, ctx) {
    const { nodeId, advertised, cluster, config } = ctx.broker;
    const v = ctx.apiVersion;
    const topicOps = authorizedOperations(v >= 8 && req.includeTopicAuthorizedOperations, TOPIC_AUTHORIZED_OPERATIONS);
    const topics = (await lookup(req, ctx)).map((t) => (t.name === null ? t : { ...t, topicAuthorizedOperations: topicOps }));
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId, host: advertised.host, port: advertised.port, rack: config.brokerRack }],
      clusterId: cluster.clusterId,
      controllerId: nodeId,
      topics,
      clusterAuthorizedOperations: authorizedOperations(v >= 8 && v <= 10 && req.includeClusterAuthorizedOperations, CLUSTER_AUTHORIZED_OPERATIONS),
    };
  },
});
