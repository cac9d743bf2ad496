// The short ledger scenario on an embedded Brook. Two claims wait for broker features
// (features.ts): the test expects exactly the claims of the features still switched off to be
// reported as pending, and the others to hold.
import { test } from 'node:test';
import { assertClaimsHold } from '../shared/assert-claims.js';
import { ledgerFeatures } from './features.js';
import { ledger } from './scenario.js';

test('ledger: replay rebuilds identical balances, a killed processor never double-applies, a snapshot starts a new view', async () => {
  const features = ledgerFeatures();
  const pending = [
    ...(features.transactions ? [] : ['with exactly-once processing a processor killed mid-stream never writes a transfer twice']),
    ...(features.compaction ? [] : ['the compacted snapshot topic keeps only the latest balance per account']),
  ];
  await assertClaimsHold(ledger, pending);
});
