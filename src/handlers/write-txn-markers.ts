// WriteTxnMarkers v0-1 (Kafka's KafkaApis.handleWriteTxnMarkersRequest): for each marker, a
// COMMIT or ABORT control batch is appended to every named partition (internal topics included),
// ending that producer's transaction there (see Partition.writeTxnMarker for the epoch and
// coordinator-epoch checks). An unknown partition is UNKNOWN_TOPIC_OR_PARTITION; a failed write
// KAFKA_STORAGE_ERROR. Answers once every marker is durable as the flush policy asks (Kafka
// appends them with acks=-1). Results are grouped by producer id, as Kafka's response is.
// Transaction coordinators send this API; so do admin tools (kafka-transactions --abort).
// Not yet: a marker on __consumer_offsets does not yet materialise transactional offset commits
// (that is the transaction coordinator's part, with TxnOffsetCommit).
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
    const { cluster } = ctx.broker;
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
          const p = cluster.partition(t.name, partitionIndex);
          if (!p) {
            partitions.push({ partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
            continue;
          }
          const out: PartitionResult = { partitionIndex, errorCode: ErrorCode.NONE };
          partitions.push(out);
          try {
            const r = p.writeTxnMarker({ producerId: m.producerId, producerEpoch: m.producerEpoch, coordinatorEpoch: m.coordinatorEpoch, commit: m.transactionResult }, now);
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
