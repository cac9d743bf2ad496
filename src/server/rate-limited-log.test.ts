import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { RateLimitedLog } from './rate-limited-log.js';

function capture(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'warn' }, out), lines };
}

test('one warning per address and message per interval; the next one counts the suppressed', () => {
  const { log, lines } = capture();
  let now = 1_000_000;
  const limited = new RateLimitedLog(log, { intervalMs: 10_000, now: () => now });
  for (let i = 0; i < 50; i++) limited.warn('10.0.0.1', { client: `10.0.0.1:${i}` }, 'closing connection: malformed request');
  limited.warn('10.0.0.1', {}, 'closing connection: unknown API key'); // another message
  limited.warn('10.0.0.2', {}, 'closing connection: malformed request'); // another address
  assert.deepEqual(lines.map((l) => [l.msg, l.client, l.suppressed]), [
    ['closing connection: malformed request', '10.0.0.1:0', undefined],
    ['closing connection: unknown API key', undefined, undefined],
    ['closing connection: malformed request', undefined, undefined],
  ]);
  now += 9_999;
  limited.warn('10.0.0.1', {}, 'closing connection: malformed request');
  assert.equal(lines.length, 3);
  now += 1;
  limited.warn('10.0.0.1', { client: '10.0.0.1:99' }, 'closing connection: malformed request');
  assert.deepEqual([lines[3].client, lines[3].suppressed], ['10.0.0.1:99', 50]);
});

test('memory stays bounded when many addresses misbehave', () => {
  const { log, lines } = capture();
  const limited = new RateLimitedLog(log, { intervalMs: 10_000, maxKeys: 100, now: () => 0 });
  for (let i = 0; i < 1000; i++) limited.warn(`10.0.${i >> 8}.${i & 255}`, {}, 'refused');
  assert.equal(lines.length, 1000);
  assert.ok((limited as unknown as { entries: Map<string, unknown> }).entries.size <= 100);
});
