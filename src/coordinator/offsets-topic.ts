/**
 * The adapter that gives the group coordinator its GroupLog on top of the cluster's internal
 * `__consumer_offsets` topic.
 */
import { buildRecordBatch } from '../protocol/records/records.js';
import { ErrorCode } from '../protocol/errors.js';
import type { Cluster, Topic } from '../cluster/cluster.js';
import type { MarkerResult, Partition, TxnMarker } from '../cluster/partition.js';
import type { GroupLog, GroupLogEntry, GroupLogRecord, TxnProducer } from './group/group-types.js';
import { readCoordinatorLog } from './coordinator-log-reader.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

export interface OffsetsTopicOptions {
  readonly partitions: number; // offsets.topic.num.partitions
  readonly segmentBytes: number; // offsets.topic.segment.bytes
  /** offsets.topic.compression.codec: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd (default 0). */
  readonly compressionCodec?: number;
}

/** Kafka's partitionFor(groupId): Utils.abs(groupId.hashCode()) % partitions, Java's String.hashCode. */
export function offsetsPartitionFor(groupId: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < groupId.length; i++) h = (Math.imul(h, 31) + groupId.charCodeAt(i)) | 0;
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % partitions;
}

/**
 * The group coordinator's durable state as the compacted internal topic `__consumer_offsets`:
 * each write is one batch appended to the group's partition (compressed with
 * offsets.topic.compression.codec) and acknowledged once the flush policy is satisfied; restart
 * replays every partition. The topic is created on first use, as Kafka does, so a broker that
 * never sees a group starts without it. It is created with Kafka's configs for it:
 * cleanup.policy=compact, segment.bytes=offsets.topic.segment.bytes, compression.type=producer;
 * the log cleaner then keeps one record per key (a group's metadata, one offset per partition,
 * ...), and the tombstones the coordinator writes for deleted groups and offsets go once
 * delete.retention.ms has passed, so restart and disk follow the live groups, not the history.
 */
export class OffsetsTopicLog implements GroupLog {
  private creating: Promise<Topic> | undefined;

  constructor(
    private readonly cluster: Cluster,
    private readonly opts: OffsetsTopicOptions,
  ) {}

  /** The topic, creating it if needed. */
  topic(): Promise<Topic> {
    const existing = this.cluster.topic(OFFSETS_TOPIC);
    if (existing) return Promise.resolve(existing);
    this.creating ??= this.cluster
      .createTopic(OFFSETS_TOPIC, this.opts.partitions, { 'cleanup.policy': 'compact', 'segment.bytes': String(this.opts.segmentBytes), 'compression.type': 'producer' }, { internal: true })
      .then((r) => {
        const t = r.topic ?? this.cluster.topic(OFFSETS_TOPIC);
        // Carries the code, so that appends map it (appendErrorCode) and FindCoordinator answers
        // COORDINATOR_NOT_AVAILABLE rather than failing the request.
        if (!t) throw Object.assign(new Error(`cannot create ${OFFSETS_TOPIC}: ${r.errorMessage ?? r.errorCode}`), { errorCode: r.errorCode });
        return t;
      })
      .finally(() => {
        this.creating = undefined;
      });
    return this.creating;
  }

  private partitionOf(topic: Topic, groupId: string): Partition {
    return topic.partitions[offsetsPartitionFor(groupId, topic.partitions.length)];
  }

  async append(records: GroupLogRecord[], groupId: string): Promise<void> {
    if (records.length === 0) return;
    const partition = this.partitionOf(await this.topic(), groupId);
    const batch = buildRecordBatch({ records: records.map((r) => ({ key: r.key, value: r.value })), compression: this.opts.compressionCodec ?? 0 });
    const { flushed } = partition.appendTrusted(batch);
    if (flushed) await flushed;
  }

  /**
   * One transactional batch of the producer (Kafka's coordinator writes transactional offset
   * commits so): the partition checks the producer's epoch, and the batch opens or continues the
   * producer's transaction there, which its marker ends.
   */
  async appendTransactional(records: GroupLogRecord[], groupId: string, producer: TxnProducer): Promise<ErrorCode> {
    if (records.length === 0) return ErrorCode.NONE;
    // Without an await when the topic exists: the caller verified the transaction just before.
    const partition = this.partitionOf(this.cluster.topic(OFFSETS_TOPIC) ?? (await this.topic()), groupId);
    const batch = buildRecordBatch({
      records: records.map((r) => ({ key: r.key, value: r.value })),
      producerId: producer.producerId,
      producerEpoch: producer.producerEpoch,
      baseSequence: -1,
      transactional: true,
      compression: this.opts.compressionCodec ?? 0,
    });
    const { errorCode, flushed } = partition.appendTrusted(batch);
    if (errorCode !== ErrorCode.NONE) return errorCode as ErrorCode;
    if (flushed) await flushed;
    return ErrorCode.NONE;
  }

  writeMarker(partition: number, marker: TxnMarker, now: number): MarkerResult {
    const p = this.cluster.topic(OFFSETS_TOPIC)?.partitions[partition];
    if (!p) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, offset: -1, flushed: undefined };
    return p.writeTxnMarker(marker, now);
  }

  partitionFor(groupId: string): number {
    return offsetsPartitionFor(groupId, this.cluster.topic(OFFSETS_TOPIC)?.partitions.length ?? this.opts.partitions);
  }

  /**
   * Every record and transaction marker of every partition, each partition's oldest first
   * (replay order within a group is preserved). A partition whose log directory is offline is
   * skipped: its groups are not loaded (their writes answer NOT_COORDINATOR), the others are.
   */
  *readAll(): Generator<GroupLogEntry> {
    const topic = this.cluster.topic(OFFSETS_TOPIC);
    if (!topic) return;
    for (const p of topic.partitions) {
      if (p.offline) continue;
      for (const e of readCoordinatorLog(p)) {
        if (e.kind === 'marker') yield { marker: { partition: p.index, producerId: e.producerId, commit: e.commit } };
        else yield e.producerId >= 0 ? { key: e.key, value: e.value, producerId: e.producerId } : { key: e.key, value: e.value };
      }
    }
  }
}
