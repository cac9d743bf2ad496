// The uniform assignor against the cases of Kafka's own tests (UniformHomogeneousAssignmentBuilderTest
// as of Kafka 4.1+, UniformHeterogeneousAssignmentBuilderTest, CommonAssignorTests): same inputs,
// same expected assignments. Kafka's inputs are Java collections, so they are built here in the
// order Java iterates them: members sorted (the tests use a TreeMap, or sort them), assignments
// made with mkAssignment in HashMap order, those made with mkOrderedAssignment as written.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { Assignment } from './consumer-group.js';
import { javaHashOrder, javaUuidHash, tableSizeAfterInserts } from './java-ordering.js';
import { type AssignmentMemberSpec, type GroupAssignment, PartitionAssignorError, type SubscriptionType } from './partition-assignor.js';
import { UniformAssignor } from './uniform-assignor.js';

const T1 = 'T1-A4s3VTwiI5CTbEp6POw';
const T2 = 'T2-B4s3VTwiI5YHbPp6YUe';
const T3 = 'T3-CU8fVTLCz5YMkLoDQsa';
const T4 = 'T4-Tw9fVTLCz5HbPp6YQsa';
const NAMES: Record<string, string> = { [T1]: 't1', [T2]: 't2', [T3]: 't3', [T4]: 't4' };

type Partitions = Record<string, number[]>;

/** mkOrderedAssignment: topics in the order given. */
function ordered(...entries: [string, ...number[]][]): Assignment {
  return new Map(entries.map(([t, ...ps]) => [t, new Set(ps)]));
}
/** mkAssignment: a HashMap, so topics in Java's hash order. */
function hashed(...entries: [string, ...number[]][]): Assignment {
  return ordered(...javaHashOrder(entries, ([t]) => javaUuidHash(t), tableSizeAfterInserts(entries.length)));
}
function member(memberId: string, topics: string[], current: Assignment = new Map()): AssignmentMemberSpec {
  return { memberId, instanceId: null, rackId: null, subscribedTopicIds: new Set(topics), currentAssignment: current };
}

/** Readable form: member -> topic name -> sorted partitions (empty topics dropped). */
function readable(a: GroupAssignment): Record<string, Partitions> {
  const out: Record<string, Partitions> = {};
  for (const [m, topics] of [...a].sort(([x], [y]) => (x < y ? -1 : 1))) {
    out[m] = {};
    for (const [t, ps] of topics) if (ps.size > 0) out[m][NAMES[t] ?? t] = [...ps].sort((x, y) => x - y);
  }
  return out;
}

function assign(type: SubscriptionType, topics: Record<string, number>, members: AssignmentMemberSpec[]): GroupAssignment {
  return new UniformAssignor().assign({ members, subscriptionType: type }, new Map(Object.entries(topics)));
}

/** Kafka's checkValidityAndBalance: subscribed topics only, no partition twice, sizes within one. */
function checkValidityAndBalance(members: AssignmentMemberSpec[], a: GroupAssignment): void {
  const seen = new Set<string>();
  const sizes: number[] = [];
  for (const m of members) {
    let size = 0;
    for (const [t, ps] of a.get(m.memberId) ?? new Map<string, Set<number>>()) {
      assert.ok(m.subscribedTopicIds.has(t), `${m.memberId} got ${t} without subscribing`);
      for (const p of ps) {
        assert.ok(!seen.has(`${t}:${p}`), `${t}:${p} assigned twice`);
        seen.add(`${t}:${p}`);
      }
      size += ps.size;
    }
    sizes.push(size);
  }
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `unbalanced: ${sizes.join(',')}`);
}

const homogeneous = (topics: Record<string, number>, members: AssignmentMemberSpec[]) => assign('homogeneous', topics, members);
const heterogeneous = (topics: Record<string, number>, members: AssignmentMemberSpec[]) => assign('heterogeneous', topics, members);

test('homogeneous: no subscription, or a topic that does not exist', () => {
  assert.deepEqual(readable(homogeneous({ [T1]: 3 }, [member('A', [])])), {});
  assert.throws(() => homogeneous({ [T1]: 3 }, [member('A', [T2])]), PartitionAssignorError);
});

test('homogeneous: first assignments', () => {
  const two = [member('A', [T1, T3]), member('B', [T1, T3])];
  const a = homogeneous({ [T1]: 3, [T3]: 2 }, two);
  assert.deepEqual(readable(a), { A: { t3: [0, 1] }, B: { t1: [0, 1, 2] } });
  checkValidityAndBalance(two, a);

  const three = ['A', 'B', 'C'].map((m) => member(m, [T3]));
  const b = homogeneous({ [T3]: 2 }, three);
  assert.deepEqual(readable(b), { A: {}, B: { t3: [0] }, C: { t3: [1] } });
  checkValidityAndBalance(three, b);
});

