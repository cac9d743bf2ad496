// CreateTopics v0-7, with the checks of Kafka 4's controller (ControllerApis +
// ReplicationControlManager.createTopics) in their order: a name given twice in one request is
// refused as a whole (INVALID_REQUEST "Duplicate topic name.", listed after the others); then per
// topic the name, existence, configs (INVALID_CONFIG), manual assignments or replication factor and
// partition count. numPartitions -1 takes num.partitions and replicationFactor -1 takes
// default.replication.factor. This node is the only broker, so a replication factor above 1, or
// an assignment naming any other broker, cannot be placed. validateOnly runs every check and
// creates nothing (the result still carries a fresh topic id, as Kafka's does). Creation is local
// and immediate, so timeoutMs is not needed. v5+ answers with the partition count, replication
// factor and the topic's resulting configs (DescribeConfigs-like entries); v7+ with the topic id.
// Not implemented: CreateTopicPolicy and the controller mutation quota (no throttling).
import { defineHandler, type RequestContext } from './handler.js';
import type { BrokerContext } from './broker-context.js';
import { ErrorCode } from '../protocol/errors.js';
import { randomUuid, topicNameError } from '../cluster/topic-name.js';
import type { ApiError } from './config-resource.js';
import { checkManualAssignment } from './replica-assignment.js';
import type {
  CreateTopicsRequest,
  CreateTopicsRequestCreatableTopic,
  CreateTopicsResponse,
  CreateTopicsResponseCreatableTopicResult,
} from '../protocol/messages/create-topics.js';

/** Kafka's ReplicationControlManager.MAX_PARTITIONS_PER_BATCH: larger requests are refused whole. */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;
const METADATA_TOPIC = '__cluster_metadata';

interface Plan {
  readonly partitions: number;
  readonly configs: Record<string, string>;
}

/** Checks one topic as the controller does; returns what to create, or the error. */
function plan(t: CreateTopicsRequestCreatableTopic, broker: BrokerContext): Plan | ApiError {
  const nameError = topicNameError(t.name);
  if (nameError) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: nameError };
  if (broker.cluster.topic(t.name)) return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${t.name}' already exists.` };
  // Later entries win when a config is named twice, as in Kafka's map.
  const entries = new Map(t.configs.map((c) => [c.name, c.value] as const));
  const invalid = broker.configs.validateTopicConfigs(entries);
  if (invalid) return { errorCode: invalid.errorCode, errorMessage: invalid.message };
  const configs = Object.fromEntries(entries) as Record<string, string>;

  if (t.assignments.length > 0) {
    if (t.replicationFactor !== -1) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'A manual partition assignment was specified, but replication factor was not set to -1.' };
    }
    if (t.numPartitions !== -1) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'A manual partition assignment was specified, but numPartitions was not set to -1.' };
    }
    const seen = new Set<number>();
    let replicationFactor: number | undefined;
    for (const a of t.assignments) {
      if (seen.has(a.partitionIndex)) {
        return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Found multiple manual partition assignments for partition ${a.partitionIndex}` };
      }
      const err = checkManualAssignment(a.brokerIds, replicationFactor, broker.nodeId);
      if (err) return err;
      replicationFactor = a.brokerIds.length;
      seen.add(a.partitionIndex);
    }
    for (let i = 0; i < seen.size; i++) {
      if (!seen.has(i)) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'partitions should be a consecutive 0-based integer sequence' };
    }
    return { partitions: seen.size, configs };
  }
  if (t.replicationFactor < -1 || t.replicationFactor === 0) {
    return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: 'Replication factor must be larger than 0, or -1 to use the default value.' };
  }
  if (t.numPartitions < -1 || t.numPartitions === 0) {
    return { errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: 'Number of partitions was set to an invalid non-positive value.' };
  }
  const rf = t.replicationFactor === -1 ? broker.config.defaultReplicationFactor : t.replicationFactor;
  if (rf > 1) {
    return {
      errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
      errorMessage: `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only 1 broker(s) are registered.`,
    };
  }
  return { partitions: t.numPartitions === -1 ? broker.config.numPartitions : t.numPartitions, configs };
}

function failed(name: string, err: ApiError): CreateTopicsResponseCreatableTopicResult {
  return { name, errorCode: err.errorCode, errorMessage: err.errorMessage, numPartitions: -1, replicationFactor: -1, configs: [] };
}

async function createOne(t: CreateTopicsRequestCreatableTopic, validateOnly: boolean, ctx: RequestContext): Promise<CreateTopicsResponseCreatableTopicResult> {
  const { broker } = ctx;
  const p = plan(t, broker);
  if ('errorCode' in p) return failed(t.name, p);
  const res = await broker.cluster.createTopic(t.name, p.partitions, p.configs, { validateOnly });
  if (res.errorCode !== ErrorCode.NONE) return failed(t.name, { errorCode: res.errorCode, errorMessage: res.errorMessage });
  return {
    name: t.name,
    topicId: res.topic?.id ?? randomUuid(),
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    topicConfigErrorCode: ErrorCode.NONE,
    numPartitions: p.partitions,
    replicationFactor: 1,
    configs: broker.configs.describeTopic(p.configs).map((e) => ({
      name: e.name,
      value: e.value,
      readOnly: e.readOnly,
      configSource: e.source,
      isSensitive: e.sensitive,
    })),
  };
}

function totalPartitions(topics: readonly CreateTopicsRequestCreatableTopic[], defaultPartitions: number): number {
  let total = 0;
  for (const t of topics) {
    if (t.assignments.length > 0) total += t.assignments.length;
    else if (t.numPartitions === -1) total += defaultPartitions;
    else if (t.numPartitions > 0) total += t.numPartitions;
  }
  return total;
}

export const createTopicsHandler = defineHandler<CreateTopicsRequest, CreateTopicsResponse>({
  apiKey: 19,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 7,
  async handle(req, ctx) {
    const validateOnly = ctx.apiVersion >= 1 && req.validateOnly;
    if (totalPartitions(req.topics, ctx.broker.config.numPartitions) > MAX_PARTITIONS_PER_REQUEST) {
      const err = { errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: 'Excessively large number of partitions per request.' };
      return { throttleTimeMs: 0, topics: req.topics.map((t) => failed(t.name, err)) };
    }
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const topics: CreateTopicsResponseCreatableTopicResult[] = [];
    // One at a time: each creation sees the ones before it (name collisions, existence).
    for (const t of req.topics) {
      if ((counts.get(t.name) ?? 0) > 1) continue;
      if (t.name === METADATA_TOPIC) {
        topics.push(failed(t.name, { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Creation of internal topic ${METADATA_TOPIC} is prohibited.` }));
        continue;
      }
      topics.push(await createOne(t, validateOnly, ctx));
    }
    for (const [name, n] of counts) {
      if (n > 1) topics.push(failed(name, { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' }));
    }
    return { throttleTimeMs: 0, topics };
  },
});
