// Brook's own produce load: pre-built batches (so the generator spends its time on the socket,
// not on encoding), a window of requests in flight on one connection, every response checked.
import { buildRecordBatch } from '../src/protocol/records/records.js';
import type { BenchClient } from './bench-client.js';
import { randomLetters } from './bench-client.js';
import { pipeline } from './pipeline.js';

export interface ProduceLoadOptions {
  topic: string;
  records: number;
  recordsPerBatch: number;
  valueSize: number;
  acks: number;
  window: number;
  maxMs: number;
  /** Distinct batches built up front and sent round-robin (values repeat, offsets do not). */
  distinctBatches?: number;
}

export interface ProduceLoadResult {
  records: number;
  valueBytes: number;
  seconds: number;
}

export function buildBatches(count: number, recordsPerBatch: number, valueSize: number): Buffer[] {
  const out: Buffer[] = [];
  for (let b = 0; b < count; b++) {
    const records = [];
    for (let i = 0; i < recordsPerBatch; i++) records.push({ value: randomLetters(valueSize) });
    out.push(buildRecordBatch({ records }));
  }
  return out;
}

export async function produceLoad(client: BenchClient, o: ProduceLoadOptions): Promise<ProduceLoadResult> {
  const batches = buildBatches(Math.min(o.distinctBatches ?? 64, Math.ceil(o.records / o.recordsPerBatch)), o.recordsPerBatch, o.valueSize);
  const requests = Math.ceil(o.records / o.recordsPerBatch);
  const r = await pipeline({ count: requests, window: o.window, maxMs: o.maxMs }, async (i) => {
    const res = await client.produce(o.topic, 0, batches[i % batches.length], o.acks);
    const p = res.responses[0]?.partitionResponses[0];
    if (!p || p.errorCode !== 0) throw new Error(`produce to ${o.topic}: error ${p?.errorCode ?? 'missing'} ${p?.errorMessage ?? ''}`);
  });
  const records = r.completed * o.recordsPerBatch;
  return { records, valueBytes: records * o.valueSize, seconds: r.seconds };
}
