import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rangeAssignor, roundRobinAssignor } from './assignors.js';

const counts = new Map([['t0', 3], ['t1', 3]]);
const members = [{ memberId: 'C1', topics: ['t0', 't1'] }, { memberId: 'C0', topics: ['t0', 't1'] }];

test('range: consecutive partitions per topic, the first members by id get the extra ones', () => {
  // Kafka's RangeAssignor javadoc example: C0 gets t0p0, t0p1, t1p0, t1p1; C1 gets t0p2, t1p2.
  const plan = rangeAssignor(members, counts);
  assert.deepEqual(plan.get('C0'), [{ topic: 't0', partitions: [0, 1] }, { topic: 't1', partitions: [0, 1] }]);
  assert.deepEqual(plan.get('C1'), [{ topic: 't0', partitions: [2] }, { topic: 't1', partitions: [2] }]);
});

test('roundrobin: all partitions dealt in turn; members skip topics they do not subscribe to', () => {
  // Kafka's RoundRobinAssignor javadoc example: C0 gets t0p0, t0p2, t1p1; C1 gets t0p1, t1p0, t1p2.
  const plan = roundRobinAssignor(members, counts);
  assert.deepEqual(plan.get('C0'), [{ topic: 't0', partitions: [0, 2] }, { topic: 't1', partitions: [1] }]);
  assert.deepEqual(plan.get('C1'), [{ topic: 't0', partitions: [1] }, { topic: 't1', partitions: [0, 2] }]);

  const uneven = roundRobinAssignor([{ memberId: 'a', topics: ['t0'] }, { memberId: 'b', topics: ['t0', 't1'] }], counts);
  assert.deepEqual(uneven.get('a'), [{ topic: 't0', partitions: [0, 2] }]);
  assert.deepEqual(uneven.get('b'), [{ topic: 't0', partitions: [1] }, { topic: 't1', partitions: [0, 1, 2] }]);
});

test('members with nothing to do get an empty assignment', () => {
  const plan = rangeAssignor([{ memberId: 'a', topics: ['t0'] }, { memberId: 'b', topics: ['t0'] }, { memberId: 'c', topics: ['t0'] }, { memberId: 'd', topics: ['t0'] }], counts);
  assert.deepEqual(plan.get('d'), []);
  assert.deepEqual(plan.get('a'), [{ topic: 't0', partitions: [0] }]);
});
