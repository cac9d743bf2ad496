// DescribeTransactions v0 (kafka-transactions --describe): per transactional id its state,
// producer id and epoch, timeout, start time and partitions. TRANSACTIONAL_ID_NOT_FOUND for an
// unknown (or expired) id, INVALID_REQUEST for an empty one, COORDINATOR_LOAD_IN_PROGRESS while
// `__transaction_state` replays. Not implemented: ACLs.
import { defineHandler } from './handler.js';
import type { DescribeTransactionsRequest, DescribeTransactionsResponse } from '../protocol/messages/describe-transactions.js';

export const describeTransactionsHandler = defineHandler<DescribeTransactionsRequest, DescribeTransactionsResponse>({
  apiKey: 65,
  name: 'DescribeTransactions',
  minVersion: 0,
  maxVersion: 0,
  handle(req, ctx) {
    return {
      throttleTimeMs: 0,
      transactionStates: req.transactionalIds.map((id) => {
        const d = ctx.broker.transactions.describe(id);
        return {
          errorCode: d.errorCode,
          transactionalId: d.transactionalId,
          transactionState: d.state,
          transactionTimeoutMs: d.timeoutMs,
          transactionStartTimeMs: d.startTimeMs,
          producerId: d.producerId,
          producerEpoch: d.producerEpoch,
          topics: d.topics,
        };
      }),
    };
  },
});
