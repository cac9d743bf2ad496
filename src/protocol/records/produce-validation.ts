import { crc32c } from '@node-rs/crc32';
import { ErrorCode } from '../errors.js';
import { Attributes, BatchHeader, CompressionType, RecordBatch, RecordBatchHeader } from './record-batch.js';
import { ByteCursor, readInt64 } from './varint.js';

/**
 * The checks Kafka 4.x makes on the records of one partition of a Produce request, in Kafka's
 * order, on the raw bytes. Sources: ProduceRequest.validateRecords, ByteBufferLogInputStream,
 * UnifiedLog.analyzeAndValidateRecords and LogValidator.validateBatch/validateRecord.
 *
 *  1. framing: batchLength >= 14 (CORRUPT_MESSAGE), magic in 0..2 (CORRUPT_MESSAGE), the buffer
 *     holds whole batches only (see TRAILING below);
 *  2. magic must be 2: Produce v3+ carries only v2 batches, Kafka answers INVALID_RECORD for
 *     magic 0/1 ("...only allowed to contain record batches with magic version 2");
 *  3. zstd needs Produce v7+ (UNSUPPORTED_COMPRESSION_TYPE);
 *  4. one batch per partition (INVALID_RECORD), unless `singleBatch: false` (internal appends);
 *  5. baseOffset must be 0 (INVALID_RECORD; Kafka 4's UnifiedLog for client appends);
 *  6. batch size incl. 12-byte log overhead <= max.message.bytes (MESSAGE_TOO_LARGE), and
 *     <= segment.bytes when given (RECORD_LIST_TOO_LARGE);
 *  7. CRC32C (CORRUPT_MESSAGE);
 *  8. compression id 5..7: Kafka's CompressionType.forId throws IllegalArgumentException, which
 *     no handler maps, so Kafka answers UNKNOWN_SERVER_ERROR; we answer the same, with a message;
 *  9. recordsCount >= 1 and == lastOffsetDelta + 1; no control batches; a producer id needs a
 *     base sequence >= 0 (all INVALID_RECORD);
 * 10. per record: keys on compacted topics (INVALID_RECORD), CreateTime timestamps within
 *     [now - message.timestamp.before.max.ms, now + message.timestamp.after.max.ms] (KIP-937),
 *     and no client-set LogAppendTime on LogAppendTime topics (both INVALID_TIMESTAMP).
 *
 * Step 10 walks uncompressed batches record by record (varints only, nothing allocated), which
 * also checks their framing like Kafka's record iterator (INVALID_RECORD). Compressed batches are
 * not decompressed: their timestamps are judged on the header's baseTimestamp (first record) and
 * maxTimestamp, which bound what real producers write but can miss a middle record that is older
 * than the first; key presence on compacted topics is not checked for them (the log cleaner
 * tolerates keyless records by dropping them).
 *
 * TRAILING: Kafka's batch iterator stops silently at a trailing partial batch and the log trims
 * it. We answer CORRUPT_MESSAGE instead: no client sends one, and a clear error beats a silent
 * drop.
 *
 * Kafka sends error_message on the wire only for record-level failures (step 10); callers may
 * follow that or always send `errorMessage`.
 */

export interface ProduceValidationOptions {
  /** Topic max.message.bytes: compared with each whole batch (log overhead included). */
  maxMessageBytes: number;
  timestampType: 'CreateTime' | 'LogAppendTime';
  /** message.timestamp.before.max.ms (Kafka default: Long.MAX_VALUE). */
  timestampBeforeMaxMs: number;
  /** message.timestamp.after.max.ms. */
  timestampAfterMaxMs: number;
  /** Broker clock, epoch ms. */
  now: number;
  /** Produce request version, for the zstd and message checks; default 7+ behaviour. */
  apiVersion?: number;
  /** Kafka allows exactly one batch per partition from clients; default true. */
  singleBatch?: boolean;
  /** cleanup.policy includes compact: records need a key. */
  compacted?: boolean;
  /** segment.bytes: a batch larger than a segment can never be appended. */
  segmentBytes?: number;
}

export interface RecordError {
  /** Kafka's name: the index of the record inside its batch. */
  batchIndex: number;
  message: string;
}

export interface ProduceValidationResult {
  errorCode: number;
  errorMessage?: string;
  recordErrors?: RecordError[];
  batches: number;
  /** Offsets the append will take: the sum of recordsCount (== lastOffsetDelta + 1 each). */
  records: number;
  /** Largest header maxTimestamp, -1 when none. */
  maxTimestamp: number;
  /** Bytes of whole batches, == buf.length when valid. */
  validBytes: number;
  /** Compression of the last batch seen (0 when none). */
  compression: number;
  /** First batch's idempotence fields (-1 when absent). */
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  isTransactional: boolean;
}