test('homogeneous: a large group is valid and balanced', () => {
  const topics: Record<string, number> = {};
  for (let i = 1; i < 101; i++) topics[createHash('sha256').update(`topic-${i}`).digest().subarray(0, 16).toString('base64url')] = 3;
  const members = Array.from({ length: 49 }, (_, i) => member(`member${i + 1}`, Object.keys(topics))).sort((x, y) => (x.memberId < y.memberId ? -1 : 1));
  checkValidityAndBalance(members, homogeneous(topics, members));
});

test('homogeneous: reassignments keep what they can', () => {
  const both = [T1, T2];
  // Unbalanced before: A gives up what exceeds its quota, in its assignment's order.
  let members = [member('A', both, ordered([T1, 0, 1], [T2, 0, 1])), member('B', both, ordered([T1, 2], [T2, 2]))];
  let a = homogeneous({ [T1]: 3, [T2]: 3 }, members);
  assert.deepEqual(readable(a), { A: { t1: [0, 1], t2: [0] }, B: { t1: [2], t2: [1, 2] } });
  checkValidityAndBalance(members, a);

  // Partitions added to both topics.
  members = [member('A', both, ordered([T1, 0, 2], [T2, 0])), member('B', both, ordered([T1, 1], [T2, 1, 2]))];
  a = homogeneous({ [T1]: 6, [T2]: 5 }, members);
  assert.deepEqual(readable(a), { A: { t1: [0, 2], t2: [0, 3, 4] }, B: { t1: [1, 3, 4, 5], t2: [1, 2] } });
  checkValidityAndBalance(members, a);

  // A third member joins.
  members = [member('A', both, ordered([T1, 0, 2], [T2, 0])), member('B', both, ordered([T1, 1], [T2, 1, 2])), member('C', both)];
  a = homogeneous({ [T1]: 3, [T2]: 3 }, members);
  assert.deepEqual(readable(a), { A: { t1: [0, 2] }, B: { t1: [1], t2: [1] }, C: { t2: [0, 2] } });
  checkValidityAndBalance(members, a);

  // A third member (C) left.
  members = [member('A', both, hashed([T1, 0], [T2, 0])), member('B', both, hashed([T1, 1], [T2, 1]))];
  a = homogeneous({ [T1]: 3, [T2]: 3 }, members);
  assert.deepEqual(readable(a), { A: { t1: [0], t2: [0, 2] }, B: { t1: [1, 2], t2: [1] } });
  checkValidityAndBalance(members, a);

  // Both members unsubscribed from T1.
  members = [member('A', [T2], hashed([T1, 0], [T2, 0])), member('B', [T2], hashed([T1, 1], [T2, 1]))];
  a = homogeneous({ [T1]: 2, [T2]: 2 }, members);
  assert.deepEqual(readable(a), { A: { t2: [0] }, B: { t2: [1] } });
  checkValidityAndBalance(members, a);
});

test('heterogeneous: no subscription, or topics that do not exist', () => {
  assert.deepEqual(readable(heterogeneous({ [T1]: 3 }, [member('A', []), member('B', [])])), {});
  assert.throws(() => heterogeneous({ [T1]: 3 }, [member('A', [T3]), member('B', [T2])]), PartitionAssignorError);
});

test('heterogeneous: first assignments', () => {
  assert.deepEqual(readable(heterogeneous({ [T1]: 3, [T3]: 6 }, [member('A', [T1, T3]), member('B', [T3])])), {
    A: { t1: [0, 1, 2], t3: [4] },
    B: { t3: [0, 1, 2, 3, 5] },
  });
  assert.deepEqual(readable(heterogeneous({ [T3]: 1, [T1]: 2 }, [member('A', [T3]), member('B', [T3]), member('C', [T1])])), {
    A: { t3: [0] },
    B: {},
    C: { t1: [0, 1] },
  });
  assert.deepEqual(readable(heterogeneous({ [T1]: 3 }, [member('A', [T1]), member('B', [])])), { A: { t1: [0, 1, 2] }, B: {} });
});

