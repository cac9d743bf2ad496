import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode as E } from '../../protocol/errors.js';
import type { MarkerResult, TxnMarker } from '../../cluster/partition.js';
import { TransactionCoordinator } from './transaction-coordinator.js';
import { TransactionVersion } from './transaction-metadata.js';
import type { TxnLogAppend, TxnLogRecord, TxnStateLog } from './transaction-state-manager.js';
import type { TopicPartition } from './topic-partition-set.js';
import { decodeTxnValue } from './transaction-log-codec.js';
import { txnStateName } from './transaction-state.js';

/** `__transaction_state` in memory: appends can be failed or held (a flush policy that waits). */
class MemoryTxnLog implements TxnStateLog {
  readonly records: TxnLogRecord[] = [];
  failNext = 0;
  private held: (() => void)[] | null = null;
  ensureCreated = async (): Promise<number> => E.NONE;
  exists = (): boolean => true;
  partitionFor = (): number => 0;
  isOffline = (): boolean => false;
  append(_id: string, key: Buffer, value: Buffer | null): TxnLogAppend {
    if (this.failNext > 0) {
      this.failNext--;
      return { errorCode: E.NOT_COORDINATOR, flushed: undefined };
    }
    this.records.push({ key, value });
    if (this.held === null) return { errorCode: E.NONE, flushed: undefined };
    const queue = this.held;
    return { errorCode: E.NONE, flushed: new Promise<void>((resolve) => queue.push(resolve)) };
  }
  readAll(): Iterable<TxnLogRecord> {
    return this.records;
  }
  hold(): void {
    this.held ??= [];
  }
  release(): void {
    const q = this.held ?? [];
    this.held = null;
    for (const done of q) done();
  }
  /** The states written, by name. */
  states(): string[] {
    return this.records.map((r) => (r.value === null ? 'tombstone' : txnStateName(decodeTxnValue(r.value).state)));
  }
}

/** Partitions that record the markers they get; `refuse` makes one answer an error. */
class MemorySink {
  readonly markers: { tp: string; marker: TxnMarker }[] = [];
  refuse = new Map<string, number>();
  writeMarker(tp: TopicPartition, marker: TxnMarker): MarkerResult {
    const key = `${tp.topic}-${tp.partition}`;
    const code = this.refuse.get(key);
    if (code !== undefined) return { errorCode: code, errorMessage: null, offset: -1, flushed: undefined };
    this.markers.push({ tp: key, marker });
    return { errorCode: E.NONE, errorMessage: null, offset: this.markers.length, flushed: undefined };
  }
}

const silent = { info() {}, warn() {}, error() {} };

function coordinator(opts: { log?: MemoryTxnLog; sink?: MemorySink; clock?: { now: number }; maxTimeoutMs?: number } = {}) {
  const log = opts.log ?? new MemoryTxnLog();
  const sink = opts.sink ?? new MemorySink();
  const clock = opts.clock ?? { now: 1_000_000 };
  let next = 1000;
  const coord = new TransactionCoordinator({
    producerIds: { generateProducerId: async () => next++ },
    log,
    markers: sink,
    config: { maxTimeoutMs: () => opts.maxTimeoutMs ?? 900_000, transactionalIdExpirationMs: () => 604_800_000, abortTimedOutIntervalMs: 10_000, removeExpiredIntervalMs: 3_600_000 },
    logger: silent,
    now: () => clock.now,
    markerRetryBackoffMs: 1,
  });
  return { coord, log, sink, clock };
}

const init = (c: TransactionCoordinator, id: string, expected: { producerId: number; producerEpoch: number } | null = null, timeoutMs = 60_000) =>
  c.handleInitProducerId({ transactionalId: id, transactionTimeoutMs: timeoutMs, expected });
const tp = (topic: string, partition: number): TopicPartition => ({ topic, partition });

