// `brook produce` and `brook consume` end to end: stdin and files, keys, headers, partitions,
// compression, acks, every kind of start position, counts, templates and JSON, consumer groups,
// and both directions with kcat (librdkafka) on the same topic.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestBroker, tempDir } from './helpers/broker.js';
import { brook, brookOk, jsonLines } from './helpers/brook-cli.js';
import { kcatConsume, kcatProduce } from './helpers/kcat.js';

let broker: TestBroker;
let b: string[];
const dir = tempDir('brook-cli-');

before(async () => {
  // No initial rebalance delay (3 s by default): each `consume -g` joins an empty group.
  broker = await TestBroker.start({ settings: { 'group.initial.rebalance.delay.ms': 0 } });
  b = ['-b', broker.bootstrap];
});
after(async () => {
  await broker.cleanup();
});

interface JsonRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}

test('produce reads stdin line by line with a key delimiter and headers; consume -n -o start --format json reads them back', async () => {
  await brookOk(['topic', 'create', 'lines', '-p', '1', ...b]);
  const before = Date.now();
  const out = await brookOk(['produce', 'lines', '-k', ':', '-H', 'source=cli', '-H', 'kind=test', ...b], { input: 'user-1:signed up\n\nuser-2:paid: 10\nno key here\r\n' });
  assert.deepEqual(out.trim().split('\n'), ['Produced to lines[0] at offset 0', 'Produced to lines[0] at offset 1', 'Produced to lines[0] at offset 2']);

  const records = jsonLines<JsonRecord>(await brookOk(['consume', 'lines', '-n', '10', '-o', 'start', '-e', '--format', 'json', ...b]));
  assert.deepEqual(records.map((r) => [r.offset, r.key, r.value]), [[0, 'user-1', 'signed up'], [1, 'user-2', 'paid: 10'], [2, null, 'no key here']]);
  for (const r of records) {
    assert.equal(r.topic, 'lines');
    assert.equal(r.partition, 0);
    assert.ok(r.timestamp >= before && r.timestamp <= Date.now());
    assert.deepEqual(r.headers, [{ key: 'source', value: 'cli' }, { key: 'kind', value: 'test' }]);
  }
  // The spelling scripts rely on: -n with -o start, no -e, ends at the count.
  const two = jsonLines<JsonRecord>(await brookOk(['consume', 'lines', '-n', '2', '-o', 'start', '--format', 'json', ...b]));
  assert.deepEqual(two.map((r) => r.offset), [0, 1]);
});

test('produce from a file to a partition, compressed, counting; keyed records land where the Java partitioner puts them', async () => {
  await brookOk(['topic', 'create', 'bulk', '-p', '4', ...b]);
  const file = join(dir, 'bulk.txt');
  writeFileSync(file, Array.from({ length: 5000 }, (_, i) => `value-${i}`).join('\n'));
  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
    const out = await brookOk(['produce', 'bulk', file, '-p', '2', '-z', codec, '-q', ...b]);
    assert.equal(out, 'Produced 5000 records to bulk\n');
  }
  const tail = jsonLines<JsonRecord>(await brookOk(['consume', 'bulk', '-p', '2', '-o', '-3', '-e', '--format', 'json', ...b]));
  assert.deepEqual(tail.map((r) => [r.offset, r.value]), [[19997, 'value-4997'], [19998, 'value-4998'], [19999, 'value-4999']]);

  // murmur2("foobar") = -790332482 (Kafka's test vector): partition (that & 0x7fffffff) % 4.
  const placed = jsonLines<{ partition: number; offset: number }>(await brookOk(['produce', 'bulk', '-k', '=', '--format', 'json', ...b], { input: 'foobar=1\nfoobar=2\n' }));
  assert.deepEqual(placed.map((p) => p.partition), [(-790332482 & 0x7fffffff) % 4, (-790332482 & 0x7fffffff) % 4]);

  const noAcks = await brookOk(['produce', 'bulk', '-p', '0', '--acks', '0', ...b], { input: 'fire\nforget\n' });
  assert.deepEqual(noAcks.trim().split('\n'), ['Sent to bulk[0]', 'Sent to bulk[0]']);
  const bad = await brook(['produce', 'bulk', '-p', '9', ...b], { input: 'x\n' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^brook: UNKNOWN_TOPIC_OR_PARTITION: partition 9 of topic 'bulk' does not exist/);
});

