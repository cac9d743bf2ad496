// The short chat scenario on an embedded Brook, real WebSockets (ws) and SQLite history.
import { test } from 'node:test';
import { assertClaimsHold } from '../shared/assert-claims.js';
import { chat } from './scenario.js';

test('chat: every client sees its room in order, a reconnecting client fills the gap from history', async () => {
  await assertClaimsHold(chat);
});
