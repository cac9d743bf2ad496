// The test side of an example: run its short version and fail on any claim that does not hold,
// with every verdict in the message (the run's own lines are the best explanation).
import assert from 'node:assert/strict';
import { runExample, type ExampleDefinition } from './example.js';

export async function assertClaimsHold(def: ExampleDefinition, expectPending: readonly string[] = []): Promise<void> {
  const lines: string[] = [];
  const claims = await runExample(def, { out: (l) => lines.push(l) });
  const transcript = lines.join('\n');
  assert.deepEqual(claims.failed, [], `${claims.summary()}\n${transcript}`);
  assert.ok(claims.results.some((r) => r.verdict === 'holds'), `no claim was checked\n${transcript}`);
  const pending = claims.results.filter((r) => r.verdict === 'pending').map((r) => r.claim);
  assert.deepEqual(pending, [...expectPending], `pending claims changed\n${transcript}`);
}
