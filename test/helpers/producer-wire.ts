// Idempotent and transactional produce at the protocol level, with Brook's own wire client:
// batches built by hand (producer id, epoch, sequence, transactional bit) so that tests can send
// what a client would only send by mistake or on a retry.
import type { WireClient } from '../../src/client/wire-client.js';
// Every API's schemas, for the default codecs of the wire client (it loads none by itself).
import '../../src/protocol/api-codecs.js';
import { buildRecordBatch } from '../../src/protocol/records/records.js';
import { decodeBatches } from '../../src/protocol/records/records.js';
import type { ProduceResponse, ProduceResponsePartitionProduceResponse } from '../../src/protocol/messages/produce.js';
import type { FetchResponse, FetchResponsePartitionData } from '../../src/protocol/messages/fetch.js';
import type { InitProducerIdResponse } from '../../src/protocol/messages/init-producer-id.js';
import type { WriteTxnMarkersResponse } from '../../src/protocol/messages/write-txn-markers.js';
import type { DescribeProducersResponse, DescribeProducersResponsePartitionResponse } from '../../src/protocol/messages/describe-producers.js';
import type { ListOffsetsResponse } from '../../src/protocol/messages/list-offsets.js';

export const Api = { PRODUCE: 0, FETCH: 1, LIST_OFFSETS: 2, DELETE_RECORDS: 21, INIT_PRODUCER_ID: 22, WRITE_TXN_MARKERS: 27, DESCRIBE_PRODUCERS: 61 } as const;

export interface BatchSpec {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  /** Record values; one record each. */
  values: string[];
  transactional?: boolean;
}

export function producerBatch(s: BatchSpec): Buffer {
  return buildRecordBatch({
    producerId: s.producerId,
    producerEpoch: s.producerEpoch,
    baseSequence: s.baseSequence,
    transactional: s.transactional ?? false,
    records: s.values.map((v) => ({ value: v })),
  });
}

export async function initProducerId(c: WireClient, version = 5, body: Record<string, unknown> = {}): Promise<InitProducerIdResponse> {
  return c.request<InitProducerIdResponse>(Api.INIT_PRODUCER_ID, version, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1, ...body });
}

export async function produce(c: WireClient, topic: string, partition: number, records: Buffer, transactionalId: string | null = null, version = 9): Promise<ProduceResponsePartitionProduceResponse> {
  const res = await c.request<ProduceResponse>(Api.PRODUCE, version, {
    transactionalId,
    acks: -1,
    timeoutMs: 5000,
    // A copy: the broker patches offsets in place, and a retry must send the original bytes.
    topicData: [{ name: topic, partitionData: [{ index: partition, records: Buffer.from(records) }] }],
  });
  return res.responses[0].partitionResponses[0];
}

export async function fetchPartition(
  c: WireClient,
  topic: string,
  partition: number,
  offset: number,
  isolationLevel: 0 | 1,
  wait: { minBytes: number; maxWaitMs: number } = { minBytes: 0, maxWaitMs: 0 },
): Promise<FetchResponsePartitionData & { values: string[] }> {
  const res = await c.request<FetchResponse>(Api.FETCH, 12, {
    replicaId: -1,
    maxWaitMs: wait.maxWaitMs,
    minBytes: wait.minBytes,
    maxBytes: 64 << 20,
    isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 64 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const p = res.responses[0].partitions[0];
  const bytes = Array.isArray(p.records) ? Buffer.concat(p.records as Buffer[]) : ((p.records as Buffer | null) ?? Buffer.alloc(0));
  const values: string[] = [];
  for (const { batch, records } of decodeBatches(bytes)) {
    if (batch.isControl) values.push(`<${records[0]?.key?.readInt16BE(2) === 1 ? 'COMMIT' : 'ABORT'} ${batch.producerId}>`);
    else for (const r of records) values.push(r.value?.toString('utf8') ?? '');
  }
  return { ...p, values };
}

export async function listLatest(c: WireClient, topic: string, partition: number, isolationLevel: 0 | 1): Promise<number> {
  const res = await c.request<ListOffsetsResponse>(Api.LIST_OFFSETS, 7, {
    replicaId: -1,
    isolationLevel,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -1 }] }],
  });
  return res.topics[0].partitions[0].offset ?? -1;
}

export async function writeMarker(
  c: WireClient,
  m: { producerId: number; producerEpoch: number; commit: boolean; coordinatorEpoch?: number; topic: string; partitions: number[] },
  version = 1,
): Promise<number[]> {
  const res = await c.request<WriteTxnMarkersResponse>(Api.WRITE_TXN_MARKERS, version, {
    markers: [{ producerId: m.producerId, producerEpoch: m.producerEpoch, transactionResult: m.commit, coordinatorEpoch: m.coordinatorEpoch ?? 0, topics: [{ name: m.topic, partitionIndexes: m.partitions }] }],
  });
  return res.markers[0].topics[0].partitions.map((p) => p.errorCode);
}

export async function describeProducers(c: WireClient, topic: string, partitions: number[]): Promise<DescribeProducersResponsePartitionResponse[]> {
  const res = await c.request<DescribeProducersResponse>(Api.DESCRIBE_PRODUCERS, 0, { topics: [{ name: topic, partitionIndexes: partitions }] });
  return res.topics[0].partitions;
}