test('commit: InitProducerId, partitions added, EndTxn; markers on every partition, then CompleteCommit', async () => {
  const { coord, log, sink } = coordinator();
  const p = await init(coord, 'a');
  assert.deepEqual(p, { errorCode: E.NONE, producerId: 1000, producerEpoch: 0 });
  assert.equal(await coord.handleAddPartitions('a', 1000, 0, [tp('t', 0), tp('t', 1)]), E.NONE);
  assert.equal(await coord.handleAddPartitions('a', 1000, 0, [tp('t', 1)]), E.NONE, 'already added: nothing written');
  assert.deepEqual(coord.verifyPartitions('a', 1000, 0, [tp('t', 0), tp('u', 0)]), [E.NONE, E.TRANSACTION_ABORTABLE]);
  const end = await coord.handleEndTxn('a', 1000, 0, true, TransactionVersion.TV_0);
  assert.equal(end.errorCode, E.NONE);
  assert.deepEqual(sink.markers.map((m) => [m.tp, m.marker.commit, m.marker.producerEpoch]), [['t-0', true, 0], ['t-1', true, 0]]);
  assert.deepEqual(log.states(), ['Empty', 'Ongoing', 'PrepareCommit', 'CompleteCommit']);
  assert.equal(coord.inspect({ transactionalId: 'a' })[0].state, 'CompleteCommit');
  // A retry of the commit is answered NONE; an abort now is INVALID_TXN_STATE, as is ending nothing.
  assert.equal((await coord.handleEndTxn('a', 1000, 0, true, 0)).errorCode, E.NONE);
  assert.equal((await coord.handleEndTxn('a', 1000, 0, false, 0)).errorCode, E.INVALID_TXN_STATE);
  const second = await init(coord, 'b');
  assert.equal((await coord.handleEndTxn('b', second.producerId, 0, true, 0)).errorCode, E.INVALID_TXN_STATE, 'EndTxn without a transaction');
});

test('wrong producer id, stale epoch, unknown id, bad timeouts', async () => {
  const { coord } = coordinator({ maxTimeoutMs: 30_000 });
  assert.equal((await init(coord, 'x', null, 30_001)).errorCode, E.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await init(coord, 'x', null, 0)).errorCode, E.INVALID_TRANSACTION_TIMEOUT);
  assert.equal((await init(coord, '')).errorCode, E.INVALID_REQUEST);
  const p = await init(coord, 'x', null, 30_000);
  assert.equal(await coord.handleAddPartitions('x', p.producerId + 1, 0, [tp('t', 0)]), E.INVALID_PRODUCER_ID_MAPPING);
  assert.equal(await coord.handleAddPartitions('x', p.producerId, 1, [tp('t', 0)]), E.PRODUCER_FENCED);
  assert.equal(await coord.handleAddPartitions('nobody', p.producerId, 0, [tp('t', 0)]), E.INVALID_PRODUCER_ID_MAPPING);
  assert.equal((await coord.handleEndTxn('nobody', 1, 0, true, 0)).errorCode, E.INVALID_PRODUCER_ID_MAPPING);
  assert.deepEqual(coord.verifyPartitions('x', p.producerId, 1, [tp('t', 0)]), [E.PRODUCER_FENCED]);
});

test('InitProducerId on an id with an open transaction aborts it with a bumped epoch (CONCURRENT_TRANSACTIONS), then the retry bumps again', async () => {
  const { coord, sink, log } = coordinator();
  const old = await init(coord, 'z');
  assert.equal(await coord.handleAddPartitions('z', old.producerId, 0, [tp('t', 0)]), E.NONE);
  assert.equal((await init(coord, 'z')).errorCode, E.CONCURRENT_TRANSACTIONS);
  assert.deepEqual(sink.markers.map((m) => [m.tp, m.marker.commit, m.marker.producerEpoch]), [['t-0', false, 1]], 'aborted with the fenced epoch');
  const fresh = await init(coord, 'z');
  assert.deepEqual([fresh.errorCode, fresh.producerId, fresh.producerEpoch], [E.NONE, old.producerId, 2]);
  assert.deepEqual(log.states().slice(2), ['PrepareAbort', 'CompleteAbort', 'Empty']);
  // The zombie (epoch 0) is fenced everywhere.
  assert.equal(await coord.handleAddPartitions('z', old.producerId, 0, [tp('t', 0)]), E.PRODUCER_FENCED);
  assert.equal((await coord.handleEndTxn('z', old.producerId, 0, true, 0)).errorCode, E.PRODUCER_FENCED);
  // KIP-360: naming a producer id that is not this id's is fenced too.
  assert.equal((await init(coord, 'z', { producerId: 5, producerEpoch: 0 })).errorCode, E.PRODUCER_FENCED);
  // @platformatic/kafka names producer id 0, epoch 0 for a new id, which Kafka accepts.
  assert.deepEqual(await init(coord, 'new', { producerId: 0, producerEpoch: 0 }), { errorCode: E.NONE, producerId: 1001, producerEpoch: 0 });
});

