// Several log.dirs, as Kafka uses them: new partitions go to the directory holding the fewest,
// a restart finds the partitions of every directory, and when one directory's disk fails (an
// I/O error injected through the FileSystem seam) only its partitions answer
// KAFKA_STORAGE_ERROR (kafkajs, kcat), Metadata lists the node in their offlineReplicas,
// DescribeLogDirs reports the directory with the error (@platformatic/kafka), the failure is
// logged once, and the other directories keep serving. A restart on a healthy disk brings
// everything acknowledged back. A directory unusable at startup is offline from the start.
import assert from 'node:assert/strict';
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import kafkajs from 'kafkajs';
import { Admin as PlatformaticAdmin } from '@platformatic/kafka';
import { TestBroker, tempDir } from './helpers/broker.js';
import { assertKcatOk, kcatConsume, kcatProduce } from './helpers/kcat.js';
import { WireClient } from './helpers/wire-client.js';
import { kafkaErrorNames } from './helpers/client-errors.js';
import { FaultyFileSystem } from '../src/storage/test-fixtures.js';
import { offsetsPartitionFor } from '../src/coordinator/offsets-topic.js';
import { isStartupError } from '../src/startup-error.js';

const { Kafka, logLevel } = kafkajs;
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function newDirs(n: number): string[] {
  const made = Array.from({ length: n }, () => tempDir('brook-logdir-'));
  dirs.push(...made);
  return made;
}

/** Which directory holds each partition of `topic`, by index into `all`. */
function placement(all: readonly string[], topic: string, partitions: number): number[] {
  return Array.from({ length: partitions }, (_, p) => all.findIndex((d) => readdirSync(d).includes(`${topic}-${p}`)));
}

type DirResult = { logDir: string; errorCode: number; topics: { name: string; partitions: { partitionIndex: number }[] }[] };

/** DescribeLogDirs through @platformatic/kafka for the partitions of `topic`. */
async function describeLogDirs(port: number, topic: string, partitions: number): Promise<DirResult[]> {
  const admin = new PlatformaticAdmin({ clientId: 'log-dirs', bootstrapBrokers: [`localhost:${port}`], retries: 0 });
  try {
    const [answer] = await admin.describeLogDirs({ topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, i) => i) }] });
    return answer.results.map((r) => ({ ...r, errorCode: 0 })) as DirResult[];
  } catch (err) {
    // The client refuses a response holding a per-directory error; the response rides along.
    const inner = [err, ...((err as { errors?: unknown[] }).errors ?? [])];
    const response = inner.map((e) => (e as { response?: { results: DirResult[] } }).response).find((r) => r !== undefined);
    if (!response) throw err;
    return response.results;
  } finally {
    await admin.close();
  }
}

test('new partitions spread over log.dirs (fewest first); a restart finds them in every directory', async () => {
  const [first, second, third] = newDirs(3);
  const broker = await TestBroker.start({ dataDir: first, extraLogDirs: [second, third] });
  try {
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'spread', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'spread', numPartitions: 6 }] });
    await admin.disconnect();
    // Each new log goes to the directory with the fewest logs, ties in log.dirs order.
    assert.deepEqual(placement([first, second, third], 'spread', 6), [0, 1, 2, 0, 1, 2]);
    for (const d of [first, second, third]) {
      assert.ok(readdirSync(d).includes('meta.properties'), `${d}: meta.properties`);
      assert.ok(readdirSync(d).includes('.lock'), `${d}: locked`);
    }
    assert.ok(readdirSync(first).includes('brook-topics.json'));
    assert.ok(!readdirSync(second).includes('brook-topics.json'), 'the metadata lives in the first directory only');

    const producer = kafka.producer();
    await producer.connect();
    for (let p = 0; p < 6; p++) await producer.send({ topic: 'spread', acks: -1, messages: [{ value: `p${p}-a`, partition: p }, { value: `p${p}-b`, partition: p }] });
    await producer.disconnect();
    await broker.restart();
    for (const d of [first, second, third]) assert.ok(readdirSync(d).includes('recovery-point-offset-checkpoint'), `${d}: its own checkpoints`);
    for (let p = 0; p < 6; p++) {
      const records = await kcatConsume(broker.bootstrap, 'spread', { partition: p, offset: 'beginning' });
      assert.deepEqual(records.map((r) => r.value?.toString()), [`p${p}-a`, `p${p}-b`]);
    }
    const described = await describeLogDirs(broker.port, 'spread', 6);
    assert.deepEqual(described.map((r) => [r.logDir, r.errorCode]), [first, second, third].map((d) => [d, 0]));
    assert.deepEqual(described.map((r) => r.topics.find((t) => t.name === 'spread')?.partitions.map((x) => x.partitionIndex).sort()), [[0, 3], [1, 4], [2, 5]]);
  } finally {
    await broker.cleanup();
  }
});

