// Reading whole topics back with each client, normalised to SeenRecord. kcat and
// @platformatic/kafka's low-level fetch read partitions directly; the kafkajs and platformatic
// readers are group consumers (FindCoordinator, JoinGroup, SyncGroup, ...).
import type { Consumer as PlatformaticConsumer } from '@platformatic/kafka';
import type { Kafka } from 'kafkajs';
import { kcatConsume } from './kcat.js';
import { platformaticFetchPartition } from './platformatic-fetch.js';
import { toSeen, type SeenRecord } from './records.js';

/**
 * kcat processes running at once. Each spawn blocks this process's event loop until the child
 * has started (~60 ms here when quiet, up to 2.5 s under load), and the broker under test
 * usually lives in this process: twenty spawns in a row kept it from answering for over 8 s,
 * longer than librdkafka waited for its first metadata.
 */
const KCAT_READERS = 4;

/** Runs `fn` over `items`, at most `limit` at a time; the results in the items' order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Every partition in [0, partitions) from `from` (default the beginning), via kcat -C -e. */
export async function readAllKcat(bootstrap: string, topic: string, partitions: number, from: 'beginning' | number = 'beginning'): Promise<SeenRecord[]> {
  return (await readTopicsKcat(bootstrap, new Map([[topic, partitions]]), from)).get(topic) ?? [];
}

/**
 * Several whole topics (name -> partition count) via kcat, one process per partition, a few at
 * a time: librdkafka sometimes waits 500 ms on a partition whose leader it learns a moment after
 * the fetch starts, and in parallel those waits overlap instead of adding up.
 */
export async function readTopicsKcat(bootstrap: string, topics: ReadonlyMap<string, number>, from: 'beginning' | number = 'beginning'): Promise<Map<string, SeenRecord[]>> {
  const jobs = [...topics].flatMap(([topic, n]) => Array.from({ length: n }, (_, partition) => ({ topic, partition })));
  const read = await mapLimit(jobs, KCAT_READERS, ({ topic, partition }) => kcatConsume(bootstrap, topic, { partition, offset: from }));
  const out = new Map<string, SeenRecord[]>([...topics.keys()].map((t) => [t, []]));
  jobs.forEach(({ topic }, i) => out.get(topic)!.push(...read[i].map((r) => toSeen(r))));
  return out;
}

/** Every partition from `from` (default 0) up to its high watermark, via Consumer.fetch. */
export async function readAllPlatformatic(consumer: PlatformaticConsumer, topic: string, partitions: number, from = 0): Promise<SeenRecord[]> {
  const out: SeenRecord[] = [];
  for (let p = 0; p < partitions; p++) {
    const res = await platformaticFetchPartition(consumer, topic, p, from);
    if (res.errorCode !== 0) throw new Error(`fetch ${topic}-${p} from ${from}: error ${res.errorCode}`);
    out.push(...res.records.map((r) => toSeen(r)));
  }
  return out;
}

/**
 * A kafkajs group consumer from the beginning of `topic` (or, with `seek`, from that offset of
 * one partition) until `count` records arrived (or the timeout), then disconnects. It reads
 * committed records only (kafkajs' default) unless `readUncommitted`.
 */
export async function readAllKafkajs(
  kafka: Kafka,
  topic: string,
  count: number,
  opts: { groupId: string; timeoutMs?: number; seek?: { partition: number; offset: number }; readUncommitted?: boolean },
): Promise<SeenRecord[]> {
  const consumer = kafka.consumer({ groupId: opts.groupId, maxWaitTimeInMs: 100, readUncommitted: opts.readUncommitted ?? false });
  const out: SeenRecord[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kafkajs read ${out.length} of ${count} records of ${topic}`)), opts.timeoutMs ?? 20_000);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            out.push({
              partition,
              offset: Number(message.offset),
              timestamp: Number(message.timestamp),
              key: message.key === null ? null : message.key.toString('utf8'),
              value: message.value === null ? null : message.value.toString('utf8'),
              headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
            });
            if (out.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    // kafkajs takes seeks only once run() has started; the seek then overrides the position.
    if (opts.seek) consumer.seek({ topic, partition: opts.seek.partition, offset: String(opts.seek.offset) });
    await done;
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/**
 * A @platformatic/kafka group consumer stream from the earliest offset (or from explicit
 * `offsets`, the client's 'manual' mode) until `count` records arrived.
 */
export async function readAllPlatformaticGroup(
  consumer: PlatformaticConsumer,
  topic: string,
  count: number,
  opts: { timeoutMs?: number; offsets?: { partition: number; offset: number }[] } = {},
): Promise<SeenRecord[]> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const stream = await consumer.consume({
    topics: [topic],
    autocommit: false,
    maxWaitTime: 100,
    ...(opts.offsets
      ? { mode: 'manual' as const, offsets: opts.offsets.map((o) => ({ topic, partition: o.partition, offset: BigInt(o.offset) })) }
      : { mode: 'earliest' as const }),
  });
  const out: SeenRecord[] = [];
  const timer = setTimeout(() => stream.destroy(new Error(`platformatic read ${out.length} of ${count} records of ${topic}`)), timeoutMs);
  try {
    for await (const m of stream) {
      out.push({
        partition: m.partition,
        offset: Number(m.offset),
        timestamp: Number(m.timestamp),
        key: m.key === undefined || m.key === null ? null : m.key.toString('utf8'),
        value: m.value === undefined || m.value === null ? null : m.value.toString('utf8'),
        headers: Object.fromEntries([...m.headers].map(([k, v]) => [k.toString('utf8'), v.toString('utf8')])),
      });
      if (out.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
    await stream.close();
  }
  return out;
}
