// Messages and bytes in and out per topic, and produce/fetch partition outcomes, counted from
// the Produce and Fetch bodies the connection has already decoded and answered. Records are
// never decoded: a batch header says how many records it holds (lastOffsetDelta + 1), and its
// length field says where the next batch starts. Counters are plain numbers; the registry reads
// them when scraped.
import { errorName } from '../protocol/errors.js';
import { BatchHeader } from '../protocol/records/record-batch.js';
import type { ProduceRequest, ProduceResponse } from '../protocol/messages/produce.js';
import type { FetchResponse } from '../protocol/messages/fetch.js';

/** Fetch v13+ names topics by id only. */
const FETCH_TOPIC_IDS_FROM = 13;

/** Kafka's BrokerTopicMetrics for one topic (or all topics together). */
export class TopicCounters {
  messagesIn = 0;
  bytesIn = 0;
  messagesOut = 0;
  bytesOut = 0;
  /** Partitions of produce requests (Kafka counts TotalProduceRequests per partition). */
  produceRequests = 0;
  failedProduceRequests = 0;
  fetchRequests = 0;
  failedFetchRequests = 0;
}

export interface TopicLookup {
  /** Whether the topic exists: per-topic counters are kept only for existing topics. */
  exists(name: string): boolean;
  nameOf(topicId: string): string | undefined;
}

/** Error name -> occurrences, one per partition that carried it (NONE is not counted). */
export type ErrorTally = Map<string, number>;

export function tally(errors: ErrorTally, code: number): void {
  const name = errorName(code);
  errors.set(name, (errors.get(name) ?? 0) + 1);
}

/** Records in the whole batches of `buf`, from each header's lastOffsetDelta. */
export function recordCount(buf: Buffer): number {
  let n = 0;
  let pos = 0;
  while (pos + BatchHeader.SIZE <= buf.length) {
    n += buf.readInt32BE(pos + BatchHeader.LAST_OFFSET_DELTA) + 1;
    pos += BatchHeader.LOG_OVERHEAD + buf.readInt32BE(pos + BatchHeader.BATCH_LENGTH);
  }
  return n;
}

export class TopicTraffic {
  readonly all = new TopicCounters();
  readonly byTopic = new Map<string, TopicCounters>();

  constructor(private readonly topics: TopicLookup) {}

  private counters(name: string): TopicCounters {
    let c = this.byTopic.get(name);
    if (c === undefined) {
      c = new TopicCounters();
      this.byTopic.set(name, c);
    }
    return c;
  }

  /** Partitions of an error answer count only when their topic exists (a client picks the names). */
  private existing(name: string | undefined): TopicCounters | undefined {
    return name !== undefined && this.topics.exists(name) ? this.counters(name) : undefined;
  }

  /**
   * `response` null: an acks=0 produce, which gets no answer and was all appended (a failed one
   * closes the connection and is not reported). The handler answers partitions in request order.
   */
  produce(request: ProduceRequest, response: ProduceResponse | null, errors: ErrorTally): void {
    const all = this.all;
    for (let ti = 0; ti < request.topicData.length; ti++) {
      const td = request.topicData[ti];
      const answered = response?.responses[ti]?.partitionResponses;
      let topic: TopicCounters | undefined;
      for (let pi = 0; pi < td.partitionData.length; pi++) {
        const code = answered?.[pi]?.errorCode ?? 0;
        all.produceRequests++;
        if (code !== 0) {
          all.failedProduceRequests++;
          tally(errors, code);
          const t = this.existing(td.name);
          if (t !== undefined) {
            t.produceRequests++;
            t.failedProduceRequests++;
          }
          continue;
        }
        const records = td.partitionData[pi].records;
        const bytes = records === null ? 0 : records.length;
        const messages = records === null ? 0 : recordCount(records);
        topic ??= this.counters(td.name);
        topic.produceRequests++;
        topic.messagesIn += messages;
        topic.bytesIn += bytes;
        all.messagesIn += messages;
        all.bytesIn += bytes;
      }
    }
  }

  fetch(apiVersion: number, response: FetchResponse, errors: ErrorTally): void {
    const all = this.all;
    const byId = apiVersion >= FETCH_TOPIC_IDS_FROM;
    for (const t of response.responses) {
      const name = byId ? (t.topicId === undefined ? undefined : this.topics.nameOf(t.topicId)) : t.topic;
      let topic: TopicCounters | undefined;
      for (const p of t.partitions) {
        all.fetchRequests++;
        if (p.errorCode !== 0) {
          all.failedFetchRequests++;
          tally(errors, p.errorCode);
          const c = this.existing(name);
          if (c !== undefined) {
            c.fetchRequests++;
            c.failedFetchRequests++;
          }
          continue;
        }
        let bytes = 0;
        let messages = 0;
        const records = p.records;
        if (records !== null) {
          if (Buffer.isBuffer(records)) {
            bytes = records.length;
            messages = recordCount(records);
          } else {
            for (const b of records) {
              bytes += b.length;
              messages += recordCount(b);
            }
          }
        }
        all.bytesOut += bytes;
        all.messagesOut += messages;
        if (name === undefined) continue;
        topic ??= this.counters(name);
        topic.fetchRequests++;
        topic.bytesOut += bytes;
        topic.messagesOut += messages;
      }
    }
  }

  topicDeleted(name: string): void {
    this.byTopic.delete(name);
  }
}
