import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from './logger.js';
import { parseLogFormat, parseLogLevel } from './log-options.js';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { stream, text: () => text };
}

test('json lines carry the level by name and the time in ISO 8601', () => {
  const out = sink();
  const log = createLogger({ level: 'info', format: 'json', destination: out.stream });
  log.info({ topic: 't' }, 'topic created');
  log.debug('not at info');
  const lines = out.text().trim().split('\n');
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]) as Record<string, unknown>;
  assert.equal(line.level, 'info');
  assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(line.msg, 'topic created');
  assert.equal(line.topic, 't');
});

test('pretty lines are one human-readable line per record', () => {
  const out = sink();
  const log = createLogger({ level: 'debug', format: 'pretty', destination: out.stream });
  log.warn({ client: '127.0.0.1:5' }, 'closing connection');
  const text = out.text();
  assert.match(text, /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: closing connection \{"client":"127\.0\.0\.1:5"\}\n$/);
});

test('log formats and levels are checked by name', () => {
  assert.equal(parseLogFormat(undefined, 'x'), undefined);
  assert.equal(parseLogFormat('JSON', 'x'), 'json');
  assert.throws(() => parseLogFormat('text', '--log-format'), /--log-format must be one of pretty, json, got 'text'/);
  assert.equal(parseLogLevel('Debug', 'x'), 'debug');
  assert.throws(() => parseLogLevel('verbose', 'BROOK_LOG_LEVEL'), /BROOK_LOG_LEVEL must be one of/);
});
