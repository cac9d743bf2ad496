/** One partition of a topic, as transactions name them. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/**
 * The partitions of a transaction: topic -> partition indexes, in the order they were added
 * (markers are written in that order, and DescribeTransactions lists them so).
 */
export class TopicPartitionSet {
  private readonly byTopic = new Map<string, Set<number>>();
  private count = 0;

  constructor(partitions: Iterable<TopicPartition> = []) {
    for (const tp of partitions) this.add(tp);
  }

  get size(): number {
    return this.count;
  }

  has(tp: TopicPartition): boolean {
    return this.byTopic.get(tp.topic)?.has(tp.partition) ?? false;
  }

  add(tp: TopicPartition): void {
    let set = this.byTopic.get(tp.topic);
    if (!set) this.byTopic.set(tp.topic, (set = new Set()));
    if (!set.has(tp.partition)) {
      set.add(tp.partition);
      this.count++;
    }
  }

  delete(tp: TopicPartition): boolean {
    const set = this.byTopic.get(tp.topic);
    if (!set?.delete(tp.partition)) return false;
    if (set.size === 0) this.byTopic.delete(tp.topic);
    this.count--;
    return true;
  }

  clear(): void {
    this.byTopic.clear();
    this.count = 0;
  }

  /** Whether every partition of `this` is in `other`. */
  isSubsetOf(other: TopicPartitionSet): boolean {
    for (const tp of this) if (!other.has(tp)) return false;
    return true;
  }

  equals(other: TopicPartitionSet): boolean {
    return this.size === other.size && this.isSubsetOf(other);
  }

  copy(): TopicPartitionSet {
    return new TopicPartitionSet(this);
  }

  /** topic -> partitions, as the transaction log and DescribeTransactions write them. */
  topics(): { topic: string; partitions: number[] }[] {
    return [...this.byTopic].map(([topic, set]) => ({ topic, partitions: [...set] }));
  }

  *[Symbol.iterator](): Generator<TopicPartition> {
    for (const [topic, set] of this.byTopic) for (const partition of set) yield { topic, partition };
  }
}
