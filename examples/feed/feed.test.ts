// The short Feed scenario on an embedded Brook and a private redis-server.
import { test } from 'node:test';
import { assertClaimsHold } from '../shared/assert-claims.js';
import { feed } from './scenario.js';

test('feed: posting does not depend on fan-out, a backlog drains, a reset to a timestamp replays a buggy period', async () => {
  await assertClaimsHold(feed);
});