test('while a transition is being written, every request for the id answers CONCURRENT_TRANSACTIONS', async () => {
  const { coord, log } = coordinator();
  const p = await init(coord, 'c');
  log.hold();
  const adding = coord.handleAddPartitions('c', p.producerId, 0, [tp('t', 0)]);
  assert.ok(adding instanceof Promise, 'waits for the flush');
  assert.equal(await coord.handleAddPartitions('c', p.producerId, 0, [tp('t', 1)]), E.CONCURRENT_TRANSACTIONS);
  assert.equal((await init(coord, 'c')).errorCode, E.CONCURRENT_TRANSACTIONS);
  assert.equal((await coord.handleEndTxn('c', p.producerId, 0, true, 0)).errorCode, E.CONCURRENT_TRANSACTIONS);
  log.release();
  assert.equal(await adding, E.NONE);
  // PrepareCommit held: the commit's own retry is CONCURRENT_TRANSACTIONS, an abort INVALID_TXN_STATE.
  log.hold();
  const ending = coord.handleEndTxn('c', p.producerId, 0, true, 0);
  await new Promise((r) => setImmediate(r));
  assert.equal((await coord.handleEndTxn('c', p.producerId, 0, true, 0)).errorCode, E.CONCURRENT_TRANSACTIONS);
  log.release();
  assert.equal((await ending).errorCode, E.NONE);
  // The completion was written after the release; markers and completion are durable.
  log.release();
  await coord.markers.idle();
  assert.equal(coord.inspect({ transactionalId: 'c' })[0].state, 'CompleteCommit');
});

test('a failed write leaves the state as it was; a failed fence is not bumped twice', async () => {
  const { coord, log } = coordinator();
  const p = await init(coord, 'f');
  log.failNext = 1;
  assert.equal(await coord.handleAddPartitions('f', p.producerId, 0, [tp('t', 0)]), E.NOT_COORDINATOR);
  assert.equal(coord.inspect({ transactionalId: 'f' })[0].state, 'Empty');
  assert.equal(await coord.handleAddPartitions('f', p.producerId, 0, [tp('t', 0)]), E.NONE);
  log.failNext = 1;
  assert.equal((await init(coord, 'f')).errorCode, E.NOT_COORDINATOR, 'the fence could not be written');
  assert.equal((await init(coord, 'f')).errorCode, E.CONCURRENT_TRANSACTIONS);
  assert.equal((await init(coord, 'f')).producerEpoch, 2, 'fenced at 1 once, then bumped to 2');
});

