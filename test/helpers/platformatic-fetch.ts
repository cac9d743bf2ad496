// Reading a partition with @platformatic/kafka's low-level Consumer.fetch (no consumer group):
// repeated Fetch requests from an offset up to the high watermark, records flattened with their
// absolute offsets and timestamps. The client decompresses every codec itself.
import type { Consumer } from '@platformatic/kafka';

type FetchOptions = Parameters<Consumer['fetch']>[0];
type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;

/**
 * One Fetch. The client throws when any partition carries an error code; the parsed response
 * rides on the error, and a partition error is an answer these tests want to inspect.
 */
async function fetchOnce(consumer: Consumer, options: FetchOptions): Promise<FetchResponse | undefined> {
  try {
    return await consumer.fetch(options);
  } catch (err) {
    const nested = [err, ...((err as { errors?: unknown[] }).errors ?? [])] as { response?: FetchResponse }[];
    const withResponse = nested.find((e) => e.response?.responses !== undefined);
    if (withResponse) return withResponse.response;
    throw err;
  }
}

export interface ReadRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: [string, string][];
  /** The compression codec of the batch the record came in (0 none .. 4 zstd), as stored. */
  codec: number;
}

export interface FetchPartitionResult {
  records: ReadRecord[];
  highWatermark: number;
  logStartOffset: number;
  /** Non-zero when the broker answered the partition with an error (e.g. 1 OFFSET_OUT_OF_RANGE). */
  errorCode: number;
}

/**
 * Reads `topic`/`partition` from `fromOffset` until the high watermark (or `maxRecords`).
 * Batches that begin before `fromOffset` are trimmed, as every consumer must.
 */
export async function platformaticFetchPartition(
  consumer: Consumer,
  topic: string,
  partition: number,
  fromOffset: number,
  opts: { maxRecords?: number; partitionMaxBytes?: number } = {},
): Promise<FetchPartitionResult> {
  const metadata = await consumer.metadata({ topics: [topic], forceUpdate: true });
  const t = metadata.topics.get(topic);
  if (!t) throw new Error(`no metadata for ${topic}`);
  const node = t.partitions[partition]?.leader;
  if (node === undefined) throw new Error(`no leader for ${topic}-${partition}`);
  const records: ReadRecord[] = [];
  let offset = fromOffset;
  for (let round = 0; round < 10_000; round++) {
    const res = await fetchOnce(consumer, {
      node,
      maxWaitTime: 0,
      minBytes: 1,
      topics: [
        {
          topicId: t.id,
          partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), lastFetchedEpoch: -1, partitionMaxBytes: opts.partitionMaxBytes ?? 1_048_576 }],
        },
      ],
    });
    const p = res?.responses[0]?.partitions[0];
    if (!p) throw new Error('empty fetch response');
    const hw = Number(p.highWatermark);
    if (p.errorCode !== 0) return { records, highWatermark: hw, logStartOffset: Number(p.logStartOffset), errorCode: p.errorCode };
    let progressed = false;
    for (const batch of p.records ?? []) {
      for (const r of batch.records) {
        const o = Number(batch.firstOffset) + r.offsetDelta;
        if (o < offset) continue;
        records.push({
          partition,
          offset: o,
          timestamp: Number(batch.firstTimestamp + r.timestampDelta),
          key: r.key,
          value: r.value,
          headers: r.headers.map(([k, v]) => [k?.toString('utf8') ?? '', v?.toString('utf8') ?? '']),
          codec: batch.attributes & 7,
        });
        if (opts.maxRecords !== undefined && records.length >= opts.maxRecords) {
          return { records, highWatermark: hw, logStartOffset: Number(p.logStartOffset), errorCode: 0 };
        }
      }
      const next = Number(batch.firstOffset) + batch.lastOffsetDelta + 1;
      if (next > offset) {
        offset = next;
        progressed = true;
      }
    }
    if (offset >= hw || !progressed) return { records, highWatermark: hw, logStartOffset: Number(p.logStartOffset), errorCode: 0 };
  }
  throw new Error('fetch did not reach the high watermark');
}
