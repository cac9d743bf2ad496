import { describeCluster as describeClusterApi, type DescribeClusterResponse } from '../protocol/messages/describe-cluster.js';
import type { BrokerInfo, KafkaClient } from './kafka-client.js';
import { KafkaError } from './kafka-error.js';

/** The cluster as a whole: its id, controller and brokers, and the API versions a broker speaks. */

export interface ClusterDescription {
  readonly clusterId: string | null;
  readonly controllerId: number;
  readonly brokers: readonly BrokerInfo[];
}

export interface ApiVersionInfo {
  readonly apiKey: number;
  /** Kafka's name for the API, or "Unknown(<key>)" for one this client has no schema for. */
  readonly name: string;
  readonly brokerMin: number;
  readonly brokerMax: number;
  /** The version this client uses: the highest both sides speak; null when none. */
  readonly used: number | null;
}

/** DescribeCluster where the broker has it (Kafka 2.8+), Metadata otherwise. */
export async function describeCluster(client: KafkaClient): Promise<ClusterDescription> {
  const conn = await client.any();
  if (conn.version(describeClusterApi.apiKey) !== undefined) {
    const { response } = await client.call<DescribeClusterResponse>(conn, describeClusterApi, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    if (response.errorCode !== 0) throw new KafkaError(response.errorCode, response.errorMessage, { api: 'DescribeCluster' });
    const brokers = response.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack })).sort((a, b) => a.nodeId - b.nodeId);
    return { clusterId: response.clusterId, controllerId: response.controllerId, brokers };
  }
  const meta = await client.metadata([]);
  return { clusterId: meta.clusterId, controllerId: meta.controllerId, brokers: meta.brokers };
}

/** Every API the broker answers by the bootstrap connection advertises, with the version this client would use. */
export async function apiVersions(client: KafkaClient): Promise<ApiVersionInfo[]> {
  // Every API's name: the broker may speak APIs this client does not (loaded only here).
  const { apiCodecs } = await import('../protocol/api-codecs.js');
  const conn = await client.any();
  const versions = conn.brokerVersions ?? (await conn.negotiateVersions());
  return [...versions].sort(([a], [b]) => a - b).map(([apiKey, range]) => ({
    apiKey,
    name: apiCodecs.schema(apiKey)?.name ?? `Unknown(${apiKey})`,
    brokerMin: range.min,
    brokerMax: range.max,
    used: conn.version(apiKey) ?? null,
  }));
}
