import { ErrorCode } from '../protocol/errors.js';
import { listOffsets as listOffsetsApi, type ListOffsetsResponse } from '../protocol/messages/list-offsets.js';
import type { KafkaClient } from './kafka-client.js';
import { KafkaError } from './kafka-error.js';

/**
 * ListOffsets routed to each partition's leader: the earliest or latest offset of a partition,
 * or the first offset whose timestamp is at or after a given one.
 */

/** ListOffsets' special timestamps. */
export const OffsetSpec = {
  LATEST: -1,
  EARLIEST: -2,
  /** The record with the largest timestamp (v7+). */
  MAX_TIMESTAMP: -3,
} as const;

export const IsolationLevel = { READ_UNCOMMITTED: 0, READ_COMMITTED: 1 } as const;
export type IsolationLevel = (typeof IsolationLevel)[keyof typeof IsolationLevel];

export interface OffsetQuery {
  readonly topic: string;
  readonly partition: number;
  /** An OffsetSpec value or an epoch-ms timestamp. */
  readonly timestamp: number;
}

export interface OffsetAnswer {
  readonly topic: string;
  readonly partition: number;
  /** -1 when no record has a timestamp at or after the one asked. */
  readonly offset: number;
  readonly timestamp: number;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/**
 * Answers every query, keyed by partitionKey(); a partition error throws a KafkaError naming
 * the partition (after retrying retriable ones, such as a leader that moved).
 */
export async function listOffsets(client: KafkaClient, queries: readonly OffsetQuery[], isolationLevel: IsolationLevel = IsolationLevel.READ_UNCOMMITTED): Promise<Map<string, OffsetAnswer>> {
  const answers = new Map<string, OffsetAnswer>();
  if (queries.length === 0) return answers;
  await client.retrying(async () => {
    const pending = queries.filter((q) => !answers.has(partitionKey(q.topic, q.partition)));
    const meta = client.lastMetadata?.topics.has(pending[0].topic) ? client.lastMetadata : await client.metadata([...new Set(pending.map((q) => q.topic))]);
    const byLeader = new Map<number, OffsetQuery[]>();
    for (const q of pending) {
      const t = meta.topics.get(q.topic);
      if (!t || t.errorCode !== 0) throw new KafkaError(t?.errorCode || ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null, { topic: q.topic });
      const p = t.partitions.find((x) => x.partition === q.partition);
      if (!p) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${q.partition} does not exist`, { topic: q.topic, partition: q.partition });
      if (p.leader < 0) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, null, { topic: q.topic, partition: q.partition });
      byLeader.set(p.leader, [...(byLeader.get(p.leader) ?? []), q]);
    }
    await Promise.all([...byLeader].map(async ([leader, list]) => {
      const topics = new Map<string, OffsetQuery[]>();
      for (const q of list) topics.set(q.topic, [...(topics.get(q.topic) ?? []), q]);
      const conn = await client.broker(leader);
      const needsV7 = list.some((q) => q.timestamp === OffsetSpec.MAX_TIMESTAMP);
      const { response } = await client.call<ListOffsetsResponse>(conn, listOffsetsApi, {
        replicaId: -1,
        isolationLevel,
        topics: [...topics].map(([name, qs]) => ({
          name,
          partitions: qs.map((q) => ({ partitionIndex: q.partition, currentLeaderEpoch: -1, timestamp: q.timestamp, maxNumOffsets: 1 })),
        })),
        timeoutMs: client.requestTimeoutMs,
      }, { min: needsV7 ? 7 : isolationLevel === IsolationLevel.READ_COMMITTED ? 2 : 1 });
      for (const t of response.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) throw new KafkaError(p.errorCode, null, { topic: t.name, partition: p.partitionIndex });
          answers.set(partitionKey(t.name, p.partitionIndex), { topic: t.name, partition: p.partitionIndex, offset: p.offset ?? -1, timestamp: p.timestamp ?? -1 });
        }
      }
    }));
  });
  return answers;
}

/** Earliest and latest offsets (the log start and the high watermark) of each partition. */
export async function offsetRanges(client: KafkaClient, partitions: readonly { topic: string; partition: number }[], isolationLevel: IsolationLevel = IsolationLevel.READ_UNCOMMITTED): Promise<Map<string, { start: number; end: number }>> {
  const [starts, ends] = await Promise.all([
    listOffsets(client, partitions.map((p) => ({ ...p, timestamp: OffsetSpec.EARLIEST }))),
    listOffsets(client, partitions.map((p) => ({ ...p, timestamp: OffsetSpec.LATEST })), isolationLevel),
  ]);
  const out = new Map<string, { start: number; end: number }>();
  for (const [key, s] of starts) out.set(key, { start: s.offset, end: ends.get(key)?.offset ?? -1 });
  return out;
}
