// Produce v3-11 (v0-2 need the pre-0.11 message formats, which Brook does not store).
// Batches are validated from their headers and appended as bytes; acks=1 and acks=-1 are the
// same on one node and are answered once the write reached the OS, plus an fsync when the
// flush policy asks for one. KAFKA_STORAGE_ERROR answers a partition whose log directory is
// offline, a write refused by a full disk and a failed fsync. acks=0 gets no answer;
// if any partition failed the connection is closed so that the producer notices, as Kafka does.
// Any other acks is INVALID_REQUIRED_ACKS on every partition; internal topics are
// INVALID_TOPIC_EXCEPTION. Idempotence: batches with a producer id are checked against the
// partition's producer state (Partition.append): a retry of one of the producer's last five
// batches gets its original offset and is not stored again; sequence gaps, stale epochs and
// non-transactional writes inside a transaction are refused with Kafka's codes. A request with
// transactional batches but no transactional id is TRANSACTIONAL_ID_AUTHORIZATION_FAILED on every
// partition, as in Kafka. KIP-890 part 1: a producer's first transactional batch on a partition
// is appended only if the transaction coordinator has the partition in that producer's ongoing
// transaction (else TRANSACTION_ABORTABLE from v11, INVALID_TXN_STATE before; see
// txn-verification.ts), unless transaction.partition.verification.enable is off. Not
// implemented: transaction version 2's implicit AddPartitionsToTxn (Produce v12 is not in the
// reference schemas).
import { CLOSE_CONNECTION, NO_RESPONSE, defineHandler, type RequestContext } from './handler.js';
import type { Topic } from '../cluster/cluster.js';
import { ErrorCode } from '../protocol/errors.js';
import { isKafkaStorageError } from '../storage/storage-error.js';
import { Attributes, batchesOf } from '../protocol/records/record-batch.js';
import type { TxnVerifier } from '../cluster/partition.js';
import { verificationError } from './txn-verification.js';
import type {
  ProduceRequest,
  ProduceRequestPartitionProduceData,
  ProduceResponse,
  ProduceResponsePartitionProduceResponse,
} from '../protocol/messages/produce.js';

function failed(index: number, errorCode: number, errorMessage: string | null = null): ProduceResponsePartitionProduceResponse {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage };
}

interface PartitionOutcome {
  response: ProduceResponsePartitionProduceResponse;
  /** Resolves true once the records are durable as the flush policy asks; false if fsync failed. */
  durable?: Promise<boolean>;
}

/** Produce v11 added TRANSACTION_ABORTABLE. */
const TRANSACTION_ABORTABLE_FROM = 11;

function appendTo(ctx: RequestContext, topic: Topic | undefined, pd: ProduceRequestPartitionProduceData, now: number, transactionalId: string | null): PartitionOutcome {
  const partition = topic?.partitions[pd.index];
  if (!topic || !partition) return { response: failed(pd.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) };
  if (topic.internal) return { response: failed(pd.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topic.name}`) };
  if (pd.records === null || pd.records.length === 0) return { response: failed(pd.index, ErrorCode.CORRUPT_MESSAGE, 'Produce request without records') };
  let verify: TxnVerifier | undefined;
  if (transactionalId !== null && ctx.broker.config.transactionPartitionVerificationEnable) {
    const tp = { topic: topic.name, partition: pd.index };
    const knowsAbortable = ctx.apiVersion >= TRANSACTION_ABORTABLE_FROM;
    verify = (producerId, producerEpoch) => verificationError(ctx.broker.transactions.verifyPartition(transactionalId, producerId, producerEpoch, tp), knowsAbortable);
  }
  let a;
  try {
    a = partition.append(pd.records, now, ctx.apiVersion, verify);
  } catch (err) {
    // The write itself failed: Kafka answers a storage error for this partition rather than
    // dropping the whole connection. A full disk (the write undone, the directory online) is
    // logged once per partition in full, then counted (AppendFailureLog); a failure that took
    // the log directory offline was logged once for the whole directory.
    if (!isKafkaStorageError(err)) throw err;
    if (!err.logDirOffline) ctx.broker.appendFailures.failed(topic.name, pd.index, 'append', err);
    return { response: failed(pd.index, ErrorCode.KAFKA_STORAGE_ERROR, err.message) };
  }
  const response = {
    index: pd.index,
    errorCode: a.errorCode,
    baseOffset: a.baseOffset,
    logAppendTimeMs: a.logAppendTimeMs,
    logStartOffset: a.logStartOffset,
    recordErrors: a.recordErrors,
    errorMessage: a.errorMessage,
  };
  const failures = ctx.broker.appendFailures;
  const durable = a.flushed?.then(
    () => {
      failures.succeeded(topic.name, pd.index);
      return true;
    },
    (err: unknown) => {
      if (!(isKafkaStorageError(err) && err.logDirOffline)) failures.failed(topic.name, pd.index, 'fsync', err);
      return false;
    },
  );
  if (!durable && a.errorCode === ErrorCode.NONE) failures.succeeded(topic.name, pd.index);
  return durable ? { response, durable } : { response };
}

/** Kafka's RequestUtils.hasTransactionalRecords: any batch of any partition with the transactional bit. */
function hasTransactionalBatches(req: ProduceRequest): boolean {
  for (const t of req.topicData) {
    for (const pd of t.partitionData) {
      if (pd.records === null) continue;
      for (const b of batchesOf(pd.records)) if ((b.attributes & Attributes.TRANSACTIONAL) !== 0) return true;
    }
  }
  return false;
}

export const produceHandler = defineHandler<ProduceRequest, ProduceResponse>({
  apiKey: 0,
  name: 'Produce',
  minVersion: 3,
  maxVersion: 11,
  async handle(req, ctx) {
    const refuseAll = (errorCode: number): ProduceResponse => ({
      responses: req.topicData.map((t) => ({ name: t.name, partitionResponses: t.partitionData.map((pd) => failed(pd.index, errorCode)) })),
      throttleTimeMs: 0,
    });
    if (req.transactionalId === null && hasTransactionalBatches(req)) {
      return req.acks === 0 ? CLOSE_CONNECTION : refuseAll(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }
    if (req.acks !== 0 && req.acks !== 1 && req.acks !== -1) return refuseAll(ErrorCode.INVALID_REQUIRED_ACKS);
    const now = Date.now();
    const outcomes: PartitionOutcome[] = [];
    const responses = req.topicData.map((t) => {
      const topic = ctx.broker.cluster.topic(t.name);
      return {
        name: t.name,
        partitionResponses: t.partitionData.map((pd) => {
          const o = appendTo(ctx, topic, pd, now, req.transactionalId);
          outcomes.push(o);
          return o.response;
        }),
      };
    });
    if (req.acks === 0) return outcomes.some((o) => o.response.errorCode !== ErrorCode.NONE) ? CLOSE_CONNECTION : NO_RESPONSE;
    for (const o of outcomes) {
      // Records whose fsync failed may not be durable, so they are not acknowledged.
      if (o.durable && !(await o.durable)) Object.assign(o.response, failed(o.response.index, ErrorCode.KAFKA_STORAGE_ERROR, 'fsync failed'));
    }
    return { responses, throttleTimeMs: 0 };
  },
});
