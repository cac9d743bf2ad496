import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recoveryLine, stopLine } from './serve.js';

const none = { segmentsRecovered: 0, logsTruncated: 0, bytesTruncated: 0, recordsDropped: 0, segmentsDeleted: 0 };

test('the recovery line: loaded after a clean stop, recovered after a crash, and what was cut', () => {
  assert.equal(recoveryLine({ ...none, logs: 1, records: 1, cleanShutdown: true, durationMs: 3.4 }), 'Brook loaded 1 log (1 record) in 3 ms');
  assert.equal(recoveryLine({ ...none, logs: 12, records: 3456, cleanShutdown: false, segmentsRecovered: 12, durationMs: 410 }), 'Brook recovered 12 logs (3456 records) in 410 ms, 12 segments validated');
  assert.equal(
    recoveryLine({ logs: 12, records: 3456, cleanShutdown: false, segmentsRecovered: 13, logsTruncated: 1, bytesTruncated: 812, recordsDropped: 10, segmentsDeleted: 2, durationMs: 1234 }),
    'Brook recovered 12 logs (3456 records) in 1.23 s, 13 segments validated; cut 812 bytes (10 records) from 1 log and deleted 2 segments (see the warnings logged above)',
  );
});

test('the stop line says how many logs were flushed and how many records were not yet on disk', () => {
  assert.equal(stopLine({ logs: 1, records: 3, durationMs: 12.3 }), 'stopped: flushed 1 log (3 records not yet fsynced) in 12 ms');
  assert.equal(stopLine({ logs: 52, records: 0, durationMs: 1500 }), 'stopped: flushed 52 logs (0 records not yet fsynced) in 1.50 s');
});