/** Below this batchLength even a v0 message cannot fit (Kafka's LegacyRecord.RECORD_OVERHEAD_V0). */
const MIN_BATCH_LENGTH_ANY_MAGIC = 14;

export function validateProduceRecords(buf: Buffer, opts: ProduceValidationOptions): ProduceValidationResult {
  const result: ProduceValidationResult = {
    errorCode: ErrorCode.NONE,
    batches: 0,
    records: 0,
    maxTimestamp: RecordBatch.NO_TIMESTAMP,
    validBytes: 0,
    compression: CompressionType.NONE,
    producerId: RecordBatch.NO_PRODUCER_ID,
    producerEpoch: RecordBatch.NO_PRODUCER_EPOCH,
    baseSequence: RecordBatch.NO_SEQUENCE,
    isTransactional: false,
  };
  const version = opts.apiVersion ?? 11;
  const fail = (code: number, message: string, recordErrors?: RecordError[]): ProduceValidationResult => {
    result.errorCode = code;
    result.errorMessage = message;
    if (recordErrors !== undefined) result.recordErrors = recordErrors;
    return result;
  };

  if (buf.length === 0) {
    return fail(ErrorCode.INVALID_RECORD, `Produce requests with version ${version} must have at least one record batch per partition`);
  }

  let pos = 0;
  while (pos < buf.length) {
    const remaining = buf.length - pos;
    if (remaining < BatchHeader.MAGIC + 1) {
      return fail(ErrorCode.CORRUPT_MESSAGE, `${remaining} trailing bytes at position ${pos} do not hold a record batch header`);
    }
    const batchLength = buf.readInt32BE(pos + BatchHeader.BATCH_LENGTH);
    if (batchLength < MIN_BATCH_LENGTH_ANY_MAGIC) {
      return fail(ErrorCode.CORRUPT_MESSAGE, `Record size ${batchLength} is less than the minimum record overhead (${MIN_BATCH_LENGTH_ANY_MAGIC})`);
    }
    const magic = buf.readInt8(pos + BatchHeader.MAGIC);
    if (magic < 0 || magic > RecordBatch.MAGIC) {
      return fail(ErrorCode.CORRUPT_MESSAGE, `Invalid magic found in record: ${magic}`);
    }
    const size = BatchHeader.LOG_OVERHEAD + batchLength;
    if (size > remaining) {
      return fail(ErrorCode.CORRUPT_MESSAGE, `Record batch at position ${pos} declares ${size} bytes but only ${remaining} remain`);
    }
    if (magic !== RecordBatch.MAGIC) {
      return fail(ErrorCode.INVALID_RECORD, `Produce requests with version ${version} are only allowed to contain record batches with magic version 2`);
    }
    if (size < BatchHeader.SIZE) {
      return fail(ErrorCode.CORRUPT_MESSAGE, `Record batch size ${size} is smaller than the v2 header (${BatchHeader.SIZE})`);
    }
    const attributes = buf.readInt16BE(pos + BatchHeader.ATTRIBUTES);
    const codec = attributes & Attributes.COMPRESSION_MASK;
    if (version < 7 && codec === CompressionType.ZSTD) {
      return fail(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `Produce requests with version ${version} are not allowed to use ZStandard compression`);
    }
    if (result.batches === 1 && opts.singleBatch !== false) {
      return fail(ErrorCode.INVALID_RECORD, `Produce requests with version ${version} are only allowed to contain exactly one record batch per partition`);
    }
    const baseOffset = readInt64(buf, pos + BatchHeader.BASE_OFFSET);
    if (baseOffset !== 0) {
      return fail(ErrorCode.INVALID_RECORD, `The baseOffset of the record batch should be 0, but it is ${baseOffset}`);
    }
    if (size > opts.maxMessageBytes) {
      return fail(ErrorCode.MESSAGE_TOO_LARGE, `The record batch size is ${size} bytes which exceeds the maximum configured value of ${opts.maxMessageBytes}`);
    }
    if (opts.segmentBytes !== undefined && size > opts.segmentBytes) {
      return fail(ErrorCode.RECORD_LIST_TOO_LARGE, `The record batch size is ${size} bytes which exceeds the configured segment size of ${opts.segmentBytes}`);
    }
    const storedCrc = buf.readUInt32BE(pos + BatchHeader.CRC);
    if ((crc32c(buf.subarray(pos + BatchHeader.ATTRIBUTES, pos + size)) >>> 0) !== storedCrc) {
      return fail(ErrorCode.CORRUPT_MESSAGE, `Record is corrupt (stored crc = ${storedCrc})`);
    }
    if (codec > CompressionType.ZSTD) {
      return fail(ErrorCode.UNKNOWN_SERVER_ERROR, `Unknown compression type id: ${codec}`);
    }

    const lastOffsetDelta = buf.readInt32BE(pos + BatchHeader.LAST_OFFSET_DELTA);
    const count = buf.readInt32BE(pos + BatchHeader.RECORDS_COUNT);
    if (lastOffsetDelta + 1 <= 0) {
      return fail(ErrorCode.INVALID_RECORD, `Batch has an invalid offset range: [0, ${lastOffsetDelta}]`);
    }
    if (count <= 0) {
      return fail(ErrorCode.INVALID_RECORD, `Invalid reported count for record batch: ${count}`);
    }
    if (lastOffsetDelta + 1 !== count) {
      return fail(ErrorCode.INVALID_RECORD, `Inconsistent batch offset range [0, ${lastOffsetDelta}] and count of records ${count}`);
    }
    if ((attributes & Attributes.CONTROL) !== 0) {
      return fail(ErrorCode.INVALID_RECORD, 'Clients are not allowed to write control records');
    }
    const producerId = readInt64(buf, pos + BatchHeader.PRODUCER_ID);
    const baseSequence = buf.readInt32BE(pos + BatchHeader.BASE_SEQUENCE);
    if (producerId >= 0 && baseSequence < 0) {
      return fail(ErrorCode.INVALID_RECORD, `Invalid sequence number ${baseSequence} in record batch with producerId ${producerId}`);
    }

    const maxTimestamp = readInt64(buf, pos + BatchHeader.MAX_TIMESTAMP);
    const recordCheck =
      codec === CompressionType.NONE
        ? walkRecords(buf, pos, size, count, attributes, maxTimestamp, opts)
        : checkCompressedTimestamps(buf, pos, count, attributes, maxTimestamp, opts);
    if (recordCheck !== null) return fail(recordCheck.errorCode, recordCheck.message, recordCheck.recordErrors);

    if (result.batches === 0) {
      result.producerId = producerId;
      result.producerEpoch = buf.readInt16BE(pos + BatchHeader.PRODUCER_EPOCH);
      result.baseSequence = baseSequence;
      result.isTransactional = (attributes & Attributes.TRANSACTIONAL) !== 0;
    }
    result.batches++;
    result.records += count;
    if (maxTimestamp > result.maxTimestamp) result.maxTimestamp = maxTimestamp;
    result.compression = codec;
    pos += size;
    result.validBytes = pos;
  }
  return result;
}

