// `brook topic ...` and `brook cluster info` end to end against an in-process broker, JSON output
// parsed, and the error paths: unknown topic, existing topic, bad flags, unreachable broker.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { TestBroker } from './helpers/broker.js';
import { brook, brookJson, brookOk } from './helpers/brook-cli.js';
import { freePort } from './helpers/ports.js';

let broker: TestBroker;
let b: string[];

before(async () => {
  broker = await TestBroker.start({ settings: { 'num.partitions': 2 } });
  b = ['-b', broker.bootstrap];
});
after(async () => {
  await broker.cleanup();
});

interface TopicDoc {
  name: string;
  topicId: string;
  partitions: PartitionDoc[];
  configs: { name: string; value: string | null; source: string }[];
}
interface PartitionDoc {
  partition: number;
  leader: number;
  logStartOffset: number;
  highWatermark: number;
  sizeBytes: number;
}

test('topic create with partitions and configs, then list and describe as JSON', async () => {
  const created = await brookJson<{ name: string; partitions: number; error: unknown }[]>(['topic', 'create', 'orders', '-p', '3', '-c', 'retention.ms=1000', '-c', 'cleanup.policy=compact', ...b]);
  assert.deepEqual(created.map((t) => [t.name, t.partitions, t.error]), [['orders', 3, null]]);
  await brookOk(['topic', 'create', 'plain', ...b]);

  const list = await brookJson<{ name: string; partitions: number; replicationFactor: number }[]>(['topic', 'list', ...b]);
  assert.deepEqual(list.filter((t) => ['orders', 'plain'].includes(t.name)).map((t) => [t.name, t.partitions, t.replicationFactor]), [['orders', 3, 1], ['plain', 2, 1]]);

  const [orders] = await brookJson<TopicDoc[]>(['topic', 'describe', 'orders', ...b]);
  assert.equal(orders.partitions.length, 3);
  assert.ok(orders.partitions.every((p) => p.leader === 0 && p.logStartOffset === 0 && p.highWatermark === 0 && p.sizeBytes === 0));
  const config = (name: string) => orders.configs.find((c) => c.name === name);
  assert.deepEqual(config('retention.ms'), { name: 'retention.ms', value: '1000', source: 'DYNAMIC_TOPIC_CONFIG', readOnly: false, sensitive: false });
  assert.equal(config('cleanup.policy')?.value, 'compact');
  assert.equal(config('segment.bytes')?.source, 'DEFAULT_CONFIG');
});

test('describe shows offsets and sizes per partition after records arrive; table output is aligned', async () => {
  await brookOk(['topic', 'create', 'sized', '-p', '2', ...b]);
  await brookOk(['produce', 'sized', '-p', '1', '-q', ...b], { input: 'a\nb\nc\n' });
  const [doc] = await brookJson<TopicDoc[]>(['topic', 'describe', 'sized', ...b]);
  assert.deepEqual(doc.partitions.map((p) => p.highWatermark), [0, 3]);
  assert.equal(doc.partitions[0].sizeBytes, 0);
  assert.ok(doc.partitions[1].sizeBytes > 0);

  const table = await brookOk(['topic', 'describe', 'sized', '-p', ...b]);
  const lines = table.split('\n');
  const header = lines.findIndex((l) => l.startsWith('PARTITION '));
  assert.ok(header > 0, table);
  // Every column starts where its header does.
  const hwColumn = lines[header].indexOf('HIGH-WATERMARK');
  assert.equal(lines[header + 2].slice(hwColumn).split(/\s+/)[0], '3');
  assert.doesNotMatch(table, /CONFIGS/);
});

test('add-partitions and alter-config change the topic', async () => {
  await brookOk(['topic', 'create', 'grow', '-p', '1', ...b]);
  await brookOk(['topic', 'add-partitions', 'grow', '--num', '2', ...b]);
  const [grown] = await brookJson<TopicDoc[]>(['topic', 'describe', 'grow', ...b]);
  assert.equal(grown.partitions.length, 3);
  const total = await brook(['topic', 'add-partitions', 'grow', '--total', '2', ...b]);
  assert.equal(total.code, 1, 'shrinking is refused');
  assert.match(total.stderr, /^brook: INVALID_PARTITIONS: /m);

  await brookOk(['topic', 'alter-config', 'grow', '--set', 'retention.ms=5000', '--set', 'max.message.bytes=2048', ...b]);
  let [doc] = await brookJson<TopicDoc[]>(['topic', 'describe', 'grow', '-c', ...b]);
  assert.equal(doc.configs.find((c) => c.name === 'retention.ms')?.value, '5000');
  assert.equal(doc.configs.find((c) => c.name === 'max.message.bytes')?.source, 'DYNAMIC_TOPIC_CONFIG');
  await brookOk(['topic', 'alter-config', 'grow', '--delete', 'retention.ms', ...b]);
  [doc] = await brookJson<TopicDoc[]>(['topic', 'describe', 'grow', '-c', ...b]);
  assert.equal(doc.configs.find((c) => c.name === 'retention.ms')?.source, 'DEFAULT_CONFIG');

  const bad = await brook(['topic', 'alter-config', 'grow', '--set', 'retention.ms=soon', ...b]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^brook: INVALID_CONFIG: /m);
});