test('markers that cannot be written yet are retried; the transaction completes once they are', async () => {
  const { coord, sink } = coordinator();
  const p = await init(coord, 'r');
  await coord.handleAddPartitions('r', p.producerId, 0, [tp('t', 0), tp('gone', 0)]);
  sink.refuse.set('t-0', E.KAFKA_STORAGE_ERROR);
  sink.refuse.set('gone-0', E.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal((await coord.handleEndTxn('r', p.producerId, 0, false, 0)).errorCode, E.NONE);
  const [open] = coord.inspect({ transactionalId: 'r' });
  assert.deepEqual([open.state, open.pendingState, open.partitions], ['PrepareAbort', 'CompleteAbort', [tp('t', 0)]], 'the deleted topic is dropped, t-0 waits');
  assert.equal(await coord.handleAddPartitions('r', p.producerId, 0, [tp('t', 0)]), E.CONCURRENT_TRANSACTIONS);
  sink.refuse.clear();
  await coord.markers.idle();
  assert.equal(coord.inspect({ transactionalId: 'r' })[0].state, 'CompleteAbort');
  assert.deepEqual(sink.markers.map((m) => m.tp), ['t-0']);
});

test('transaction.timeout.ms aborts an open transaction and fences its producer', async () => {
  const { coord, sink, clock } = coordinator();
  const p = await init(coord, 'slow', null, 5_000);
  await coord.handleAddPartitions('slow', p.producerId, 0, [tp('t', 0)]);
  clock.now += 5_000;
  assert.equal(coord.abortTimedOutTransactions(), 0, 'not yet: exactly the timeout');
  clock.now += 1;
  assert.equal(coord.abortTimedOutTransactions(), 1);
  await coord.markers.idle();
  assert.deepEqual(sink.markers.map((m) => [m.marker.commit, m.marker.producerEpoch]), [[false, 1]]);
  assert.equal(coord.inspect({ transactionalId: 'slow' })[0].state, 'CompleteAbort');
  assert.equal((await coord.handleEndTxn('slow', p.producerId, 0, true, 0)).errorCode, E.PRODUCER_FENCED);
});

test('transactional.id.expiration.ms removes idle ids with a tombstone; open transactions stay', async () => {
  const { coord, log, clock } = coordinator();
  await init(coord, 'idle');
  const busy = await init(coord, 'busy');
  await coord.handleAddPartitions('busy', busy.producerId, 0, [tp('t', 0)]);
  clock.now += 604_800_000;
  assert.equal(await coord.removeExpiredTransactionalIds(), 1);
  assert.deepEqual(coord.inspect({ all: true }).map((t) => t.transactionalId), ['busy']);
  assert.equal(log.states().at(-1), 'tombstone');
  assert.equal(coord.describe('idle').errorCode, E.TRANSACTIONAL_ID_NOT_FOUND);
});

test('a restart replays the log: open transactions stay open, decided ones are completed with their markers', async () => {
  const { coord, log, sink } = coordinator();
  const a = await init(coord, 'open');
  await coord.handleAddPartitions('open', a.producerId, 0, [tp('t', 0)]);
  const b = await init(coord, 'decided');
  await coord.handleAddPartitions('decided', b.producerId, 0, [tp('t', 1)]);
  // A crash after PrepareCommit was written, before the markers: the sink refuses everything.
  sink.refuse.set('t-1', E.KAFKA_STORAGE_ERROR);
  await coord.handleEndTxn('decided', b.producerId, 0, true, 0);
  coord.close();

  const again = coordinator({ log });
  const loading = again.coord.replay();
  assert.equal((await init(again.coord, 'open')).errorCode, E.COORDINATOR_LOAD_IN_PROGRESS);
  const r = await loading;
  assert.deepEqual([r.transactions, r.completing], [2, 1]);
  await again.coord.markers.idle();
  assert.deepEqual(again.sink.markers.map((m) => [m.tp, m.marker.commit]), [['t-1', true]]);
  assert.deepEqual(again.coord.inspect({ all: true }).map((t) => [t.transactionalId, t.state]), [['decided', 'CompleteCommit'], ['open', 'Ongoing']]);
  assert.deepEqual(again.coord.list({ states: ['Ongoing', 'Nope'], producerIds: [], durationMs: -1 }), {
    errorCode: E.NONE,
    unknownStateFilters: ['Nope'],
    states: [{ transactionalId: 'open', producerId: a.producerId, state: 'Ongoing' }],
  });
});

test('EndTxn v5 (transaction version 2) bumps the epoch at every transaction, and recognises its own retry', async () => {
  const { coord, sink } = coordinator();
  const p = await init(coord, 'v2');
  await coord.handleAddPartitions('v2', p.producerId, 0, [tp('t', 0)]);
  const end = await coord.handleEndTxn('v2', p.producerId, 0, true, TransactionVersion.TV_2);
  assert.deepEqual(end, { errorCode: E.NONE, producerId: p.producerId, producerEpoch: 1 });
  assert.equal(sink.markers[0].marker.producerEpoch, 1, 'the marker fences epoch 0 on the partition');
  assert.equal((await coord.handleEndTxn('v2', p.producerId, 0, true, TransactionVersion.TV_2)).errorCode, E.NONE, 'a retry with the old epoch');
  assert.equal(await coord.handleAddPartitions('v2', p.producerId, 0, [tp('t', 0)]), E.PRODUCER_FENCED, 'the old epoch is done');
  assert.equal(await coord.handleAddPartitions('v2', p.producerId, 1, [tp('t', 0)]), E.NONE);
});
