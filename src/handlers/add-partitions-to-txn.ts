// AddPartitionsToTxn v0-5 (Kafka's KafkaApis.handleAddPartitionsToTxnRequest). v0-3 come from
// producers: one transaction (`v3AndBelow*` fields), answered per topic and partition. v4+ are
// Kafka's broker-to-coordinator form: a batch of transactions, each answered separately, and
// `verifyOnly` asks whether the partitions are already in the transaction without adding them
// (TRANSACTION_ABORTABLE for one that is not). A transaction naming a partition that does not
// exist gets UNKNOWN_TOPIC_OR_PARTITION for it and OPERATION_NOT_ATTEMPTED for the others, and
// nothing is added; producers (v0-3) may not add internal topics (TOPIC_AUTHORIZATION_FAILED, as
// Kafka's authorizer answers). Otherwise every partition carries the coordinator's one answer:
// INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED (INVALID_PRODUCER_EPOCH before v2),
// CONCURRENT_TRANSACTIONS while the previous transaction completes, COORDINATOR_LOAD_IN_PROGRESS.
// Not implemented: ACLs.
import { defineHandler, type RequestContext } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import type { TopicPartition } from '../coordinator/transaction/topic-partition-set.js';
import type {
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnRequestAddPartitionsToTxnTopic,
  AddPartitionsToTxnResponse,
  AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult,
} from '../protocol/messages/add-partitions-to-txn.js';

const BATCHED_FROM = 4;
const PRODUCER_FENCED_FROM = 2;

interface Txn {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: AddPartitionsToTxnRequestAddPartitionsToTxnTopic[];
}

/** The answer per partition, grouped by topic in the request's order. */
function results(partitions: readonly TopicPartition[], codeOf: (tp: TopicPartition, i: number) => number): AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[] {
  const byTopic = new Map<string, AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult>();
  partitions.forEach((tp, i) => {
    let t = byTopic.get(tp.topic);
    if (!t) byTopic.set(tp.topic, (t = { name: tp.topic, resultsByPartition: [] }));
    t.resultsByPartition.push({ partitionIndex: tp.partition, partitionErrorCode: codeOf(tp, i) });
  });
  return [...byTopic.values()];
}

async function handleTxn(txn: Txn, ctx: RequestContext): Promise<AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[]> {
  const { cluster, transactions } = ctx.broker;
  const seen = new Set<string>();
  const partitions: TopicPartition[] = [];
  for (const t of txn.topics) {
    for (const partition of t.partitions) {
      const key = `${partition}:${t.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      partitions.push({ topic: t.name, partition });
    }
  }
  const fromProducer = ctx.apiVersion < BATCHED_FROM;
  const refused = partitions.map((tp) => {
    const topic = cluster.topic(tp.topic);
    if (fromProducer && topic?.internal) return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    return topic?.partitions[tp.partition] ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  });
  if (refused.some((c) => c !== ErrorCode.NONE)) {
    return results(partitions, (_tp, i) => (refused[i] !== ErrorCode.NONE ? refused[i] : ErrorCode.OPERATION_NOT_ATTEMPTED));
  }
  if (txn.verifyOnly) {
    const codes = transactions.verifyPartitions(txn.transactionalId, txn.producerId, txn.producerEpoch, partitions);
    return results(partitions, (_tp, i) => codes[i]);
  }
  let code = await transactions.handleAddPartitions(txn.transactionalId, txn.producerId, txn.producerEpoch, partitions);
  if (code === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < PRODUCER_FENCED_FROM) code = ErrorCode.INVALID_PRODUCER_EPOCH;
  return results(partitions, () => code);
}

export const addPartitionsToTxnHandler = defineHandler<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>({
  apiKey: 24,
  name: 'AddPartitionsToTxn',
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    if (ctx.apiVersion < BATCHED_FROM) {
      const txn: Txn = { transactionalId: req.v3AndBelowTransactionalId, producerId: req.v3AndBelowProducerId, producerEpoch: req.v3AndBelowProducerEpoch, verifyOnly: false, topics: req.v3AndBelowTopics };
      return { throttleTimeMs: 0, resultsByTopicV3AndBelow: await handleTxn(txn, ctx) };
    }
    const resultsByTransaction = await Promise.all(req.transactions.map(async (t) => ({ transactionalId: t.transactionalId, topicResults: await handleTxn(t, ctx) })));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction };
  },
});
