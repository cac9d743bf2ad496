// Sensor stream: devices send readings keyed by device; a processor computes per-device
// one-minute windows (count, min, max, mean) by event time and publishes them; a dashboard reads
// the summaries. Claims checked:
//   1. the windows are complete and correct against an independent computation (a plain
//      group-by over the readings the generator meant to be counted);
//   2. late readings within the grace period are counted, later ones are dropped and counted
//      as dropped;
//   3. throughput is reported (readings/s produced and aggregated).
import { Producer, stringSerializers } from '@platformatic/kafka';
import type { ExampleContext, ExampleDefinition } from '../shared/example.js';
import { waitUntil } from '../shared/wait.js';
import { Dashboard } from './dashboard.js';
import { generateReadings } from './devices.js';
import { READINGS, WINDOW_MS, WINDOWS, type Reading, type WindowSummary } from './events.js';
import { WindowProcessor } from './window-processor.js';

interface Size {
  partitions: number;
  devices: number;
  minutes: number;
}

const SHORT: Size = { partitions: 4, devices: 20, minutes: 5 };
const LARGE: Size = { partitions: 8, devices: 1_000, minutes: 20 };

/** The answer, computed without windows, watermarks or the log. */
function expectedWindows(readings: readonly Reading[]): Map<string, WindowSummary> {
  const out = new Map<string, WindowSummary>();
  for (const r of readings) {
    const windowStart = r.at - (r.at % WINDOW_MS);
    const key = `${r.deviceId}|${windowStart}`;
    const w = out.get(key) ?? { deviceId: r.deviceId, windowStart, count: 0, min: Infinity, max: -Infinity, sum: 0, mean: 0 };
    w.count++;
    w.min = Math.min(w.min, r.value);
    w.max = Math.max(w.max, r.value);
    w.sum += r.value;
    w.mean = w.sum / w.count;
    out.set(key, w);
  }
  return out;
}

function sameWindow(a: WindowSummary, b: WindowSummary): boolean {
  return a.count === b.count && a.min === b.min && a.max === b.max && Math.abs(a.sum - b.sum) < 1e-6 && Math.abs(a.mean - b.mean) < 1e-9;
}

async function run({ cluster, claims, scale }: ExampleContext): Promise<void> {
  const size = scale ? LARGE : SHORT;
  await cluster.createTopics([
    { name: READINGS, partitions: size.partitions },
    { name: WINDOWS, partitions: size.partitions },
  ]);
  // Event times start on a minute boundary a little in the past (brokers reject timestamps
  // too far in the future: message.timestamp.after.max.ms).
  const base = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS - (size.minutes + 5) * WINDOW_MS;
  const generated = generateReadings(size.devices, size.minutes, base);
  const total = generated.ticks.reduce((n, t) => n + t.length, 0);
  const producer = new Producer<string, string, string, string>({ clientId: 'devices', bootstrapBrokers: cluster.bootstrap, serializers: stringSerializers });
  const processor = new WindowProcessor(cluster);
  const dashboard = new Dashboard(cluster);
  try {
    claims.step(`${size.devices} devices send ${total.toLocaleString('en-US')} readings over ${size.minutes} minutes of event time (${generated.late} late, ${generated.tooLate} too late)`);
    const sendStarted = performance.now();
    // One send per second of event time, in order: the order a partition receives is the order
    // the devices sent (a delayed reading is sent when it finally "arrives").
    for (const tick of generated.ticks) {
      await producer.send({ messages: tick.map((r) => ({ topic: cluster.topic(READINGS), key: r.deviceId, value: JSON.stringify(r), timestamp: BigInt(r.at) })), acks: -1 });
    }
    claims.figure('readings produced', total / ((performance.now() - sendStarted) / 1000), 'readings/s');

    claims.step('the window processor and the dashboard start on the backlog');
    const started = performance.now();
    await processor.start();
    await dashboard.start();
    await waitUntil('the processor read every reading', () => processor.readings === total, 300_000);
    const aggregateMs = performance.now() - started;
    const expected = expectedWindows(generated.counted);
    await waitUntil('the dashboard received every window', () => dashboard.windows.size >= expected.size, 120_000, () => [dashboard.windows.size, expected.size]);
    claims.figure('readings aggregated (join + read + window + publish)', total / (aggregateMs / 1000), 'readings/s');

    const wrong: string[] = [];
    for (const [key, w] of expected) {
      const got = dashboard.windows.get(key);
      if (!got || !sameWindow(got, w)) wrong.push(key);
    }
    const extra = [...dashboard.windows.keys()].filter((k) => !expected.has(k));
    claims.check(
      'every window is complete and correct against an independent computation',
      wrong.length === 0 && extra.length === 0 && dashboard.received === expected.size,
      `${expected.size - wrong.length}/${expected.size} windows right, ${extra.length} unexpected, ${dashboard.received} published`,
    );
    claims.check('late readings within the grace period were counted', processor.state.lateCounted === generated.late, `${processor.state.lateCounted} of ${generated.late}`);
    claims.check('readings later than the grace period were dropped, and counted as dropped', processor.state.dropped === generated.tooLate, `${processor.state.dropped} of ${generated.tooLate}`);
  } finally {
    await dashboard.stop();
    await processor.stop();
    await producer.close();
  }
}

export const sensors: ExampleDefinition = {
  name: 'sensors',
  title: 'Sensor stream: per-device one-minute windows by event time',
  run,
};
