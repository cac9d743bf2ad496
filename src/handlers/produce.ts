// Produce v3-11 (v0-2 need the pre-0.11 message formats, which Brook does not store).
// Batches are validated from their headers and appended as bytes; acks=1 and acks=-1 are the
// same on one node and are answered once the write reached the OS, plus an fsync when the
// flush policy asks for one. acks=0 gets no answer; if any partition failed the connection is
// closed so that the producer notices, as Kafka does. Transactional produce is not supported
// yet (transactions are a later issue).
import { CLOSE_CONNECTION, NO_RESPONSE, defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import type {
  ProduceRequest,
  ProduceResponse,
  ProduceResponsePartitionProduceResponse,
} from '../protocol/messages/produce.js';

function failed(index: number, errorCode: number, errorMessage: string | null = null): ProduceResponsePartitionProduceResponse {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage };
}

export const produceHandler = defineHandler<ProduceRequest, ProduceResponse>({
  apiKey: 0,
  name: 'Produce',
  minVersion: 3,
  maxVersion: 11,
  async handle(req, ctx) {
    const { cluster } = ctx.broker;
    const acks = req.acks;
    const now = Date.now();
    const flushes: Promise<void>[] = [];
    let anyError = false;
    const responses = req.topicData.map((t) => {
      const topic = cluster.topic(t.name);
      return {
        name: t.name,
        partitionResponses: t.partitionData.map((pd): ProduceResponsePartitionProduceResponse => {
          let r: ProduceResponsePartitionProduceResponse;
          const partition = topic?.partitions[pd.index];
          if (acks !== 0 && acks !== 1 && acks !== -1) r = failed(pd.index, ErrorCode.INVALID_REQUIRED_ACKS);
          else if (!topic || !partition) r = failed(pd.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          else if (topic.internal) r = failed(pd.index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${t.name}`);
          else if (req.transactionalId !== null) r = failed(pd.index, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactions are not supported yet');
          else if (pd.records === null || pd.records.length === 0) r = failed(pd.index, ErrorCode.CORRUPT_MESSAGE, 'Produce request without records');
          else {
            const a = partition.append(pd.records, now);
            if (a.flushed) flushes.push(a.flushed);
            r = {
              index: pd.index,
              errorCode: a.errorCode,
              baseOffset: a.baseOffset,
              logAppendTimeMs: a.logAppendTimeMs,
              logStartOffset: a.logStartOffset,
              recordErrors: a.recordErrors,
              errorMessage: a.errorMessage,
            };
          }
          if (r.errorCode !== ErrorCode.NONE) anyError = true;
          return r;
        }),
      };
    });
    if (acks === 0) return anyError ? CLOSE_CONNECTION : NO_RESPONSE;
    if (flushes.length > 0) await Promise.all(flushes);
    return { responses, throttleTimeMs: 0 };
  },
});
