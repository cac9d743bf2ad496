import { buildRecordBatch } from './records.js';

/**
 * Control records: the single record of a control batch (attributes bit 5). The key says what
 * the record is: int16 version (0) then int16 type. Transaction markers (COMMIT/ABORT) carry an
 * EndTransactionMarker value: int16 version (0) then int32 coordinatorEpoch. Control batches are
 * written by the broker only; clients that send one get INVALID_RECORD.
 */
export const ControlRecordType = {
  ABORT: 0,
  COMMIT: 1,
  // KRaft's metadata log uses the rest; Brook's data partitions never hold them.
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VERSION: 5,
  KRAFT_VOTERS: 6,
} as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

const CONTROL_KEY_VERSION = 0;
const END_TXN_MARKER_VERSION = 0;

export function encodeControlRecordKey(type: number): Buffer {
  const key = Buffer.allocUnsafe(4);
  key.writeInt16BE(CONTROL_KEY_VERSION, 0);
  key.writeInt16BE(type, 2);
  return key;
}

/**
 * Reads a control record key; null when it is not one (shorter than 4 bytes or a negative
 * version, which Kafka rejects). Newer key versions keep the type at the same place.
 */
export function decodeControlRecordKey(key: Buffer | null): { version: number; type: number } | null {
  if (key === null || key.length < 4) return null;
  const version = key.readInt16BE(0);
  if (version < 0) return null;
  return { version, type: key.readInt16BE(2) };
}

export function encodeEndTxnMarkerValue(coordinatorEpoch: number): Buffer {
  const value = Buffer.allocUnsafe(6);
  value.writeInt16BE(END_TXN_MARKER_VERSION, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

export function decodeEndTxnMarkerValue(value: Buffer | null): { version: number; coordinatorEpoch: number } | null {
  if (value === null || value.length < 6) return null;
  const version = value.readInt16BE(0);
  if (version < 0) return null;
  return { version, coordinatorEpoch: value.readInt32BE(2) };
}

export interface TxnMarkerOptions {
  commit: boolean;
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  /** Epoch ms; defaults to Date.now(). */
  timestamp?: number;
}

/** A transactional control batch holding one COMMIT or ABORT marker. */
export function buildTxnMarkerBatch(opts: TxnMarkerOptions): Buffer {
  const timestamp = opts.timestamp ?? Date.now();
  return buildRecordBatch({
    baseOffset: opts.baseOffset,
    partitionLeaderEpoch: opts.partitionLeaderEpoch,
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    baseSequence: -1,
    transactional: true,
    control: true,
    now: timestamp,
    records: [
      {
        key: encodeControlRecordKey(opts.commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT),
        value: encodeEndTxnMarkerValue(opts.coordinatorEpoch),
        timestamp,
      },
    ],
  });
}
