// Section "metrics": what the Prometheus endpoint (metrics.port) costs produce throughput. Two
// brokers run side by side, one without metrics and one with them and a scrape every 5 s
// (Prometheus is usually set to 15 to 60 s). The same load
// runs on each in turn, ROUNDS times, so that whatever else the machine does falls on both.
// Figures: the median rate of each side, the broker's CPU time per record (all threads, from
// /proc), and the median over rounds of on/off CPU per record in the same round (pairing runs
// that follow each other cancels slow drifts of the machine's load). On a shared machine single
// runs still swing by tens of percent, more than the 3 % to be judged, so the section also
// times what metrics add to one request in process (RequestMetrics.answered on a Produce body,
// with the two clock reads the connection makes) and divides it by the broker's CPU time per
// request without metrics: the overhead estimate that carries the target (≤ 3 %).
// Loads: Brook's generator with small batches (10 records: the per-request cost dominates),
// with large batches (1000 records: bytes dominate), and kbench (librdkafka) when available.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { BenchClient } from './bench-client.js';
import { BrokerProcess } from './broker-process.js';
import { findKbench } from './kbench.js';
import { buildBatches, produceLoad } from './produce-load.js';
import { BrokerMetrics } from '../src/observability/broker-metrics.js';
import type { Handler } from '../src/handlers/handler.js';
import type { Report } from './report.js';
import { median } from './stats.js';

const SECTION = 'metrics';
const ROUNDS = 9;
const VALUE_SIZE = 100;
const SCRAPE_EVERY_MS = 5000;
/** Prometheus' usual scrape interval, for the scrape cost as a share of a core. */
const TYPICAL_SCRAPE_INTERVAL_S = 15;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

interface Side {
  broker: BrokerProcess;
  client: BenchClient;
  metricsUrl?: string;
}

/** One measured run: records per second, and broker CPU ns per record (NaN when unknown). */
type Run = (side: Side, round: number) => Promise<{ rate: number; cpuPerRecord: number }>;

async function measured(broker: BrokerProcess, records: number, fn: () => Promise<number>): Promise<{ rate: number; cpuPerRecord: number }> {
  const before = broker.cpuNs();
  const rate = await fn();
  const after = broker.cpuNs();
  return { rate, cpuPerRecord: before === undefined || after === undefined ? Number.NaN : (after - before) / records };
}

async function withScrapes<T>(url: string | undefined, fn: () => Promise<T>): Promise<{ result: T; scrapes: number }> {
  if (url === undefined) return { result: await fn(), scrapes: 0 };
  let scrapes = 0;
  const timer = setInterval(() => {
    void fetch(url)
      .then((r) => r.text())
      .then(() => void scrapes++)
      .catch(() => undefined);
  }, SCRAPE_EVERY_MS);
  try {
    return { result: await fn(), scrapes };
  } finally {
    clearInterval(timer);
  }
}

function kbenchProduce(bin: string, bootstrap: string, topic: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(bin, ['produce', bootstrap, '-t', topic, '-C', '1', '-n', '1000000', '-s', String(VALUE_SIZE), '-a', '1', '-T', '60'], { timeout: 90_000 }, (err, stdout) => {
      const m = /msgs_s=([\d.]+)/.exec(stdout);
      if (!m) return reject(new Error(`kbench produced no figure: ${err?.message ?? stdout}`));
      resolve(Number(m[1]));
    });
  });
}

/** ns that RequestMetrics adds to one answered Produce request of `recordsPerBatch` records. */
function perRequestCost(recordsPerBatch: number): number {
  const m = new BrokerMetrics();
  m.attach({ listener: 'PLAINTEXT', topics: () => [], logDirs: () => [], topicExists: () => true, topicName: () => 'bench', groups: () => [], connections: () => ({ open: 0, accepted: 0 }) });
  const handler = { apiKey: 0, name: 'Produce', minVersion: 3, maxVersion: 11 } as Handler;
  const request = { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 'bench', partitionData: [{ index: 0, records: buildBatches(1, recordsPerBatch, VALUE_SIZE)[0] }] }] };
  const response = { responses: [{ name: 'bench', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 0, logAppendTimeMs: -1, logStartOffset: 0, recordErrors: [], errorMessage: null }] }], throttleTimeMs: 0 };
  const n = 500_000;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) m.requests.answered(handler, 9, request, response, performance.now());
    best = Math.min(best, ((performance.now() - t) * 1e6) / n);
  }
  return best;
}

/** ms of CPU one scrape takes in the broker with `partitions` partitions and `groups` groups of 10 partitions. */
async function scrapeCost(partitions: number, groups: number): Promise<number> {
  const m = new BrokerMetrics();
  const log = { size: 1 << 20, logStartOffset: 0, logEndOffset: 1000, numberOfSegments: 1 };
  const topics = Array.from({ length: partitions / 10 }, (_, t) => ({ name: `topic-${t}`, partitions: Array.from({ length: 10 }, (_, index) => ({ index, offline: undefined, log })) }));
  const offsets = Array.from({ length: 10 }, (_, partition) => ({ topic: 'topic-0', partition, committedOffset: 900, lag: 100 }));
  m.attach({
    listener: 'PLAINTEXT',
    topics: () => topics,
    logDirs: () => [{ path: '/data', offline: false }],
    topicExists: () => true,
    topicName: () => undefined,
    groups: () => Array.from({ length: groups }, (_, g) => ({ groupId: `group-${g}`, members: [{}], offsets })),
    connections: () => ({ open: 10, accepted: 10 }),
  });
  await m.scrape();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < 20; i++) await m.scrape();
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / 20 / 1000);
  }
  return best;
}

