import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBroker } from '../broker.js';
import { loadBrokerConfig } from '../config/load-broker-config.js';
import { createLogger } from '../observability/logger.js';
import { FaultyFileSystem } from '../storage/test-fixtures.js';
import { NO_RESPONSE, CLOSE_CONNECTION, type RequestContext } from './handler.js';
import { produceHandler } from './produce.js';
import { ErrorCode } from '../protocol/errors.js';
import { buildRecordBatch } from '../protocol/records/records.js';
import type { ProduceRequest, ProduceResponse } from '../protocol/messages/produce.js';

const batch = () => buildRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v') }] });

function request(acks: number, topic: string, partition = 0): ProduceRequest {
  return { transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch() }] }] };
}

test('produce answers per partition: offsets, unknown partitions, acks=0 silence and storage errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'brook-produce-'));
  // Two log directories: partition 0 lands in the first, partition 1 in the second.
  const fs = new FaultyFileSystem();
  const config = loadBrokerConfig({ overrides: { 'log.flush.interval.messages': 1, 'log.dirs': `${dir}/a,${dir}/b` }, flags: { port: '0', host: 'localhost' } });
  const broker = await createBroker(config, createLogger({ level: 'silent' }), { fs });
  const ctx: RequestContext = { apiVersion: 9, correlationId: 1, clientId: 't', clientHost: 'localhost:1', connectionId: 1, broker: broker.context };
  try {
    await broker.cluster.createTopic('orders', 2, {});
    const first = (await produceHandler.handle(request(-1, 'orders'), ctx)) as ProduceResponse;
    const second = (await produceHandler.handle(request(1, 'orders'), ctx)) as ProduceResponse;
    assert.deepEqual([first.responses[0].partitionResponses[0].baseOffset, second.responses[0].partitionResponses[0].baseOffset], [0, 1]);

    const unknown = (await produceHandler.handle(request(1, 'orders', 7), ctx)) as ProduceResponse;
    assert.equal(unknown.responses[0].partitionResponses[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(await produceHandler.handle(request(0, 'orders'), ctx), NO_RESPONSE);
    assert.equal(await produceHandler.handle(request(0, 'missing'), ctx), CLOSE_CONNECTION, 'acks=0 failures close the connection');
    const badAcks = (await produceHandler.handle(request(2, 'orders'), ctx)) as ProduceResponse;
    assert.equal(badAcks.responses[0].partitionResponses[0].errorCode, ErrorCode.INVALID_REQUIRED_ACKS);

    // Partition 1's disk fails: the write fails, and only that partition says so.
    fs.fail('write', 'EIO', { path: /\/b\/orders-1\// });
    const both: ProduceRequest = { ...request(-1, 'orders'), topicData: [{ name: 'orders', partitionData: [{ index: 0, records: batch() }, { index: 1, records: batch() }] }] };
    const res = (await produceHandler.handle(both, ctx)) as ProduceResponse;
    const [ok, broken] = res.responses[0].partitionResponses;
    assert.equal(ok.errorCode, ErrorCode.NONE);
    assert.equal(ok.baseOffset, 3);
    assert.equal(broken.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
  } finally {
    await broker.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
