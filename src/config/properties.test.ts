import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProperties } from './properties.js';

test('separators: =, : and whitespace, with surrounding whitespace dropped', () => {
  const props = parseProperties('a=1\nb: 2\nc 3\n  d  =  4\ne\t:\tfive six\nf=\ng\n');
  assert.deepEqual([...props], [['a', '1'], ['b', '2'], ['c', '3'], ['d', '4'], ['e', 'five six'], ['f', ''], ['g', '']]);
});

test('comments start with # or ! and only at the start of a logical line', () => {
  const props = parseProperties('# comment\n  ! another\nkey=value # not a comment\n\n   \nx=!y\n');
  assert.deepEqual([...props], [['key', 'value # not a comment'], ['x', '!y']]);
});

test('line continuations join lines and drop leading whitespace', () => {
  const text = 'listeners=PLAINTEXT://a:1,\\\n          PLAINTEXT2://b:2\nnext=1\r\nwin=\\\r\n  dows\rmac=os\n';
  const props = parseProperties(text);
  assert.equal(props.get('listeners'), 'PLAINTEXT://a:1,PLAINTEXT2://b:2');
  assert.equal(props.get('next'), '1');
  assert.equal(props.get('win'), 'dows');
  assert.equal(props.get('mac'), 'os');
});

test('an even number of trailing backslashes is an escaped backslash, not a continuation', () => {
  const props = parseProperties('path=C:\\\\dir\\\\\nnext=2\n');
  assert.equal(props.get('path'), 'C:\\dir\\');
  assert.equal(props.get('next'), '2');
});

test('a continued line that looks like a comment is still value', () => {
  const props = parseProperties('a=1\\\n#2\n');
  assert.equal(props.get('a'), '1#2');
});

test('escapes in keys and values', () => {
  const props = parseProperties('my\\ key\\=x=tab\\there\\nnew\\u00e9\\q\n');
  assert.equal(props.get('my key=x'), 'tab\there\nnewéq');
  assert.throws(() => parseProperties('bad=\\u12g4\n'), /Malformed/);
});

test('trailing whitespace of a value is kept and later duplicates win', () => {
  const props = parseProperties('k=first\nk=second  \n');
  assert.equal(props.get('k'), 'second  ');
  assert.equal(props.size, 1);
});
