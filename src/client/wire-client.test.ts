import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeResponse } from './wire-client.js';
import { clientCodecs } from './client-codecs.js';
import { parseAddress } from './kafka-client.js';

test('an UNSUPPORTED_VERSION answer to ApiVersions is read in the v0 layout whatever version was asked', () => {
  // correlation id 7, errorCode 35, apiKeys [ {18, 0, 2} ] as int32 array (v0, not compact).
  const frame = Buffer.alloc(4 + 2 + 4 + 6);
  frame.writeInt32BE(7, 0);
  frame.writeInt16BE(35, 4);
  frame.writeInt32BE(1, 6);
  frame.writeInt16BE(18, 10);
  frame.writeInt16BE(0, 12);
  frame.writeInt16BE(2, 14);
  const { correlationId, body } = decodeResponse(18, 3, frame, clientCodecs);
  assert.equal(correlationId, 7);
  assert.equal(body.errorCode, 35);
  assert.deepEqual(body.apiKeys, [{ apiKey: 18, minVersion: 0, maxVersion: 2 }]);
});

test('the frame functions name the missing codecs instead of failing obscurely', () => {
  // Nothing in this file loads protocol/api-codecs.js, so there is no default set.
  assert.throws(() => decodeResponse(18, 3, Buffer.alloc(8)), /no API codecs loaded: import protocol\/api-codecs.js, or pass a codec set/);
});

test('broker addresses: host:port, default port 9092, bracketed IPv6', () => {
  assert.deepEqual(parseAddress('localhost:19092'), { host: 'localhost', port: 19092 });
  assert.deepEqual(parseAddress(' kafka-1 '), { host: 'kafka-1', port: 9092 });
  assert.deepEqual(parseAddress('[::1]:9093'), { host: '::1', port: 9093 });
  assert.deepEqual(parseAddress('::1'), { host: '::1', port: 9092 });
  for (const bad of ['host:0', 'host:99999', 'host:abc', ':9092']) assert.throws(() => parseAddress(bad), /invalid broker address/, bad);
});
