// ListTransactions v0-1 (kafka-transactions --list): every transactional id with its producer id
// and state, filtered by state names (unknown names are returned in unknownStateFilters and match
// nothing), producer ids and, from v1, a duration: only transactions started more than that many
// ms ago. COORDINATOR_LOAD_IN_PROGRESS while `__transaction_state` replays.
import { defineHandler } from './handler.js';
import type { ListTransactionsRequest, ListTransactionsResponse } from '../protocol/messages/list-transactions.js';

export const listTransactionsHandler = defineHandler<ListTransactionsRequest, ListTransactionsResponse>({
  apiKey: 66,
  name: 'ListTransactions',
  minVersion: 0,
  maxVersion: 1,
  handle(req, ctx) {
    const r = ctx.broker.transactions.list({ states: req.stateFilters, producerIds: req.producerIdFilters, durationMs: ctx.apiVersion >= 1 ? req.durationFilter : -1 });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      unknownStateFilters: r.unknownStateFilters,
      transactionStates: r.states.map((s) => ({ transactionalId: s.transactionalId, producerId: s.producerId, transactionState: s.state })),
    };
  },
});
