// InitProducerId v0-5 (Kafka's KafkaApis.handleInitProducerIdRequest). Without a transactional
// id (idempotent producers): a new id, unique for the life of the data directory, with epoch 0,
// also when a v3+ request names the id and epoch it has (KIP-360: Kafka 4 answers an idempotent
// producer with a fresh id; the producer bumps its epoch itself). With one: the transaction
// coordinator's id and next epoch for it, after aborting (and fencing) an open transaction of
// that id, which answers CONCURRENT_TRANSACTIONS for the producer to retry (see
// coordinator/transaction/transaction-coordinator.ts). A request naming only one of
// producerId/producerEpoch is INVALID_REQUEST, as is an empty transactional id; a transaction
// timeout above transaction.max.timeout.ms is INVALID_TRANSACTION_TIMEOUT. PRODUCER_FENCED becomes
// INVALID_PRODUCER_EPOCH before v4, which older clients know. transactionTimeoutMs is not checked
// for idempotent producers (Kafka ignores it there too).
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../protocol/messages/init-producer-id.js';

export const initProducerIdHandler = defineHandler<InitProducerIdRequest, InitProducerIdResponse>({
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    const noId = req.producerId === -1;
    const noEpoch = req.producerEpoch === -1;
    if (noId !== noEpoch) return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, producerId: -1, producerEpoch: -1 };
    const result = await ctx.broker.transactions.handleInitProducerId({
      transactionalId: req.transactionalId,
      transactionTimeoutMs: req.transactionTimeoutMs,
      expected: noId ? null : { producerId: req.producerId, producerEpoch: req.producerEpoch },
    });
    const errorCode = ctx.apiVersion < 4 && result.errorCode === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : result.errorCode;
    return { throttleTimeMs: 0, errorCode, producerId: result.producerId, producerEpoch: result.producerEpoch };
  },
});
