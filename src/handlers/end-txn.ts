// EndTxn v0-5 (Kafka's KafkaApis.handleEndTxnRequest): commits or aborts the producer's
// transaction. Answered once PrepareCommit/PrepareAbort is durable in `__transaction_state`; the
// markers follow (at once in the common case: see TxnMarkerWriter). Errors: INVALID_TXN_STATE
// (no transaction, or committing one being aborted), CONCURRENT_TRANSACTIONS (the same end still
// being written), PRODUCER_FENCED (INVALID_PRODUCER_EPOCH before v2), INVALID_PRODUCER_ID_MAPPING.
// v5 is transaction version 2 (KIP-890 part 2): the epoch is bumped at every end and the answer
// names the producer id and epoch to go on with; a retry of such an end is recognised.
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { TransactionVersion } from '../coordinator/transaction/transaction-metadata.js';
import type { EndTxnRequest, EndTxnResponse } from '../protocol/messages/end-txn.js';

const PRODUCER_FENCED_FROM = 2;
const TRANSACTION_V2_FROM = 5;

export const endTxnHandler = defineHandler<EndTxnRequest, EndTxnResponse>({
  apiKey: 26,
  name: 'EndTxn',
  minVersion: 0,
  maxVersion: 5,
  async handle(req, ctx) {
    const tv = ctx.apiVersion >= TRANSACTION_V2_FROM ? TransactionVersion.TV_2 : TransactionVersion.TV_0;
    const r = await ctx.broker.transactions.handleEndTxn(req.transactionalId, req.producerId, req.producerEpoch, req.committed, tv);
    const errorCode = r.errorCode === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < PRODUCER_FENCED_FROM ? ErrorCode.INVALID_PRODUCER_EPOCH : r.errorCode;
    return { throttleTimeMs: 0, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch };
  },
});
