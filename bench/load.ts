// Section "load": Brook's own generator against a broker in a child process. 100-byte
// random-letter values, one partition. Produce acks=1; produce acks=-1 with an fsync per batch
// (topic config flush.messages=1); fetch everything back; end-to-end latency at 10,000
// records/s. MB/s counts value bytes (10^6 B/s), as kbench does.
import { withBroker, type BrokerProcess } from './broker-process.js';
import { ApiKey, BenchClient } from './bench-client.js';
import { e2eLatency } from './e2e-latency.js';
import { fetchLoad } from './fetch-load.js';
import { produceLoad } from './produce-load.js';
import { formatNumber, type Report } from './report.js';
import { median } from './stats.js';

const SECTION = 'load';
const VALUE_SIZE = 100;
const RECORDS = 2_000_000;
const RECORDS_PER_BATCH = 1000;
const WINDOW = 8;
const FSYNC_RECORDS = 200_000;
const FSYNC_SERIAL_BATCHES = 200;
const FETCH_PASSES = 3;
const E2E_RATE = 10_000;
const E2E_SECONDS = 10;

export async function runLoad(report: Report): Promise<void> {
  let fsyncViaTopicConfig = true;
  await withBroker({}, async (broker) => {
    const client = await BenchClient.connect(broker, 'bench-load');
    try {
      fsyncViaTopicConfig = client.has(ApiKey.CREATE_TOPICS);
      await produceAndFetch(report, broker, client);
      if (fsyncViaTopicConfig) await produceFsync(report, client, { 'flush.messages': '1' });
      await latency(report, broker);
    } finally {
      client.close();
    }
  });
  if (!fsyncViaTopicConfig) {
    // Without CreateTopics the per-topic setting cannot be given: make it the broker default.
    await withBroker({ settings: { 'log.flush.interval.messages': 1 } }, async (broker) => {
      const client = await BenchClient.connect(broker, 'bench-load-fsync');
      try {
        await produceFsync(report, client, {});
      } finally {
        client.close();
      }
    });
  }
}

async function produceAndFetch(report: Report, broker: BrokerProcess, client: BenchClient): Promise<void> {
  const name = 'load';
  const id = await client.createTopic(name, 1);
  // Warm-up: the JITs of both processes, the segment file, the tail cache.
  await produceLoad(client, { topic: name, records: 20 * RECORDS_PER_BATCH, recordsPerBatch: RECORDS_PER_BATCH, valueSize: VALUE_SIZE, acks: 1, window: WINDOW, maxMs: 10_000, distinctBatches: 4 });

  const p = await produceLoad(client, { topic: name, records: RECORDS, recordsPerBatch: RECORDS_PER_BATCH, valueSize: VALUE_SIZE, acks: 1, window: WINDOW, maxMs: 30_000 });
  const note = `${p.records.toLocaleString('en-US')} × ${VALUE_SIZE} B, batches of ${RECORDS_PER_BATCH}, ${WINDOW} in flight`;
  report.add({ section: SECTION, name: 'produce acks=1', value: p.records / p.seconds, unit: 'rec/s', better: 'higher', target: 500_000, note });
  report.add({ section: SECTION, name: 'produce acks=1 throughput', value: p.valueBytes / p.seconds / 1e6, unit: 'MB/s', better: 'higher' });

  const end = await client.latestOffset(name, 0);
  const consumer = await BenchClient.connect(broker, 'bench-load-fetch');
  try {
    // One full read warms up both processes; then FETCH_PASSES reads each with big responses
    // and with what consumers ask for by default (max.partition.fetch.bytes = 1 MiB). One read
    // takes a few hundred ms, so the median of several is the figure.
    await fetchLoad(consumer, { name, id }, end, { partitionMaxBytes: 1 << 20, maxMs: 60_000 });
    for (const [label, mib, target] of [['fetch', 16, 1_000_000], ['fetch, 1 MiB per request', 1, undefined]] as const) {
      const passes = [];
      for (let i = 0; i < FETCH_PASSES; i++) passes.push(await fetchLoad(consumer, { name, id }, end, { partitionMaxBytes: mib << 20, maxMs: 60_000 }));
      const short = passes.find((f) => f.records < end);
      if (short) report.note(SECTION, `${label}: stopped at ${short.records} of ${end} records (time limit)`);
      const rates = passes.map((f) => f.records / f.seconds);
      const note = `${end.toLocaleString('en-US')} records in ${passes[0].requests} fetches of ≤ ${mib} MiB; median of ${FETCH_PASSES} reads, ${fmtRange(rates)}`;
      report.add({ section: SECTION, name: label, value: median(rates), unit: 'rec/s', better: 'higher', ...(target ? { target } : {}), note });
      if (mib === 16) {
        const mbs = median(passes.map((f) => f.bytes / f.seconds / 1e6));
        report.add({ section: SECTION, name: 'fetch throughput', value: mbs, unit: 'MB/s', better: 'higher', note: 'batch bytes on the wire' });
      }
    }
  } finally {
    consumer.close();
  }
  const mem = broker.memory();
  if (mem) report.add({ section: SECTION, name: 'broker peak RSS after produce+fetch', value: mem.peakMiB, unit: 'MiB', better: 'lower' });
}

