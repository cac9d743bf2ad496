// Reads a partition from `fromOffset` to its end with one fetch in flight (as a consumer does
// per broker), counting records from the batch headers only: the figure is the broker's
// serving speed, not the client's decoding.
import { batchesOf } from '../src/protocol/records/record-batch.js';
import type { BenchClient } from './bench-client.js';
import { recordsOf } from './bench-client.js';

export interface FetchLoadResult {
  records: number;
  bytes: number;
  seconds: number;
  requests: number;
}

export async function fetchLoad(
  client: BenchClient,
  topic: { name: string; id: string },
  endOffset: number,
  opts: { partitionMaxBytes: number; maxMs: number },
): Promise<FetchLoadResult> {
  const start = performance.now();
  const deadline = start + opts.maxMs;
  let offset = 0;
  let records = 0;
  let bytes = 0;
  let requests = 0;
  while (offset < endOffset && performance.now() < deadline) {
    const p = await client.fetchOne(topic, 0, offset, {
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: opts.partitionMaxBytes * 2,
      partitionMaxBytes: opts.partitionMaxBytes,
    });
    requests++;
    const buf = recordsOf(p);
    bytes += buf.length;
    for (const batch of batchesOf(buf)) {
      // A fetch may start inside the first batch; count only records at or after `offset`.
      const last = batch.lastOffset;
      if (last < offset) continue;
      records += batch.baseOffset >= offset ? batch.recordsCount : last - offset + 1;
      offset = last + 1;
    }
  }
  return { records, bytes, seconds: (performance.now() - start) / 1000, requests };
}