test('one disk fails: its partitions answer KAFKA_STORAGE_ERROR, the others serve, DescribeLogDirs shows it, logged once; a restart recovers', async () => {
  const [first, second] = newDirs(2);
  const fs = new FaultyFileSystem();
  const broker = await TestBroker.start({ dataDir: first, extraLogDirs: [second], fs, settings: { 'offsets.topic.num.partitions': 2, 'metrics.port': 0 } });
  try {
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'failing', logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'disks', numPartitions: 2 }] });
    assert.deepEqual(placement([first, second], 'disks', 2), [0, 1]);
    // Groups whose __consumer_offsets partition is on each directory.
    const groups = [0, 1].map((p) => Array.from({ length: 100 }, (_, i) => `group-${i}`).find((g) => offsetsPartitionFor(g, 2) === p)!);
    const findCoordinators = async (): Promise<number[]> => {
      const wire = await WireClient.connect(broker.port);
      const res = (await wire.request(10, 4, { keyType: 0, coordinatorKeys: groups })) as { coordinators: { errorCode: number }[] };
      wire.destroy();
      return res.coordinators.map((c) => c.errorCode);
    };
    assert.deepEqual(await findCoordinators(), [0, 0]);
    assert.deepEqual(placement([first, second], '__consumer_offsets', 2), [0, 1]);
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    for (let i = 0; i < 3; i++) await producer.send({ topic: 'disks', acks: -1, messages: [{ value: `a${i}`, partition: 0 }, { value: `b${i}`, partition: 1 }] });

    // The second directory's disk starts failing every write.
    fs.fail('write', 'EIO', { path: new RegExp(`^${second}/`), times: Infinity });
    const logged = broker.logs.length;
    await assert.rejects(producer.send({ topic: 'disks', acks: -1, messages: [{ value: 'lost', partition: 1 }] }), (err: unknown) => kafkaErrorNames(err).includes('KAFKA_STORAGE_ERROR'));
    await assert.rejects(producer.send({ topic: 'disks', acks: -1, messages: [{ value: 'lost', partition: 1 }] }), (err: unknown) => kafkaErrorNames(err).includes('KAFKA_STORAGE_ERROR'));
    await producer.send({ topic: 'disks', acks: -1, messages: [{ value: 'a3', partition: 0 }] });

    // kcat: the same partition fails to produce and to consume, the other works.
    const failed = await kcatProduce(broker.bootstrap, 'disks', [{ value: 'kcat' }], { partition: 1, props: { 'message.send.max.retries': 0, 'message.timeout.ms': 5000 } });
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /Broker: Disk error when trying to access log file on disk/);
    assertKcatOk(await kcatProduce(broker.bootstrap, 'disks', [{ value: 'a4' }], { partition: 0 }), 'produce to the healthy partition');
    // Fetch answers the error per partition (librdkafka and kafkajs retry it quietly, as with Kafka).
    const wire = await WireClient.connect(broker.port);
    const fetched = (await wire.request(1, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: 'disks', partitions: [0, 1].map((partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 })) }],
      forgottenTopicsData: [], rackId: '',
    })) as { responses: { partitions: { partitionIndex: number; errorCode: number }[] }[] };
    wire.destroy();
    assert.deepEqual(fetched.responses[0].partitions.map((p) => [p.partitionIndex, p.errorCode]), [[0, 0], [1, 56]]);
    assert.deepEqual((await kcatConsume(broker.bootstrap, 'disks', { partition: 0, offset: 'beginning' })).map((r) => r.value?.toString()), ['a0', 'a1', 'a2', 'a3', 'a4']);

    // Metadata names the node as the partition's offline replica; kafkajs ListOffsets fails for it.
    const meta = await admin.fetchTopicMetadata({ topics: ['disks'] });
    assert.deepEqual(meta.topics[0].partitions.map((p) => [p.partitionId, p.offlineReplicas]).sort(), [[0, []], [1, [0]]]);
    await assert.rejects(admin.fetchTopicOffsets('disks'), (err: unknown) => kafkaErrorNames(err).includes('KAFKA_STORAGE_ERROR'));

    const described = await describeLogDirs(broker.port, 'disks', 2);
    assert.deepEqual(described.map((r) => [r.logDir, r.errorCode]), [[first, 0], [second, 56]]);
    // The group whose offsets partition was on the failed disk has no coordinator now.
    assert.deepEqual(await findCoordinators(), [0, 15]);
    const metrics = await (await fetch(`${broker.broker.metricsUrl}/metrics`)).text();
    assert.match(metrics, /^kafka_log_logmanager_offlinelogdirectorycount 1$/m);
    assert.match(metrics, new RegExp(`^kafka_log_logmanager_logdirectoryoffline\\{logdirectory="${second}"\\} 1$`, 'm'));
    assert.match(metrics, /^kafka_controller_kafkacontroller_offlinepartitionscount 2$/m);
    assert.deepEqual(described[1].topics, []);

    const errors = broker.logs.slice(logged).filter((l) => l.level >= 50);
    assert.equal(errors.length, 1, JSON.stringify(errors.map((l) => l.msg)));
    assert.match(errors[0].msg, new RegExp(`^log directory ${second} is offline: append to disks-1 failed \\(EIO\\)\\. Its 2 partition\\(s\\) answer KAFKA_STORAGE_ERROR until Brook restarts; 1 other log directory keeps serving`));
    await producer.disconnect();
    await admin.disconnect();

    // New partitions avoid the failed directory.
    const adminAgain = kafka.admin();
    await adminAgain.connect();
    await adminAgain.createTopics({ topics: [{ topic: 'after-failure', numPartitions: 2 }] });
    await adminAgain.disconnect();
    assert.deepEqual(placement([first, second], 'after-failure', 2), [0, 0]);

    // The disk is replaced (the fault goes away) and Brook restarted: everything acknowledged is back.
    fs.clear();
    await broker.restart();
    assert.deepEqual((await kcatConsume(broker.bootstrap, 'disks', { partition: 1, offset: 'beginning' })).map((r) => r.value?.toString()), ['b0', 'b1', 'b2']);
    assertKcatOk(await kcatProduce(broker.bootstrap, 'disks', [{ value: 'b3' }], { partition: 1 }), 'produce after the restart');
    assert.deepEqual((await describeLogDirs(broker.port, 'disks', 2)).map((r) => r.errorCode), [0, 0]);
  } finally {
    fs.clear();
    await broker.cleanup();
  }
});

