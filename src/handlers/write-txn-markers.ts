// WriteTxnMarkers v0-1 (Kafka's KafkaApis.handleWriteTxnMarkersRequest): for each marker, a
// COMMIT or ABORT control batch is appended to every named partition (internal topics included),
// ending that producer's transaction there (see Partition.writeTxnMarker for the epoch and
// coordinator-epoch checks). On `__consumer_offsets` the group coordinator writes the marker and
// makes the transaction's offsets visible (COMMIT) or drops them (ABORT); while it loads the
// partition answers NOT_LEADER_OR_FOLLOWER, which senders retry. An unknown partition is
// UNKNOWN_TOPIC_OR_PARTITION; a failed write KAFKA_STORAGE_ERROR. Answers once every marker is
// durable as the flush policy asks (Kafka appends them with acks=-1). Results are grouped by
// producer id, as Kafka's response is. Brook's transaction coordinator writes its markers
// directly; this API serves admin tools (kafka-transactions --abort).
import { defineHandler } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import type {
  WriteTxnMarkersRequest,
  WriteTxnMarkersResponse,
  WriteTxnMarkersResponseWritableTxnMarkerPartitionResult,
  WriteTxnMarkersResponseWritableTxnMarkerResult,
} from '../protocol/messages/write-txn-markers.js';

type PartitionResult = WriteTxnMarkersResponseWritableTxnMarkerPartitionResult;

export const writeTxnMarkersHandler = defineHandler<WriteTxnMarkersRequest, WriteTxnMarkersResponse>({
  apiKey: 27,
  name: 'WriteTxnMarkers',
  minVersion: 0,
  maxVersion: 1,
  async handle(req, ctx) {
    const { transactions } = ctx.broker;
    const now = Date.now();
    const byProducer = new Map<number, WriteTxnMarkersResponseWritableTxnMarkerResult>();
    const waits: Promise<void>[] = [];
    for (const m of req.markers) {
      let result = byProducer.get(m.producerId);
      if (!result) byProducer.set(m.producerId, (result = { producerId: m.producerId, topics: [] }));
      for (const t of m.topics) {
        const partitions: PartitionResult[] = [];
        result.topics.push({ name: t.name, partitions });
        for (const partitionIndex of t.partitionIndexes) {
          const out: PartitionResult = { partitionIndex, errorCode: ErrorCode.NONE };
          partitions.push(out);
          try {
            const r = transactions.writeMarker({ topic: t.name, partition: partitionIndex }, { producerId: m.producerId, producerEpoch: m.producerEpoch, coordinatorEpoch: m.coordinatorEpoch, commit: m.transactionResult }, now);
            out.errorCode = r.errorCode;
            if (r.flushed) {
              waits.push(
                r.flushed.catch((err: unknown) => {
                  ctx.broker.log.error({ err, topic: t.name, partition: partitionIndex }, 'fsync of a transaction marker failed');
                  out.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
                }),
              );
            }
          } catch (err) {
            ctx.broker.log.error({ err, topic: t.name, partition: partitionIndex }, 'writing a transaction marker failed');
            out.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
          }
        }
      }
    }
    await Promise.all(waits);
    return { markers: [...byProducer.values()] };
  },
});
