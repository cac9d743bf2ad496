import { createPartitions as createPartitionsApi, type CreatePartitionsResponse } from '../protocol/messages/create-partitions.js';
import { createTopics as createTopicsApi, type CreateTopicsResponse } from '../protocol/messages/create-topics.js';
import { deleteTopics as deleteTopicsApi, type DeleteTopicsResponse } from '../protocol/messages/delete-topics.js';
import { describeConfigs as describeConfigsApi, type DescribeConfigsResponse } from '../protocol/messages/describe-configs.js';
import { describeLogDirs as describeLogDirsApi, type DescribeLogDirsResponse } from '../protocol/messages/describe-log-dirs.js';
import { incrementalAlterConfigs as incrementalAlterConfigsApi, type IncrementalAlterConfigsResponse } from '../protocol/messages/incremental-alter-configs.js';
import { ZERO_UUID, type KafkaClient } from './kafka-client.js';

/**
 * Topic and configuration administration (Kafka's Admin client, the topic half): CreateTopics,
 * DeleteTopics, CreatePartitions, DescribeConfigs, IncrementalAlterConfigs, DescribeLogDirs.
 * Results come back per topic with their error code rather than as an exception, so a caller
 * acting on several topics can report each.
 */

export interface TopicResult {
  readonly name: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface NewTopic {
  readonly name: string;
  /** -1: the broker's num.partitions (CreateTopics v4+). */
  readonly partitions?: number;
  /** -1: the broker's default.replication.factor. */
  readonly replicationFactor?: number;
  readonly configs?: Readonly<Record<string, string>>;
}

export interface CreatedTopic extends TopicResult {
  readonly topicId: string | null;
  readonly partitions: number | null;
  readonly replicationFactor: number | null;
}

/** Kafka's ConfigResource.Type values. */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8, GROUP: 32 } as const;

/** Kafka's ConfigEntry.ConfigSource, by its wire id (DescribeConfigs v1+). */
export const CONFIG_SOURCES: readonly string[] = [
  'UNKNOWN',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
  'DYNAMIC_BROKER_LOGGER_CONFIG',
  'CLIENT_METRICS_CONFIG',
  'GROUP_CONFIG',
];

export function configSourceName(source: number): string {
  return CONFIG_SOURCES[source] ?? `UNKNOWN(${source})`;
}

export interface ConfigEntry {
  readonly name: string;
  readonly value: string | null;
  /** A CONFIG_SOURCES name. */
  readonly source: string;
  readonly readOnly: boolean;
  readonly sensitive: boolean;
  readonly synonyms: readonly { name: string; value: string | null; source: string }[];
}

export interface ResourceConfigs extends TopicResult {
  readonly configs: readonly ConfigEntry[];
}

/** IncrementalAlterConfigs' operations. */
export const AlterConfigOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
export type AlterConfigOp = (typeof AlterConfigOp)[keyof typeof AlterConfigOp];

export interface ConfigChange {
  readonly name: string;
  readonly op: AlterConfigOp;
  readonly value: string | null;
}

export async function createTopics(client: KafkaClient, topics: readonly NewTopic[], validateOnly = false): Promise<CreatedTopic[]> {
  const conn = await client.controller();
  const { response } = await client.call<CreateTopicsResponse>(conn, createTopicsApi, {
    topics: topics.map((t) => ({
      name: t.name,
      numPartitions: t.partitions ?? -1,
      replicationFactor: t.replicationFactor ?? -1,
      assignments: [],
      configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
    })),
    timeoutMs: client.requestTimeoutMs,
    validateOnly,
  });
  return response.topics.map((t) => ({
    name: t.name,
    errorCode: t.errorCode,
    errorMessage: t.errorMessage ?? null,
    topicId: t.topicId === undefined || t.topicId === ZERO_UUID ? null : t.topicId,
    partitions: t.numPartitions === undefined || t.numPartitions < 0 ? null : t.numPartitions,
    replicationFactor: t.replicationFactor === undefined || t.replicationFactor < 0 ? null : t.replicationFactor,
  }));
}

export async function deleteTopics(client: KafkaClient, names: readonly string[]): Promise<TopicResult[]> {
  const conn = await client.controller();
  const { response } = await client.call<DeleteTopicsResponse>(conn, deleteTopicsApi, {
    topics: names.map((name) => ({ name, topicId: ZERO_UUID })),
    topicNames: [...names],
    timeoutMs: client.requestTimeoutMs,
  });
  return response.responses.map((r, i) => ({ name: r.name ?? names[i], errorCode: r.errorCode, errorMessage: r.errorMessage ?? null }));
}