export async function runMetricsOverhead(report: Report): Promise<void> {
  const cost = await scrapeCost(1000, 20);
  report.add({ section: SECTION, name: 'one scrape, 1000 partitions and 20 groups', value: cost, unit: 'ms', better: 'lower', note: `CPU in process, best of 5 × 20; ${((cost / (TYPICAL_SCRAPE_INTERVAL_S * 1000)) * 100).toFixed(3)} % of a core at one scrape every ${TYPICAL_SCRAPE_INTERVAL_S} s` });

  const metricsPort = await freePort();
  const off = await BrokerProcess.start();
  const on = await BrokerProcess.start({ settings: { 'metrics.port': metricsPort } });
  const sides: Side[] = [];
  try {
    sides.push({ broker: off, client: await BenchClient.connect(off, 'bench-metrics-off') });
    sides.push({ broker: on, client: await BenchClient.connect(on, 'bench-metrics-on'), metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` });
    const generator = (label: string, recordsPerBatch: number, records: number): Run => async (side, round) => {
      const topic = `${label}-${round}`;
      await side.client.createTopic(topic, 1);
      await produceLoad(side.client, { topic, records: 20 * recordsPerBatch, recordsPerBatch, valueSize: VALUE_SIZE, acks: 1, window: 8, maxMs: 10_000, distinctBatches: 4 });
      return measured(side.broker, records, async () => {
        const r = await produceLoad(side.client, { topic, records, recordsPerBatch, valueSize: VALUE_SIZE, acks: 1, window: 8, maxMs: 30_000 });
        if (r.records !== records) throw new Error(`only ${r.records} of ${records} records in time`);
        return r.records / r.seconds;
      });
    };
    const batchSizes = new Map([['produce, 10-record batches', 10], ['produce, 1000-record batches', 1000]]);
    const loads: [string, string, Run][] = [
      ['produce, 10-record batches', 'Brook generator, 200,000 × 100 B, 8 in flight, acks=1', generator('small', 10, 200_000)],
      ['produce, 1000-record batches', 'Brook generator, 3,000,000 × 100 B, 8 in flight, acks=1', generator('large', 1000, 3_000_000)],
    ];
    const kbench = findKbench();
    if (kbench) loads.push(['kbench produce', 'librdkafka, 1M × 100 B, acks=1, one partition', (side, round) => measured(side.broker, 1_000_000, () => kbenchProduce(kbench, side.broker.bootstrap, `kb-metrics-${round}`))]);
    else report.note(SECTION, 'kbench not found: only Brook\'s generator measured');

    for (const [name, note, run] of loads) {
      const rates: [number[], number[]] = [[], []];
      const cpu: [number[], number[]] = [[], []];
      let scrapes = 0;
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate which side goes first, so that a trend in the machine's load favours neither.
        const order = round % 2 === 0 ? [0, 1] : [1, 0];
        for (const i of order) {
          const { result, scrapes: n } = await withScrapes(sides[i].metricsUrl, () => run(sides[i], round));
          rates[i].push(result.rate);
          cpu[i].push(result.cpuPerRecord);
          scrapes += n;
        }
      }
      const [plain, metered] = rates.map(median);
      const [plainCpu, meteredCpu] = cpu.map(median);
      const spread = (xs: number[]): string => xs.map((x) => Math.round(x)).join('/');
      report.add({ section: SECTION, name: `${name}, metrics off`, value: plain, unit: 'rec/s', better: 'higher', note: `${note}; median of ${ROUNDS}: ${spread(rates[0])}` });
      report.add({ section: SECTION, name: `${name}, metrics on`, value: metered, unit: 'rec/s', better: 'higher', note: `${spread(rates[1])}; ${scrapes} scrapes (every ${SCRAPE_EVERY_MS / 1000} s) during the runs` });
      if (Number.isNaN(plainCpu)) continue;
      report.add({ section: SECTION, name: `${name}, broker CPU per record, off`, value: plainCpu, unit: 'ns', better: 'lower', note: spread(cpu[0]) });
      report.add({ section: SECTION, name: `${name}, broker CPU per record, on`, value: meteredCpu, unit: 'ns', better: 'lower', note: spread(cpu[1]) });
      const paired = median(cpu[1].map((on, i) => on / cpu[0][i]));
      report.add({ section: SECTION, name: `${name}, CPU per record on vs off`, value: (paired - 1) * 100, unit: '%', better: 'lower', note: `median of ${ROUNDS} paired rounds; end to end, within the machine's noise` });
      const batch = batchSizes.get(name);
      if (batch !== undefined) {
        const cost = perRequestCost(batch);
        report.add({ section: SECTION, name: `${name}, metrics cost per request`, value: cost, unit: 'ns', better: 'lower', note: 'in process, best of 5 × 500,000' });
        report.add({ section: SECTION, name: `${name}, overhead estimate`, value: (cost / (plainCpu * batch)) * 100, unit: '%', better: 'lower', target: 3, note: 'metrics cost per request ÷ broker CPU per request without metrics' });
      }
    }
  } finally {
    for (const s of sides) s.client.close();
    await Promise.all([off.stop(), on.stop()]);
  }
}
