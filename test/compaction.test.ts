// Log compaction end to end: kafkajs and kcat write many updates over a key set, with tombstones,
// to compacted topics (every codec), the broker's log cleaner (on its worker thread) cleans them,
// and both clients read back the latest value of each key at its original offset, followed by
// everything the clean did not reach. The cleaner's background loop is idle here (backoff of a
// day): the test asks for each clean (broker.cleaner.cleanFilthiest), so nothing depends on time.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import kafkajs, { type Kafka, type Producer } from 'kafkajs';
import { TestBroker } from './helpers/broker.js';
import { CleanRequests } from './helpers/cleaning.js';
import { registerKafkajsCodecs } from './helpers/kafkajs-codecs.js';
import { assertKcatOk, kcatConsume, kcatProduce } from './helpers/kcat.js';
import { readAllKafkajs } from './helpers/read-back.js';

const { Kafka: KafkaClient, logLevel, CompressionTypes } = kafkajs;
registerKafkajsCodecs();

let tb: TestBroker;
let kafka: Kafka;
let producer: Producer;
let cleans: CleanRequests | undefined;

before(async () => {
  tb = await TestBroker.start({ settings: { 'log.cleaner.backoff.ms': 86_400_000, 'group.initial.rebalance.delay.ms': 0, 'metrics.port': 0 } });
  kafka = new KafkaClient({ brokers: [tb.bootstrap], clientId: 'compaction', logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
  producer = kafka.producer();
  await producer.connect();
});

after(async () => {
  await producer?.disconnect();
  const errors = tb?.errors() ?? [];
  await tb?.cleanup();
  assert.deepEqual(errors, [], 'the broker logged errors');
});

type Rec = [offset: number, key: string | null, value: string | null];

/** Random upper-case letters: compressible like real text, so compressed segments still fill up. */
function letters(n: number): string {
  return [...randomBytes(n)].map((b) => String.fromCharCode(65 + (b % 26))).join('');
}

async function readKcat(topic: string): Promise<Rec[]> {
  const records = await kcatConsume(tb.bootstrap, topic, { partition: 0, offset: 'beginning', timeoutMs: 60_000 });
  return records.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null]);
}

/** Cleans until no log needs it; returns the end of the last clean of `topic`-0. */
async function cleanAll(topic: string): Promise<number> {
  cleans ??= new CleanRequests(tb);
  return cleans.clean(topic);
}

/** What a consumer must see after a clean of [0, end): each key's last record there, then everything. */
function compacted(records: readonly Rec[], end: number, dropTombstonesBelow = -1): Rec[] {
  const last = new Map<string, number>();
  for (const [o, k] of records) if (o < end && k !== null) last.set(k, o);
  return records.filter(([o, k, v]) => o >= end || (last.get(k ?? '') === o && !(v === null && o < dropTombstonesBelow)));
}

async function createCompacted(topic: string, configs: Record<string, string> = {}): Promise<void> {
  const created = await tb.broker.cluster.createTopic(topic, 1, { 'cleanup.policy': 'compact', 'segment.bytes': '1048576', 'min.cleanable.dirty.ratio': '0.01', ...configs });
  assert.equal(created.errorCode, 0, created.errorMessage ?? '');
}

for (const [codec, type] of [
  ['none', CompressionTypes.None],
  ['gzip', CompressionTypes.GZIP],
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
] as const) {
  test(`kafkajs, ${codec}: many updates over 200 keys with tombstones, compacted to the latest value per key at its offset`, async () => {
    const topic = `compact-kafkajs-${codec}`;
    await createCompacted(topic);
    let n = 0;
    for (let round = 0; round < 40; round++) {
      const messages = Array.from({ length: 100 }, () => {
        const i = n++;
        const key = `key-${(i * 7) % 200}`;
        // Every 13th update of a key from 40 on is a tombstone.
        const tombstone = i % 13 === 0 && (i * 7) % 200 >= 40;
        return { key, value: tombstone ? null : `${i}:${letters(600)}` };
      });
      await producer.send({ topic, compression: type, acks: -1, messages });
    }
    const before = await readKcat(topic);
    assert.equal(before.length, 4000);
    assert.deepEqual(before.map(([o]) => o), Array.from({ length: 4000 }, (_, i) => i));

    const end = await cleanAll(topic);
    const expected = compacted(before, end);
    assert.ok(expected.length < before.length / 2, `the clean removed most records (${before.length} -> ${expected.length})`);
    assert.ok(expected.some(([o, , v]) => o < end && v === null), 'tombstones newer than delete.retention.ms stay');

    assert.deepEqual(await readKcat(topic), expected, 'kcat reads the compacted log');
    const seen = await readAllKafkajs(kafka, topic, expected.length, { groupId: `g-${topic}`, timeoutMs: 60_000 });
    assert.deepEqual(
      seen.map((r): Rec => [r.offset, r.key, r.value]),
      expected,
      'a kafkajs consumer from the start sees the latest value per key, in offset order, and everything after',
    );
  });
}

