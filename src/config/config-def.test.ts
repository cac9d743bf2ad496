import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atLeast, between, ConfigException, define, formatValue, javaDoubleToString, LONG_MAX, parseValue } from './config-def.js';

const intDef = define({ name: 'num.partitions', type: 'int', default: 1, validator: atLeast(1), doc: 'd' });
const longDef = define({ name: 'retention.ms', type: 'long', default: 604800000, validator: atLeast(-1), doc: 'd' });
const boolDef = define({ name: 'preallocate', type: 'boolean', default: false, doc: 'd' });
const listDef = define({ name: 'cleanup.policy', type: 'list', default: ['delete'], validValues: ['compact', 'delete'], doc: 'd' });
const doubleDef = define({ name: 'min.cleanable.dirty.ratio', type: 'double', default: 0.5, validator: between(0, 1), doc: 'd' });
const stringDef = define({ name: 'message.timestamp.type', type: 'string', default: 'CreateTime', validValues: ['CreateTime', 'LogAppendTime'], doc: 'd' });

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigException, 'expected a ConfigException');
    return error.message;
  }
  assert.fail('expected an exception');
}

test('integers parse with Java rules and ranges', () => {
  assert.equal(parseValue(intDef, ' 42 '), 42);
  assert.equal(parseValue(intDef, '+7'), 7);
  assert.equal(message(() => parseValue(intDef, '4.2')), 'Invalid value 4.2 for configuration num.partitions: Not a number of type INT');
  assert.equal(message(() => parseValue(intDef, '2147483648')), 'Invalid value 2147483648 for configuration num.partitions: Not a number of type INT');
  assert.equal(message(() => parseValue(intDef, '0')), 'Invalid value 0 for configuration num.partitions: Value must be at least 1');
});

test('longs map Long.MAX_VALUE to Infinity and back', () => {
  assert.equal(parseValue(longDef, '9223372036854775807'), LONG_MAX);
  assert.equal(formatValue(longDef, LONG_MAX), '9223372036854775807');
  assert.equal(parseValue(longDef, '-1'), -1);
  assert.equal(message(() => parseValue(longDef, '9223372036854775808')), 'Invalid value 9223372036854775808 for configuration retention.ms: Not a number of type LONG');
  assert.equal(message(() => parseValue(longDef, '-2')), 'Invalid value -2 for configuration retention.ms: Value must be at least -1');
});

test('booleans are case-insensitive true/false only', () => {
  assert.equal(parseValue(boolDef, 'TRUE'), true);
  assert.equal(parseValue(boolDef, ' false'), false);
  assert.equal(message(() => parseValue(boolDef, 'yes')), 'Invalid value yes for configuration preallocate: Expected value to be either true or false');
});

test('lists split on commas and check each element', () => {
  assert.deepEqual(parseValue(listDef, 'compact , delete'), ['compact', 'delete']);
  assert.deepEqual(parseValue(listDef, '  '), []);
  assert.equal(formatValue(listDef, ['compact', 'delete']), 'compact,delete');
  assert.equal(message(() => parseValue(listDef, 'compact,Delete')), 'Invalid value Delete for configuration cleanup.policy: String must be one of: compact, delete');
});

test('strings are trimmed and checked against valid values', () => {
  assert.equal(parseValue(stringDef, ' LogAppendTime '), 'LogAppendTime');
  assert.equal(message(() => parseValue(stringDef, 'createtime')), 'Invalid value createtime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime');
});

test('doubles follow Java parsing and printing', () => {
  assert.equal(parseValue(doubleDef, '0.25'), 0.25);
  assert.equal(parseValue(doubleDef, '1d'), 1);
  assert.equal(message(() => parseValue(doubleDef, '1.5')), 'Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1');
  assert.equal(message(() => parseValue(doubleDef, 'half')), 'Invalid value half for configuration min.cleanable.dirty.ratio: Not a number of type DOUBLE');
  assert.equal(javaDoubleToString(1), '1.0');
  assert.equal(javaDoubleToString(0.9), '0.9');
  assert.equal(javaDoubleToString(1e7), '1.0E7');
  assert.equal(javaDoubleToString(Number.MAX_VALUE), '1.7976931348623157E308');
  assert.equal(formatValue(doubleDef, 0.5), '0.5');
});

test('define rejects a default its own validator refuses', () => {
  assert.throws(() => define({ name: 'x', type: 'int', default: 0, validator: atLeast(1), doc: 'd' }), ConfigException);
  assert.equal(define({ name: 'p', type: 'password', default: null, doc: 'd' }).sensitive, true);
  assert.equal(define({ name: 's', type: 'string', default: null, doc: 'd' }).sensitive, false);
});
