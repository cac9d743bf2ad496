import type { Cluster } from './cluster.js';
import type { ProducerStateView } from './partition.js';

/** One partition's producers and transactions, for tests and the console (Broker.producers()). */
export interface ProducerInspection {
  topic: string;
  partition: number;
  highWatermark: number;
  /** Where read_committed consumers stop: the first offset of the earliest open transaction. */
  lastStableOffset: number;
  /** Producers whose state the partition keeps; currentTxnStartOffset >= 0 marks an open transaction. */
  producers: ProducerStateView[];
}

/** Every partition of `topic` (or of every topic), in topic then partition order. */
export function inspectProducers(cluster: Cluster, topic?: string): ProducerInspection[] {
  const topics = topic === undefined ? [...cluster.topics()].sort((a, b) => a.name.localeCompare(b.name)) : [cluster.topic(topic)].filter((t) => t !== undefined);
  const out: ProducerInspection[] = [];
  for (const t of topics) {
    for (const p of t.partitions) {
      out.push({
        topic: t.name,
        partition: p.index,
        highWatermark: p.highWatermark,
        lastStableOffset: p.lastStableOffset,
        producers: p.activeProducers().sort((a, b) => a.producerId - b.producerId),
      });
    }
  }
  return out;
}
