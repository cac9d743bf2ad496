import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppendFailureLog } from './append-failure-log.js';

test('per partition: the first failure in full, then a count at most once per interval, then the recovery', () => {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const logger = {
    error: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'error', fields, message }),
    warn: (fields: Record<string, unknown>, message: string) => lines.push({ level: 'warn', fields, message }),
  };
  let now = 1_000_000;
  const log = new AppendFailureLog(logger, () => now, 60_000);
  const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

  log.succeeded('t', 0); // nothing failing: nothing said
  for (let i = 0; i < 100; i++) {
    log.failed('t', 0, 'append', enospc);
    now += 1000; // one a second
  }
  log.failed('t', 1, 'fsync', enospc);
  assert.deepEqual(
    lines.map((l) => l.message),
    [
      'append to t-0 failed; further failures of this partition are counted and reported at most every 60 s until an append succeeds',
      't-0: 60 more append failures in the last 60 s (61 in all; latest: ENOSPC: no space left on device, write)',
      'fsync to t-1 failed; further failures of this partition are counted and reported at most every 60 s until an append succeeds',
    ],
  );
  assert.equal(lines[0].fields.err, enospc, 'the first carries the error itself (its stack)');
  assert.equal(lines[1].fields.err, undefined);

  log.succeeded('t', 0);
  log.succeeded('t', 0);
  assert.equal(lines.at(-1)?.message, 't-0: appends succeed again after 100 failures');
  log.failed('t', 0, 'append', enospc);
  assert.equal(lines.at(-1)?.fields.err, enospc, 'a new episode is logged in full again');
});
