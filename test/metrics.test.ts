// The Prometheus endpoint (metrics.port) after a real workload: kafkajs produces to a topic and
// a consumer group reads it all, a raw client provokes a produce and a fetch error. The values
// scraped are checked against what was sent and what the broker stores. /readyz says "not
// ready" while __consumer_offsets replays (held by the broker's test seam) and "ready" after;
// `brook serve --metrics-port` announces the endpoint in its banner.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { buildRecordBatch } from '../src/protocol/records/records.js';
import { TestBroker, tempDir } from './helpers/broker.js';
import { FAST_CLASSIC_GROUPS } from './helpers/group-broker.js';
import { waitFor } from './helpers/wait-for.js';
import { WireClient } from './helpers/wire-client.js';

const TOPIC = 'metered';
const GROUP = 'metered-readers';
const MESSAGES = 30;

let tb: TestBroker;

before(async () => {
  tb = await TestBroker.start({
    settings: { ...FAST_CLASSIC_GROUPS, 'metrics.port': 0, 'offsets.topic.num.partitions': 3, 'log.flush.interval.messages': 1 },
  });
});

after(async () => {
  await tb.cleanup();
});

/** One sample: metric name and labels as they appear in the exposition text. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

async function scrape(url = tb.broker.metricsUrl): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const out: Sample[] = [];
  for (const line of (await res.text()).split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** Samples of `name` whose labels include `labels`; exact: no labels beyond them. */
function select(samples: Sample[], name: string, labels: Record<string, string> = {}, exact = false): Sample[] {
  return samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && (!exact || Object.keys(s.labels).length === Object.keys(labels).length),
  );
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = select(samples, name, labels, true);
  assert.equal(found.length, 1, `one sample of ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return found[0].value;
}

const sum = (samples: Sample[], name: string, labels: Record<string, string> = {}): number => select(samples, name, labels).reduce((n, s) => n + s.value, 0);

test('after a produce, consume and group workload the metrics match what was sent and stored', async () => {
  const kafka = new kafkajs.Kafka({ clientId: 'metrics-test', brokers: [tb.bootstrap], logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  for (let batch = 0; batch < 3; batch++) {
    await producer.send({ topic: TOPIC, messages: Array.from({ length: MESSAGES / 3 }, (_, i) => ({ key: `k${batch * 10 + i}`, value: `value-${batch}-${i}` })) });
  }
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 6000, heartbeatInterval: 200, maxWaitTimeInMs: 100 });
  let received = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
  await consumer.run({ autoCommitThreshold: 1, eachMessage: async () => void received++ });
  await tb.broker.control.waitForLag0(GROUP);
  assert.equal(received, MESSAGES);
  await consumer.disconnect();

  // One produce to a partition that does not exist, one fetch beyond the log end.
  const conn = await WireClient.connect(tb.port);
  const bad = await conn.request(0, 9, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: TOPIC, partitionData: [{ index: 7, records: buildRecordBatch({ records: [{ value: 'x' }] }) }] }] });
  assert.equal((((bad.responses as Record<string, unknown>[])[0].partitionResponses as Record<string, unknown>[])[0].errorCode), 3);
  await conn.request(1, 11, {
    replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 1000, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }], forgottenTopicsData: [], rackId: '',
  });

  const m = await scrape();
  const topic = { topic: TOPIC };
  // Traffic per topic and for all topics (no topic label); only Produce counts as messages in.
  assert.equal(value(m, 'kafka_server_brokertopicmetrics_messagesin_total', topic), MESSAGES);
  assert.equal(value(m, 'kafka_server_brokertopicmetrics_messagesin_total'), MESSAGES);
  const stored = sum(m, 'kafka_log_log_size', topic);
  assert.equal(value(m, 'kafka_server_brokertopicmetrics_bytesin_total', topic), stored, 'bytes in = the batches on disk');
  assert.ok(value(m, 'kafka_server_brokertopicmetrics_messagesout_total', topic) >= MESSAGES);
  assert.ok(value(m, 'kafka_server_brokertopicmetrics_bytesout_total', topic) >= stored);
  assert.equal(value(m, 'kafka_server_brokertopicmetrics_failedproducerequests_total', topic), 1);
  assert.equal(value(m, 'kafka_server_brokertopicmetrics_failedfetchrequests_total', topic), 1);
  assert.ok(value(m, 'kafka_server_brokertopicmetrics_totalproducerequests_total', topic) >= 4);
  // Logs.
  assert.equal(sum(m, 'kafka_log_log_logendoffset', topic), MESSAGES);
  assert.equal(sum(m, 'kafka_log_log_logstartoffset', topic), 0);
  assert.equal(select(m, 'kafka_log_log_size', topic).length, 3);
  assert.equal(value(m, 'kafka_server_replicamanager_partitioncount'), 3 + 3, 'the topic and __consumer_offsets');
  assert.equal(value(m, 'kafka_topic_partitions', topic), 3);
  // Requests and errors per API.
  const produces = sum(m, 'kafka_network_requestmetrics_requests_total', { request: 'Produce' });
  assert.ok(produces >= 4);
  assert.equal(value(m, 'kafka_network_requestmetrics_totaltimems_count', { request: 'Produce' }), produces);
  assert.equal(value(m, 'kafka_network_requestmetrics_totaltimems_bucket', { request: 'Produce', le: '+Inf' }), produces);
  assert.equal(value(m, 'kafka_network_requestmetrics_errors_total', { request: 'Produce', error: 'UNKNOWN_TOPIC_OR_PARTITION' }), 1);
  assert.equal(value(m, 'kafka_network_requestmetrics_errors_total', { request: 'Fetch', error: 'OFFSET_OUT_OF_RANGE' }), 1);
  assert.ok(sum(m, 'kafka_network_requestmetrics_requests_total', { request: 'JoinGroup' }) >= 1);
  // The group: committed to the end, no lag, and gone from the members count once it left.
  for (let p = 0; p < 3; p++) {
    const labels = { consumergroup: GROUP, topic: TOPIC, partition: String(p) };
    assert.equal(value(m, 'kafka_consumergroup_lag', labels), 0);
    assert.equal(value(m, 'kafka_consumergroup_current_offset', labels), value(m, 'kafka_log_log_logendoffset', { topic: TOPIC, partition: String(p) }));
  }
  assert.equal(value(m, 'kafka_consumergroup_lag_sum', { consumergroup: GROUP, topic: TOPIC }), 0);
  assert.equal(value(m, 'kafka_consumergroup_members', { consumergroup: GROUP }), 0);
  // fsync on every append (log.flush.interval.messages=1), and Node's event-loop delay.
  assert.ok(value(m, 'kafka_log_logflushstats_logflushrateandtimems_count') >= 3);
  assert.equal(select(m, 'nodejs_eventloop_lag_seconds').length, 1);
  assert.ok(value(m, 'kafka_server_socket_server_metrics_connection_creation_total', { listener: 'PLAINTEXT' }) >= 4);

  // Connections: the raw one plus a second, once kafkajs' have closed on the broker's side.
  const second = await WireClient.connect(tb.port);
  try {
    await waitFor('2 open connections', async () => value(await scrape(), 'kafka_server_socket_server_metrics_connection_count', { listener: 'PLAINTEXT' }) === 2);
  } finally {
    second.destroy();
    conn.destroy();
  }
});

test('a deleted topic leaves the per-topic series; the all-topics counters keep counting', async () => {
  await tb.broker.control.createTopic('doomed');
  const conn = await WireClient.connect(tb.port);
  try {
    await conn.request(0, 9, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 'doomed', partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ value: 'a' }, { value: 'b' }] }) }] }] });
    const before = await scrape();
    assert.equal(value(before, 'kafka_server_brokertopicmetrics_messagesin_total', { topic: 'doomed' }), 2);
    const all = value(before, 'kafka_server_brokertopicmetrics_messagesin_total');
    assert.equal((await tb.broker.cluster.deleteTopic('doomed')).errorCode, 0);
    const afterDelete = await scrape();
    assert.deepEqual(afterDelete.filter((s) => s.labels.topic === 'doomed'), []);
    assert.equal(value(afterDelete, 'kafka_server_brokertopicmetrics_messagesin_total'), all);
  } finally {
    conn.destroy();
  }
});

test('/healthz answers, unknown paths are 404 and other methods 405', async () => {
  const url = tb.broker.metricsUrl;
  assert.ok(url);
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal((await fetch(`${url}/readyz`)).status, 200);
  assert.equal((await fetch(`${url}/`)).status, 404);
  assert.equal((await fetch(`${url}/metrics`, { method: 'POST' })).status, 405);
});

test('/readyz is not ready while __consumer_offsets replays, and ready once it is loaded', async () => {
  await tb.stop();
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  await tb.startAgain({ beforeReplaySlice: () => gate });
  const url = tb.broker.metricsUrl;
  assert.ok(url);
  try {
    const waiting = await fetch(`${url}/readyz`);
    assert.equal(waiting.status, 503);
    assert.equal(await waiting.text(), 'not ready: replaying __consumer_offsets\n');
    assert.equal((await fetch(`${url}/healthz`)).status, 200, 'the process is up meanwhile');
    assert.equal((await fetch(`${url}/metrics`)).status, 200, 'and can be scraped');
  } finally {
    release();
  }
  await tb.broker.ready;
  const ready = await fetch(`${url}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal(await ready.text(), 'ready\n');
});

