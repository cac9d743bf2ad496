// ListOffsets v0-10. Special timestamps: -1 latest (the last stable offset for read_committed),
// -2 earliest, -3 the record with the largest timestamp (v7+), -4 earliest local (v8+: the
// log start, no tiered storage), -5 earliest pending upload (v9+: none, so -1 as Kafka answers
// for topics without remote storage). A timestamp t >= 0 finds the first offset whose record
// timestamp is >= t, or -1 when there is none. v0 answers in `oldStyleOffsets`. A
// currentLeaderEpoch above the partition's is UNKNOWN_LEADER_EPOCH; -3 before v7 is
// UNSUPPORTED_VERSION; a partition whose log directory is offline is KAFKA_STORAGE_ERROR.
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import type { Partition } from '../cluster/partition.js';
import { isKafkaStorageError } from '../storage/storage-error.js';
import type {
  ListOffsetsRequest,
  ListOffsetsResponse,
  ListOffsetsResponseListOffsetsPartitionResponse,
} from '../protocol/messages/list-offsets.js';

const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;
const EARLIEST_LOCAL = -4;
const EARLIEST_PENDING_UPLOAD = -5;

function lookup(p: Partition, timestamp: number, isolationLevel: number): { offset: number; timestamp: number } | null {
  switch (timestamp) {
    case LATEST:
      return { offset: isolationLevel === 1 ? p.lastStableOffset : p.highWatermark, timestamp: -1 };
    case EARLIEST:
    case EARLIEST_LOCAL:
      return { offset: p.logStartOffset, timestamp: -1 };
    case MAX_TIMESTAMP:
      return p.highWatermark > p.logStartOffset ? p.log.maxTimestampAndOffset() : null;
    case EARLIEST_PENDING_UPLOAD:
      return null;
    default:
      return timestamp < 0 ? null : p.log.offsetForTimestamp(timestamp);
  }
}

export const listOffsetsHandler = defineHandler<ListOffsetsRequest, ListOffsetsResponse>({
  apiKey: 2,
  name: 'ListOffsets',
  minVersion: 0,
  maxVersion: 10,
  handle(req, ctx) {
    const { cluster } = ctx.broker;
    const v = ctx.apiVersion;
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((lp): ListOffsetsResponseListOffsetsPartitionResponse => {
          const p = cluster.partition(t.name, lp.partitionIndex);
          const base = { partitionIndex: lp.partitionIndex, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 };
          if (!p) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          if (p.offline) return { ...base, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
          if (lp.currentLeaderEpoch > p.leaderEpoch) return { ...base, errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH };
          if (lp.timestamp === MAX_TIMESTAMP && v < 7) return { ...base, errorCode: ErrorCode.UNSUPPORTED_VERSION };
          let found;
          try {
            found = lookup(p, lp.timestamp, req.isolationLevel);
          } catch (err) {
            if (!isKafkaStorageError(err)) throw err;
            return { ...base, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
          }
          if (!found) return { ...base, errorCode: ErrorCode.NONE };
          if (v === 0) return { ...base, errorCode: ErrorCode.NONE, oldStyleOffsets: lp.maxNumOffsets > 0 ? [found.offset] : [] };
          return { ...base, errorCode: ErrorCode.NONE, timestamp: found.timestamp, offset: found.offset, leaderEpoch: p.leaderEpoch };
        }),
      })),
    };
  },
});
