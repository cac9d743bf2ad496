import type { ApiSchema } from '../protocol/schema/types.js';
import { ErrorCode } from '../protocol/errors.js';
import { findCoordinator, type FindCoordinatorResponse } from '../protocol/messages/find-coordinator.js';
import { metadata as metadataApi, type MetadataResponse } from '../protocol/messages/metadata.js';
import { clientCodecs } from './client-codecs.js';
import { KafkaError, UnsupportedApiError } from './kafka-error.js';
import { ConnectionError, WireClient } from './wire-client.js';

/**
 * The core of Brook's Kafka client: bootstrap, one connection per broker, version negotiation,
 * cluster metadata with leader routing, and group coordinator lookup. It speaks only the Kafka
 * protocol, so it works against any Kafka-compatible cluster (Apache Kafka included) and knows
 * nothing of Brook's internals. The admin, producer, consumer and group-member modules build on it.
 */

export interface ClientOptions {
  /** Bootstrap addresses, `host:port` (port defaults to 9092; IPv6 as `[::1]:9092`). */
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** Per connection attempt; default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Per request (a long-polling fetch adds its own wait); default 30000 ms. */
  readonly requestTimeoutMs?: number;
}

export interface BrokerInfo {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface PartitionInfo {
  readonly partition: number;
  readonly errorCode: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly offline: readonly number[];
}

export interface TopicInfo {
  readonly name: string;
  readonly errorCode: number;
  /** Base64 uuid as on the wire; all zeros when the broker has none (Metadata < v10). */
  readonly topicId: string;
  readonly isInternal: boolean;
  /** Sorted by partition index. */
  readonly partitions: readonly PartitionInfo[];
}

export interface ClusterMetadata {
  readonly clusterId: string | null;
  readonly controllerId: number;
  readonly brokers: readonly BrokerInfo[];
  readonly topics: ReadonlyMap<string, TopicInfo>;
}

/** The body of a request, or a function of the version chosen when fields differ by version. */
export type RequestBody = Record<string, unknown> | ((version: number) => Record<string, unknown>);

export interface CallOptions {
  /** Lowest version the caller's code handles. */
  readonly min?: number;
  /** Highest version the caller's code was written for. */
  readonly max?: number;
  /** Overrides the client's request timeout (e.g. a fetch that long-polls). */
  readonly timeoutMs?: number;
}

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const DEFAULT_PORT = 9092;
const RETRY_BACKOFF_MS = 100;

/** `host:port` into its parts; throws on a malformed address. */
export function parseAddress(address: string): { host: string; port: number } {
  const text = address.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  let host: string;
  let portText: string | undefined;
  if (bracketed) {
    host = bracketed[1];
    portText = bracketed[2];
  } else {
    const colon = text.lastIndexOf(':');
    // More than one colon without brackets: a bare IPv6 address without a port.
    if (colon < 0 || text.indexOf(':') !== colon) {
      host = text;
    } else {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
    }
  }
  const port = portText === undefined ? DEFAULT_PORT : Number(portText);
  if (host === '' || !Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`invalid broker address '${address}' (expected host:port)`);
  return { host, port };
}

export class KafkaClient {
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly bootstrap: { host: string; port: number }[];
  /** By host:port; a failed connection is removed so the next call reconnects. */
  private readonly connections = new Map<string, Promise<WireClient>>();
  private brokersById = new Map<number, BrokerInfo>();
  private cached: ClusterMetadata | undefined;
  private closed = false;

  constructor(options: ClientOptions) {
    if (options.brokers.length === 0) throw new Error('no broker addresses given');
    this.bootstrap = options.brokers.map(parseAddress);
    this.clientId = options.clientId ?? 'brook';
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30000;
  }

