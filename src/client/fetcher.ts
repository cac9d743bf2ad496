import { ErrorCode } from '../protocol/errors.js';
import { fetch as fetchApi, type FetchResponse } from '../protocol/messages/fetch.js';
import { ZERO_UUID, type KafkaClient, type TopicInfo } from './kafka-client.js';
import { KafkaError } from './kafka-error.js';
import { decodeFetchedRecords, type ConsumerRecord } from './fetch-decoder.js';
import { IsolationLevel, listOffsets, OffsetSpec, partitionKey } from './list-offsets.js';
import { ConnectionError } from './wire-client.js';

/**
 * The consuming half of the client: a position per assigned partition, Fetch requests to each
 * partition's leader (all leaders at once), records decoded by fetch-decoder, and the recovery a
 * consumer needs (a leader that moved: refresh metadata and go on; an offset out of range: reset
 * to the earliest or latest offset, or fail, as auto.offset.reset says). Full fetches only: no
 * fetch sessions (KIP-227), which every broker accepts.
 */

export interface FetcherOptions {
  readonly isolationLevel?: IsolationLevel;
  /** How long a fetch may wait for minBytes. Default 500 ms. */
  readonly maxWaitMs?: number;
  readonly minBytes?: number;
  /** Per response. Default 50 MiB (Kafka's fetch.max.bytes). */
  readonly maxBytes?: number;
  /** Per partition. Default 1 MiB (max.partition.fetch.bytes). */
  readonly partitionMaxBytes?: number;
  /** What to do when a position is out of range. Default 'earliest'. */
  readonly autoOffsetReset?: 'earliest' | 'latest' | 'none';
}

export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read. */
  position: number;
  /** From the last fetch; -1 before one. */
  highWatermark: number;
  lastStableOffset: number;
}

export type { ConsumerRecord } from './fetch-decoder.js';

export class Fetcher {
  private readonly states = new Map<string, PartitionState>();
  private readonly topics = new Map<string, TopicInfo>();
  private readonly isolationLevel: IsolationLevel;
  private readonly maxWaitMs: number;
  private readonly minBytes: number;
  private readonly maxBytes: number;
  private readonly partitionMaxBytes: number;
  private readonly autoOffsetReset: 'earliest' | 'latest' | 'none';
  private metadataStale = true;

  constructor(
    private readonly client: KafkaClient,
    options: FetcherOptions = {},
  ) {
    this.isolationLevel = options.isolationLevel ?? IsolationLevel.READ_UNCOMMITTED;
    this.maxWaitMs = options.maxWaitMs ?? 500;
    this.minBytes = options.minBytes ?? 1;
    this.maxBytes = options.maxBytes ?? 50 * 1024 * 1024;
    this.partitionMaxBytes = options.partitionMaxBytes ?? 1024 * 1024;
    this.autoOffsetReset = options.autoOffsetReset ?? 'earliest';
  }

  /** Replaces the assignment with these partitions at these positions. */
  assign(positions: readonly { topic: string; partition: number; offset: number }[]): void {
    this.states.clear();
    for (const p of positions) this.states.set(partitionKey(p.topic, p.partition), { topic: p.topic, partition: p.partition, position: p.offset, highWatermark: -1, lastStableOffset: -1 });
    this.metadataStale = true;
  }

  get assignment(): readonly PartitionState[] {
    return [...this.states.values()];
  }

