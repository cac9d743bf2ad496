// AddOffsetsToTxn v0-4 (Kafka's KafkaApis.handleAddOffsetsToTxnRequest): adds the group's
// `__consumer_offsets` partition to the producer's transaction, so that TxnOffsetCommit may write
// there and the transaction's markers reach the group coordinator. The coordinator's answers are
// AddPartitionsToTxn's; PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v2.
// `__consumer_offsets` is created here if it does not exist yet (COORDINATOR_NOT_AVAILABLE if it
// cannot be). Not implemented: ACLs.
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { OFFSETS_TOPIC } from '../coordinator/offsets-topic.js';
import type { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from '../protocol/messages/add-offsets-to-txn.js';

const PRODUCER_FENCED_FROM = 2;

export const addOffsetsToTxnHandler = defineHandler<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>({
  apiKey: 25,
  name: 'AddOffsetsToTxn',
  minVersion: 0,
  maxVersion: 4,
  async handle(req, ctx) {
    const { offsetsTopic, transactions } = ctx.broker;
    try {
      await offsetsTopic.topic();
    } catch (err) {
      if (typeof (err as { errorCode?: unknown }).errorCode !== 'number') throw err;
      return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    }
    const tp = { topic: OFFSETS_TOPIC, partition: offsetsTopic.partitionFor(req.groupId) };
    let errorCode = await transactions.handleAddPartitions(req.transactionalId, req.producerId, req.producerEpoch, [tp]);
    if (errorCode === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < PRODUCER_FENCED_FROM) errorCode = ErrorCode.INVALID_PRODUCER_EPOCH;
    return { throttleTimeMs: 0, errorCode };
  },
});