  /** A connection to any broker: a known one first, else the bootstrap addresses in turn. */
  async any(): Promise<WireClient> {
    for (const [address, conn] of this.connections) {
      if (address.includes('/')) continue; // a dedicated connection stays with its owner
      const c = await conn.catch(() => undefined);
      if (c?.isOpen) return c;
      this.connections.delete(address);
    }
    const errors: ConnectionError[] = [];
    for (const { host, port } of this.bootstrap) {
      try {
        return await this.connectTo(host, port);
      } catch (err) {
        if (!(err instanceof ConnectionError)) throw err;
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    throw new ConnectionError(`cannot connect to any broker: ${errors.map((e) => e.message).join('; ')}`, errors.map((e) => e.address).join(','), errors[0].code);
  }

  /** The connection to broker `nodeId` (known from metadata). */
  async broker(nodeId: number): Promise<WireClient> {
    let info = this.brokersById.get(nodeId);
    if (!info) {
      await this.metadata([]);
      info = this.brokersById.get(nodeId);
    }
    if (!info) throw new KafkaError(ErrorCode.BROKER_NOT_AVAILABLE, `broker ${nodeId} is not in the cluster metadata`);
    return this.connectTo(info.host, info.port);
  }

  /** Every broker of the cluster, connected. */
  async allBrokers(): Promise<{ info: BrokerInfo; conn: WireClient }[]> {
    const meta = await this.metadata([]);
    return Promise.all(meta.brokers.map(async (info) => ({ info, conn: await this.connectTo(info.host, info.port) })));
  }

  /**
   * Sends a request at the highest version both sides speak (within the caller's range) and
   * returns the version used with the decoded response.
   */
  async call<T>(conn: WireClient, api: ApiSchema, body: RequestBody, options: CallOptions = {}): Promise<{ version: number; response: T }> {
    const version = conn.version(api.apiKey, options.min ?? 0, options.max);
    if (version === undefined) throw new UnsupportedApiError(api.name, conn.address);
    const payload = typeof body === 'function' ? body(version) : body;
    const response = await conn.request<T>(api.apiKey, version, payload, options.timeoutMs ?? this.requestTimeoutMs);
    return { version, response };
  }

  /**
   * Cluster metadata for `topics` (null: every topic; []: brokers only). Never auto-creates a
   * topic. Updates the broker list used for routing.
   */
  async metadata(topics: readonly string[] | null): Promise<ClusterMetadata> {
    const conn = await this.any();
    const { response } = await this.call<MetadataResponse>(conn, metadataApi, {
      topics: topics === null ? null : topics.map((name) => ({ name, topicId: ZERO_UUID })),
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    }, { min: 1 });
    const brokers: BrokerInfo[] = response.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null }));
    brokers.sort((a, b) => a.nodeId - b.nodeId);
    this.brokersById = new Map(brokers.map((b) => [b.nodeId, b]));
    const topicMap = new Map<string, TopicInfo>();
    for (const t of response.topics) {
      if (t.name === null) continue;
      const partitions: PartitionInfo[] = t.partitions.map((p) => ({
        partition: p.partitionIndex,
        errorCode: p.errorCode,
        leader: p.leaderId,
        leaderEpoch: p.leaderEpoch ?? -1,
        replicas: p.replicaNodes,
        isr: p.isrNodes,
        offline: p.offlineReplicas ?? [],
      }));
      partitions.sort((a, b) => a.partition - b.partition);
      topicMap.set(t.name, { name: t.name, errorCode: t.errorCode, topicId: t.topicId ?? ZERO_UUID, isInternal: t.isInternal ?? false, partitions });
    }
    const result: ClusterMetadata = { clusterId: response.clusterId ?? null, controllerId: response.controllerId ?? -1, brokers, topics: topicMap };
    this.cached = result;
    return result;
  }

