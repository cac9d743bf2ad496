import { ErrorCode } from '../protocol/errors.js';
import { RecordBatchBuilder } from '../protocol/records/record-batch-builder.js';
import { produce as produceApi, type ProduceResponse } from '../protocol/messages/produce.js';
import type { KafkaClient, TopicInfo } from './kafka-client.js';
import { KafkaError } from './kafka-error.js';
import { partitionForKey } from './partitioner.js';
import { ConnectionError } from './wire-client.js';

/**
 * A batching producer: records accumulate per partition into v2 record batches (built with
 * protocol/records, compressed as asked), which go to each partition's leader in Produce
 * requests, several in flight per broker. Keyed records are placed as the Java client places
 * them (murmur2); keyless ones stick to one partition until its batch is full, then move on (the
 * Java client's sticky partitioning), which keeps batches large. Retriable errors (a leader that
 * moved, a broken connection) send the batch again to the current leader until the delivery
 * timeout. Not idempotent: a retried batch may be written twice or out of order, as with the
 * Java producer when enable.idempotence=false.
 */

export interface ProducerOptions {
  /** -1 (all in-sync replicas), 1 (the leader) or 0 (no answer). Default -1. */
  readonly acks?: -1 | 0 | 1;
  /** CompressionType value (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). Default 0. */
  readonly compression?: number;
  /** A batch is sent once its records reach this many bytes. Default 512 KiB. */
  readonly batchBytes?: number;
  /** Partial batches are sent this long after their first record. Default 5 ms. */
  readonly lingerMs?: number;
  /** Produce requests in flight per broker. Default 5. */
  readonly maxInFlight?: number;
  /** Bytes accepted but not yet acknowledged before waitForCapacity() waits. Default 32 MiB. */
  readonly bufferBytes?: number;
  /** How long a batch may take, retries included. Default: the client's request timeout. */
  readonly deliveryTimeoutMs?: number;
}

export interface ProducerRecord {
  readonly topic: string;
  /** Explicit partition; else chosen from the key. */
  readonly partition?: number;
  readonly key?: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: readonly { key: string; value: Buffer | null }[];
  /** Epoch ms; default now. */
  readonly timestamp?: number;
}

/** One delivered batch: its records have offsets baseOffset .. baseOffset + count - 1. */
export interface DeliveredBatch {
  readonly topic: string;
  readonly partition: number;
  /** -1 with acks=0. */
  readonly baseOffset: number;
  readonly count: number;
  /** The broker's time for LogAppendTime topics, else -1. */
  readonly logAppendTime: number;
  /** What the caller attached to each record (send()'s second argument), in offset order. */
  readonly tags: readonly unknown[];
}

interface PendingBatch {
  readonly topic: string;
  readonly partition: number;
  /** Records are encoded as they arrive; no per-record objects are kept. */
  builder: RecordBatchBuilder;
  count: number;
  tags: unknown[];
  bytesOnWire: Buffer | undefined;
  deadline: number;
}

const NO_HEADERS: readonly { key: string; value: Buffer | null }[] = [];

export class Producer {
  private readonly acks: -1 | 0 | 1;
  private readonly compression: number;
  private readonly batchBytes: number;
  private readonly lingerMs: number;
  private readonly maxInFlight: number;
  private readonly bufferBytes: number;
  private readonly deliveryTimeoutMs: number;
  private readonly topics = new Map<string, TopicInfo>();
  /** Open (still filling) batches by "topic:partition". */
  private readonly open = new Map<string, PendingBatch>();
  /** Sticky partition for keyless records, by topic. */
  private readonly sticky = new Map<string, number>();
  private readonly ready: PendingBatch[] = [];
  private readonly inFlight = new Map<number, number>();
  private lingerTimer: NodeJS.Timeout | undefined;
  private bufferedBytes = 0;
  private error: Error | undefined;
  private waiters: (() => void)[] = [];
  private draining = false;

  constructor(
    private readonly client: KafkaClient,
    private readonly onDelivery: (batch: DeliveredBatch) => void = () => undefined,
    options: ProducerOptions = {},
  ) {
    this.acks = options.acks ?? -1;
    this.compression = options.compression ?? 0;
    this.batchBytes = options.batchBytes ?? 512 * 1024;
    this.lingerMs = options.lingerMs ?? 5;
    this.maxInFlight = options.maxInFlight ?? 5;
    this.bufferBytes = options.bufferBytes ?? 32 * 1024 * 1024;
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? client.requestTimeoutMs;
  }

