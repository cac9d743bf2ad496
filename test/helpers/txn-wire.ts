// Transactions at the protocol level with Brook's own wire client: each request as a client (or
// a broker, for AddPartitionsToTxn v4+) would send it, so that tests can also send what a client
// would only send by mistake, late, or as a zombie.
import type { WireClient } from '../../src/client/wire-client.js';
// Every API's schemas, for the default codecs of the wire client (it loads none by itself).
import '../../src/protocol/api-codecs.js';
import type { AddPartitionsToTxnResponse } from '../../src/protocol/messages/add-partitions-to-txn.js';
import type { AddOffsetsToTxnResponse } from '../../src/protocol/messages/add-offsets-to-txn.js';
import type { EndTxnResponse } from '../../src/protocol/messages/end-txn.js';
import type { TxnOffsetCommitResponse } from '../../src/protocol/messages/txn-offset-commit.js';
import type { DescribeTransactionsResponse, DescribeTransactionsResponseTransactionState } from '../../src/protocol/messages/describe-transactions.js';
import type { ListTransactionsResponse } from '../../src/protocol/messages/list-transactions.js';
import type { FindCoordinatorResponse } from '../../src/protocol/messages/find-coordinator.js';
import type { InitProducerIdResponse } from '../../src/protocol/messages/init-producer-id.js';
import type { OffsetFetchResponse } from '../../src/protocol/messages/offset-fetch.js';

export const TxnApi = { FIND_COORDINATOR: 10, INIT_PRODUCER_ID: 22, ADD_PARTITIONS: 24, ADD_OFFSETS: 25, END_TXN: 26, TXN_OFFSET_COMMIT: 28, DESCRIBE_TRANSACTIONS: 65, LIST_TRANSACTIONS: 66 } as const;

export interface Producer {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
}

/** InitProducerId for a transactional id; the answer's code, id and epoch. */
export async function initTxn(c: WireClient, transactionalId: string, opts: { version?: number; timeoutMs?: number; producerId?: number; producerEpoch?: number } = {}): Promise<InitProducerIdResponse & { transactionalId: string }> {
  const res = await c.request<InitProducerIdResponse>(TxnApi.INIT_PRODUCER_ID, opts.version ?? 4, {
    transactionalId,
    transactionTimeoutMs: opts.timeoutMs ?? 60_000,
    producerId: opts.producerId ?? -1,
    producerEpoch: opts.producerEpoch ?? -1,
  });
  return { ...res, transactionalId };
}

