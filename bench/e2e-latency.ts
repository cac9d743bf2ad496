// End-to-end latency at a fixed rate, measured as kbench does. Record i is scheduled at
// t0 + i/rate and carries that scheduled time (a double from performance.now()) in its value,
// so a producer that falls behind shows up as latency instead of hiding it (coordinated
// omission). A long-polling consumer (max wait 500 ms, min bytes 1) on its own connection in
// this process decodes the values; latency = receive time − scheduled time. One warm-up record
// must make the round trip before the schedule starts. The producer wakes every millisecond
// (Node timers are ms-grained; a busy loop would take a core from the broker on this 2-core
// box), so every record waits up to 1 ms (0.5 ms on average) for its send: a floor on p50.
import { buildRecordBatch, decodeRecords } from '../src/protocol/records/records.js';
import { batchesOf } from '../src/protocol/records/record-batch.js';
import type { BenchClient } from './bench-client.js';
import { randomLetters, recordsOf } from './bench-client.js';
import { quantileSorted } from './stats.js';

export interface E2eOptions {
  topic: { name: string; id: string };
  rate: number;
  seconds: number;
  valueSize: number;
  acks: number;
  /** Produce requests in flight, like librdkafka's max.in.flight (5). */
  window: number;
}

export interface E2eResult {
  sent: number;
  received: number;
  lost: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Achieved send rate, records/s. */
  rate: number;
}

const TICK_MS = 1;
const WARMUP_SEQ = -1;
/** Value layout: scheduled time (float64 LE) | sequence (int32 LE) | random letters. */
const HEADER = 12;

export async function e2eLatency(producer: BenchClient, consumer: BenchClient, o: E2eOptions): Promise<E2eResult> {
  if (o.valueSize < HEADER) throw new Error(`value size must be ≥ ${HEADER}`);
  const total = Math.round(o.rate * o.seconds);
  const latency = new Float64Array(total).fill(Number.NaN);
  let received = 0;
  let warmedUp: () => void = () => undefined;
  const warm = new Promise<void>((res) => (warmedUp = res));
  let stopped = false;
  let allIn: () => void = () => undefined;
  const done = new Promise<void>((res) => (allIn = res));

  const fromOffset = await consumer.latestOffset(o.topic.name, 0);
  const consume = async (): Promise<void> => {
    let offset = fromOffset;
    while (!stopped) {
      const p = await consumer.fetchOne(o.topic, 0, offset, { maxWaitMs: 500, minBytes: 1, maxBytes: 4 << 20, partitionMaxBytes: 4 << 20 });
      const now = performance.now();
      const buf = recordsOf(p);
      for (const batch of batchesOf(buf)) {
        if (batch.lastOffset < offset) continue;
        for (const r of decodeRecords(buf, batch.pos)) {
          if (r.offset < offset || !r.value) continue;
          const seq = r.value.readInt32LE(8);
          if (seq === WARMUP_SEQ) warmedUp();
          else if (seq >= 0 && seq < total && Number.isNaN(latency[seq])) {
            latency[seq] = now - r.value.readDoubleLE(0);
            if (++received === total) allIn();
          }
        }
        offset = batch.lastOffset + 1;
      }
    }
  };
  const consuming = consume();
  consuming.catch(() => undefined);

  const pool = randomLetters(4096);
  const value = (scheduled: number, seq: number): Buffer => {
    const v = Buffer.allocUnsafe(o.valueSize);
    v.writeDoubleLE(scheduled, 0);
    v.writeInt32LE(seq, 8);
    const from = Math.floor(Math.random() * (pool.length - o.valueSize));
    pool.copy(v, HEADER, from, from + o.valueSize - HEADER);
    return v;
  };
  const send = async (records: { value: Buffer }[]): Promise<void> => {
    const res = await producer.produce(o.topic.name, 0, buildRecordBatch({ records }), o.acks);
    const p = res.responses[0]?.partitionResponses[0];
    if (!p || p.errorCode !== 0) throw new Error(`e2e produce: error ${p?.errorCode ?? 'missing'}`);
  };

  try {
    await send([{ value: value(performance.now(), WARMUP_SEQ) }]);
    await Promise.race([warm, consuming, timeout(10_000, 'the warm-up record did not come back within 10 s')]);
  } catch (err) {
    stopped = true;
    throw err;
  }

  // The paced producer: every tick sends what is due as one batch, within the window.
  let sent = 0;
  let inFlight = 0;
  let failure: Error | undefined;
  let timer: NodeJS.Timeout | undefined;
  const t0 = performance.now() + 5;
  const interval = 1000 / o.rate;
  const produced = new Promise<void>((resolve, reject) => {
    const tick = (): void => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (failure) return reject(failure);
      const due = Math.min(total, Math.floor((performance.now() - t0) / interval) + 1);
      if (due > sent && inFlight < o.window) {
        const records: { value: Buffer }[] = [];
        for (; sent < due; sent++) records.push({ value: value(t0 + sent * interval, sent) });
        inFlight++;
        send(records).then(
          () => {
            inFlight--;
            tick();
          },
          (err: unknown) => {
            failure = err as Error;
            tick();
          },
        );
      }
      if (sent === total && inFlight === 0) return resolve();
      if (sent < total) timer = setTimeout(tick, TICK_MS);
    };
    tick();
  });
  const started = performance.now();
  try {
    await produced;
  } catch (err) {
    stopped = true;
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
  }
  const sendSeconds = (performance.now() - started) / 1000;
  // Whatever has not arrived 5 s after the last ack is lost.
  await Promise.race([done, sleepQuietly(5_000)]);
  stopped = true;
  await consuming.catch(() => undefined);

  const got = Array.from(latency).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return {
    sent,
    received,
    lost: total - received,
    p50: quantileSorted(got, 0.5),
    p99: quantileSorted(got, 0.99),
    p999: quantileSorted(got, 0.999),
    max: got.length > 0 ? got[got.length - 1] : Number.NaN,
    rate: sent / sendSeconds,
  };
}

function timeout(ms: number, message: string): Promise<never> {
  return new Promise((_, rej) => setTimeout(() => rej(new Error(message)), ms).unref());
}

function sleepQuietly(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms).unref());
}