test('consume starts at start, end, an offset, -N, +N, a timestamp and a duration ago', async () => {
  await brookOk(['topic', 'create', 'timeline', '-p', '1', ...b]);
  await brookOk(['produce', 'timeline', '-q', ...b], { input: 'a\nb\nc\n' });
  await new Promise((resolve) => setTimeout(resolve, 30));
  const middle = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 30));
  await brookOk(['produce', 'timeline', '-q', ...b], { input: 'd\ne\n' });
  const values = async (...args: string[]): Promise<string> => (await brookOk(['consume', 'timeline', '-e', ...args, ...b])).trim().split('\n').join(',');
  assert.equal(await values('-o', 'start'), 'a,b,c,d,e');
  assert.equal(await values('-o', '3'), 'd,e');
  assert.equal(await values('-o', '-2'), 'd,e');
  assert.equal(await values('-o', '+1', '-n', '2'), 'b,c');
  assert.equal(await values('-o', `@${middle}`), 'd,e');
  assert.equal(await values('-o', `@${new Date(middle).toISOString()}`), 'd,e');
  assert.equal(await values('-o', '1h'), 'a,b,c,d,e');
  assert.equal((await brookOk(['consume', 'timeline', '-e', '-o', 'end', ...b])), '');
  // A template with every field.
  const line = await brookOk(['consume', 'timeline', '-o', '4', '-n', '1', '-f', '%t/%p/%o %K:%k %S:%s [%h] %%\\n', ...b]);
  assert.equal(line, 'timeline/0/4 -1: 1:e [] %\n');
});

test('kcat reads what brook produced, and brook reads what kcat produced (compressed, keyed, with headers)', async () => {
  await brookOk(['topic', 'create', 'interop', '-p', '1', ...b]);
  await brookOk(['produce', 'interop', '-k', '\\t', '-H', 'from=brook', '-z', 'zstd', '-q', ...b], { input: 'k1\tv1\nk2\tv2\n' });
  const seen = await kcatConsume(broker.bootstrap, 'interop', { partition: 0, offset: 'beginning' });
  assert.deepEqual(seen.map((r) => [r.offset, String(r.key), String(r.value), r.headers]), [[0, 'k1', 'v1', [['from', 'brook']]], [1, 'k2', 'v2', [['from', 'brook']]]]);

  const produced = await kcatProduce(broker.bootstrap, 'interop', [{ key: 'k3', value: 'v3' }, { value: 'v4' }], { partition: 0, compression: 'lz4', headers: { from: 'kcat' } });
  assert.equal(produced.code, 0, produced.stderr);
  const records = jsonLines<JsonRecord>(await brookOk(['consume', 'interop', '-o', '2', '-e', '--format', 'json', ...b]));
  assert.deepEqual(records.map((r) => [r.offset, r.key, r.value, r.headers]), [[2, 'k3', 'v3', [{ key: 'from', value: 'kcat' }]], [3, null, 'v4', [{ key: 'from', value: 'kcat' }]]]);
});

test('consume -g commits where it stopped; the next member of the group goes on from there', async () => {
  await brookOk(['topic', 'create', 'work', '-p', '2', ...b]);
  await brookOk(['produce', 'work', '-p', '0', '-q', ...b], { input: '0a\n0b\n0c\n' });
  await brookOk(['produce', 'work', '-p', '1', '-q', ...b], { input: '1a\n1b\n' });
  const first = jsonLines<JsonRecord>(await brookOk(['consume', 'work', '-g', 'workers', '-o', 'start', '-n', '2', '--format', 'json', ...b]));
  assert.equal(first.length, 2);
  const rest = jsonLines<JsonRecord>(await brookOk(['consume', 'work', '-g', 'workers', '-o', 'start', '-e', '--format', 'json', ...b]));
  const all = [...first, ...rest].map((r) => r.value).sort();
  assert.deepEqual(all, ['0a', '0b', '0c', '1a', '1b'], 'every record exactly once across the two runs');
  const described = JSON.parse(await brookOk(['group', 'describe', 'workers', '--format', 'json', ...b])) as { state: string; offsets: { partition: number; committedOffset: number; lag: number }[] };
  assert.equal(described.state, 'Empty', 'the member left on exit');
  assert.deepEqual(described.offsets.map((o) => [o.partition, o.committedOffset, o.lag]), [[0, 3, 0], [1, 2, 0]]);
});
