import { ErrorCode } from '../protocol/errors.js';
import { ControlRecordType, decodeControlRecordKey } from '../protocol/records/control-record.js';
import { RecordBatch, batchesOf } from '../protocol/records/record-batch.js';
import { decodeRecords, RecordDecodeError, type RecordHeader } from '../protocol/records/records.js';
import { KafkaError } from './kafka-error.js';

/**
 * Turns the record bytes of one fetched partition into the records a consumer sees, as Kafka's
 * consumer does (its CompletedFetch): batches before the fetch position are skipped, control
 * batches (transaction markers) are never shown, and with read_committed the batches of aborted
 * transactions are dropped using the response's abortedTransactions list. A batch whose CRC32C
 * does not match is an error (the consumer's check.crcs, on by default). A partial batch at the
 * end (the response was cut at its byte limit) is left for the next fetch.
 */

export interface ConsumerRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Epoch ms (the broker's when the topic uses LogAppendTime). */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

export interface AbortedTransaction {
  readonly producerId: number;
  readonly firstOffset: number;
}

export interface DecodedFetch {
  readonly records: ConsumerRecord[];
  /** Where the next fetch starts: after the last whole batch seen, else the position unchanged. */
  readonly nextOffset: number;
}

export function decodeFetchedRecords(
  topic: string,
  partition: number,
  bytes: Buffer | null,
  position: number,
  abortedTransactions: readonly AbortedTransaction[] | null = null,
): DecodedFetch {
  const records: ConsumerRecord[] = [];
  let nextOffset = position;
  if (bytes === null || bytes.length === 0) return { records, nextOffset };
  // Aborted transactions in order of their first offset; a producer's batches are dropped from
  // its aborted transaction's first offset up to its abort marker.
  const pendingAborts = [...(abortedTransactions ?? [])].sort((a, b) => a.firstOffset - b.firstOffset);
  const abortingProducers = new Set<number>();
  for (const batch of batchesOf(bytes)) {
    const lastOffset = batch.lastOffset;
    while (pendingAborts.length > 0 && pendingAborts[0].firstOffset <= lastOffset) abortingProducers.add(pendingAborts.shift()!.producerId);
    if (lastOffset < position) continue;
    if (batch.magic !== RecordBatch.MAGIC) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `unsupported record batch magic ${batch.magic} at offset ${batch.baseOffset}`, { topic, partition });
    if (!batch.isCrcValid()) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `record batch at offset ${batch.baseOffset} fails its CRC check`, { topic, partition });
    nextOffset = lastOffset + 1;
    if (batch.isControl) {
      if (batch.isTransactional && abortingProducers.has(batch.producerId)) {
        const marker = decodeRecords(bytes, batch.pos)[0];
        if (decodeControlRecordKey(marker?.key ?? null)?.type === ControlRecordType.ABORT) abortingProducers.delete(batch.producerId);
      }
      continue;
    }
    if (batch.isTransactional && abortingProducers.has(batch.producerId)) continue;
    let decoded;
    try {
      decoded = decodeRecords(bytes, batch.pos);
    } catch (err) {
      if (!(err instanceof RecordDecodeError)) throw err;
      throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `batch at offset ${batch.baseOffset}: ${err.message}`, { topic, partition });
    }
    for (const r of decoded) {
      if (r.offset < position) continue;
      records.push({ topic, partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers });
    }
  }
  return { records, nextOffset };
}
