// The short Search scenario on an embedded Brook and a SQLite FTS5 index in a temp dir.
import { test } from 'node:test';
import { assertClaimsHold } from '../shared/assert-claims.js';
import { search } from './scenario.js';

test('search: the index catches up, searches never wait for the log, analytics gets every event', async () => {
  await assertClaimsHold(search);
});
