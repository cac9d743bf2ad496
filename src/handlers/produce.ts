// Produce v3-11 (v0-2 need the pre-0.11 message formats, which Brook does not store).
// Batches are validated from their headers and appended as bytes; acks=1 and acks=-1 are the
// same on one node and are answered once the write reached the OS, plus an fsync when the
// flush policy asks for one. KAFKA_STORAGE_ERROR answers a partition whose log directory is
// offline, a write refused by a full disk and a failed fsync. acks=0 gets no answer;
// if any partition failed the connection is closed so that the producer notices, as Kafka does.
// Any other acks is INVALID_REQUIRED_ACKS on every partition; internal topics are
// INVALID_TOPIC_EXCEPTION. Not implemented: transactional produce (a transactional id answers
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and idempotence (producer ids and sequences are not
// checked, so a retried batch may be stored twice).
import { CLOSE_CONNECTION, NO_RESPONSE, defineHandler, type RequestContext } from './handler.js';
import type { Topic } from '../cluster/cluster.js';
import { ErrorCode } from '../protocol/errors.js';
import { isKafkaStorageError } from '../storage/storage-error.js';
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

function appendTo(req: ProduceRequest, ctx: RequestContext, topic: Topic | undefined, pd: ProduceRequestPartitionProduceData, now: number): PartitionOutcome {
  const partition = topic?.partitions[pd.index];
  if (!topic || !partition) return { response: failed(pd.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) };
  if (topic.internal) return { response: failed(pd.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topic.name}`) };
  if (req.transactionalId !== null) return { response: failed(pd.index, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactions are not supported yet') };
  if (pd.records === null || pd.records.length === 0) return { response: failed(pd.index, ErrorCode.CORRUPT_MESSAGE, 'Produce request without records') };
  let a;
  try {
    a = partition.append(pd.records, now, ctx.apiVersion);
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

export const produceHandler = defineHandler<ProduceRequest, ProduceResponse>({
  apiKey: 0,
  name: 'Produce',
  minVersion: 3,
  maxVersion: 11,
  async handle(req, ctx) {
    if (req.acks !== 0 && req.acks !== 1 && req.acks !== -1) {
      return {
        responses: req.topicData.map((t) => ({ name: t.name, partitionResponses: t.partitionData.map((pd) => failed(pd.index, ErrorCode.INVALID_REQUIRED_ACKS)) })),
        throttleTimeMs: 0,
      };
    }
    const now = Date.now();
    const outcomes: PartitionOutcome[] = [];
    const responses = req.topicData.map((t) => {
      const topic = ctx.broker.cluster.topic(t.name);
      return {
        name: t.name,
        partitionResponses: t.partitionData.map((pd) => {
          const o = appendTo(req, ctx, topic, pd, now);
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