test('a log directory that cannot be used at startup is offline; the broker serves from the others', async () => {
  const [first, holder] = newDirs(2);
  const file = join(holder, 'a-file');
  writeFileSync(file, 'not a directory');
  const broken = join(file, 'logs'); // mkdir fails with ENOTDIR
  const broker = await TestBroker.start({ dataDir: first, extraLogDirs: [broken] });
  try {
    const errors = broker.errors();
    assert.equal(errors.length, 1);
    assert.match(errors[0].msg, new RegExp(`^log directory ${broken} is offline: creating and locking the directory failed \\(ENOTDIR\\)`));
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'startup', logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic: 'auto', acks: -1, messages: [{ value: 'x' }] });
    await producer.disconnect();
    assert.ok(readdirSync(first).includes('auto-0'));
    assert.deepEqual((await describeLogDirs(broker.port, 'auto', 1)).map((r) => [r.logDir, r.errorCode]), [[first, 0], [broken, 56]]);
  } finally {
    await broker.cleanup();
  }
});

test('log directories that contradict each other refuse the start: one partition in two, or two clusters (exit code 5)', async () => {
  const [first, second] = newDirs(2);
  const broker = await TestBroker.start({ dataDir: first, extraLogDirs: [second] });
  await broker.broker.cluster.createTopic('twice', 2, {});
  await broker.stop();
  // A copy of a partition in the other directory (a disk replaced half-way, files copied by hand).
  cpSync(join(second, 'twice-1'), join(first, 'twice-1'), { recursive: true });
  await assert.rejects(broker.startAgain(), (err: unknown) => {
    assert.ok(isStartupError(err));
    assert.equal(err.exitCode, 5);
    assert.match(err.message, /^cannot use the log directories: partition twice-1 is in two log directories, .* remove the copy that is out of date/);
    return true;
  });
  rmSync(join(first, 'twice-1'), { recursive: true });
  // A directory from another broker's cluster.
  writeFileSync(join(second, 'meta.properties'), 'version=1\ncluster.id=someOtherClusterIdAAAA\nnode.id=0\n');
  await assert.rejects(broker.startAgain(), (err: unknown) => isStartupError(err) && err.exitCode === 5 && /belongs to cluster someOtherClusterIdAAAA/.test(err.message));
  await broker.cleanup();
});