test('metrics are off by default: no endpoint', async () => {
  const plain = await TestBroker.start();
  try {
    assert.equal(plain.broker.metricsUrl, null);
  } finally {
    await plain.cleanup();
  }
});

test('brook serve --metrics-port announces the endpoint, which serves /readyz; on SIGTERM it says what it flushed', async () => {
  const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const dir = tempDir('brook-metrics-cli-');
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--metrics-port', '0', '--data-dir', dir, '--log-level', 'silent'], { env: { PATH: process.env.PATH ?? '' } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  try {
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${stdout}`)));
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        const m = /^Metrics on (http:\/\/\S+)\/metrics, health on \/healthz and \/readyz$/m.exec(stdout);
        if (m) resolve(m[1]);
      });
    });
    const port = Number(/^Brook is listening on localhost:(\d+) \(data in /m.exec(stdout)?.[1]);
    await waitFor('ready', async () => (await fetch(`${url}/readyz`)).status === 200);
    // Three records in a one-partition topic, not yet fsynced (the default flush policy).
    const conn = await WireClient.connect(port);
    await conn.request(3, 12, { topics: [{ name: 'flushed', topicId: '00000000-0000-0000-0000-000000000000' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    const produced = await conn.request(0, 9, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 'flushed', partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] }) }] }] });
    assert.equal(((produced.responses as Record<string, unknown>[])[0].partitionResponses as Record<string, unknown>[])[0].errorCode, 0);
    conn.destroy();
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
  assert.match(stderr, /^brook: stopped: flushed 1 log \(3 records not yet fsynced\) in \d/m);
});