/** InitProducerId, retrying CONCURRENT_TRANSACTIONS as clients do (the fencing of an open transaction). */
export async function initTxnRetrying(c: WireClient, transactionalId: string, timeoutMs = 60_000): Promise<Producer> {
  for (let i = 0; i < 50; i++) {
    const r = await initTxn(c, transactionalId, { timeoutMs });
    if (r.errorCode === 0) return { transactionalId, producerId: Number(r.producerId), producerEpoch: r.producerEpoch };
    if (r.errorCode !== 51) throw new Error(`InitProducerId ${transactionalId}: error ${r.errorCode}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`InitProducerId ${transactionalId}: still CONCURRENT_TRANSACTIONS`);
}

/** AddPartitionsToTxn as a producer (v0-3): the code per partition, in request order. */
export async function addPartitions(c: WireClient, p: Producer, topic: string, partitions: number[], version = 3): Promise<number[]> {
  const res = await c.request<AddPartitionsToTxnResponse>(TxnApi.ADD_PARTITIONS, version, {
    v3AndBelowTransactionalId: p.transactionalId,
    v3AndBelowProducerId: p.producerId,
    v3AndBelowProducerEpoch: p.producerEpoch,
    v3AndBelowTopics: [{ name: topic, partitions }],
  });
  const results = res.resultsByTopicV3AndBelow?.find((t) => t.name === topic)?.resultsByPartition ?? [];
  return partitions.map((i) => results.find((r) => r.partitionIndex === i)?.partitionErrorCode ?? -1);
}

/** AddPartitionsToTxn v4+ (the brokers' batched form): per transaction, topic -> partition -> code. */
export async function addPartitionsBatched(
  c: WireClient,
  txns: { p: Producer; topics: { name: string; partitions: number[] }[]; verifyOnly?: boolean }[],
  version = 5,
): Promise<{ errorCode: number; results: Map<string, Record<string, number>> }> {
  const res = await c.request<AddPartitionsToTxnResponse>(TxnApi.ADD_PARTITIONS, version, {
    transactions: txns.map((t) => ({ transactionalId: t.p.transactionalId, producerId: t.p.producerId, producerEpoch: t.p.producerEpoch, verifyOnly: t.verifyOnly ?? false, topics: t.topics })),
  });
  const results = new Map<string, Record<string, number>>();
  for (const r of res.resultsByTransaction ?? []) {
    const codes: Record<string, number> = {};
    for (const t of r.topicResults) for (const p of t.resultsByPartition) codes[`${t.name}-${p.partitionIndex}`] = p.partitionErrorCode;
    results.set(r.transactionalId, codes);
  }
  return { errorCode: res.errorCode ?? 0, results };
}

export async function addOffsets(c: WireClient, p: Producer, groupId: string, version = 3): Promise<number> {
  const res = await c.request<AddOffsetsToTxnResponse>(TxnApi.ADD_OFFSETS, version, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, groupId });
  return res.errorCode;
}

export async function endTxn(c: WireClient, p: Producer, commit: boolean, version = 3): Promise<EndTxnResponse> {
  return c.request<EndTxnResponse>(TxnApi.END_TXN, version, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, committed: commit });
}

/** TxnOffsetCommit: the code per partition of `offsets` ({ 'topic-partition': offset }). */
export async function txnOffsetCommit(
  c: WireClient,
  p: Producer,
  groupId: string,
  offsets: Record<string, number>,
  opts: { version?: number; generationId?: number; memberId?: string; groupInstanceId?: string | null } = {},
): Promise<number[]> {
  const byTopic = new Map<string, { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string }[]>();
  for (const [tp, offset] of Object.entries(offsets)) {
    const i = tp.lastIndexOf('-');
    const topic = tp.slice(0, i);
    if (!byTopic.has(topic)) byTopic.set(topic, []);
    byTopic.get(topic)?.push({ partitionIndex: Number(tp.slice(i + 1)), committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' });
  }
  const res = await c.request<TxnOffsetCommitResponse>(TxnApi.TXN_OFFSET_COMMIT, opts.version ?? 3, {
    transactionalId: p.transactionalId,
    groupId,
    producerId: p.producerId,
    producerEpoch: p.producerEpoch,
    generationId: opts.generationId ?? -1,
    memberId: opts.memberId ?? '',
    groupInstanceId: opts.groupInstanceId ?? null,
    topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
  });
  return res.topics.flatMap((t) => t.partitions.map((x) => x.errorCode));
}

/** OffsetFetch v8 for one group: 'topic-partition' -> offset, or an error as `error N`. */
export async function committedOffsets(c: WireClient, groupId: string, topic: string, partitions: number[], requireStable = false): Promise<(number | string)[]> {
  const res = await c.request<OffsetFetchResponse>(9, 8, { groups: [{ groupId, topics: [{ name: topic, partitionIndexes: partitions }] }], requireStable });
  const parts = res.groups?.[0]?.topics[0]?.partitions ?? [];
  return partitions.map((i) => {
    const p = parts.find((x) => x.partitionIndex === i);
    return p === undefined ? 'missing' : p.errorCode !== 0 ? `error ${p.errorCode}` : Number(p.committedOffset);
  });
}

export async function describeTransactions(c: WireClient, ids: string[]): Promise<DescribeTransactionsResponseTransactionState[]> {
  const res = await c.request<DescribeTransactionsResponse>(TxnApi.DESCRIBE_TRANSACTIONS, 0, { transactionalIds: ids });
  return res.transactionStates;
}

export async function listTransactions(c: WireClient, filters: { states?: string[]; producerIds?: number[]; durationMs?: number } = {}, version = 1): Promise<ListTransactionsResponse> {
  return c.request<ListTransactionsResponse>(TxnApi.LIST_TRANSACTIONS, version, { stateFilters: filters.states ?? [], producerIdFilters: filters.producerIds ?? [], durationFilter: filters.durationMs ?? -1 });
}

export async function findTxnCoordinator(c: WireClient, keys: string[], version: number): Promise<{ key: string; errorCode: number; nodeId: number }[]> {
  if (version < 4) {
    const res = await c.request<FindCoordinatorResponse>(TxnApi.FIND_COORDINATOR, version, { key: keys[0], keyType: 1 });
    return [{ key: keys[0], errorCode: res.errorCode ?? -1, nodeId: res.nodeId ?? -1 }];
  }
  const res = await c.request<FindCoordinatorResponse>(TxnApi.FIND_COORDINATOR, version, { keyType: 1, coordinatorKeys: keys });
  return (res.coordinators ?? []).map((k) => ({ key: k.key, errorCode: k.errorCode, nodeId: k.nodeId }));
}
