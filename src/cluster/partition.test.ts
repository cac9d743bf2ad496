// Partition's producer-state paths on a real Log: the append checks, markers with the last
// stable offset and the aborted index, read_committed reads, recovery of all of it at reopen
// (clean and unclean), coordinator appends, and the KIP-890 verification hook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BrokerConfig } from '../config/broker-config.js';
import { ConfigStore } from '../config/config-store.js';
import { ErrorCode } from '../protocol/errors.js';
import { RecordBatchHeader } from '../protocol/records/record-batch.js';
import { buildRecordBatch } from '../protocol/records/records.js';
import { Log } from '../storage/log.js';
import { TestFileSystem, tempDir } from '../storage/test-fixtures.js';
import { Partition } from './partition.js';

const store = new ConfigStore(new BrokerConfig({}));
const tp = { topic: 't', partition: 0 };

function idem(producerId: number, baseSequence: number, values: string[], opts: { epoch?: number; transactional?: boolean } = {}): Buffer {
  return buildRecordBatch({ producerId, producerEpoch: opts.epoch ?? 0, baseSequence, transactional: opts.transactional ?? false, records: values.map((value) => ({ value })) });
}

async function open(dir: string, overrides: Record<string, string> = {}, opts: { cleanShutdown?: boolean; recoveryPoint?: number; fs?: TestFileSystem } = {}): Promise<Partition> {
  const settings = store.logConfig(overrides);
  const log = await Log.open(join(dir, 't-0'), tp, settings, opts);
  return new Partition('t', 0, log, settings);
}

const bases = (p: Partition, readCommitted: boolean) => p.read(0, 1 << 20, true, readCommitted).records.map((b) => new RecordBatchHeader(b, 0).baseOffset);

test('markers end transactions: LSO, aborted index, read_committed reads, and all of it again after a clean or an unclean reopen', async () => {
  const { dir, cleanup } = tempDir();
  try {
    let p = await open(dir);
    const now = Date.now();
    assert.equal(p.append(idem(1, 0, ['a0', 'a1'], { transactional: true }), now).baseOffset, 0);
    assert.equal(p.append(buildRecordBatch({ records: [{ value: 'plain' }] }), now).baseOffset, 2);
    assert.equal(p.append(idem(2, 0, ['b0'], { transactional: true }), now).baseOffset, 3);
    assert.equal(p.lastStableOffset, 0);
    assert.deepEqual(bases(p, true), []);
    assert.deepEqual(p.writeTxnMarker({ producerId: 1, producerEpoch: 0, coordinatorEpoch: 3, commit: false }, now).offset, 4);
    assert.equal(p.lastStableOffset, 3);
    const rc = p.read(0, 1 << 20, true, true);
    assert.deepEqual(rc.records.map((b) => new RecordBatchHeader(b, 0).baseOffset), [0, 2]);
    assert.deepEqual(rc.abortedTransactions, [{ producerId: 1, firstOffset: 0, lastOffset: 4, lastStableOffset: 3 }]);
    assert.equal(p.writeTxnMarker({ producerId: 1, producerEpoch: 0, coordinatorEpoch: 2, commit: true }, now).errorCode, ErrorCode.TRANSACTION_COORDINATOR_FENCED);
    const check = (q: Partition, label: string) => {
      assert.equal(q.lastStableOffset, 3, label);
      assert.deepEqual(q.read(0, 1 << 20, true, true).abortedTransactions?.map((t) => t.producerId), [1], label);
      assert.equal(q.writeTxnMarker({ producerId: 1, producerEpoch: 0, coordinatorEpoch: 2, commit: true }, now).errorCode, ErrorCode.TRANSACTION_COORDINATOR_FENCED, `${label}: coordinator epoch kept`);
      assert.equal(q.append(idem(2, 0, ['b0'], { transactional: true }), now).baseOffset, 3, `${label}: retry is a duplicate`);
    };
    await p.log.close();
    p = await open(dir, {}, { cleanShutdown: true });
    check(p, 'clean reopen');
    p.log.abandon();
    // Unclean, with no recovery point: everything is replayed, the txn index rebuilt from the log.
    p = await open(dir, {}, { recoveryPoint: 0 });
    check(p, 'unclean reopen');
    assert.equal(p.writeTxnMarker({ producerId: 2, producerEpoch: 0, coordinatorEpoch: 3, commit: true }, now).errorCode, ErrorCode.NONE);
    assert.equal(p.lastStableOffset, p.highWatermark);
    assert.deepEqual(bases(p, true), [0, 2, 3, 4, 5]);
    await p.log.close();
  } finally {
    cleanup();
  }
});

test('a refused batch writes nothing; a duplicate under a flush policy is acknowledged only after an fsync', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new TestFileSystem();
    const p = await open(dir, { 'flush.ms': '600000' }, { fs });
    const first = p.append(idem(5, 0, ['x']), Date.now());
    assert.ok(first.flushed, 'the first append waits for the timed flush');
    assert.equal(p.append(idem(5, 2, ['gap']), Date.now()).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(p.highWatermark, 1);
    const syncs = fs.fdatasyncs;
    const retry = p.append(idem(5, 0, ['x']), Date.now());
    assert.deepEqual([retry.errorCode, retry.baseOffset], [ErrorCode.NONE, 0]);
    assert.ok(retry.flushed, 'the retry waits for durability');
    await retry.flushed;
    await first.flushed;
    assert.ok(fs.fdatasyncs > syncs);
    assert.equal(p.highWatermark, 1, 'stored once');
    await p.log.close();
  } finally {
    cleanup();
  }
});

test('coordinator appends check epochs only; the verification hook is asked before a transaction starts here', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = await open(dir);
    const now = Date.now();
    assert.equal(p.appendTrusted(idem(7, 0, ['c'], { epoch: 3, transactional: true })).errorCode, ErrorCode.NONE);
    assert.equal(p.appendTrusted(idem(7, 99, ['c'], { epoch: 3, transactional: true })).errorCode, ErrorCode.NONE, 'no sequence checks');
    assert.equal(p.appendTrusted(idem(7, 0, ['c'], { epoch: 2, transactional: true })).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal(p.highWatermark, 2);

    const asked: number[] = [];
    const verify = (producerId: number) => {
      asked.push(producerId);
      return producerId === 8 ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
    };
    const refused = p.append(idem(8, 0, ['v'], { transactional: true }), now, 11, verify);
    assert.equal(refused.errorCode, ErrorCode.INVALID_TXN_STATE);
    assert.equal(p.append(idem(9, 0, ['v'], { transactional: true }), now, 11, verify).errorCode, ErrorCode.NONE);
    assert.equal(p.append(idem(9, 1, ['v'], { transactional: true }), now, 11, verify).errorCode, ErrorCode.NONE);
    assert.equal(p.append(idem(9, 2, ['plain-idem']), now, 11, verify).errorCode, ErrorCode.INVALID_TXN_STATE);
    assert.deepEqual(asked, [8, 9], 'asked once per transaction, not for batches inside an open one');
    await p.log.close();
  } finally {
    cleanup();
  }
});
