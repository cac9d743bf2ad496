import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatListener, parseListeners, parseSecurityProtocolMap } from './listeners.js';

const protocols = parseSecurityProtocolMap('CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,ssl:ssl, EXTERNAL : SASL_SSL');

test('security protocol map upper-cases names and protocols', () => {
  assert.deepEqual([...protocols], [['CONTROLLER', 'PLAINTEXT'], ['PLAINTEXT', 'PLAINTEXT'], ['SSL', 'SSL'], ['EXTERNAL', 'SASL_SSL']]);
  assert.throws(() => parseSecurityProtocolMap('A:TLS'), /TLS is not a security protocol/);
});

test('parses hosts, empty hosts, IPv6 and names', () => {
  const listeners = parseListeners('listeners', ['plaintext://localhost:9092', 'EXTERNAL://:9093', 'SSL://[::1]:0'], protocols);
  assert.deepEqual(listeners, [
    { name: 'PLAINTEXT', host: 'localhost', port: 9092, securityProtocol: 'PLAINTEXT' },
    { name: 'EXTERNAL', host: '', port: 9093, securityProtocol: 'SASL_SSL' },
    { name: 'SSL', host: '::1', port: 0, securityProtocol: 'SSL' },
  ]);
  assert.equal(formatListener(listeners[2]!), 'SSL://[::1]:0');
  assert.equal(formatListener(listeners[1]!), 'EXTERNAL://:9093');
});

test('rejects malformed endpoints, unknown names, bad ports and duplicates', () => {
  assert.throws(() => parseListeners('listeners', ['localhost:9092'], protocols), /Unable to parse localhost:9092 to a broker endpoint/);
  assert.throws(() => parseListeners('listeners', ['INTERNAL://h:1'], protocols), /No security protocol defined for listener INTERNAL/);
  assert.throws(() => parseListeners('listeners', ['PLAINTEXT://h:70000'], protocols), /between 0 and 65535/);
  assert.throws(() => parseListeners('listeners', ['PLAINTEXT://a:1', 'plaintext://b:2'], protocols), /Each listener must have a different name/);
});
