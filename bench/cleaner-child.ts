// Child process of the cleaner section. Two modes, each printing one JSON line:
//
//   node dist/bench/cleaner-child.js throughput DIR RECORDS CODEC
//     writes RECORDS keyed records (100-byte values over RECORDS/20 keys, 100 per batch, codec
//     0..4) to a compacted log of 64 MiB segments, then cleans it once on the worker thread, as
//     the broker does: MB of log read per second and the memory it took (the offset map, and
//     the process's peak resident memory during the clean above what it held before);
//
//   node dist/bench/cleaner-child.js loop-delay DIR
//     the event-loop delay of the thread that owns a log while a worker cleans it, against idle;
//
//   node dist/bench/cleaner-child.js offsets-fill DIR COMMITS PARTITIONS PER_REQUEST SEGMENT_BYTES
//     commits COMMITS offsets of one group over PARTITIONS partitions, PER_REQUEST partitions per
//     OffsetCommit, through an embedded broker's coordinator, lets the cleaner clean everything it
//     may, and stops; prints the size of __consumer_offsets;
//   node dist/bench/cleaner-child.js offsets-restart DIR
//     starts a broker on DIR and prints how long until consumer groups are loaded.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startBroker } from '../src/index.js';
import { buildRecordBatch } from '../src/protocol/records/records.js';
import { defaultLogConfig } from '../src/storage/log-config.js';
import { LogCleaner } from '../src/storage/log-cleaner.js';
import { Log } from '../src/storage/log.js';
import { randomLetters } from './bench-client.js';

const [mode, dir, ...rest] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: cleaner-child throughput|offsets-fill|offsets-restart DIR ...\n');
  process.exit(2);
}

function du(path: string): number {
  let n = 0;
  for (const e of readdirSync(path)) {
    const p = join(path, e);
    const s = statSync(p);
    n += s.isDirectory() ? du(p) : s.size;
  }
  return n;
}

function offsetsBytes(dataDir: string): number {
  return readdirSync(dataDir)
    .filter((e) => e.startsWith('__consumer_offsets-'))
    .reduce((n, e) => n + du(join(dataDir, e)), 0);
}

const print = (o: unknown): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};