  /**
   * Metadata of topics that must exist: throws UNKNOWN_TOPIC_OR_PARTITION (or the topic's own
   * error) for the first one that does not.
   */
  async topics(names: readonly string[]): Promise<TopicInfo[]> {
    const meta = await this.metadata(names);
    return names.map((name) => {
      const t = meta.topics.get(name);
      if (!t) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null, { topic: name });
      if (t.errorCode !== 0) throw new KafkaError(t.errorCode, null, { topic: name });
      return t;
    });
  }

  /** The last metadata fetched, if any. */
  get lastMetadata(): ClusterMetadata | undefined {
    return this.cached;
  }

  /** The connection to the leader of a partition, from the last metadata (fetched if needed). */
  async leader(topic: string, partition: number): Promise<WireClient> {
    let t = this.cached?.topics.get(topic);
    if (!t) t = (await this.topics([topic]))[0];
    const p = t.partitions.find((x) => x.partition === partition);
    if (!p) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${partition} does not exist`, { topic, partition });
    if (p.leader < 0) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, null, { topic, partition });
    return this.broker(p.leader);
  }

  /** The controller's connection (any broker when the cluster reports none). */
  async controller(): Promise<WireClient> {
    const meta = this.cached ?? (await this.metadata([]));
    return meta.controllerId >= 0 && this.brokersById.has(meta.controllerId) ? this.broker(meta.controllerId) : this.any();
  }

  /**
   * The coordinator of a consumer group (keyType 0), retrying while the coordinator loads or
   * moves, until the request timeout. A group member asks for a connection of its own (any
   * `dedicated` name), as the Java consumer keeps one: a broker answers each connection's
   * requests in order, so a heartbeat must not queue behind a long-polling fetch or another
   * member's JoinGroup.
   */
  async coordinator(groupId: string, dedicated = ''): Promise<WireClient> {
    return this.retrying(async () => {
      const conn = await this.any();
      const { version, response } = await this.call<FindCoordinatorResponse>(conn, findCoordinator, { key: groupId, keyType: 0, coordinatorKeys: [groupId] });
      const c = version >= 4 ? response.coordinators?.[0] : undefined;
      const errorCode = c ? c.errorCode : (response.errorCode ?? 0);
      const detail = c ? c.errorMessage : (response.errorMessage ?? null);
      if (errorCode !== 0) throw new KafkaError(errorCode, detail, { group: groupId });
      const host = c ? c.host : response.host!;
      const port = c ? c.port : response.port!;
      return this.connectTo(host, port, dedicated);
    });
  }

  /**
   * Runs `attempt` again while it fails with a retriable Kafka error, refreshing metadata in
   * between, until the request timeout has passed; then the last error is thrown. `retryOn`
   * widens what counts as retriable (a group member rejoins after REBALANCE_IN_PROGRESS).
   */
  async retrying<T>(attempt: () => Promise<T>, timeoutMs = this.requestTimeoutMs, retryOn: (err: KafkaError) => boolean = () => false): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (let backoff = RETRY_BACKOFF_MS; ; backoff = Math.min(backoff * 2, 1000)) {
      try {
        return await attempt();
      } catch (err) {
        if (!(err instanceof KafkaError) || !(err.retriable || retryOn(err)) || Date.now() + backoff >= deadline || this.closed) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, backoff));
      this.cached = undefined;
    }
  }

  close(): void {
    this.closed = true;
    for (const conn of this.connections.values()) void conn.then((c) => c.close(), () => undefined);
    this.connections.clear();
  }

  /** `purpose` keeps a separate connection to the same broker (see coordinator()). */
  private connectTo(host: string, port: number, purpose = ''): Promise<WireClient> {
    if (this.closed) return Promise.reject(new Error('client closed'));
    const address = `${host}:${port}${purpose === '' ? '' : `/${purpose}`}`;
    const known = this.connections.get(address);
    if (known) {
      return known.then((c) => {
        if (c.isOpen) return c;
        if (this.connections.get(address) === known) this.connections.delete(address);
        return this.connectTo(host, port, purpose);
      });
    }
    const opening = (async () => {
      const conn = await WireClient.connect(host, port, this.clientId, { connectTimeoutMs: this.connectTimeoutMs, codecs: clientCodecs });
      try {
        await conn.negotiateVersions('brook', '0', this.requestTimeoutMs);
      } catch (err) {
        conn.close();
        throw err;
      }
      return conn;
    })();
    this.connections.set(address, opening);
    opening.catch(() => {
      if (this.connections.get(address) === opening) this.connections.delete(address);
    });
    return opening;
  }
}