interface RecordCheckFailure {
  errorCode: number;
  message: string;
  recordErrors: RecordError[];
}

/** Kafka's message for an out-of-range CreateTime timestamp, or null when `ts` is in range. */
function timestampError(ts: number, offset: number | null, opts: ProduceValidationOptions): string | null {
  const diff = opts.now - ts;
  if (diff > opts.timestampBeforeMaxMs || -diff > opts.timestampAfterMaxMs) {
    const which = offset === null ? 'of the batch' : `of message with offset ${offset}`;
    return `Timestamp ${ts} ${which} is out of range. The timestamp should be within [${opts.now - opts.timestampBeforeMaxMs}, ${opts.now + opts.timestampAfterMaxMs}]`;
  }
  return null;
}

const CLIENT_LOG_APPEND_TIME = 'Invalid timestamp type in message. Producer should not set timestamp type to LogAppendTime.';

/** Kafka's processRecordErrors: any timestamp error makes the whole answer INVALID_TIMESTAMP. */
function recordFailure(errors: RecordError[], anyTimestampError: boolean): RecordCheckFailure {
  if (anyTimestampError) {
    return { errorCode: ErrorCode.INVALID_TIMESTAMP, message: 'One or more records have been rejected due to invalid timestamp', recordErrors: errors };
  }
  const shown = errors.slice(0, 3).map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.message}')`);
  return {
    errorCode: ErrorCode.INVALID_RECORD,
    message: `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${shown.join(', ')}]`,
    recordErrors: errors,
  };
}

function framingFailure(message: string): RecordCheckFailure {
  return { errorCode: ErrorCode.INVALID_RECORD, message, recordErrors: [] };
}

/**
 * Walks the records of an uncompressed batch without materialising them: framing, keys on
 * compacted topics, per-record timestamps. Returns null when all is well.
 */
