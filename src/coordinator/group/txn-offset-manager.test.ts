import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../protocol/errors.js';
import { encodeAssignment, encodeSubscription } from '../../protocol/consumer-protocol.js';
import { GroupCoordinator } from './group-coordinator.js';
import type { TopicMetadataView, TxnOffsetCommitParams } from './group-types.js';
import { MemoryGroupLog } from './memory-group-log.js';
import { ManualScheduler } from './scheduler.js';

const topics: TopicMetadataView = {
  topicByName: (name) => ({ id: `id-${name}`, name, partitions: 2 }),
  topicById: (id) => ({ id, name: id.slice(3), partitions: 2 }),
};

function setup(log = new MemoryGroupLog()) {
  const scheduler = new ManualScheduler();
  const coord = new GroupCoordinator({ log, topics, scheduler, config: { classicGroupInitialRebalanceDelayMs: 0 } });
  const txnCommit = (groupId: string, producerId: number, offsets: Record<string, number>, extra: Partial<TxnOffsetCommitParams> = {}) =>
    coord.commitTransactionalOffsets({
      groupId,
      producerId,
      producerEpoch: 0,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: Object.entries(offsets).map(([tp, offset]) => {
        const [name, p] = tp.split('-');
        return { name, partitions: [{ partitionIndex: Number(p), committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' }] };
      }),
      ...extra,
    });
  const commit = (groupId: string, offsets: Record<string, number>) =>
    coord.commitOffsets({
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      apiVersion: 9,
      topics: Object.entries(offsets).map(([tp, offset]) => {
        const [name, p] = tp.split('-');
        return { name, partitions: [{ partitionIndex: Number(p), committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' }] };
      }),
    });
  const committed = (groupId: string, requireStable = false) =>
    coord.fetchOffsets([{ groupId, topics: [{ name: 't', partitionIndexes: [0, 1] }], memberId: null, memberEpoch: -1 }], requireStable)[0].topics[0].partitions.map((p) =>
      p.errorCode === ErrorCode.NONE ? p.committedOffset : `error ${p.errorCode}`,
    );
  const marker = (producerId: number, commit: boolean, partition = 0) => coord.completeTransaction(partition, { producerId, producerEpoch: 0, coordinatorEpoch: 0, commit }, 0);
  return { scheduler, log, coord, txnCommit, commit, committed, marker };
}

const errors = (r: { topics: { partitions: { errorCode: number }[] }[] }) => r.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));

test('transactional offsets stay pending until the COMMIT marker; an ABORT drops them', async () => {
  const h = setup();
  assert.deepEqual(errors(await h.txnCommit('g', 7, { 't-0': 10, 't-1': 20 })), [ErrorCode.NONE, ErrorCode.NONE]);
  assert.deepEqual(h.committed('g'), [-1, -1], 'invisible before the commit');
  assert.deepEqual(h.committed('g', true), [`error ${ErrorCode.UNSTABLE_OFFSET_COMMIT}`, `error ${ErrorCode.UNSTABLE_OFFSET_COMMIT}`], 'requireStable: wait');
  assert.equal(h.marker(7, true).errorCode, ErrorCode.NONE);
  assert.deepEqual(h.committed('g', true), [10, 20]);

  await h.txnCommit('g', 8, { 't-0': 99 });
  h.marker(8, false);
  assert.deepEqual(h.committed('g', true), [10, 20], 'the aborted offsets are gone');
  h.marker(8, true);
  assert.deepEqual(h.committed('g'), [10, 20], 'a marker with nothing pending changes nothing');
});

test('a plain commit written after a transactional one is not overwritten when the transaction commits', async () => {
  const h = setup();
  await h.txnCommit('g', 7, { 't-0': 10, 't-1': 10 });
  await h.commit('g', { 't-0': 50 });
  h.marker(7, true);
  assert.deepEqual(h.committed('g'), [50, 10]);
});

test('markers complete only the groups of their own partition of the log', async () => {
  const log = new MemoryGroupLog();
  log.partitionFor = (groupId: string) => (groupId === 'g2' ? 1 : 0);
  const h = setup(log);
  await h.txnCommit('g1', 7, { 't-0': 1 });
  await h.txnCommit('g2', 7, { 't-0': 2 });
  h.marker(7, true, 0);
  assert.deepEqual([h.committed('g1'), h.committed('g2')], [[1, -1], [-1, -1]]);
  h.marker(7, true, 1);
  assert.deepEqual(h.committed('g2'), [2, -1]);
});

test('replaying the log (records, transactional records and markers) rebuilds the same offsets, a transaction left open stays pending', async () => {
  const h = setup();
  await h.txnCommit('g', 7, { 't-0': 10 });
  h.marker(7, true);
  await h.txnCommit('g', 8, { 't-1': 30 });
  h.marker(8, false);
  await h.commit('g', { 't-1': 5 });
  await h.txnCommit('g', 9, { 't-1': 40 }); // no marker yet: the broker "crashed" here
  const again = setup();
  await again.coord.replay(h.log.entries);
  assert.deepEqual(again.committed('g'), [10, 5]);
  assert.deepEqual(again.committed('g', true), [10, `error ${ErrorCode.UNSTABLE_OFFSET_COMMIT}`]);
  again.marker(9, true);
  assert.deepEqual(again.committed('g'), [10, 40], 'the coordinator completes it after the restart');
});

test('KIP-447 fencing: a stale generation, an unknown member or a fenced instance cannot commit in a transaction', async () => {
  const h = setup();
  assert.deepEqual(errors(await h.txnCommit('nope', 7, { 't-0': 1 }, { generationId: 2, memberId: 'm' })), [ErrorCode.ILLEGAL_GENERATION]);
  const join = h.coord.joinGroup({
    groupId: 'g', memberId: '', groupInstanceId: 'i1', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: encodeSubscription({ topics: ['t'] }) }], reason: null, clientId: 'c', clientHost: 'h', apiVersion: 5,
  });
  h.scheduler.advance(0);
  const j = await join;
  await h.coord.syncGroup({ groupId: 'g', generationId: j.generationId, memberId: j.memberId, groupInstanceId: 'i1', protocolType: null, protocolName: null, assignments: [{ memberId: j.memberId, assignment: encodeAssignment({ assignedPartitions: [{ topic: 't', partitions: [0, 1] }] }) }] });
  const as = (extra: Partial<TxnOffsetCommitParams>) => h.txnCommit('g', 7, { 't-0': 1 }, { generationId: j.generationId, memberId: j.memberId, groupInstanceId: 'i1', ...extra });
  assert.deepEqual(errors(await as({ generationId: j.generationId - 1 })), [ErrorCode.ILLEGAL_GENERATION]);
  assert.deepEqual(errors(await as({ memberId: 'zombie', groupInstanceId: null })), [ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.deepEqual(errors(await as({ memberId: 'zombie' })), [ErrorCode.FENCED_INSTANCE_ID]);
  assert.deepEqual(errors(await as({})), [ErrorCode.NONE]);
  // Old clients (v0-2) name no member: accepted, as in Kafka.
  assert.deepEqual(errors(await as({ generationId: -1, memberId: '', groupInstanceId: null })), [ErrorCode.NONE]);
});

test('a commit the partition refuses (a fenced producer epoch) is taken back', async () => {
  const h = setup();
  h.log.refuseNextTransactional = ErrorCode.INVALID_PRODUCER_EPOCH;
  assert.deepEqual(errors(await h.txnCommit('g', 7, { 't-0': 10 })), [ErrorCode.INVALID_PRODUCER_EPOCH]);
  h.marker(7, true);
  assert.deepEqual(h.committed('g'), [-1, -1]);
  assert.equal(h.coord.hasPendingTransactionalOffsets('g', 't', 0), false);
});
