// Section "kbench": the librdkafka load generator (a fast real C client) against Brook in a
// child process. Found through $KBENCH, ../shared/kbench/kbench next to the checkout, or
// `kbench` on PATH; skipped with a note when absent. kbench prints one line of key=value
// figures per run; exit 1 means it ran out of time or lost messages (figures still printed).
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withBroker } from './broker-process.js';
import type { Report } from './report.js';

const SECTION = 'kbench';
const RUN_TIMEOUT_MS = 90_000;
/** kbench's own limit (-T), below ours so that it reports what it got. */
const KBENCH_LIMIT_S = 60;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findKbench(): string | undefined {
  const fromEnv = process.env.KBENCH;
  if (fromEnv) return executable(fromEnv) ? fromEnv : undefined;
  // dist/bench/kbench.js -> <repo>/../shared/kbench/kbench
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const sibling = resolve(repo, '../shared/kbench/kbench');
  if (executable(sibling)) return sibling;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, 'kbench'))) return join(dir, 'kbench');
  }
  return undefined;
}

type Figures = Record<string, string>;

function kbench(bin: string, args: string[]): Promise<{ figures: Figures; complete: boolean; stderr: string }> {
  return new Promise((res, rej) => {
    execFile(bin, [...args, '-T', String(KBENCH_LIMIT_S)], { timeout: RUN_TIMEOUT_MS }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').filter((l) => l.includes('=')).pop();
      const code = err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : err ? -1 : 0;
      if (!line || (code !== 0 && code !== 1)) {
        return rej(new Error(`kbench ${args[0]} failed (${err?.message ?? 'no output'}): ${stderr.trim().slice(-500)}`));
      }
      const figures: Figures = {};
      for (const pair of line.split(/\s+/)) {
        const eq = pair.indexOf('=');
        if (eq > 0) figures[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      res({ figures, complete: code === 0, stderr });
    });
  });
}

function num(f: Figures, key: string): number {
  const v = Number(f[key]);
  if (!Number.isFinite(v)) throw new Error(`kbench printed no ${key}`);
  return v;
}

export async function runKbench(report: Report): Promise<void> {
  const bin = findKbench();
  if (!bin) {
    report.skip(SECTION, '(section)', 'kbench not found (set KBENCH=/path/to/kbench or put it on PATH)');
    return;
  }
  report.note(SECTION, `using ${bin}`);
  const incomplete = (name: string, r: { complete: boolean; figures: Figures }) => {
    if (!r.complete) report.note(SECTION, `${name}: kbench reported an incomplete run (${JSON.stringify(r.figures)})`);
  };

  await withBroker({}, async (broker) => {
    const boot = broker.bootstrap;
    const p = await kbench(bin, ['produce', boot, '-t', 'kb', '-C', '1', '-n', '1000000', '-s', '100', '-a', '1']);
    incomplete('produce acks=1', p);
    report.add({ section: SECTION, name: 'produce acks=1', value: num(p.figures, 'msgs_s'), unit: 'msg/s', better: 'higher', target: 500_000, note: '1M × 100 B, one partition' });
    report.add({ section: SECTION, name: 'produce acks=1 throughput', value: num(p.figures, 'mb_s'), unit: 'MB/s', better: 'higher' });

    // Idempotence (issue 7's target: within 10 % of plain produce). librdkafka's idempotent
    // producer requires acks=all, so it is compared with plain acks=all, each into a fresh topic.
    const plain = await kbench(bin, ['produce', boot, '-t', 'kb-all', '-C', '1', '-n', '1000000', '-s', '100', '-a', 'all']);
    incomplete('produce acks=all', plain);
    const idem = await kbench(bin, ['produce', boot, '-t', 'kb-idem', '-C', '1', '-n', '1000000', '-s', '100', '-a', 'all', '-X', 'enable.idempotence=true']);
    incomplete('produce idempotent', idem);
    const plainRate = num(plain.figures, 'msgs_s');
    const idemRate = num(idem.figures, 'msgs_s');
    report.add({ section: SECTION, name: 'produce acks=all', value: plainRate, unit: 'msg/s', better: 'higher', note: '1M × 100 B, one partition' });
    report.add({ section: SECTION, name: 'produce idempotent', value: idemRate, unit: 'msg/s', better: 'higher', note: 'enable.idempotence=true, acks=all' });
    report.add({ section: SECTION, name: 'produce idempotent / acks=all', value: Math.round((idemRate / plainRate) * 1000) / 10, unit: '%', better: 'higher', target: 90 });

    const c = await kbench(bin, ['consume', boot, '-t', 'kb', '-n', '1000000']);
    incomplete('consume', c);
    report.add({ section: SECTION, name: 'consume', value: num(c.figures, 'msgs_s'), unit: 'msg/s', better: 'higher', target: 1_000_000, note: 'assign mode, first to last message' });
    report.add({ section: SECTION, name: 'consume throughput', value: num(c.figures, 'mb_s'), unit: 'MB/s', better: 'higher' });
    // librdkafka stops prefetching once queued.min.messages (100,000) are queued and backs off,
    // which at this speed dominates the default run; this run shows the broker without it.
    const d = await kbench(bin, ['consume', boot, '-t', 'kb', '-n', '1000000', '-X', 'queued.min.messages=1000000']);
    incomplete('consume queued.min.messages=1000000', d);
    report.add({ section: SECTION, name: 'consume, queued.min.messages=1000000', value: num(d.figures, 'msgs_s'), unit: 'msg/s', better: 'higher' });

    const e = await kbench(bin, ['e2e', boot, '-t', 'kb-e2e', '-C', '1', '-r', '10000', '-n', '100000', '-a', 'all']);
    incomplete('e2e', e);
    const enote = `10,000 msg/s, 100,000 msgs, acks=all, lost ${e.figures.lost ?? '?'}`;
    report.add({ section: SECTION, name: 'e2e latency p50', value: num(e.figures, 'p50_ms'), unit: 'ms', better: 'lower', note: enote });
    report.add({ section: SECTION, name: 'e2e latency p99', value: num(e.figures, 'p99_ms'), unit: 'ms', better: 'lower', target: 10 });
    report.add({ section: SECTION, name: 'e2e latency p99.9', value: num(e.figures, 'p999_ms'), unit: 'ms', better: 'lower' });
  });

  await withBroker({ settings: { 'log.flush.interval.messages': 1 } }, async (broker) => {
    const p = await kbench(bin, ['produce', broker.bootstrap, '-t', 'kb-fsync', '-C', '1', '-n', '1000000', '-s', '100', '-a', 'all']);
    incomplete('produce acks=all fsync', p);
    report.add({ section: SECTION, name: 'produce acks=all fsync', value: num(p.figures, 'msgs_s'), unit: 'msg/s', better: 'higher', note: 'broker log.flush.interval.messages=1' });
    report.add({ section: SECTION, name: 'produce acks=all fsync throughput', value: num(p.figures, 'mb_s'), unit: 'MB/s', better: 'higher' });
  });
}
