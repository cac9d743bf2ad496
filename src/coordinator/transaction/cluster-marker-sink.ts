/**
 * Where transaction markers go on this broker: the partition's log, and for `__consumer_offsets`
 * the group coordinator, which writes the marker itself and makes the transaction's offsets
 * visible (COMMIT) or drops them (ABORT). Used by the transaction coordinator and by the
 * WriteTxnMarkers API alike.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { isKafkaStorageError } from '../../storage/storage-error.js';
import type { Cluster } from '../../cluster/cluster.js';
import type { MarkerResult, TxnMarker } from '../../cluster/partition.js';
import type { GroupCoordinator } from '../group/group-coordinator.js';
import { OFFSETS_TOPIC } from '../offsets-topic.js';
import type { TopicPartition } from './topic-partition-set.js';
import type { TxnMarkerSink } from './txn-marker-writer.js';

function failed(errorCode: number, errorMessage: string | null = null): MarkerResult {
  return { errorCode, errorMessage, offset: -1, flushed: undefined };
}

/** What a group coordinator that cannot take the marker yet answers, as Kafka's WriteTxnMarkers maps it. */
const GROUP_COORDINATOR_BUSY: ReadonlySet<number> = new Set([ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR]);

export class ClusterMarkerSink implements TxnMarkerSink {
  constructor(
    private readonly cluster: Cluster,
    private readonly groups: GroupCoordinator,
  ) {}

  writeMarker(tp: TopicPartition, marker: TxnMarker, now: number): MarkerResult {
    const p = this.cluster.partition(tp.topic, tp.partition);
    if (!p) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    try {
      if (tp.topic !== OFFSETS_TOPIC) return p.writeTxnMarker(marker, now);
      const r = this.groups.completeTransaction(tp.partition, marker, now);
      // Retriable for the sender (Kafka answers NOT_LEADER_OR_FOLLOWER here).
      return GROUP_COORDINATOR_BUSY.has(r.errorCode) ? failed(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'the group coordinator is loading') : r;
    } catch (err) {
      if (!isKafkaStorageError(err)) throw err;
      return failed(ErrorCode.KAFKA_STORAGE_ERROR, (err as Error).message);
    }
  }
}
