/**
 * Committed offsets by group, topic and partition (the in-memory side of Kafka's
 * OffsetMetadataManager). Mutations come only from replaying OFFSET_COMMIT records, so the live
 * state and the state rebuilt at startup are the same code path.
 */
import type { OffsetCommitValue } from './records-codec.js';

/**
 * `recordSeq` orders commits as their records are applied (log order): a transactional commit
 * that becomes visible later never replaces a newer plain commit (Kafka compares record offsets).
 */
export type OffsetAndMetadata = OffsetCommitValue & { recordSeq?: number };

type TopicOffsets = Map<number, OffsetAndMetadata>;

export class OffsetStore {
  private readonly byGroup = new Map<string, Map<string, TopicOffsets>>();

  get(groupId: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.byGroup.get(groupId)?.get(topic)?.get(partition);
  }

  /** Returns the previous value. */
  put(groupId: string, topic: string, partition: number, value: OffsetAndMetadata): OffsetAndMetadata | undefined {
    let topics = this.byGroup.get(groupId);
    if (topics === undefined) {
      topics = new Map();
      this.byGroup.set(groupId, topics);
    }
    let partitions = topics.get(topic);
    if (partitions === undefined) {
      partitions = new Map();
      topics.set(topic, partitions);
    }
    const prev = partitions.get(partition);
    partitions.set(partition, value);
    return prev;
  }

  /** Returns the removed value. */
  remove(groupId: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    const topics = this.byGroup.get(groupId);
    const partitions = topics?.get(topic);
    if (topics === undefined || partitions === undefined) return undefined;
    const prev = partitions.get(partition);
    partitions.delete(partition);
    if (partitions.size === 0) topics.delete(topic);
    if (topics.size === 0) this.byGroup.delete(groupId);
    return prev;
  }

  /** topic -> partition -> offset; undefined when the group has no offsets. Do not mutate. */
  groupOffsets(groupId: string): ReadonlyMap<string, ReadonlyMap<number, OffsetAndMetadata>> | undefined {
    return this.byGroup.get(groupId);
  }

  hasOffsets(groupId: string): boolean {
    return this.byGroup.has(groupId);
  }

  /** Every (topic, partition) with an offset in the group. */
  partitionsOf(groupId: string): { topic: string; partition: number }[] {
    const out: { topic: string; partition: number }[] = [];
    const topics = this.byGroup.get(groupId);
    if (topics === undefined) return out;
    for (const [topic, partitions] of topics) for (const partition of partitions.keys()) out.push({ topic, partition });
    return out;
  }

  groupIds(): IterableIterator<string> {
    return this.byGroup.keys();
  }
}
