// Brook's own client (src/client) against a running broker: version negotiation, the producer
// (batching, compression, partitioning as the Java client and kafkajs do it), the fetcher
// (positions, resets) and the classic group member (assignment, rebalance).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Partitioners } from 'kafkajs';
import { KafkaClient } from '../src/client/kafka-client.js';
import { Fetcher } from '../src/client/fetcher.js';
import { GroupMember } from '../src/client/group-member.js';
import { offsetRanges } from '../src/client/list-offsets.js';
import { partitionForKey } from '../src/client/partitioner.js';
import { Producer, type DeliveredBatch } from '../src/client/producer.js';
import { createTopics } from '../src/client/topic-admin.js';
import type { TopicPartitionList } from '../src/protocol/consumer-protocol.js';
import { TestBroker } from './helpers/broker.js';
import { waitFor } from './helpers/wait-for.js';

let broker: TestBroker;
let client: KafkaClient;

before(async () => {
  broker = await TestBroker.start({ settings: { 'group.initial.rebalance.delay.ms': 0 } });
  client = new KafkaClient({ brokers: [broker.bootstrap], requestTimeoutMs: 10_000 });
});
after(async () => {
  client.close();
  await broker.cleanup();
});

async function topic(name: string, partitions: number): Promise<void> {
  const [r] = await createTopics(client, [{ name, partitions }]);
  assert.equal(r.errorCode, 0, r.errorMessage ?? '');
}

test('connections negotiate the highest version both sides speak', async () => {
  const conn = await client.any();
  const produce = conn.brokerVersions?.get(0);
  assert.ok(produce);
  assert.equal(conn.version(0), produce.max);
  assert.equal(conn.version(0, 0, 7), 7, 'capped by what the caller was written for');
  assert.equal(conn.version(0, produce.max + 1), undefined, 'no version when the broker has none high enough');
});

test('keyed records go to the partition the Java client and kafkajs pick', () => {
  const kafkajs = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: 12 }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  for (let i = 0; i < 200; i++) {
    const key = `customer-${i * 7919}`;
    assert.equal(partitionForKey(Buffer.from(key), 12), kafkajs({ topic: 't', partitionMetadata, message: { key, value: 'v' } }), key);
  }
});

test('many batches queued for one partition are each written once, in order, all acknowledged', async () => {
  await topic('queued', 1);
  const delivered: DeliveredBatch[] = [];
  // Tiny batches, flushed only at the end: dozens of batches of one partition wait together.
  const producer = new Producer(client, (b) => delivered.push(b), { batchBytes: 100, lingerMs: 1000 });
  await producer.prepare('queued');
  for (let i = 0; i < 500; i++) producer.send({ topic: 'queued', partition: 0, value: Buffer.from(`v${i}`) }, i);
  await producer.flush();
  const offsets = delivered.flatMap((b) => b.tags.map((tag, i) => [tag as number, b.baseOffset + i]));
  offsets.sort((a, b) => a[0] - b[0]);
  assert.deepEqual(offsets.map(([tag]) => tag), Array.from({ length: 500 }, (_, i) => i), 'every record acknowledged once');
  assert.deepEqual(offsets.map(([, offset]) => offset), Array.from({ length: 500 }, (_, i) => i), 'at the offset of its place in the stream');
  const range = (await offsetRanges(client, [{ topic: 'queued', partition: 0 }])).get('queued:0');
  assert.deepEqual(range, { start: 0, end: 500 });
});

test('the fetcher reads compressed batches from several partitions and resets a position out of range', async () => {
  await topic('fetched', 3);
  for (const [compression, codec] of [[1, 'gzip'], [2, 'snappy'], [3, 'lz4'], [4, 'zstd']] as const) {
    const producer = new Producer(client, undefined, { compression });
    await producer.prepare('fetched');
    for (let p = 0; p < 3; p++) producer.send({ topic: 'fetched', partition: p, key: Buffer.from(codec), value: Buffer.from(`${codec}-${p}`), headers: [{ key: 'h', value: Buffer.from(codec) }] });
    await producer.flush();
  }
  const fetcher = new Fetcher(client, { maxWaitMs: 100, autoOffsetReset: 'earliest' });
  fetcher.assign([{ topic: 'fetched', partition: 0, offset: 0 }, { topic: 'fetched', partition: 1, offset: 2 }, { topic: 'fetched', partition: 2, offset: 1000 }]);
  const seen: string[] = [];
  await waitFor('every record', async () => {
    for (const r of await fetcher.poll()) seen.push(`${r.partition}:${r.offset}:${String(r.key)}:${String(r.value)}:${String(r.headers[0]?.value)}`);
    return seen.length >= 4 + 2 + 4;
  }, 10_000, () => seen);
  seen.sort();
  assert.deepEqual(seen, [
    '0:0:gzip:gzip-0:gzip', '0:1:snappy:snappy-0:snappy', '0:2:lz4:lz4-0:lz4', '0:3:zstd:zstd-0:zstd',
    '1:2:lz4:lz4-1:lz4', '1:3:zstd:zstd-1:zstd',
    // Offset 1000 is past the end: reset to the earliest offset, as auto.offset.reset=earliest.
    '2:0:gzip:gzip-2:gzip', '2:1:snappy:snappy-2:snappy', '2:2:lz4:lz4-2:lz4', '2:3:zstd:zstd-2:zstd',
  ]);
  assert.deepEqual(fetcher.assignment.map((s) => [s.partition, s.position, s.highWatermark]), [[0, 4, 4], [1, 4, 4], [2, 4, 4]]);
});

test('group members split the partitions and rebalance when another joins', async () => {
  await topic('shared', 4);
  const first = new GroupMember(client, { groupId: 'splitters', topics: ['shared'], heartbeatIntervalMs: 100 });
  const alone = await first.join();
  assert.deepEqual(alone, [{ topic: 'shared', partitions: [0, 1, 2, 3] }]);

  const second = new GroupMember(client, { groupId: 'splitters', topics: ['shared'], heartbeatIntervalMs: 100 });
  const joining = second.join();
  // The first member learns of the rebalance from its heartbeat and joins again.
  await waitFor('the first member to see the rebalance', () => first.needsRejoin, 10_000);
  const [a, b] = await Promise.all([first.join(), joining]);
  const flat = (list: TopicPartitionList[]) => list.flatMap((l) => l.partitions);
  assert.equal(flat(a).length, 2);
  assert.equal(flat(b).length, 2);
  assert.deepEqual([...flat(a), ...flat(b)].sort(), [0, 1, 2, 3], 'range: two partitions each, none twice');

  await first.commit([{ topic: 'shared', partition: flat(a)[0], offset: 0 }]);
  await Promise.all([first.leave(), second.leave()]);
});
