import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeFileSystem } from './file-system.js';
import { tempDir } from './test-fixtures.js';
import { type AbortedTxn, TransactionIndex } from './transaction-index.js';

const txn = (producerId: number, firstOffset: number, lastOffset: number, lastStableOffset: number): AbortedTxn => ({ producerId, firstOffset, lastOffset, lastStableOffset });

test('entries are written in Kafka\'s 34-byte format and read back; truncation drops markers at or after an offset', () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, '00000000000000000100.txnindex');
    const index = new TransactionIndex(path, nodeFileSystem, 100);
    index.append(txn(7, 90, 105, 90));
    index.append(txn(8, 101, 110, 111));
    assert.throws(() => index.append(txn(9, 100, 110, 120)), /not after/);
    index.close();
    const bytes = readFileSync(path);
    assert.equal(bytes.length, 68);
    assert.equal(bytes.readInt16BE(0), 0, 'version 0');
    assert.deepEqual([bytes.readBigInt64BE(2), bytes.readBigInt64BE(10), bytes.readBigInt64BE(18), bytes.readBigInt64BE(26)], [7n, 90n, 105n, 90n]);

    const again = new TransactionIndex(path, nodeFileSystem, 100);
    assert.equal(again.load(), true);
    assert.deepEqual(again.all(), [txn(7, 90, 105, 90), txn(8, 101, 110, 111)]);
    again.truncateTo(110);
    assert.deepEqual(again.all(), [txn(7, 90, 105, 90)]);
    again.close();
    assert.equal(readFileSync(path).length, 34);
  } finally {
    cleanup();
  }
});

test('collect returns the transactions overlapping [fetchOffset, upperBound) and says when later segments cannot add any', () => {
  const { dir, cleanup } = tempDir();
  const index = new TransactionIndex(join(dir, 'x.txnindex'), nodeFileSystem, 0);
  for (const t of [txn(1, 0, 5, 0), txn(2, 3, 9, 6), txn(3, 12, 20, 21)]) index.append(t);
  index.close();
  cleanup();
  const out: AbortedTxn[] = [];
  assert.equal(index.collect(6, 10, out), true, 'entry 3 was written when the LSO was 21 >= 10');
  assert.deepEqual(out.map((t) => t.producerId), [2]);
  const out2: AbortedTxn[] = [];
  assert.equal(index.collect(0, 22, out2), false, 'a later segment may hold an overlapping one');
  assert.deepEqual(out2.map((t) => t.producerId), [1, 2, 3]);
  const out3: AbortedTxn[] = [];
  assert.equal(index.collect(10, 12, out3), true, 'entry 3 was written when the LSO was 21 >= 12');
  assert.deepEqual(out3, []);
});

test('a damaged file (partial entry, decreasing markers, a marker below the segment) is emptied and reported', () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'x.txnindex');
    const write = (entries: AbortedTxn[], extra = Buffer.alloc(0)) => {
      writeFileSync(path, Buffer.alloc(0));
      for (const e of entries) {
        const b = Buffer.alloc(34);
        b.writeBigInt64BE(BigInt(e.producerId), 2);
        b.writeBigInt64BE(BigInt(e.firstOffset), 10);
        b.writeBigInt64BE(BigInt(e.lastOffset), 18);
        b.writeBigInt64BE(BigInt(e.lastStableOffset), 26);
        appendFileSync(path, b);
      }
      appendFileSync(path, extra);
    };
    write([txn(1, 100, 101, 102)], Buffer.alloc(5));
    const a = new TransactionIndex(path, nodeFileSystem, 100);
    assert.equal(a.load(), false);
    assert.equal(a.size, 0);
    write([txn(1, 100, 105, 106), txn(2, 100, 104, 106)]);
    assert.equal(new TransactionIndex(path, nodeFileSystem, 100).load(), false);
    write([txn(1, 10, 50, 51)]);
    assert.equal(new TransactionIndex(path, nodeFileSystem, 100).load(), false);
    write([txn(1, 10, 150, 151)]);
    assert.equal(new TransactionIndex(path, nodeFileSystem, 100).load(), true);
  } finally {
    cleanup();
  }
});