  /**
   * One round of fetches (one request per leader, in parallel); returns the records in offset
   * order per partition and moves the positions past them. Resolves with no records when
   * nothing arrived within maxWaitMs.
   */
  async poll(): Promise<ConsumerRecord[]> {
    if (this.states.size === 0) {
      await new Promise((resolve) => setTimeout(resolve, this.maxWaitMs));
      return [];
    }
    if (this.metadataStale) await this.refreshMetadata();
    const byLeader = new Map<number, PartitionState[]>();
    for (const s of this.states.values()) {
      const leader = this.topics.get(s.topic)?.partitions.find((p) => p.partition === s.partition)?.leader ?? -1;
      if (leader < 0) {
        this.metadataStale = true;
        continue;
      }
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), s]);
    }
    if (byLeader.size === 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return [];
    }
    const results = await Promise.all([...byLeader].map(([leader, states]) => this.fetchFrom(leader, states)));
    return results.flat();
  }

  private async fetchFrom(leader: number, states: PartitionState[]): Promise<ConsumerRecord[]> {
    const topics = new Map<string, PartitionState[]>();
    for (const s of states) topics.set(s.topic, [...(topics.get(s.topic) ?? []), s]);
    // Fetch v13+ names topics by id; without ids (old metadata) stay at v12.
    const haveIds = [...topics.keys()].every((t) => (this.topics.get(t)?.topicId ?? ZERO_UUID) !== ZERO_UUID);
    let response: FetchResponse;
    let version: number;
    try {
      const conn = await this.client.broker(leader);
      ({ version, response } = await this.client.call<FetchResponse>(conn, fetchApi, {
        clusterId: null,
        replicaId: -1,
        replicaState: { replicaId: -1, replicaEpoch: -1 },
        maxWaitMs: this.maxWaitMs,
        minBytes: this.minBytes,
        maxBytes: this.maxBytes,
        isolationLevel: this.isolationLevel,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [...topics].map(([topic, list]) => ({
          topic,
          topicId: this.topics.get(topic)?.topicId ?? ZERO_UUID,
          partitions: list.map((s) => ({ partition: s.partition, currentLeaderEpoch: -1, fetchOffset: s.position, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: this.partitionMaxBytes, replicaDirectoryId: ZERO_UUID })),
        })),
        forgottenTopicsData: [],
        rackId: '',
      }, { min: 4, max: haveIds ? undefined : 12, timeoutMs: this.client.requestTimeoutMs + this.maxWaitMs }));
    } catch (err) {
      if (err instanceof ConnectionError) {
        // The broker went away: find the leaders again and let the next poll go on.
        this.metadataStale = true;
        await new Promise((resolve) => setTimeout(resolve, 200));
        return [];
      }
      throw err;
    }
    if ((response.errorCode ?? 0) !== 0) throw new KafkaError(response.errorCode!, null, { api: 'Fetch' });
    const records: ConsumerRecord[] = [];
    const resets: PartitionState[] = [];
    for (const t of response.responses) {
      const topic = version >= 13 ? [...topics.keys()].find((name) => this.topics.get(name)?.topicId === t.topicId) : t.topic;
      if (topic === undefined) continue;
      for (const p of t.partitions) {
        const s = this.states.get(partitionKey(topic, p.partitionIndex));
        if (!s) continue;
        if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          resets.push(s);
          continue;
        }
        if (p.errorCode !== 0) {
          const err = new KafkaError(p.errorCode, null, { topic, partition: p.partitionIndex });
          if (!err.retriable && p.errorCode !== ErrorCode.UNKNOWN_TOPIC_ID) throw err;
          this.metadataStale = true;
          continue;
        }
        s.highWatermark = p.highWatermark;
        s.lastStableOffset = p.lastStableOffset ?? -1;
        const bytes = Array.isArray(p.records) ? Buffer.concat(p.records as readonly Buffer[]) : (p.records as Buffer | null);
        const decoded = decodeFetchedRecords(topic, s.partition, bytes, s.position, this.isolationLevel === IsolationLevel.READ_COMMITTED ? (p.abortedTransactions ?? null) : null);
        for (const r of decoded.records) records.push(r);
        s.position = decoded.nextOffset;
      }
    }
    if (resets.length > 0) await this.reset(resets);
    return records;
  }

  private async reset(states: PartitionState[]): Promise<void> {
    if (this.autoOffsetReset === 'none') {
      const s = states[0];
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${s.position} is outside the partition's log`, { topic: s.topic, partition: s.partition });
    }
    const timestamp = this.autoOffsetReset === 'earliest' ? OffsetSpec.EARLIEST : OffsetSpec.LATEST;
    const answers = await listOffsets(this.client, states.map((s) => ({ topic: s.topic, partition: s.partition, timestamp })), this.isolationLevel);
    for (const s of states) s.position = answers.get(partitionKey(s.topic, s.partition))?.offset ?? s.position;
  }

  private async refreshMetadata(): Promise<void> {
    const names = [...new Set([...this.states.values()].map((s) => s.topic))];
    const meta = await this.client.metadata(names);
    for (const name of names) {
      const t = meta.topics.get(name);
      if (t && t.errorCode === 0) this.topics.set(name, t);
    }
    this.metadataStale = false;
  }
}
