import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRecordBatch } from '../protocol/records/records.js';
import type { ProduceRequest, ProduceResponse } from '../protocol/messages/produce.js';
import type { FetchResponse } from '../protocol/messages/fetch.js';
import { recordCount, TopicTraffic, type ErrorTally } from './topic-traffic.js';

const batch = (n: number, baseOffset = 0) => buildRecordBatch({ baseOffset, records: Array.from({ length: n }, (_, i) => ({ value: `v${i}` })) });

test('recordCount reads the headers of consecutive batches', () => {
  assert.equal(recordCount(Buffer.concat([batch(3), batch(1, 3), batch(5, 4)])), 9);
  assert.equal(recordCount(Buffer.alloc(0)), 0);
});

const topics = new Set(['t']);
const lookup = { exists: (n: string) => topics.has(n), nameOf: (id: string) => (id === 'id-t' ? 't' : undefined) };

test('produce: accepted partitions count messages and bytes; refused ones count as failed, per topic only when it exists', () => {
  const traffic = new TopicTraffic(lookup);
  const errors: ErrorTally = new Map();
  const b = batch(4);
  const request = { acks: 1, transactionalId: null, timeoutMs: 1, topicData: [{ name: 't', partitionData: [{ index: 0, records: b }, { index: 9, records: b }] }, { name: 'ghost', partitionData: [{ index: 0, records: b }] }] } as ProduceRequest;
  const response = { responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: 0 }, { index: 9, errorCode: 3 }] }, { name: 'ghost', partitionResponses: [{ index: 0, errorCode: 3 }] }] } as ProduceResponse;
  traffic.produce(request, response, errors);
  const t = traffic.byTopic.get('t');
  assert.deepEqual({ m: t?.messagesIn, b: t?.bytesIn, req: t?.produceRequests, failed: t?.failedProduceRequests }, { m: 4, b: b.length, req: 2, failed: 1 });
  assert.equal(traffic.byTopic.has('ghost'), false, 'no series for a name a client made up');
  assert.deepEqual({ m: traffic.all.messagesIn, req: traffic.all.produceRequests, failed: traffic.all.failedProduceRequests }, { m: 4, req: 3, failed: 2 });
  assert.deepEqual([...errors], [['UNKNOWN_TOPIC_OR_PARTITION', 2]]);
  // acks=0: no answer, everything was appended.
  traffic.produce({ ...request, acks: 0, topicData: [request.topicData[0]] }, null, errors);
  assert.equal(traffic.byTopic.get('t')?.messagesIn, 12);
  traffic.topicDeleted('t');
  assert.equal(traffic.byTopic.has('t'), false);
  assert.equal(traffic.all.messagesIn, 12);
});

test('fetch: records out per topic, by name before v13 and by id from v13', () => {
  const traffic = new TopicTraffic(lookup);
  const errors: ErrorTally = new Map();
  const response = (topic: Record<string, string>) =>
    ({ responses: [{ ...topic, partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 9, records: [batch(2), batch(3, 2)] }, { partitionIndex: 1, errorCode: 1, highWatermark: -1, records: [] }] }] }) as FetchResponse;
  traffic.fetch(12, response({ topic: 't' }), errors);
  traffic.fetch(13, response({ topicId: 'id-t' }), errors);
  const t = traffic.byTopic.get('t');
  assert.deepEqual({ m: t?.messagesOut, req: t?.fetchRequests, failed: t?.failedFetchRequests }, { m: 10, req: 4, failed: 2 });
  assert.equal(t?.bytesOut, 2 * (batch(2).length + batch(3, 2).length));
  assert.deepEqual([...errors], [['OFFSET_OUT_OF_RANGE', 2]]);
});
