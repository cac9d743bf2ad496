import { ErrorCode } from '../../protocol/errors.js';
import type { OffsetCommitPartition, OffsetCommitResult } from './group-types.js';
import { type GroupRecord, GroupRecordType } from './records-codec.js';

export interface OffsetCommitRecordOptions {
  /** offset.metadata.max.bytes: a longer metadata string is refused per partition. */
  metadataMaxSize: number;
  now: number;
  /** -1 unless an OffsetCommit v2-v4 retention asked for one. */
  expireTimestampMs: number;
  /** Set for TxnOffsetCommit: the records are pending until this producer's transaction ends. */
  producerId?: number;
}

/**
 * The OFFSET_COMMIT records of an OffsetCommit or TxnOffsetCommit and the answer per partition:
 * OFFSET_METADATA_TOO_LARGE for a partition whose metadata is over the limit (it is not written),
 * NONE for the others (until the write of the records says otherwise).
 */
export function offsetCommitRecords(
  groupId: string,
  topics: readonly { name: string; partitions: readonly OffsetCommitPartition[] }[],
  o: OffsetCommitRecordOptions,
): { records: GroupRecord[]; result: OffsetCommitResult } {
  const records: GroupRecord[] = [];
  const result: OffsetCommitResult = { topics: [] };
  for (const t of topics) {
    const partitions: { partitionIndex: number; errorCode: ErrorCode }[] = [];
    for (const part of t.partitions) {
      if (part.committedMetadata !== null && part.committedMetadata.length > o.metadataMaxSize) {
        partitions.push({ partitionIndex: part.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE });
        continue;
      }
      partitions.push({ partitionIndex: part.partitionIndex, errorCode: ErrorCode.NONE });
      records.push({
        type: GroupRecordType.OFFSET_COMMIT,
        groupId,
        topic: t.name,
        partition: part.partitionIndex,
        ...(o.producerId !== undefined ? { producerId: o.producerId } : {}),
        value: {
          committedOffset: part.committedOffset,
          leaderEpoch: part.committedLeaderEpoch,
          metadata: part.committedMetadata ?? '',
          commitTimestampMs: o.now,
          expireTimestampMs: o.expireTimestampMs,
        },
      });
    }
    result.topics.push({ name: t.name, partitions });
  }
  return { records, result };
}
