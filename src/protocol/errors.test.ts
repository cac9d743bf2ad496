import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, errorName, isRetriable } from './errors.js';

describe('ErrorCode', () => {
  it('pins codes that clients switch on', () => {
    assert.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1);
    assert.equal(ErrorCode.NONE, 0);
    assert.equal(ErrorCode.OFFSET_OUT_OF_RANGE, 1);
    assert.equal(ErrorCode.CORRUPT_MESSAGE, 2);
    assert.equal(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6);
    assert.equal(ErrorCode.MESSAGE_TOO_LARGE, 10);
    assert.equal(ErrorCode.NOT_COORDINATOR, 16);
    assert.equal(ErrorCode.REBALANCE_IN_PROGRESS, 27);
    assert.equal(ErrorCode.INVALID_TIMESTAMP, 32);
    assert.equal(ErrorCode.UNSUPPORTED_VERSION, 35);
    assert.equal(ErrorCode.INVALID_PRODUCER_EPOCH, 47);
    assert.equal(ErrorCode.UNKNOWN_PRODUCER_ID, 59);
    assert.equal(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 76);
    assert.equal(ErrorCode.MEMBER_ID_REQUIRED, 79);
    assert.equal(ErrorCode.INVALID_RECORD, 87);
    assert.equal(ErrorCode.PRODUCER_FENCED, 90);
    assert.equal(ErrorCode.UNKNOWN_TOPIC_ID, 100);
    assert.equal(ErrorCode.FENCED_MEMBER_EPOCH, 110);
    assert.equal(ErrorCode.TRANSACTION_ABORTABLE, 120);
    assert.equal(ErrorCode.SHARE_SESSION_LIMIT_REACHED, 133);
  });

  it('is a dense table from -1 to 133 with unique codes', () => {
    const codes = Object.values(ErrorCode).map(Number).sort((a, b) => a - b);
    assert.equal(new Set(codes).size, codes.length);
    assert.deepEqual(codes, Array.from({ length: 135 }, (_, i) => i - 1));
    for (const name of Object.keys(ErrorCode)) assert.match(name, /^[A-Z][A-Z0-9_]*$/);
  });

  it('names codes and marks retriable ones like the Java client', () => {
    assert.equal(errorName(3), 'UNKNOWN_TOPIC_OR_PARTITION');
    assert.equal(errorName(-1), 'UNKNOWN_SERVER_ERROR');
    assert.equal(errorName(999), 'UNKNOWN_ERROR_CODE(999)');
    for (const code of [2, 3, 5, 6, 7, 13, 14, 15, 16, 19, 51, 56, 74, 100]) assert.equal(isRetriable(code), true, errorName(code));
    for (const code of [-1, 0, 1, 10, 22, 25, 27, 32, 35, 47, 87, 90, 120, 999]) assert.equal(isRetriable(code), false, errorName(code));
  });
});