test('heterogeneous: reassignments', () => {
  assert.deepEqual(
    readable(
      heterogeneous({ [T1]: 6, [T2]: 4, [T3]: 4 }, [
        member('A', [T1], hashed([T1, 0, 1, 2])),
        member('B', [T1, T2], hashed([T1, 3], [T2, 0])),
        member('C', [T1, T2, T3], hashed([T1, 4, 5], [T2, 1, 2, 3], [T3, 0, 1, 2, 3])),
      ]),
    ),
    { A: { t1: [0, 1, 2, 5] }, B: { t1: [3], t2: [0, 1, 2, 3] }, C: { t1: [4], t3: [0, 1, 2, 3] } },
  );
  // Partitions added.
  assert.deepEqual(
    readable(
      heterogeneous({ [T1]: 6, [T2]: 5, [T3]: 3, [T4]: 3 }, [
        member('A', [T1, T3], hashed([T1, 0, 1, 2, 3], [T3, 0, 1])),
        member('B', [T1, T2, T3, T4], hashed([T2, 0, 1, 2], [T4, 0, 1, 2])),
      ]),
    ),
    { A: { t1: [0, 1, 2, 3, 4, 5], t3: [0, 1, 2] }, B: { t2: [0, 1, 2, 3, 4], t4: [0, 1, 2] } },
  );
  // A member and partitions added.
  assert.deepEqual(
    readable(
      heterogeneous({ [T1]: 6, [T2]: 7 }, [
        member('A', [T1], hashed([T1, 0, 2], [T2, 0])),
        member('B', [T1, T2], hashed([T1, 1], [T2, 1, 2])),
        member('C', [T1, T2]),
      ]),
    ),
    { A: { t1: [0, 2, 3, 4, 5] }, B: { t1: [1], t2: [1, 2, 6] }, C: { t2: [0, 3, 4, 5] } },
  );
  // A member (C) left.
  assert.deepEqual(
    readable(
      heterogeneous({ [T1]: 3, [T2]: 8, [T3]: 3 }, [member('A', [T1, T3], hashed([T1, 0, 1, 2], [T3, 0, 1])), member('B', [T2], hashed([T2, 3, 4, 5, 6]))]),
    ),
    { A: { t1: [0, 1, 2], t3: [0, 1, 2] }, B: { t2: [0, 1, 2, 3, 4, 5, 6, 7] } },
  );
  // A subscription removed.
  assert.deepEqual(
    readable(heterogeneous({ [T1]: 3, [T2]: 5 }, [member('A', [T1], hashed([T1, 0, 2], [T2, 1, 3])), member('B', [T1, T2], hashed([T1, 1], [T2, 0, 2, 4]))])),
    { A: { t1: [0, 1, 2] }, B: { t2: [0, 1, 2, 3, 4] } },
  );
  // The topic runs out of partitions before its subscribers are balanced.
  assert.deepEqual(
    readable(heterogeneous({ [T1]: 2, [T2]: 2, [T3]: 2 }, [member('A', [T1, T2, T3], hashed([T1, 0, 1], [T2, 0, 1], [T3, 0, 1])), member('B', [T1, T2, T3])])),
    { A: { t2: [0], t3: [0, 1] }, B: { t1: [0, 1], t2: [1] } },
  );
});

test('both builders are stable: a balanced assignment stays put whatever the member order', () => {
  // CommonAssignorTests.testReassignmentStickiness: 2 + 5 + 7 partitions over three members.
  const ids = ['topic1', 'topic2', 'topic3'].map((n) => createHash('sha256').update(n).digest().subarray(0, 16).toString('base64url'));
  const topics = { [ids[0]]: 2, [ids[1]]: 5, [ids[2]]: 7 };
  for (const type of ['homogeneous', 'heterogeneous'] as const) {
    const first = assign(type, topics, ['A', 'B', 'C'].map((m) => member(m, ids)));
    for (const order of [['A', 'B', 'C'], ['A', 'C', 'B'], ['B', 'A', 'C'], ['B', 'C', 'A'], ['C', 'A', 'B'], ['C', 'B', 'A']]) {
      const again = assign(type, topics, order.map((m) => member(m, ids, first.get(m))));
      assert.deepEqual(readable(again), readable(first), `${type}, order ${order.join('')}`);
    }
  }
});

test('librdkafka 0113 (incremental rebalances, consumer protocol): 6 partitions over 1, 2 then 3 members', () => {
  for (const order of [['A', 'B', 'C'], ['C', 'B', 'A']]) {
    const byOrder = (specs: AssignmentMemberSpec[]) => order.map((m) => specs.find((s) => s.memberId === m)).filter((s) => s !== undefined);
    const one = homogeneous({ [T1]: 6 }, [member('A', [T1])]);
    assert.deepEqual(readable(one), { A: { t1: [0, 1, 2, 3, 4, 5] } });
    const two = homogeneous({ [T1]: 6 }, byOrder([member('A', [T1], one.get('A')), member('B', [T1])]));
    assert.deepEqual(readable(two), { A: { t1: [0, 1, 2] }, B: { t1: [3, 4, 5] } });
    const three = homogeneous({ [T1]: 6 }, byOrder([member('A', [T1], two.get('A')), member('B', [T1], two.get('B')), member('C', [T1])]));
    assert.deepEqual(readable(three), { A: { t1: [0, 1] }, B: { t1: [3, 4] }, C: { t1: [2, 5] } });
  }
});
