// TxnOffsetCommit v0-4 (Kafka's KafkaApis.handleTxnOffsetCommitRequest and the group
// coordinator's commitTransactionalOffset): offsets written to `__consumer_offsets` inside the
// producer's transaction, visible to OffsetFetch only once the transaction commits (its COMMIT
// marker reaches the group's partition) and dropped if it aborts. Partitions of unknown topics
// answer UNKNOWN_TOPIC_OR_PARTITION here. KIP-890 part 1: unless the producer already has this
// transaction open on the group's partition, the transaction coordinator must have that
// partition in it (AddOffsetsToTxn; checked unless transaction.partition.verification.enable is
// off); otherwise TRANSACTION_ABORTABLE (v4+) or INVALID_TXN_STATE,
// INVALID_PRODUCER_EPOCH for a fenced producer, COORDINATOR_NOT_AVAILABLE while the coordinator
// cannot tell. KIP-447 (v3+): generation, member id and group instance id are checked against
// the group (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID), so a zombie from an
// older generation cannot commit. Before v2, COORDINATOR_LOAD_IN_PROGRESS is answered as
// COORDINATOR_NOT_AVAILABLE (Kafka's fix for old clients). Not implemented: ACLs.
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { OFFSETS_TOPIC } from '../coordinator/offsets-topic.js';
import type { OffsetCommitPartition } from '../coordinator/group/group-types.js';
import { verificationError } from './txn-verification.js';
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../protocol/messages/txn-offset-commit.js';

const TRANSACTION_ABORTABLE_FROM = 4;
const LOAD_IN_PROGRESS_FROM = 2;

export const txnOffsetCommitHandler = defineHandler<TxnOffsetCommitRequest, TxnOffsetCommitResponse>({
  apiKey: 28,
  name: 'TxnOffsetCommit',
  minVersion: 0,
  maxVersion: 4,
  async handle(req, ctx) {
    const { cluster, groups, offsetsTopic, transactions } = ctx.broker;
    const errors = new Map<string, number>();
    const known: { name: string; partitions: OffsetCommitPartition[] }[] = [];
    for (const t of req.topics) {
      const topic = cluster.topic(t.name);
      const partitions: OffsetCommitPartition[] = [];
      for (const p of t.partitions) {
        if (!topic?.partitions[p.partitionIndex]) errors.set(`${p.partitionIndex}:${t.name}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        else partitions.push({ partitionIndex: p.partitionIndex, committedOffset: p.committedOffset, committedLeaderEpoch: p.committedLeaderEpoch, committedMetadata: p.committedMetadata });
      }
      if (partitions.length > 0) known.push({ name: t.name, partitions });
    }
    const failAll = (code: number): void => {
      for (const t of known) for (const p of t.partitions) errors.set(`${p.partitionIndex}:${t.name}`, code);
    };
    if (known.length > 0) {
      let logPartition;
      try {
        logPartition = (await offsetsTopic.topic()).partitions[offsetsTopic.partitionFor(req.groupId)];
      } catch (err) {
        if (typeof (err as { errorCode?: unknown }).errorCode !== 'number') throw err;
      }
      if (!logPartition) {
        failAll(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      } else {
        // From here to the append nothing awaits, so the transaction cannot end in between.
        let code: number = ErrorCode.NONE;
        const verify = ctx.broker.config.transactionPartitionVerificationEnable;
        if (verify && !groups.isLoading() && !logPartition.producers.hasOngoingTransaction(req.producerId)) {
          code = verificationError(transactions.verifyPartition(req.transactionalId, req.producerId, req.producerEpoch, { topic: OFFSETS_TOPIC, partition: logPartition.index }), ctx.apiVersion >= TRANSACTION_ABORTABLE_FROM);
          // The group coordinator's mapping of a retriable append error.
          if (code === ErrorCode.NOT_ENOUGH_REPLICAS) code = ErrorCode.COORDINATOR_NOT_AVAILABLE;
        }
        if (code !== ErrorCode.NONE) {
          failAll(code);
        } else {
          const result = await groups.commitTransactionalOffsets({
            groupId: req.groupId,
            producerId: req.producerId,
            producerEpoch: req.producerEpoch,
            generationId: req.generationId,
            memberId: req.memberId,
            groupInstanceId: req.groupInstanceId,
            topics: known,
          });
          for (const t of result.topics) for (const p of t.partitions) errors.set(`${p.partitionIndex}:${t.name}`, p.errorCode);
        }
      }
    }
    const answer = (code: number): number => (code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && ctx.apiVersion < LOAD_IN_PROGRESS_FROM ? ErrorCode.COORDINATOR_NOT_AVAILABLE : code);
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: answer(errors.get(`${p.partitionIndex}:${t.name}`) ?? ErrorCode.NONE) })),
      })),
    };
  },
});
