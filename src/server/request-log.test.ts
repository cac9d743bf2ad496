import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { RequestTrace, errorCounts } from './request-log.js';

test('errorCounts finds top-level and nested error codes and skips record bytes', () => {
  const body = {
    errorCode: 0,
    topics: [
      { name: 'a', errorCode: 0, partitions: [{ partitionIndex: 0, errorCode: 3, records: Buffer.from([0, 3]) }, { partitionIndex: 1, errorCode: 3 }] },
      { name: 'b', errorCode: 0, partitions: [{ partitionIndex: 0, errorCode: 6 }, { partitionIndex: 1, errorCode: 0 }] },
    ],
  };
  assert.deepEqual(errorCounts(body), { UNKNOWN_TOPIC_OR_PARTITION: 2, NOT_LEADER_OR_FOLLOWER: 1 });
  assert.equal(errorCounts({ errorCode: 0, topics: [] }), undefined);
  assert.deepEqual(errorCounts({ errorCode: 14 }), { COORDINATOR_LOAD_IN_PROGRESS: 1 });
});

test('a trace exists only when debug is enabled, and logs one line per answered request', () => {
  const lines: Record<string, unknown>[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  assert.equal(RequestTrace.start(pino({ level: 'info' }, out), 'Metadata', 12, 7, '127.0.0.1:1', 1), null);
  const trace = RequestTrace.start(pino({ level: 'debug' }, out), 'Metadata', 12, 7, '127.0.0.1:1', 3);
  assert.ok(trace);
  trace.clientId = 'app';
  trace.answered({ topics: [{ errorCode: 3 }] });
  assert.equal(lines.length, 1);
  const { api, version, clientId, client, connection, correlationId, errors, ms, msg } = lines[0];
  assert.deepEqual({ api, version, clientId, client, connection, correlationId, errors, msg }, {
    api: 'Metadata', version: 12, clientId: 'app', client: '127.0.0.1:1', connection: 3, correlationId: 7, errors: { UNKNOWN_TOPIC_OR_PARTITION: 1 }, msg: 'request',
  });
  assert.equal(typeof ms, 'number');
});
