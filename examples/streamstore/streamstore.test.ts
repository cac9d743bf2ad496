// The short StreamStore scenario on an embedded Brook: every claim in scenario.ts must hold.
import { test } from 'node:test';
import { assertClaimsHold } from '../shared/assert-claims.js';
import { streamstore } from './scenario.js';

test('streamstore: orders survive an inventory outage, billing scales out, a new service reads the history', async () => {
  await assertClaimsHold(streamstore);
});
