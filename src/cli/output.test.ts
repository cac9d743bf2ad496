import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPairs, renderTable } from './output.js';

test('tables pad every column but the last to its widest cell; missing values show as -', () => {
  assert.equal(renderTable(['NAME', 'PARTITIONS', 'NOTE'], [['orders', 12, null], ['a', 1, 'x y']]), 'NAME    PARTITIONS  NOTE\norders  12          -\na       1           x y\n');
  assert.equal(renderPairs([['ID', 'abc'], ['PARTITIONS', 3]]), 'ID:          abc\nPARTITIONS:  3\n');
});