if (mode === 'throughput') {
  const records = Number(rest[0]);
  const codec = Number(rest[1]);
  const keys = Math.max(1, Math.floor(records / 20));
  const config = { ...defaultLogConfig, segmentBytes: 64 << 20, compact: true, delete: false, minCleanableDirtyRatio: 0 };
  const log = await Log.open(join(dir, 'bench-0'), { topic: 'bench', partition: 0 }, config);
  const pool = randomLetters(1 << 16);
  let at = 0;
  for (let b = 0; b < records / 100; b++) {
    const batch = Array.from({ length: 100 }, (_, i) => {
      at = (at + 101) % (pool.length - 100);
      return { key: `key-${(b * 100 + i) % keys}`, value: pool.subarray(at, at + 100) };
    });
    log.append(buildRecordBatch({ records: batch, compression: codec }));
  }
  await log.flush();
  const size = log.size;
  const cleaner = new LogCleaner({
    config: () => ({ enable: true, threads: 1, dedupeBufferSize: 128 << 20, ioBufferSize: 512 << 10, ioBufferLoadFactor: 0.9, ioMaxBytesPerSecond: Number.MAX_VALUE, backoffMs: 1e9 }),
    logDirs: () => [{ path: dir, failure: undefined, logs: [log] }],
    logger: { info: () => undefined, warn: () => undefined, error: (_f, m) => process.stderr.write(`${m}\n`) },
  });
  // Let the garbage of the writes go, then reset the kernel's peak-RSS mark (Linux: writing 5 to
  // clear_refs), so that the peak read after the clean is the clean's.
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage().rss;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux: the peak below is the process's
  }
  const started = performance.now();
  const report = await cleaner.cleanFilthiest();
  const wallMs = performance.now() - started;
  const peakKb = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
  const peak = Math.max(baseline, peakKb * 1024);
  await cleaner.stop();
  if (!report) throw new Error('nothing was cleaned');
  print({
    logBytes: size,
    bytesRead: report.stats.bytesRead,
    mapBytesRead: report.stats.mapBytesRead,
    bytesWritten: report.stats.bytesWritten,
    messagesRead: report.stats.messagesRead,
    messagesWritten: report.stats.messagesWritten,
    wallMs,
    mapMs: report.stats.mapMs,
    mapBytes: report.mapBytes,
    rssGrowthBytes: peak - baseline,
    sizeAfter: log.size,
  });
  await log.close();
} else if (mode === 'loop-delay') {
  // The event loop of a log's owner while a worker cleans it: monitorEventLoopDelay at 1 ms
  // resolution over 3 s of idling, then over the clean of a 200 MB log of 16 MiB segments
  // (about a dozen swaps on this thread).
  const config = { ...defaultLogConfig, segmentBytes: 16 << 20, compact: true, delete: false, minCleanableDirtyRatio: 0 };
  const log = await Log.open(join(dir, 'bench-0'), { topic: 'bench', partition: 0 }, config);
  const pool = randomLetters(1 << 16);
  for (let b = 0; b < 17_000; b++) {
    const batch = Array.from({ length: 100 }, (_, i) => ({ key: `key-${(b * 100 + i) % 100_000}`, value: pool.subarray((b * 7 + i * 101) % 60_000, ((b * 7 + i * 101) % 60_000) + 100) }));
    log.append(buildRecordBatch({ records: batch }));
  }
  await log.flush();
  const cleaner = new LogCleaner({
    config: () => ({ enable: true, threads: 1, dedupeBufferSize: 128 << 20, ioBufferSize: 512 << 10, ioBufferLoadFactor: 0.9, ioMaxBytesPerSecond: Number.MAX_VALUE, backoffMs: 1e9 }),
    logDirs: () => [{ path: dir, failure: undefined, logs: [log] }],
    logger: { info: () => undefined, warn: () => undefined, error: (_f, m) => process.stderr.write(`${m}\n`) },
  });
  const swaps: number[] = [];
  const replace = log.replaceSegments.bind(log);
  log.replaceSegments = (base, replaced) => {
    const t = performance.now();
    const ok = replace(base, replaced);
    swaps.push(performance.now() - t);
    return ok;
  };
  const measure = async (during: () => Promise<unknown>): Promise<{ p99: number; max: number }> => {
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    await during();
    h.disable();
    return { p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
  };
  const idle = await measure(() => new Promise((res) => setTimeout(res, 3000)));
  let bytesRead = 0;
  const cleaning = await measure(async () => {
    bytesRead = (await cleaner.cleanFilthiest())?.stats.bytesRead ?? 0;
  });
  await cleaner.stop();
  await log.close();
  print({ idleP99: idle.p99, idleMax: idle.max, cleaningP99: cleaning.p99, cleaningMax: cleaning.max, swaps: swaps.length, maxSwapMs: Math.max(0, ...swaps), bytesRead });
} else if (mode === 'offsets-fill') {
  const [commits, partitions, perRequest, segmentBytes] = rest.map(Number);
  const broker = await startBroker({ port: 0, dataDir: dir, settings: { 'offsets.topic.segment.bytes': segmentBytes, 'log.cleaner.backoff.ms': 86_400_000 } });
  await broker.cluster.createTopic('committed', partitions, {});
  const started = performance.now();
  for (let i = 0; i < commits / perRequest; i++) {
    const parts = Array.from({ length: perRequest }, (_, k) => ({ partitionIndex: (i * perRequest + k) % partitions, committedOffset: i, committedLeaderEpoch: -1, committedMetadata: '' }));
    const r = await broker.context.groups.commitOffsets({
      groupId: 'g0', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1, apiVersion: 8,
      topics: [{ name: 'committed', partitions: parts }],
    });
    if (r.topics[0].partitions[0].errorCode !== 0) throw new Error(`commit failed: ${r.topics[0].partitions[0].errorCode}`);
  }
  const fillMs = performance.now() - started;
  let cleans = 0;
  while (await broker.cleaner.cleanFilthiest()) cleans++;
  await broker.stop();
  print({ fillMs, cleans, offsetsBytes: offsetsBytes(dir) });
} else if (mode === 'offsets-restart') {
  const t0 = performance.now();
  const broker = await startBroker({ port: 0, dataDir: dir });
  const listenMs = performance.now() - t0;
  await broker.ready;
  const loadedMs = performance.now() - t0;
  await broker.stop();
  print({ listenMs, loadedMs, offsetsBytes: offsetsBytes(dir) });
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
