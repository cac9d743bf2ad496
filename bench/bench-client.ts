// A WireClient plus what every section needs around it: the broker's API versions (asked once,
// so a section can tell "not implemented yet" from a failure), topic creation, topic ids,
// produce and fetch with the newest versions both sides speak.
import { WireClient } from '../src/client/wire-client.js';
import type { ApiVersionsResponse } from '../src/protocol/messages/api-versions.js';
import type { CreateTopicsResponse } from '../src/protocol/messages/create-topics.js';
import type { MetadataResponse } from '../src/protocol/messages/metadata.js';
import type { ProduceResponse } from '../src/protocol/messages/produce.js';
import type { FetchResponse, FetchResponsePartitionData } from '../src/protocol/messages/fetch.js';
import type { ListOffsetsResponse } from '../src/protocol/messages/list-offsets.js';

export const ApiKey = {
  PRODUCE: 0,
  FETCH: 1,
  LIST_OFFSETS: 2,
  METADATA: 3,
  OFFSET_COMMIT: 8,
  OFFSET_FETCH: 9,
  FIND_COORDINATOR: 10,
  JOIN_GROUP: 11,
  HEARTBEAT: 12,
  LEAVE_GROUP: 13,
  SYNC_GROUP: 14,
  DESCRIBE_GROUPS: 15,
  API_VERSIONS: 18,
  CREATE_TOPICS: 19,
} as const;

/** Highest version of each API this bench's code was written against. */
const WANTED: Record<number, number> = {
  [ApiKey.PRODUCE]: 11,
  [ApiKey.FETCH]: 13,
  [ApiKey.LIST_OFFSETS]: 8,
  [ApiKey.METADATA]: 12,
  [ApiKey.OFFSET_COMMIT]: 9,
  [ApiKey.OFFSET_FETCH]: 8,
  [ApiKey.FIND_COORDINATOR]: 4,
  [ApiKey.JOIN_GROUP]: 9,
  [ApiKey.HEARTBEAT]: 4,
  [ApiKey.SYNC_GROUP]: 5,
  [ApiKey.DESCRIBE_GROUPS]: 5,
  [ApiKey.CREATE_TOPICS]: 7,
};

export interface Endpoint {
  host: string;
  port: number;
}

export class BenchClient {
  private constructor(
    readonly wire: WireClient,
    private readonly versions: Map<number, { min: number; max: number }>,
  ) {}

