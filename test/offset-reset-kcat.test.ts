// librdkafka (kcat) consumers whose position is below the log start, after DeleteRecords or
// retention removed what they had not read yet: the broker answers OFFSET_OUT_OF_RANGE and the
// client must apply auto.offset.reset, in assign mode (-o N) and in a group (-G) whose committed
// offset is out of range. With `earliest` it reads what is left; with `latest` it reads nothing
// and still reaches the end of the partition (-e exits there). Before Brook answered errored
// Fetch partitions with empty records, librdkafka failed to parse them and never got that far.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import kafkajs from 'kafkajs';
import { WireClient } from '../src/client/wire-client.js';
import { TestBroker } from './helpers/broker.js';
import { FAST_CLASSIC_GROUPS } from './helpers/group-broker.js';
import { assertKcatOk, kcatProduce, parseKcatOutput, runKcat } from './helpers/kcat.js';

const FORMAT = '%p %o %T %K %S %h\\n%k%s\\n';

let tb: TestBroker;
let admin: kafkajs.Admin;

before(async () => {
  tb = await TestBroker.start({ settings: FAST_CLASSIC_GROUPS });
  const kafka = new kafkajs.Kafka({ brokers: [tb.bootstrap], clientId: 'offset-reset', logLevel: kafkajs.logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
});

after(async () => {
  await admin?.disconnect();
  const errors = tb?.errors() ?? [];
  await tb?.cleanup();
  assert.deepEqual(errors, [], 'the broker logged errors');
});

/** A one-partition topic with offsets 0..9 of which 0..4 were deleted (log start 5). */
async function trimmedTopic(topic: string): Promise<void> {
  assert.ok(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] }));
  assertKcatOk(await kcatProduce(tb.bootstrap, topic, Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })), { partition: 0 }), 'produce');
  await admin.fetchTopicMetadata({ topics: [topic] }); // kafkajs routes DeleteRecords by its metadata cache
  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '5' }] });
  assert.equal(tb.broker.cluster.partition(topic, 0)?.logStartOffset, 5);
}

/** Commits `offset` for an empty group, as kafka-consumer-groups --reset-offsets does (an admin commit). */
async function commitOffset(groupId: string, topic: string, offset: number): Promise<void> {
  const client = await WireClient.connect('localhost', tb.port);
  try {
    const res = await client.request<{ topics: { partitions: { errorCode: number }[] }[] }>(8, 8, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    assert.deepEqual(res.topics.flatMap((t) => t.partitions.map((p) => p.errorCode)), [0]);
  } finally {
    client.close();
  }
}

function assertNoParseFailure(stderr: string): void {
  assert.doesNotMatch(stderr, /Protocol parse failure|invalid MessageSetSize/, 'librdkafka could not parse the fetch answer');
}

for (const reset of ['earliest', 'latest'] as const) {
  test(`assign mode (-o 2) below the log start resets to ${reset}`, async () => {
    const topic = `assign-${reset}`;
    await trimmedTopic(topic);
    const r = await runKcat(
      ['-C', '-b', tb.bootstrap, '-t', topic, '-p', '0', '-o', '2', '-e', '-f', FORMAT, '-X', `auto.offset.reset=${reset}`, '-X', 'fetch.wait.max.ms=20'],
      { timeoutMs: 30_000 },
    );
    assertNoParseFailure(r.stderr);
    assertKcatOk(r, `consume with auto.offset.reset=${reset}`);
    assert.match(r.stderr, /offset reset \(at offset 2[,)]/, 'librdkafka saw OFFSET_OUT_OF_RANGE and reset');
    assert.match(r.stderr, /Reached end of topic \S+ \[0\] at offset 10/, 'the end-of-partition event arrives');
    const offsets = parseKcatOutput(r.stdout).map((m) => m.offset);
    assert.deepEqual(offsets, reset === 'earliest' ? [5, 6, 7, 8, 9] : []);
  });

  test(`group mode (-G) with a committed offset below the log start resets to ${reset}`, async () => {
    const topic = `group-${reset}`;
    const groupId = `reset-${reset}`;
    await trimmedTopic(topic);
    await commitOffset(groupId, topic, 2);
    const r = await runKcat(
      ['-b', tb.bootstrap, '-G', groupId, '-e', '-f', FORMAT, '-X', `auto.offset.reset=${reset}`, '-X', 'fetch.wait.max.ms=20', topic],
      { timeoutMs: 30_000 },
    );
    assertNoParseFailure(r.stderr);
    assertKcatOk(r, `group consume with auto.offset.reset=${reset}`);
    assert.match(r.stderr, /offset reset \(at offset 2[,)]/);
    assert.match(r.stderr, /Reached end of topic \S+ \[0\] at offset 10/);
    assert.deepEqual(parseKcatOutput(r.stdout).map((m) => m.offset), reset === 'earliest' ? [5, 6, 7, 8, 9] : []);
  });
}
