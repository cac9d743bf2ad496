// OffsetForLeaderEpoch v0-4 (KIP-101, KIP-320), as Kafka's Partition.lastOffsetForLeaderEpoch
// and LeaderEpochFileCache.endOffsetFor answer it. Every partition has had one leader epoch, 0,
// starting at its first offset (Kafka records the epoch's start when the replica becomes leader,
// so the cache is never empty). For the requested epoch:
//   - 0 (the current one): endOffset is the log end offset, epoch 0;
//   - -1 (undefined) or any epoch above 0 (none known at or above it): epoch -1, endOffset -1,
//     error NONE, which clients read as "no truncation detected";
//   - below -1 (below every known epoch): the requested epoch with the start offset of epoch 0.
// currentLeaderEpoch (v2+, -1 = not checked) below 0's epoch is FENCED_LEADER_EPOCH, above it
// UNKNOWN_LEADER_EPOCH. replicaId (v3+) is not needed: -2 (debug) and followers alike are served
// by the leader, which this node always is. A partition whose log directory is offline is
// KAFKA_STORAGE_ERROR.
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import type { Partition } from '../cluster/partition.js';
import type {
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochRequestOffsetForLeaderPartition,
  OffsetForLeaderEpochResponse,
  OffsetForLeaderEpochResponseEpochEndOffset,
} from '../protocol/messages/offset-for-leader-epoch.js';

const UNDEFINED_EPOCH = -1;
const UNDEFINED_EPOCH_OFFSET = -1;

type Result = OffsetForLeaderEpochResponseEpochEndOffset;

/** LeaderEpochFileCache.endOffsetFor with one entry: (epoch, its start offset). */
function endOffsetFor(p: Partition, requested: number): { leaderEpoch: number; endOffset: number } {
  const epoch = p.leaderEpoch;
  if (requested === UNDEFINED_EPOCH) return { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
  if (requested === epoch) return { leaderEpoch: epoch, endOffset: p.log.logEndOffset };
  if (requested > epoch) return { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
  // Retention and DeleteRecords move the epoch's start up with the log start offset.
  return { leaderEpoch: requested, endOffset: p.logStartOffset };
}

function lookup(p: Partition | undefined, req: OffsetForLeaderEpochRequestOffsetForLeaderPartition): Result {
  const failed = (errorCode: number): Result => ({ errorCode, partition: req.partition, leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET });
  if (!p) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (p.offline) return failed(ErrorCode.KAFKA_STORAGE_ERROR);
  if (req.currentLeaderEpoch !== -1) {
    if (req.currentLeaderEpoch < p.leaderEpoch) return failed(ErrorCode.FENCED_LEADER_EPOCH);
    if (req.currentLeaderEpoch > p.leaderEpoch) return failed(ErrorCode.UNKNOWN_LEADER_EPOCH);
  }
  return { errorCode: ErrorCode.NONE, partition: req.partition, ...endOffsetFor(p, req.leaderEpoch) };
}

export const offsetForLeaderEpochHandler = defineHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>({
  apiKey: 23,
  name: 'OffsetForLeaderEpoch',
  minVersion: 0,
  maxVersion: 4,
  handle(req, ctx) {
    const { cluster } = ctx.broker;
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => lookup(cluster.partition(t.topic, p.partition), p)),
      })),
    };
  },
});
