import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type Broker } from '../index.js';
import type { RequestContext } from './handler.js';
import { ErrorCode } from '../protocol/errors.js';
import { describeConfigsHandler } from './describe-configs.js';
import { alterConfigsHandler } from './alter-configs.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import type { DescribeConfigsRequestDescribeConfigsResource, DescribeConfigsResponse } from '../protocol/messages/describe-configs.js';
import type { AlterConfigsRequestAlterConfigsResource, AlterConfigsResponse } from '../protocol/messages/alter-configs.js';
import type {
  IncrementalAlterConfigsRequestAlterConfigsResource,
  IncrementalAlterConfigsResponse,
} from '../protocol/messages/incremental-alter-configs.js';

const TOPIC = 2;
const BROKER = 4;
const BROKER_LOGGER = 8;

let dir: string;
let broker: Broker;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'brook-config-admin-'));
  broker = await startBroker({ port: 0, dataDir: dir, settings: { 'log.retention.hours': 24 } });
  await broker.cluster.createTopic('cfg', 1, { 'retention.ms': '5000' });
});
after(async () => {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

function ctx(apiVersion: number): RequestContext {
  return { apiVersion, correlationId: 1, clientId: 'test', clientHost: 'localhost:1', connectionId: 1, broker: broker.context };
}

async function describe(resources: DescribeConfigsRequestDescribeConfigsResource[], version = 4, includeSynonyms = true, includeDocumentation = false) {
  return (await describeConfigsHandler.handle({ resources, includeSynonyms, includeDocumentation }, ctx(version))) as DescribeConfigsResponse;
}
async function alter(resources: AlterConfigsRequestAlterConfigsResource[], validateOnly = false) {
  return (await alterConfigsHandler.handle({ resources, validateOnly }, ctx(2))) as AlterConfigsResponse;
}
async function incremental(resources: IncrementalAlterConfigsRequestAlterConfigsResource[], validateOnly = false) {
  return (await incrementalAlterConfigsHandler.handle({ resources, validateOnly }, ctx(1))) as IncrementalAlterConfigsResponse;
}

test('DescribeConfigs of a topic: overrides, defaults from the broker, synonyms, key filter', async () => {
  const res = await describe([{ resourceType: TOPIC, resourceName: 'cfg', configurationKeys: ['retention.ms', 'cleanup.policy', 'nope'] }]);
  const [r] = res.results;
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.deepEqual(r.configs.map((c) => c.name), ['cleanup.policy', 'retention.ms']);
  const retention = r.configs[1];
  assert.equal(retention.value, '5000');
  assert.equal(retention.configSource, 1);
  assert.deepEqual(retention.synonyms?.[0], { name: 'retention.ms', value: '5000', source: 1 });
  const segment = (await describe([{ resourceType: TOPIC, resourceName: 'cfg', configurationKeys: ['segment.bytes'] }])).results[0].configs[0];
  assert.deepEqual(segment.synonyms?.map((s) => [s.name, s.source]), [['log.segment.bytes', 5]]);
  assert.equal(segment.configSource, 5);
  assert.equal(retention.documentation, null);

  const plain = await describe([{ resourceType: TOPIC, resourceName: 'cfg', configurationKeys: null }], 3, false, true);
  const cleanup = plain.results[0].configs.find((c) => c.name === 'cleanup.policy');
  assert.deepEqual(cleanup?.synonyms, []);
  assert.equal(cleanup?.configType, 7);
  assert.ok((cleanup?.documentation ?? '').length > 0);
  assert.ok(plain.results[0].configs.length > 20);
});

test('DescribeConfigs errors: unknown topic, other broker id, cluster default, logger', async () => {
  const res = await describe([
    { resourceType: TOPIC, resourceName: 'no-such-topic', configurationKeys: null },
    { resourceType: BROKER, resourceName: '7', configurationKeys: null },
    { resourceType: BROKER, resourceName: '', configurationKeys: null },
    { resourceType: BROKER, resourceName: '0', configurationKeys: ['message.max.bytes', 'node.id'] },
    { resourceType: BROKER_LOGGER, resourceName: '0', configurationKeys: null },
    { resourceType: 99, resourceName: 'x', configurationKeys: null },
  ]);
  const [unknown, otherBroker, clusterDefault, self, logger, weird] = res.results;
  assert.equal(unknown.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(otherBroker.errorCode, ErrorCode.INVALID_REQUEST);
  assert.deepEqual([clusterDefault.errorCode, clusterDefault.configs], [ErrorCode.NONE, []]);
  assert.deepEqual(self.configs.map((c) => [c.name, c.readOnly]), [['message.max.bytes', false], ['node.id', true]]);
  assert.deepEqual(logger.configs.map((c) => [c.name, c.value]), [['root', 'WARN']]);
  assert.equal(weird.errorCode, ErrorCode.INVALID_REQUEST);
});

test('AlterConfigs replaces every override of a topic; validateOnly changes nothing', async () => {
  await broker.cluster.createTopic('alt', 1, { 'retention.ms': '5000', 'segment.bytes': '1048576' });
  const dry = await alter([{ resourceType: TOPIC, resourceName: 'alt', configs: [{ name: 'cleanup.policy', value: 'compact' }] }], true);
  assert.equal(dry.responses[0].errorCode, ErrorCode.NONE);
  assert.deepEqual(broker.cluster.topic('alt')?.configs, { 'retention.ms': '5000', 'segment.bytes': '1048576' });

  const res = await alter([{ resourceType: TOPIC, resourceName: 'alt', configs: [{ name: 'cleanup.policy', value: 'compact' }] }]);
  assert.equal(res.responses[0].errorCode, ErrorCode.NONE);
  assert.deepEqual(broker.cluster.topic('alt')?.configs, { 'cleanup.policy': 'compact' });
  assert.equal(broker.cluster.topic('alt')?.settings.compact, true);

  const errors = await alter([
    { resourceType: TOPIC, resourceName: 'alt', configs: [{ name: 'retention.ms', value: 'x' }] },
    { resourceType: TOPIC, resourceName: 'ghost', configs: [{ name: 'retention.ms', value: '1' }] },
    { resourceType: TOPIC, resourceName: 'ghost2', configs: [{ name: 'retention.ms', value: 'x' }] },
    { resourceType: BROKER, resourceName: '0', configs: [{ name: 'log.dirs', value: '/tmp' }] },
    { resourceType: BROKER, resourceName: '', configs: [{ name: 'log.retention.ms', value: 'x' }] },
    { resourceType: TOPIC, resourceName: 'dup', configs: [] },
    { resourceType: TOPIC, resourceName: 'dup', configs: [] },
  ]);
  assert.deepEqual(errors.responses.map((r) => r.errorCode), [
    ErrorCode.INVALID_CONFIG,
    ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ErrorCode.INVALID_CONFIG, // validation comes before the existence check, as in Kafka
    ErrorCode.INVALID_REQUEST,
    ErrorCode.INVALID_REQUEST,
    ErrorCode.INVALID_REQUEST,
    ErrorCode.INVALID_REQUEST,
  ]);
  assert.equal(errors.responses[1].errorMessage, "The topic 'ghost' does not exist.");
  assert.equal(errors.responses[3].errorMessage, 'Cannot update these configs dynamically: Set(log.dirs)');
  assert.equal(errors.responses[4].errorMessage, 'Invalid value x for configuration log.retention.ms: Not a number of type LONG');
  assert.equal(errors.responses[5].errorMessage, 'Each resource must appear at most once.');
  assert.deepEqual(broker.cluster.topic('alt')?.configs, { 'cleanup.policy': 'compact' });
});

test('IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT on a list, all or nothing', async () => {
  await broker.cluster.createTopic('inc', 1, { 'retention.ms': '5000' });
  const ok = await incremental([{
    resourceType: TOPIC,
    resourceName: 'inc',
    configs: [
      { name: 'retention.ms', configOperation: 1, value: null },
      { name: 'segment.bytes', configOperation: 0, value: '2097152' },
      { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
    ],
  }]);
  assert.equal(ok.responses[0].errorCode, ErrorCode.NONE);
  assert.deepEqual(broker.cluster.topic('inc')?.configs, { 'segment.bytes': '2097152', 'cleanup.policy': 'delete,compact' });

  const sub = await incremental([{ resourceType: TOPIC, resourceName: 'inc', configs: [{ name: 'cleanup.policy', configOperation: 3, value: 'delete' }] }]);
  assert.equal(sub.responses[0].errorCode, ErrorCode.NONE);
  assert.equal(broker.cluster.topic('inc')?.configs['cleanup.policy'], 'compact');

  const bad = await incremental([
    { resourceType: TOPIC, resourceName: 'inc', configs: [{ name: 'retention.ms', configOperation: 2, value: '1' }, { name: 'segment.bytes', configOperation: 0, value: '4194304' }] },
    { resourceType: TOPIC, resourceName: 'inc2', configs: [{ name: 'retention.ms', configOperation: 0, value: null }] },
    { resourceType: TOPIC, resourceName: 'inc3', configs: [{ name: 'a', configOperation: 1, value: null }, { name: 'a', configOperation: 1, value: null }] },
    { resourceType: TOPIC, resourceName: 'inc', configs: [{ name: 'retention.ms', configOperation: 9, value: '1' }] },
  ]);
  assert.deepEqual(bad.responses.map((r) => r.errorCode), [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
  assert.equal(bad.responses[1].errorMessage, 'Null value not supported for : retention.ms');
  assert.equal(bad.responses[2].errorMessage, 'Error due to duplicate config keys');

  const notList = await incremental([{ resourceType: TOPIC, resourceName: 'inc', configs: [{ name: 'retention.ms', configOperation: 2, value: '1' }, { name: 'segment.bytes', configOperation: 0, value: '4194304' }] }]);
  assert.equal(notList.responses[0].errorCode, ErrorCode.INVALID_CONFIG);
  assert.equal(notList.responses[0].errorMessage, "Can't APPEND to key retention.ms because its type is not LIST.");
  assert.equal(broker.cluster.topic('inc')?.configs['segment.bytes'], '2097152');
});

test('IncrementalAlterConfigs sets the root logger level, and refuses read-only broker settings', async () => {
  const res = await incremental([
    { resourceType: BROKER_LOGGER, resourceName: '0', configs: [{ name: 'root', configOperation: 0, value: 'DEBUG' }] },
    { resourceType: BROKER, resourceName: '0', configs: [{ name: 'num.partitions', configOperation: 0, value: '3' }] },
    { resourceType: BROKER_LOGGER, resourceName: '1', configs: [{ name: 'root', configOperation: 0, value: 'DEBUG' }] },
  ]);
  assert.deepEqual(res.responses.map((r) => r.errorCode), [ErrorCode.NONE, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
  const unknown = await incremental([{ resourceType: BROKER_LOGGER, resourceName: '0', configs: [{ name: 'kafka.server', configOperation: 0, value: 'INFO' }] }]);
  assert.equal(unknown.responses[0].errorCode, ErrorCode.INVALID_CONFIG);
  assert.equal(broker.context.log.level, 'debug');
  broker.context.log.level = 'warn';
});