  static async connect(at: Endpoint, clientId = 'brook-bench'): Promise<BenchClient> {
    const wire = await WireClient.connect(at.host, at.port, clientId);
    const res = await wire.request<ApiVersionsResponse>(ApiKey.API_VERSIONS, 3, {
      clientSoftwareName: 'brook-bench',
      clientSoftwareVersion: '0',
    });
    if (res.errorCode !== 0) throw new Error(`ApiVersions failed: error ${res.errorCode}`);
    return new BenchClient(wire, new Map(res.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }])));
  }

  /** Whether the broker advertises the API at a version this bench can speak (≥ min). */
  has(apiKey: number, min = 0): boolean {
    const v = this.versions.get(apiKey);
    return v !== undefined && Math.min(v.max, WANTED[apiKey] ?? v.max) >= Math.max(v.min, min);
  }

  /** Highest version both sides speak; throws when there is none. */
  version(apiKey: number): number {
    const v = this.versions.get(apiKey);
    const want = WANTED[apiKey] ?? v?.max ?? 0;
    if (!v || v.min > want) throw new Error(`broker does not serve API ${apiKey} at a version ≤ ${want}`);
    return Math.min(v.max, want);
  }

  request<T>(apiKey: number, body: Record<string, unknown>, version = this.version(apiKey)): Promise<T> {
    return this.wire.request<T>(apiKey, version, body);
  }

  close(): void {
    this.wire.close();
  }

  /** Creates a topic ("already exists" is fine) and returns its id. */
  async createTopic(name: string, partitions: number, configs: Record<string, string> = {}): Promise<string> {
    if (this.has(ApiKey.CREATE_TOPICS)) {
      const res = await this.request<CreateTopicsResponse>(ApiKey.CREATE_TOPICS, {
        topics: [
          {
            name,
            numPartitions: partitions,
            replicationFactor: 1,
            assignments: [],
            configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
          },
        ],
        timeoutMs: 30_000,
        validateOnly: false,
      });
      const t = res.topics[0];
      const TOPIC_ALREADY_EXISTS = 36;
      if (t.errorCode !== 0 && t.errorCode !== TOPIC_ALREADY_EXISTS) {
        throw new Error(`CreateTopics ${name}: error ${t.errorCode} ${t.errorMessage ?? ''}`);
      }
    }
    return this.topicId(name);
  }

  /** The topic's id from Metadata (auto-creating it when the broker allows that). */
  async topicId(name: string): Promise<string> {
    const res = await this.request<MetadataResponse>(ApiKey.METADATA, {
      topics: [{ name }],
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    const t = res.topics.find((x) => x.name === name);
    if (!t || t.errorCode !== 0) throw new Error(`Metadata ${name}: error ${t?.errorCode ?? 'missing'}`);
    return t.topicId ?? '';
  }

  produce(topic: string, partition: number, records: Buffer, acks: number, timeoutMs = 30_000): Promise<ProduceResponse> {
    return this.request<ProduceResponse>(ApiKey.PRODUCE, {
      transactionalId: null,
      acks,
      timeoutMs,
      topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
    });
  }

  /** One-partition fetch; the topic id is used from v13 on, the name before. */
  async fetchOne(
    topic: { name: string; id: string },
    partition: number,
    fetchOffset: number,
    opts: { maxWaitMs: number; minBytes: number; maxBytes: number; partitionMaxBytes: number },
  ): Promise<FetchResponsePartitionData> {
    const res = await this.request<FetchResponse>(ApiKey.FETCH, {
      replicaId: -1,
      maxWaitMs: opts.maxWaitMs,
      minBytes: opts.minBytes,
      maxBytes: opts.maxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: topic.name,
          topicId: topic.id,
          partitions: [
            {
              partition,
              currentLeaderEpoch: -1,
              fetchOffset,
              lastFetchedEpoch: -1,
              logStartOffset: -1,
              partitionMaxBytes: opts.partitionMaxBytes,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    if (res.errorCode !== undefined && res.errorCode !== 0) throw new Error(`Fetch: error ${res.errorCode}`);
    const p = res.responses[0]?.partitions[0];
    if (!p) throw new Error('Fetch: empty response');
    if (p.errorCode !== 0) throw new Error(`Fetch ${topic.name}-${partition}: error ${p.errorCode}`);
    return p;
  }

  /** Log end offset of a partition (ListOffsets with timestamp -1). */
  async latestOffset(topic: string, partition: number): Promise<number> {
    const res = await this.request<ListOffsetsResponse>(ApiKey.LIST_OFFSETS, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -1 }] }],
      timeoutMs: 10_000,
    });
    const p = res.topics[0]?.partitions[0];
    if (!p || p.errorCode !== 0 || p.offset === undefined) throw new Error(`ListOffsets ${topic}-${partition}: error ${p?.errorCode}`);
    return p.offset;
  }
}

/** The records bytes of a fetched partition as one buffer (the decoder gives a Buffer). */
export function recordsOf(p: FetchResponsePartitionData): Buffer {
  const r = p.records;
  if (r === null) return Buffer.alloc(0);
  return Buffer.isBuffer(r) ? r : Buffer.concat(r as readonly Buffer[]);
}

/** `n` random upper-case letters, like Kafka's perf tool and kbench. */
export function randomLetters(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = 65 + Math.floor(Math.random() * 26);
  return b;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}