function walkRecords(
  buf: Buffer,
  pos: number,
  size: number,
  count: number,
  attributes: number,
  maxTimestamp: number,
  opts: ProduceValidationOptions,
): RecordCheckFailure | null {
  const batchLogAppend = (attributes & Attributes.TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  const topicCreateTime = opts.timestampType === 'CreateTime';
  const checkTimestamps = topicCreateTime || batchLogAppend;
  const compacted = opts.compacted === true;
  const baseTimestamp = readInt64(buf, pos + BatchHeader.BASE_TIMESTAMP);
  const c = new ByteCursor(buf, pos + BatchHeader.SIZE, pos + size);
  let errors: RecordError[] | null = null;
  let anyTimestampError = false;

  for (let i = 0; i < count; i++) {
    if (c.remaining === 0) return framingFailure('Incorrect declared batch size, premature EOF reached');
    const length = c.varint();
    const end = c.pos + length;
    if (c.failed || length < 0 || end > c.end) return framingFailure(`Invalid record size ${length} for record ${i}`);
    c.skip(1); // attributes
    const timestampDelta = c.varlong();
    const offsetDelta = c.varint();
    const keyLength = c.varint();
    if (keyLength > 0) c.skip(keyLength);
    const valueLength = c.varint();
    if (valueLength > 0) c.skip(valueLength);
    const headerCount = c.varint();
    if (headerCount < 0) return framingFailure(`Found invalid number of record headers ${headerCount}`);
    for (let h = 0; h < headerCount && !c.failed; h++) {
      const hk = c.varint();
      if (hk < 0) return framingFailure(`Invalid negative header key size ${hk}`);
      c.skip(hk);
      const hv = c.varint();
      if (hv > 0) c.skip(hv);
    }
    if (c.failed || c.pos !== end) {
      return framingFailure(`Invalid record size: expected to read ${length} bytes in record payload, but the fields do not add up`);
    }

    let message: string | null = null;
    if (compacted && keyLength < 0) {
      message = 'Compacted topic cannot accept message without key';
    } else if (checkTimestamps) {
      if (topicCreateTime) {
        const ts = batchLogAppend ? maxTimestamp : baseTimestamp + timestampDelta;
        if (ts !== RecordBatch.NO_TIMESTAMP) message = timestampError(ts, offsetDelta, opts);
      } else {
        message = CLIENT_LOG_APPEND_TIME;
      }
      if (message !== null) anyTimestampError = true;
    }
    if (message !== null) (errors ??= []).push({ batchIndex: i, message });
  }
  if (c.pos !== c.end) return framingFailure('Incorrect declared batch size, records still remaining in file');
  return errors === null ? null : recordFailure(errors, anyTimestampError);
}

/** Header-only timestamp checks for a compressed batch (see the module comment). */
function checkCompressedTimestamps(
  buf: Buffer,
  pos: number,
  count: number,
  attributes: number,
  maxTimestamp: number,
  opts: ProduceValidationOptions,
): RecordCheckFailure | null {
  const batchLogAppend = (attributes & Attributes.TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  if (opts.timestampType === 'LogAppendTime') {
    if (!batchLogAppend) return null;
    const errors: RecordError[] = [];
    for (let i = 0; i < count; i++) errors.push({ batchIndex: i, message: CLIENT_LOG_APPEND_TIME });
    return recordFailure(errors, true);
  }
  const errors: RecordError[] = [];
  if (!batchLogAppend) {
    const baseTimestamp = readInt64(buf, pos + BatchHeader.BASE_TIMESTAMP);
    const first = baseTimestamp === RecordBatch.NO_TIMESTAMP ? null : timestampError(baseTimestamp, 0, opts);
    if (first !== null) errors.push({ batchIndex: 0, message: first });
  }
  // maxTimestamp's record index is unknown without decompressing: reported in the message only.
  const last = maxTimestamp === RecordBatch.NO_TIMESTAMP ? null : timestampError(maxTimestamp, null, opts);
  if (errors.length === 0 && last === null) return null;
  const failure = recordFailure(errors, true);
  if (errors.length === 0) failure.message += `: ${last}`;
  return failure;
}

/**
 * For LogAppendTime topics: stamps every batch of `buf` (already validated) with `now` as its
 * LogAppendTime maxTimestamp and rewrites its CRC, as Kafka's LogValidator does before the append.
 */
export function stampLogAppendTime(buf: Buffer, now: number): void {
  let pos = 0;
  while (pos + BatchHeader.SIZE <= buf.length) {
    const batch = new RecordBatchHeader(buf, pos);
    const size = batch.sizeInBytes;
    if (size < BatchHeader.SIZE || pos + size > buf.length) return;
    batch.setLogAppendTime(now);
    pos += size;
  }
}