async function produceFsync(report: Report, client: BenchClient, configs: Record<string, string>): Promise<void> {
  const name = 'load-fsync';
  await client.createTopic(name, 1, configs);
  const how = Object.keys(configs).length > 0 ? 'topic flush.messages=1' : 'broker log.flush.interval.messages=1';
  const p = await produceLoad(client, { topic: name, records: FSYNC_RECORDS, recordsPerBatch: RECORDS_PER_BATCH, valueSize: VALUE_SIZE, acks: -1, window: WINDOW, maxMs: 20_000 });
  const note = `${p.records.toLocaleString('en-US')} records, ${WINDOW} in flight, fsync covers every batch (${how})`;
  report.add({ section: SECTION, name: 'produce acks=-1 fsync', value: p.records / p.seconds, unit: 'rec/s', better: 'higher', note });
  report.add({ section: SECTION, name: 'produce acks=-1 fsync throughput', value: p.valueBytes / p.seconds / 1e6, unit: 'MB/s', better: 'higher' });
  // One request at a time: no group commit, so every batch pays for its own fsync.
  const q = await produceLoad(client, { topic: name, records: FSYNC_SERIAL_BATCHES * RECORDS_PER_BATCH, recordsPerBatch: RECORDS_PER_BATCH, valueSize: VALUE_SIZE, acks: -1, window: 1, maxMs: 10_000 });
  const perBatch = (q.seconds * 1000 * RECORDS_PER_BATCH) / q.records;
  report.add({ section: SECTION, name: 'produce acks=-1 fsync, 1 in flight', value: q.records / q.seconds, unit: 'rec/s', better: 'higher', note: `${perBatch.toFixed(2)} ms per acked batch` });
}

async function latency(report: Report, broker: BrokerProcess): Promise<void> {
  const producer = await BenchClient.connect(broker, 'bench-e2e-producer');
  const consumer = await BenchClient.connect(broker, 'bench-e2e-consumer');
  try {
    const name = 'load-e2e';
    const id = await producer.createTopic(name, 1);
    const r = await e2eLatency(producer, consumer, { topic: { name, id }, rate: E2E_RATE, seconds: E2E_SECONDS, valueSize: VALUE_SIZE, acks: -1, window: 5 });
    const note = `${E2E_RATE.toLocaleString('en-US')} rec/s for ${E2E_SECONDS} s, achieved ${Math.round(r.rate).toLocaleString('en-US')}/s, lost ${r.lost}, 1 ms send tick`;
    report.add({ section: SECTION, name: 'e2e latency p50', value: r.p50, unit: 'ms', better: 'lower', note });
    report.add({ section: SECTION, name: 'e2e latency p99', value: r.p99, unit: 'ms', better: 'lower', target: 10 });
    report.add({ section: SECTION, name: 'e2e latency p99.9', value: r.p999, unit: 'ms', better: 'lower' });
    report.add({ section: SECTION, name: 'e2e latency max', value: r.max, unit: 'ms', better: 'lower' });
  } finally {
    producer.close();
    consumer.close();
  }
}

function fmtRange(values: readonly number[]): string {
  return `range ${formatNumber(Math.min(...values))}–${formatNumber(Math.max(...values))}`;
}
