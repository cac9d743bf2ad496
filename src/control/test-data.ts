// The control API's data helpers: create a topic, write records, read a partition back, in
// process and without a client, so that a test's setup and its final check are one line each.
// Writes go through the same validation and append as a Produce request.
import type { Cluster } from '../cluster/cluster.js';
import { errorName, ErrorCode } from '../protocol/errors.js';
import { buildRecordBatch, decodeBatches, type RecordInput } from '../protocol/records/records.js';
import { partitionForKey } from './default-partitioner.js';

export type RecordBytes = string | Buffer | null;

export interface ProduceRecord {
  key?: RecordBytes;
  value: RecordBytes;
  /** Header values; a string is written as UTF-8. */
  headers?: Record<string, RecordBytes>;
  /** Default: murmur2 of the key as Kafka's clients do, round-robin for records without a key. */
  partition?: number;
  /** Epoch ms; default now. */
  timestamp?: number;
}

export interface ProducedRecord {
  partition: number;
  offset: number;
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}

export interface ReadOptions {
  /** First offset to return; default the log start offset. */
  fromOffset?: number;
  /** At most this many records; default all up to the high watermark. */
  maxRecords?: number;
}

/** A failed helper call; `errorCode` is the Kafka error behind it. */
export class ControlError extends Error {
  constructor(
    message: string,
    readonly errorCode: number = ErrorCode.UNKNOWN_SERVER_ERROR,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

const READ_CHUNK_BYTES = 1 << 20;

export class TestData {
  /** Next partition for a keyless record, per topic (Kafka's round-robin partitioner). */
  private readonly roundRobin = new Map<string, number>();

  constructor(
    private readonly cluster: Cluster,
    private readonly autoCreateTopic: (name: string) => Promise<unknown>,
  ) {}

  async createTopic(name: string, opts: { partitions?: number; configs?: Record<string, string> } = {}): Promise<void> {
    const r = await this.cluster.createTopic(name, opts.partitions ?? 1, opts.configs ?? {});
    if (r.errorCode !== ErrorCode.NONE) throw new ControlError(`createTopic('${name}'): ${errorName(r.errorCode)}${r.errorMessage ? `: ${r.errorMessage}` : ''}`, r.errorCode);
  }

  /**
   * Appends the records (one batch per partition, in the order given) and resolves with where
   * each went once they are as durable as an acknowledged produce. A missing topic is created
   * when auto.create.topics.enable allows it.
   */
  async produce(topicName: string, records: ProduceRecord | readonly ProduceRecord[]): Promise<ProducedRecord[]> {
    const list: readonly ProduceRecord[] = Array.isArray(records) ? records : [records as ProduceRecord];
    if (this.cluster.topic(topicName) === undefined) await this.autoCreateTopic(topicName);
    const topic = this.cluster.topic(topicName);
    if (topic === undefined) throw new ControlError(`produce('${topicName}'): UNKNOWN_TOPIC_OR_PARTITION: create it first with control.createTopic`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    if (topic.internal) throw new ControlError(`produce('${topicName}'): INVALID_TOPIC_EXCEPTION: internal topic`, ErrorCode.INVALID_TOPIC_EXCEPTION);
    const n = topic.partitions.length;
    const byPartition = new Map<number, { inputs: RecordInput[]; positions: number[] }>();
    list.forEach((r, i) => {
      const p = r.partition ?? this.choosePartition(topicName, r.key ?? null, n);
      if (!Number.isInteger(p) || p < 0 || p >= n) throw new ControlError(`produce('${topicName}'): UNKNOWN_TOPIC_OR_PARTITION: partition ${p} (the topic has ${n})`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      let group = byPartition.get(p);
      if (group === undefined) byPartition.set(p, (group = { inputs: [], positions: [] }));
      group.inputs.push({
        key: r.key ?? null,
        value: r.value,
        headers: Object.entries(r.headers ?? {}).map(([key, value]) => ({ key, value })),
        ...(r.timestamp === undefined ? {} : { timestamp: r.timestamp }),
      });
      group.positions.push(i);
    });
    const out: ProducedRecord[] = new Array(list.length);
    const flushes: Promise<void>[] = [];
    for (const [p, group] of byPartition) {
      const now = Date.now();
      const a = topic.partitions[p].append(buildRecordBatch({ records: group.inputs, now }), now);
      if (a.errorCode !== ErrorCode.NONE) throw new ControlError(`produce('${topicName}'): ${errorName(a.errorCode)}${a.errorMessage ? `: ${a.errorMessage}` : ''}`, a.errorCode);
      group.positions.forEach((at, i) => (out[at] = { partition: p, offset: a.baseOffset + i }));
      if (a.flushed) flushes.push(a.flushed);
    }
    await Promise.all(flushes);
    return out;
  }

  private choosePartition(topic: string, key: RecordBytes, partitions: number): number {
    if (key !== null) return partitionForKey(typeof key === 'string' ? Buffer.from(key) : key, partitions);
    const next = this.roundRobin.get(topic) ?? 0;
    this.roundRobin.set(topic, next + 1);
    return next % partitions;
  }

  /** The records of one partition up to its high watermark (transaction markers left out). */
  read(topicName: string, partition: number, opts: ReadOptions = {}): ConsumedRecord[] {
    const p = this.cluster.partition(topicName, partition);
    if (p === undefined) throw new ControlError(`readPartition('${topicName}', ${partition}): UNKNOWN_TOPIC_OR_PARTITION`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const max = opts.maxRecords ?? Number.POSITIVE_INFINITY;
    let offset = Math.max(opts.fromOffset ?? p.logStartOffset, p.logStartOffset);
    const out: ConsumedRecord[] = [];
    while (out.length < max && offset < p.highWatermark) {
      const r = p.read(offset, READ_CHUNK_BYTES, true);
      if (r.errorCode !== ErrorCode.NONE) throw new ControlError(`readPartition('${topicName}', ${partition}): ${errorName(r.errorCode)} at offset ${offset}`, r.errorCode);
      if (r.records.length === 0) break;
      for (const buf of r.records) {
        for (const { batch, records } of decodeBatches(buf)) {
          offset = Math.max(offset, batch.lastOffset + 1);
          if (batch.isControl) continue;
          for (const rec of records) {
            if (rec.offset < (opts.fromOffset ?? 0) || out.length >= max) continue;
            out.push({
              topic: topicName,
              partition,
              offset: rec.offset,
              timestamp: rec.timestamp,
              key: rec.key && Buffer.from(rec.key),
              value: rec.value && Buffer.from(rec.value),
              headers: rec.headers.map((h) => ({ key: h.key, value: h.value && Buffer.from(h.value) })),
            });
          }
        }
      }
    }
    return out;
  }
}
