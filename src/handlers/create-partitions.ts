// CreatePartitions v0-3, with Kafka 4's controller checks and messages (ControllerApis +
// ReplicationControlManager.createPartitions): a topic named twice is refused (INVALID_REQUEST
// "Duplicate topic name."); an unknown topic is UNKNOWN_TOPIC_OR_PARTITION; a count that is not an
// increase is INVALID_PARTITIONS; manual assignments must give one replica list per new partition
// and, on this one-node cluster, each list must be [nodeId] (INVALID_REPLICA_ASSIGNMENT
// otherwise). validateOnly checks everything and changes nothing. Growth is immediate, so
// timeoutMs is not needed. Beyond Kafka: a request adding more than 10,000 partitions is refused
// with POLICY_VIOLATION (Kafka's per-request bound for CreateTopics), since Brook opens a log
// per partition synchronously. Not implemented: the controller mutation quota.
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ApiError } from './config-resource.js';
import { checkManualAssignment } from './replica-assignment.js';
import { MAX_PARTITIONS_PER_REQUEST } from './create-topics.js';
import type { BrokerContext } from './broker-context.js';
import type {
  CreatePartitionsRequest,
  CreatePartitionsRequestCreatePartitionsTopic,
  CreatePartitionsResponse,
  CreatePartitionsResponseCreatePartitionsTopicResult,
} from '../protocol/messages/create-partitions.js';

type Result = CreatePartitionsResponseCreatePartitionsTopicResult;

function check(t: CreatePartitionsRequestCreatePartitionsTopic, broker: BrokerContext): ApiError | null {
  const topic = broker.cluster.topic(t.name);
  if (!topic) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null };
  const current = topic.partitions.length;
  if (t.count === current) return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic already has ${current} partition(s).` };
  if (t.count < current) {
    return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `The topic ${t.name} currently has ${current} partition(s); ${t.count} would not be an increase.` };
  }
  const additional = t.count - current;
  if (t.assignments !== null) {
    if (t.assignments.length !== additional) {
      return {
        errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        errorMessage: `Attempted to add ${additional} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`,
      };
    }
    // Every existing partition has the one replica this node is.
    for (const a of t.assignments) {
      const err = checkManualAssignment(a.brokerIds, 1, broker.nodeId);
      if (err) return err;
    }
  }
  return null;
}

export const createPartitionsHandler = defineHandler<CreatePartitionsRequest, CreatePartitionsResponse>({
  apiKey: 37,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 3,
  async handle(req, ctx) {
    const { cluster } = ctx.broker;
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    let added = 0;
    for (const t of req.topics) {
      const current = cluster.topic(t.name)?.partitions.length;
      if (current !== undefined && t.count > current) added += t.count - current;
    }
    if (added > MAX_PARTITIONS_PER_REQUEST) {
      const errorMessage = 'Excessively large number of partitions per request.';
      return { throttleTimeMs: 0, results: [...counts.keys()].map((name) => ({ name, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage })) };
    }
    const results: Result[] = [];
    for (const [name, n] of counts) {
      if (n > 1) results.push({ name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' });
    }
    for (const t of req.topics) {
      if ((counts.get(t.name) ?? 0) > 1) continue;
      const err = check(t, ctx.broker);
      if (err) {
        results.push({ name: t.name, ...err });
        continue;
      }
      const res = await cluster.createPartitions(t.name, t.count, req.validateOnly);
      results.push({ name: t.name, errorCode: res.errorCode, errorMessage: res.errorMessage });
    }
    return { throttleTimeMs: 0, results };
  },
});
