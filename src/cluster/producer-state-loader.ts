import type { Log } from '../storage/log.js';
import type { RecordBatchHeader } from '../protocol/records/record-batch.js';
import { ControlRecordType, decodeControlRecordKey, decodeEndTxnMarkerValue } from '../protocol/records/control-record.js';
import { decodeRecords } from '../protocol/records/records.js';
import { lastSequenceOf } from './producer-state-entry.js';
import type { ProducerStateManager } from './producer-state-manager.js';

/**
 * Kafka's loadProducerState for one partition at open: start from the newest intact snapshot at
 * or below the recovery point (what is below it has been fsynced, so the snapshot cannot describe
 * batches a power loss took away) and below any damaged `.txnindex`, then replay the log after it,
 * reading batch headers only and the bodies of transaction markers. The aborted-transaction index
 * from the snapshot on is rebuilt by the same replay, so it is always consistent with the state.
 *
 * A log opened after a clean shutdown without any snapshot comes from a data directory that
 * predates producer state (Brook before idempotence): as Kafka does on upgrade, nothing is replayed
 * and a snapshot is written at the log end so later recoveries start there.
 */
export function loadProducerState(log: Log, producers: ProducerStateManager, now: number): { replayedFrom: number; batches: number } {
  const end = log.logEndOffset;
  const bound = Math.min(log.recoveryPoint, log.txnIndexRebuildFrom, end);
  const snapshot = log.latestProducerSnapshot(bound);
  let from: number;
  if (snapshot) {
    producers.loadSnapshot(snapshot.payload, now);
    from = snapshot.offset;
  } else if (log.openedClean && log.txnIndexRebuildFrom === Infinity) {
    from = end;
    if (log.producerSnapshotOffsets().length === 0 && end > 0) void log.takeProducerSnapshot().catch(() => undefined);
  } else {
    from = log.logStartOffset;
  }
  let batches = 0;
  if (from < end) {
    log.truncateAbortedTxns(from);
    log.scanBatches(from, (h, whole) => {
      if (h.producerId < 0) return;
      batches++;
      replayBatch(log, producers, h, whole);
    });
    // As Kafka: the state at the log end, so the next clean start replays nothing.
    void log.takeProducerSnapshot().catch(() => undefined);
  }
  return { replayedFrom: from, batches };
}

function replayBatch(log: Log, producers: ProducerStateManager, h: RecordBatchHeader, whole: () => Buffer): void {
  const producerId = h.producerId;
  if (!h.isControl) {
    const b = {
      producerId,
      producerEpoch: h.producerEpoch,
      firstSeq: h.baseSequence,
      lastSeq: lastSequenceOf(h.baseSequence, h.lastOffsetDelta),
      isTransactional: h.isTransactional,
    };
    producers.appendDataBatch(b, h.baseOffset, h.lastOffset, h.maxTimestamp);
    return;
  }
  // A control batch holds one record; an empty one (compacted away) ends nothing, as in Kafka.
  let record;
  try {
    [record] = decodeRecords(whole(), 0);
  } catch {
    return; // only the broker writes control batches, and it writes them whole
  }
  const key = record ? decodeControlRecordKey(record.key) : null;
  if (!record || !key || (key.type !== ControlRecordType.COMMIT && key.type !== ControlRecordType.ABORT)) return;
  const coordinatorEpoch = decodeEndTxnMarkerValue(record.value)?.coordinatorEpoch ?? -1;
  const done = producers.appendMarker(producerId, h.producerEpoch, coordinatorEpoch, key.type === ControlRecordType.COMMIT, h.baseOffset, record.timestamp);
  if (done?.aborted) log.appendAbortedTxn({ producerId, firstOffset: done.firstOffset, lastOffset: done.lastOffset, lastStableOffset: done.lastStableOffset });
}