test('delete removes topics; --if-exists and --if-not-exists tolerate what is already so', async () => {
  await brookOk(['topic', 'create', 'doomed', ...b]);
  const again = await brook(['topic', 'create', 'doomed', ...b]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^brook: TOPIC_ALREADY_EXISTS: topic 'doomed' already exists; see it with brook topic describe doomed$/m);
  assert.equal((await brook(['topic', 'create', 'doomed', '--if-not-exists', ...b])).code, 0);

  const deleted = await brookJson<{ name: string; error: unknown }[]>(['topic', 'delete', 'doomed', ...b]);
  assert.deepEqual(deleted, [{ name: 'doomed', error: null }]);
  const list = await brookJson<{ name: string }[]>(['topic', 'list', ...b]);
  assert.ok(!list.some((t) => t.name === 'doomed'));
  const gone = await brook(['topic', 'delete', 'doomed', ...b]);
  assert.equal(gone.code, 1);
  assert.equal((await brook(['topic', 'delete', 'doomed', '--if-exists', ...b])).code, 0);
});

test("an unknown topic is Kafka's error name with a hint, exit 1, no stack trace", async () => {
  for (const args of [['topic', 'describe', 'missing'], ['consume', 'missing', '-n', '1'], ['produce', 'missing']]) {
    const r = await brook([...args, ...b]);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stderr, "brook: UNKNOWN_TOPIC_OR_PARTITION: topic 'missing' does not exist; create it with brook topic create missing\n");
  }
  // The CLI never creates topics by asking about them.
  const list = await brookJson<{ name: string }[]>(['topic', 'list', ...b]);
  assert.ok(!list.some((t) => t.name === 'missing'));
});

test('usage errors exit 2 with a message', async () => {
  const cases: [string[], RegExp][] = [
    [['topic', 'create'], /missing required argument 'topics'/],
    [['topic', 'create', 'x', '-p', 'many', ...b], /-p\/--partitions expects a positive integer, got 'many'/],
    [['topic', 'list', '--format', 'yaml', ...b], /argument 'yaml' is invalid/],
    [['topic', 'frobnicate'], /unknown command 'frobnicate'/],
    [['consume', 'x', '-o', 'sometime', ...b], /cannot read 'sometime' as a position/],
    [['topic', 'alter-config', 'x', ...b], /nothing to change/],
  ];
  for (const [args, message] of cases) {
    const r = await brook(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('an unreachable broker fails with a clear message within the timeout', async () => {
  // Nothing listens: refused at once.
  const port = await freePort();
  const refused = await brook(['topic', 'list', '-b', `localhost:${port}`]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`^brook: cannot connect to localhost:${port}: connection refused .*-b/--brokers`));

  // Something listens but never answers: the request timeout ends the wait.
  const silent: Server = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, 'localhost', resolve));
  const silentPort = (silent.address() as { port: number }).port;
  try {
    const r = await brook(['topic', 'list', '-b', `localhost:${silentPort}`, '--timeout', '300'], { timeoutMs: 20_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^brook: localhost:${silentPort} did not answer ApiVersions within 300 ms`));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  } finally {
    silent.close();
  }
});

test('BROOK_BROKERS is the default bootstrap; cluster info lists brokers, controller and API versions', async () => {
  const info = await brookJson<{ clusterId: string; controllerId: number; brokers: { nodeId: number; port: number; controller: boolean }[]; apiVersions: { apis: { name: string; brokerMax: number; used: number | null }[] } }>(['cluster', 'info'], { env: { BROOK_BROKERS: broker.bootstrap } });
  assert.match(info.clusterId, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(info.controllerId, 0);
  assert.deepEqual(info.brokers.map((x) => [x.nodeId, x.port, x.controller]), [[0, broker.port, true]]);
  const produce = info.apiVersions.apis.find((a) => a.name === 'Produce');
  assert.ok(produce && produce.used === produce.brokerMax, 'the client uses the highest Produce version both speak');
  const table = await brookOk(['cluster', 'info', ...b]);
  assert.match(table, /^CLUSTER-ID: {2}\S+$/m);
  assert.match(table, /^0 +localhost +\d+ +- +yes$/m);
});
