/**
 * Reads a partition of an internal topic (`__consumer_offsets`, `__transaction_state`) the way
 * its coordinator replays it at start: every keyed record from the log start to the high
 * watermark, oldest first, with the producer id of transactional batches (transactional offset
 * commits), and the COMMIT/ABORT markers that end those transactions.
 */
import { decodeRecords } from '../protocol/records/records.js';
import { batchesOf } from '../protocol/records/record-batch.js';
import { ControlRecordType, decodeControlRecordKey } from '../protocol/records/control-record.js';
import type { Partition } from '../cluster/partition.js';

export type CoordinatorLogEntry =
  | { readonly kind: 'record'; readonly key: Buffer; readonly value: Buffer | null; readonly offset: number; /** -1 unless the batch is transactional. */ readonly producerId: number }
  | { readonly kind: 'marker'; readonly producerId: number; readonly commit: boolean; readonly offset: number };

/** Bytes read per step (Kafka's offsets.load.buffer.size default: 5 MiB; 1 MiB is plenty). */
const READ_BYTES = 1 << 20;

export function* readCoordinatorLog(p: Partition): Generator<CoordinatorLogEntry> {
  let offset = p.logStartOffset;
  const end = p.highWatermark;
  while (offset < end) {
    const res = p.log.read(offset, READ_BYTES, { maxOffset: end, minOneBatch: true });
    if (!res || res.batches.length === 0) break;
    for (const chunk of res.batches) {
      for (const batch of batchesOf(chunk)) {
        const from = offset;
        // Advance before anything else: a batch left unpassed would be read again forever.
        offset = batch.lastOffset + 1;
        if (batch.lastOffset < from) continue;
        if (batch.isControl) {
          const [rec] = decodeRecords(chunk, batch.pos);
          const type = decodeControlRecordKey(rec?.key ?? null)?.type;
          if (type === ControlRecordType.COMMIT || type === ControlRecordType.ABORT) {
            yield { kind: 'marker', producerId: batch.producerId, commit: type === ControlRecordType.COMMIT, offset: batch.baseOffset };
          }
          continue;
        }
        const producerId = batch.isTransactional ? batch.producerId : -1;
        for (const rec of decodeRecords(chunk, batch.pos)) {
          // The first batch read may start before `from` (reads return whole batches).
          if (rec.offset >= from && rec.key) yield { kind: 'record', key: rec.key, value: rec.value, offset: rec.offset, producerId };
        }
      }
    }
  }
}
