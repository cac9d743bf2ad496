// kcat (librdkafka) as a test client: spawned with a timeout, output collected as bytes.
// Produce reads messages from stdin split on a record separator (\x1e) with keys split on a
// unit separator (\x1f), so values may hold newlines. Consume prints each message as a text
// line "partition offset timestamp keyLen valueLen headers" followed by the raw key and value
// bytes and a newline; the lengths make parsing exact for any payload.
import { spawn } from 'node:child_process';

export const KCAT = '/usr/bin/kcat';
const MSG_DELIM = '\x1e';
const KEY_DELIM = '\x1f';

export interface KcatResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
}

export interface RunKcatOptions {
  input?: Buffer | string;
  /** Killed (SIGKILL) after this long; default 20 s. */
  timeoutMs?: number;
}

/** Runs kcat with `args` and resolves when it exits (never rejects on a non-zero exit). */
export function runKcat(args: readonly string[], opts: RunKcatOptions = {}): Promise<KcatResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(KCAT, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 20_000);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString('utf8');
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err, timedOut });
    });
    child.stdin.on('error', () => {}); // kcat may exit before reading all input; the exit code tells
    child.stdin.end(opts.input ?? '');
  });
}

/** Throws with kcat's stderr unless it exited 0 in time. */
export function assertKcatOk(r: KcatResult, what: string): void {
  if (r.code !== 0 || r.timedOut) {
    throw new Error(`kcat ${what} failed (code ${r.code}, signal ${r.signal}, timedOut ${r.timedOut}):\n${r.stderr}`);
  }
}

export interface KcatProduceMessage {
  /** null or undefined: no key. */
  key?: string | null;
  /** Must not contain \x1e or \x1f; an empty value is sent as null. */
  value: string;
}

export interface KcatProduceOptions {
  /** A fixed partition; default: librdkafka's partitioner (consistent_random on the key). */
  partition?: number;
  /** The same headers on every message (kcat's -H). */
  headers?: Record<string, string>;
  compression?: 'gzip' | 'snappy' | 'lz4' | 'zstd';
  /** request.required.acks; default -1 (all). */
  acks?: -1 | 0 | 1;
  /** Extra librdkafka properties (-X). */
  props?: Record<string, string | number>;
  timeoutMs?: number;
}

function propArgs(props: Record<string, string | number> | undefined): string[] {
  return Object.entries(props ?? {}).flatMap(([k, v]) => ['-X', `${k}=${v}`]);
}

/** Produces the messages in order through one kcat process; resolves with its result. */
export function kcatProduce(bootstrap: string, topic: string, messages: readonly KcatProduceMessage[], opts: KcatProduceOptions = {}): Promise<KcatResult> {
  const args = ['-P', '-b', bootstrap, '-t', topic, '-D', '\\x1e', '-K', '\\x1f', '-Z', '-X', `request.required.acks=${opts.acks ?? -1}`];
  if (opts.partition !== undefined) args.push('-p', String(opts.partition));
  if (opts.compression) args.push('-z', opts.compression);
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}=${v}`);
  args.push(...propArgs(opts.props));
  const input = messages.map((m) => (m.key === null || m.key === undefined ? '' : m.key + KEY_DELIM) + m.value + MSG_DELIM).join('');
  return runKcat(args, { input, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) });
}

/** Produces one file's whole content as a single message (kcat's file mode): large values. */
export function kcatProduceFile(bootstrap: string, topic: string, path: string, opts: KcatProduceOptions = {}): Promise<KcatResult> {
  const args = ['-P', '-b', bootstrap, '-t', topic, '-X', `request.required.acks=${opts.acks ?? -1}`];
  if (opts.partition !== undefined) args.push('-p', String(opts.partition));
  if (opts.compression) args.push('-z', opts.compression);
  args.push(...propArgs(opts.props), path);
  return runKcat(args, opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {});
}

export interface KcatRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /** kcat's "n=v,n=v" rendering, split; values containing ',' or '=' are not supported. */
  headers: [string, string][];
}

export interface KcatConsumeOptions {
  partition: number;
  /** 'beginning', 'end', an absolute offset, or `s@<ms>` to start at a timestamp. */
  offset: 'beginning' | 'end' | number | `s@${number}`;
  /** Stop after this many messages (-c). */
  count?: number;
  /** Exit at the end of the partition (-e); default true. */
  exitAtEnd?: boolean;
  props?: Record<string, string | number>;
  timeoutMs?: number;
}

const FORMAT = '%p %o %T %K %S %h\\n%k%s\\n';

/** Reads one partition in assign mode (no consumer group) and parses every message. */
export async function kcatConsume(bootstrap: string, topic: string, opts: KcatConsumeOptions): Promise<KcatRecord[]> {
  // -m: kcat gives up on its first metadata after 5 s by default, which a broker in this process
  // can miss while spawning other children blocks its event loop (see read-back.ts).
  const args = ['-C', '-q', '-b', bootstrap, '-t', topic, '-p', String(opts.partition), '-o', String(opts.offset), '-f', FORMAT, '-m', '30'];
  // librdkafka notices the end of a partition only from a fetch that returned nothing, which the
  // broker holds for fetch.wait.max.ms (500 ms by default): keep that short when exiting at the end.
  if (opts.exitAtEnd ?? true) args.push('-e', '-X', 'fetch.wait.max.ms=20');
  if (opts.count !== undefined) args.push('-c', String(opts.count));
  args.push(...propArgs(opts.props));
  const r = await runKcat(args, opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {});
  assertKcatOk(r, `consume ${topic}-${opts.partition}`);
  return parseKcatOutput(r.stdout);
}

export function parseKcatOutput(out: Buffer): KcatRecord[] {
  const records: KcatRecord[] = [];
  let pos = 0;
  while (pos < out.length) {
    const nl = out.indexOf(0x0a, pos);
    if (nl < 0) throw new Error(`kcat output: truncated header at byte ${pos}`);
    const line = out.toString('utf8', pos, nl);
    const m = /^(\d+) (\d+) (-?\d+) (-?\d+) (-?\d+) ?(.*)$/.exec(line);
    if (!m) throw new Error(`kcat output: bad header line ${JSON.stringify(line)}`);
    const keyLen = Number(m[4]);
    const valueLen = Number(m[5]);
    pos = nl + 1;
    const key = keyLen < 0 ? null : Buffer.from(out.subarray(pos, pos + keyLen));
    pos += Math.max(0, keyLen);
    const value = valueLen < 0 ? null : Buffer.from(out.subarray(pos, pos + valueLen));
    pos += Math.max(0, valueLen);
    if (out[pos] !== 0x0a) throw new Error(`kcat output: expected newline after message at byte ${pos}`);
    pos++;
    const headers: [string, string][] = m[6] === '' ? [] : m[6].split(',').map((kv) => {
      const eq = kv.indexOf('=');
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    });
    records.push({ partition: Number(m[1]), offset: Number(m[2]), timestamp: Number(m[3]), key, value, headers });
  }
  return records;
}

/** Offset of the first message with timestamp >= ts (kcat -Q, i.e. ListOffsets by timestamp). */
export async function kcatOffsetForTime(bootstrap: string, topic: string, partition: number, ts: number): Promise<number> {
  const r = await runKcat(['-Q', '-b', bootstrap, '-t', `${topic}:${partition}:${ts}`]);
  assertKcatOk(r, 'query');
  const m = /offset\s+(-?\d+)/i.exec(r.stdout.toString('utf8'));
  if (!m) throw new Error(`kcat -Q: unexpected output ${r.stdout.toString('utf8')}`);
  return Number(m[1]);
}