test('kcat, lz4, cleanup.policy=compact,delete: tombstones go after delete.retention.ms, retention still deletes whole old segments', async () => {
  const topic = 'compact-delete-kcat';
  await createCompacted(topic, { 'cleanup.policy': 'compact,delete', 'delete.retention.ms': '0', 'retention.bytes': '102400' });
  const write = async (from: number, count: number): Promise<void> => {
    const messages = Array.from({ length: count }, (_, j) => {
      const i = from + j;
      const key = `k${(i * 11) % 150}`;
      // kcat sends an empty value as null (-Z): a tombstone.
      return { key, value: i % 17 === 0 ? '' : `${i}:${letters(500)}` };
    });
    assertKcatOk(await kcatProduce(tb.bootstrap, topic, messages, { partition: 0, compression: 'lz4', timeoutMs: 60_000 }), 'produce');
  };
  await write(0, 3000);
  const first = await readKcat(topic);
  const end1 = await cleanAll(topic);
  const afterFirst = compacted(first, end1);
  assert.deepEqual(await readKcat(topic), afterFirst);
  assert.ok(afterFirst.some(([o, , v]) => o < end1 && v === null), 'the first clean keeps tombstones (it gives them their delete horizon)');

  // More updates, another clean: delete.retention.ms is 0, so the kept tombstones have expired.
  await write(3000, 3000);
  const second = await readKcat(topic);
  const end2 = await cleanAll(topic);
  const expected = compacted(second, end2, end1);
  const got = await readKcat(topic);
  assert.deepEqual(got, expected);
  assert.equal(got.some(([o, , v]) => o < end1 && v === null), false, 'tombstones cleaned a second time are gone');

  // The delete half of the policy: retention.bytes removes the oldest whole segments.
  const partition = tb.broker.cluster.partition(topic, 0)!;
  const sizeBefore = partition.log.size;
  partition.log.deleteOldSegments(Date.now());
  assert.ok(partition.log.size <= 102_400 || partition.log.numberOfSegments === 1, `retention.bytes applied (${sizeBefore} -> ${partition.log.size})`);
  const start = partition.logStartOffset;
  assert.ok(start > 0, 'the log start moved');
  assert.deepEqual(await readKcat(topic), expected.filter(([o]) => o >= start));
});

test('deleting a topic while its log is being cleaned (throttled by a dynamic log.cleaner.io.max.bytes.per.second) stops the clean and removes everything', async () => {
  const topic = 'compact-deleted-mid-clean';
  await createCompacted(topic);
  for (let round = 0; round < 20; round++) {
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i % 50}`, value: letters(700) })) });
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: kafkajs.ConfigResourceTypes.BROKER, name: '0', configEntries: [{ name: 'log.cleaner.io.max.bytes.per.second', value: '20000' }] }] });
    const log = tb.broker.cluster.partition(topic, 0)!.log;
    const cleaning = tb.broker.cleaner.cleanFilthiest();
    assert.ok(tb.broker.cleaner.isCleaning(log), 'the clean started');
    await admin.deleteTopics({ topics: [topic] });
    assert.equal(await cleaning, undefined, 'the clean was aborted, not reported');
    assert.equal(tb.broker.cleaner.isCleaning(log), false);
    const { existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    assert.equal(existsSync(join(tb.dataDir, `${topic}-0`)), false, 'the partition folder is gone');
  } finally {
    // AlterConfigs replaces the broker's dynamic settings: none left.
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: kafkajs.ConfigResourceTypes.BROKER, name: '0', configEntries: [] }] });
    await admin.disconnect();
  }
});

test("the cleaner's Kafka metrics after the cleans above", async () => {
  const res = await fetch(`${tb.broker.metricsUrl}/metrics`);
  const text = await res.text();
  const value = (name: string): number => {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    assert.ok(m, `${name} is exported`);
    return Number(m[1]);
  };
  assert.ok(value('kafka_log_logcleaner_max_clean_time_secs') > 0);
  assert.ok(value('kafka_log_logcleaner_max_buffer_utilization_percent') > 0);
  const recopy = value('kafka_log_logcleaner_cleaner_recopy_percent');
  assert.ok(recopy > 0 && recopy < 100, `recopy ${recopy}%`);
  assert.equal(value('kafka_log_logcleanermanager_uncleanable_partitions_count'), 0);
  assert.equal(value('kafka_log_logcleaner_deadthreadcount'), 0);
  assert.ok(value('kafka_log_logcleanermanager_time_since_last_run_ms') >= 0);
  assert.ok(value('kafka_log_logcleanermanager_max_dirty_percent') >= 0);
});