  /** Loads a topic's partitions; required before send() for that topic. Throws if it does not exist. */
  async prepare(topic: string): Promise<TopicInfo> {
    const [info] = await this.client.topics([topic]);
    this.topics.set(topic, info);
    return info;
  }

  /** The first delivery error, once one happened (send() throws it too). */
  get failure(): Error | undefined {
    return this.error;
  }

  /** Accepts a record; `tag` comes back with its batch's delivery. Throws once a delivery failed. */
  send(record: ProducerRecord, tag?: unknown): void {
    if (this.error) throw this.error;
    const info = this.topics.get(record.topic);
    if (!info) throw new Error(`call prepare('${record.topic}') before sending to it`);
    const partition = this.partitionFor(record, info);
    const key = `${record.topic}:${partition}`;
    let batch = this.open.get(key);
    if (!batch) {
      // Room for a whole batch while few partitions fill at once (no copies as it grows); a
      // producer spread over many partitions starts small instead.
      const capacity = this.open.size < 8 ? this.batchBytes + 16 * 1024 : 64 * 1024;
      batch = { topic: record.topic, partition, builder: new RecordBatchBuilder(capacity), count: 0, tags: [], bytesOnWire: undefined, deadline: 0 };
      this.open.set(key, batch);
      // Counted from the header on: delivered() takes the batch's whole size back off.
      this.bufferedBytes += batch.builder.sizeInBytes;
    }
    const before = batch.builder.sizeInBytes;
    batch.builder.append(record.timestamp ?? Date.now(), record.key ?? null, record.value, record.headers ?? NO_HEADERS);
    batch.count++;
    batch.tags.push(tag);
    this.bufferedBytes += batch.builder.sizeInBytes - before;
    if (batch.builder.sizeInBytes >= this.batchBytes) {
      this.seal(key, batch);
      if (record.partition === undefined && (record.key === undefined || record.key === null)) this.sticky.delete(record.topic);
      this.drain();
    } else if (!this.lingerTimer) {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = undefined;
        this.sealAll();
        this.drain();
      }, this.lingerMs);
    }
  }

  /** Resolves when the buffered bytes are below the limit (or a delivery failed). */
  async waitForCapacity(): Promise<void> {
    while (this.bufferedBytes >= this.bufferBytes && !this.error) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.error) throw this.error;
  }

  /** Sends everything accepted and waits for every acknowledgement; throws the first failure. */
  async flush(): Promise<void> {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.sealAll();
    this.drain();
    while (this.bufferedBytes > 0 && !this.error) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.error) throw this.error;
  }

  private partitionFor(record: ProducerRecord, info: TopicInfo): number {
    const count = info.partitions.length;
    if (record.partition !== undefined) {
      if (!info.partitions.some((p) => p.partition === record.partition)) {
        throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${record.partition} does not exist (the topic has ${count})`, { topic: record.topic, partition: record.partition });
      }
      return record.partition;
    }
    if (record.key) return partitionForKey(record.key, count);
    let p = this.sticky.get(record.topic);
    if (p === undefined) {
      p = Math.floor(Math.random() * count);
      this.sticky.set(record.topic, p);
    }
    return p;
  }

  private seal(key: string, batch: PendingBatch): void {
    this.open.delete(key);
    batch.bytesOnWire = batch.builder.build(this.compression);
    batch.deadline = Date.now() + this.deliveryTimeoutMs;
    this.ready.push(batch);
  }

  private sealAll(): void {
    for (const [key, batch] of this.open) this.seal(key, batch);
    for (const topic of this.sticky.keys()) {
      const info = this.topics.get(topic);
      if (info) this.sticky.set(topic, (this.sticky.get(topic)! + 1) % info.partitions.length);
    }
  }

  /** Sends ready batches, one request per leader at a time, within the in-flight limit. */
  private drain(): void {
    if (this.draining || this.error) return;
    this.draining = true;
    try {
      // Pass after pass until nothing more can go: each pass sends at most one request per
      // leader, so a partition's queued batches are pipelined up to the in-flight limit.
      while (this.drainOnce());
    } finally {
      this.draining = false;
    }
  }

  /** One pass over the ready batches; true when it sent something. */
  private drainOnce(): boolean {
    const byLeader = new Map<number, PendingBatch[]>();
    const waiting: PendingBatch[] = [];
    const leaderless: PendingBatch[] = [];
    // One batch per partition per request (as Kafka's producer does): a partition's batches
    // go out in order, and the response names each partition once.
    const taken = new Set<string>();
    for (const batch of this.ready) {
      const leader = this.topics.get(batch.topic)?.partitions.find((p) => p.partition === batch.partition)?.leader ?? -1;
      const key = `${batch.topic}:${batch.partition}`;
      if (taken.has(key)) {
        waiting.push(batch);
        continue;
      }
      taken.add(key);
      if (leader < 0) {
        if (Date.now() >= batch.deadline) this.fail(new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, null, { topic: batch.topic, partition: batch.partition }));
        else leaderless.push(batch);
      } else if ((this.inFlight.get(leader) ?? 0) >= this.maxInFlight) {
        waiting.push(batch);
      } else {
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), batch]);
      }
    }
    this.ready.length = 0;
    this.ready.push(...waiting);
    for (const [leader, batches] of byLeader) this.sendTo(leader, batches);
    if (leaderless.length > 0) void this.requeue(leaderless);
    return byLeader.size > 0 && this.ready.length > 0;
  }

  private sendTo(leader: number, batches: PendingBatch[]): void {
    this.inFlight.set(leader, (this.inFlight.get(leader) ?? 0) + 1);
    const topics = new Map<string, PendingBatch[]>();
    for (const b of batches) topics.set(b.topic, [...(topics.get(b.topic) ?? []), b]);
    const body = {
      transactionalId: null,
      acks: this.acks,
      timeoutMs: this.client.requestTimeoutMs,
      topicData: [...topics].map(([name, list]) => ({ name, partitionData: list.map((b) => ({ index: b.partition, records: b.bytesOnWire! })) })),
    };
    void (async () => {
      try {
        const conn = await this.client.broker(leader);
        if (this.acks === 0) {
          const version = conn.version(produceApi.apiKey, 3);
          if (version === undefined) throw new Error(`the broker at ${conn.address} does not support Produce v3+`);
          conn.send(produceApi.apiKey, version, body);
          for (const b of batches) this.delivered(b, -1, -1);
          return;
        }
        const { response } = await this.client.call<ProduceResponse>(conn, produceApi, body, { min: 3 });
        const retry: PendingBatch[] = [];
        for (const t of response.responses) {
          for (const p of t.partitionResponses) {
            const b = batches.find((x) => x.topic === t.name && x.partition === p.index);
            if (!b) continue;
            if (p.errorCode === 0) {
              this.delivered(b, p.baseOffset, p.logAppendTimeMs ?? -1);
              continue;
            }
            const err = new KafkaError(p.errorCode, p.errorMessage ?? p.recordErrors?.[0]?.batchIndexErrorMessage ?? null, { topic: t.name, partition: p.index });
            if (err.retriable && Date.now() < b.deadline) retry.push(b);
            else this.fail(err);
          }
        }
        if (retry.length > 0) await this.requeue(retry);
      } catch (err) {
        if (err instanceof ConnectionError && batches.every((b) => Date.now() < b.deadline)) await this.requeue(batches);
        else this.fail(err as Error);
      } finally {
        this.inFlight.set(leader, (this.inFlight.get(leader) ?? 1) - 1);
        this.drain();
      }
    })();
  }

  /** Refreshes the leaders of the batches' topics, then queues the batches again. */
  private async requeue(batches: PendingBatch[]): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 100));
    try {
      for (const info of await this.client.topics([...new Set(batches.map((b) => b.topic))])) this.topics.set(info.name, info);
    } catch (err) {
      if (!(err instanceof ConnectionError || (err instanceof KafkaError && err.retriable))) {
        this.fail(err as Error);
        return;
      }
    }
    this.ready.push(...batches);
    this.drain();
  }

  private delivered(batch: PendingBatch, baseOffset: number, logAppendTime: number): void {
    this.bufferedBytes -= batch.builder.sizeInBytes;
    try {
      this.onDelivery({ topic: batch.topic, partition: batch.partition, baseOffset, count: batch.count, logAppendTime, tags: batch.tags });
    } finally {
      this.wake();
    }
  }

  private fail(err: Error): void {
    this.error ??= err;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