/** Grows each topic to `count` partitions in total. */
export async function createPartitions(client: KafkaClient, topics: readonly { name: string; count: number }[], validateOnly = false): Promise<TopicResult[]> {
  const conn = await client.controller();
  const { response } = await client.call<CreatePartitionsResponse>(conn, createPartitionsApi, {
    topics: topics.map((t) => ({ name: t.name, count: t.count, assignments: null })),
    timeoutMs: client.requestTimeoutMs,
    validateOnly,
  });
  return response.results.map((r) => ({ name: r.name, errorCode: r.errorCode, errorMessage: r.errorMessage }));
}

/**
 * Every configuration of each resource, with its source and synonyms. A broker resource is
 * asked of that broker (its name is its id), a topic's of any broker.
 */
export async function describeConfigs(client: KafkaClient, resourceType: number, names: readonly string[]): Promise<ResourceConfigs[]> {
  const results: ResourceConfigs[] = [];
  const ask = async (conn: Awaited<ReturnType<KafkaClient['any']>>, batch: readonly string[]): Promise<void> => {
    const { response } = await client.call<DescribeConfigsResponse>(conn, describeConfigsApi, {
      resources: batch.map((resourceName) => ({ resourceType, resourceName, configurationKeys: null })),
      includeSynonyms: true,
      includeDocumentation: false,
    }, { min: 1 });
    for (const r of response.results) {
      results.push({
        name: r.resourceName,
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        configs: r.configs.map((c) => ({
          name: c.name,
          value: c.value,
          source: configSourceName(c.configSource ?? 0),
          readOnly: c.readOnly,
          sensitive: c.isSensitive,
          synonyms: (c.synonyms ?? []).map((s) => ({ name: s.name, value: s.value, source: configSourceName(s.source) })),
        })),
      });
    }
  };
  if (resourceType === ConfigResourceType.BROKER || resourceType === ConfigResourceType.BROKER_LOGGER) {
    for (const name of names) {
      const id = Number(name);
      await ask(Number.isInteger(id) && name.trim() !== '' ? await client.broker(id) : await client.any(), [name]);
    }
  } else {
    await ask(await client.any(), names);
  }
  return results;
}

export async function incrementalAlterConfigs(client: KafkaClient, resourceType: number, name: string, changes: readonly ConfigChange[], validateOnly = false): Promise<TopicResult> {
  const conn = resourceType === ConfigResourceType.BROKER && /^\d+$/.test(name) ? await client.broker(Number(name)) : await client.any();
  const { response } = await client.call<IncrementalAlterConfigsResponse>(conn, incrementalAlterConfigsApi, {
    resources: [{ resourceType, resourceName: name, configs: changes.map((c) => ({ name: c.name, configOperation: c.op, value: c.value })) }],
    validateOnly,
  });
  const r = response.responses[0];
  return { name, errorCode: r?.errorCode ?? 0, errorMessage: r?.errorMessage ?? null };
}

/**
 * Bytes on disk per partition of `topics`, as the partition's leader reports them
 * (DescribeLogDirs). Partitions a broker does not report are absent.
 */
export async function partitionSizes(client: KafkaClient, topics: readonly string[]): Promise<Map<string, number>> {
  const meta = client.lastMetadata ?? (await client.metadata(topics));
  const sizes = new Map<string, number>();
  await Promise.all(meta.brokers.map(async (b) => {
    const led = new Map<string, number[]>();
    for (const name of topics) {
      const partitions = meta.topics.get(name)?.partitions.filter((p) => p.leader === b.nodeId).map((p) => p.partition) ?? [];
      if (partitions.length > 0) led.set(name, partitions);
    }
    if (led.size === 0) return;
    const conn = await client.broker(b.nodeId);
    const { response } = await client.call<DescribeLogDirsResponse>(conn, describeLogDirsApi, {
      topics: [...led].map(([topic, partitions]) => ({ topic, partitions })),
    });
    for (const dir of response.results) {
      if (dir.errorCode !== 0) continue;
      for (const t of dir.topics) {
        for (const p of t.partitions) {
          if (!p.isFutureKey && led.get(t.name)?.includes(p.partitionIndex)) sizes.set(`${t.name}:${p.partitionIndex}`, p.partitionSize);
        }
      }
    }
  }));
  return sizes;
}
