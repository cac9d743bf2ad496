import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerConfig } from './broker-config.js';
import { BROKER_CONFIG_DEFS } from './broker-config-defs.js';
import { ConfigType } from './config-def.js';
import { ConfigSource, ConfigStore } from './config-store.js';
import type { ConfigEntry } from './config-store.js';
import { TOPIC_CONFIG_DEFS } from './topic-config.js';

function find(entries: readonly ConfigEntry[], name: string): ConfigEntry {
  const entry = entries.find((e) => e.name === name);
  assert.ok(entry, `missing ${name}`);
  return entry;
}

test('a topic without overrides reports broker defaults with Kafka synonyms', () => {
  const store = new ConfigStore(new BrokerConfig());
  const entries = store.describeTopic({});
  assert.equal(entries.length, TOPIC_CONFIG_DEFS.length);
  const segmentBytes = find(entries, 'segment.bytes');
  assert.equal(segmentBytes.value, '1073741824');
  assert.equal(segmentBytes.source, ConfigSource.DEFAULT_CONFIG);
  assert.deepEqual(segmentBytes.synonyms, [{ name: 'log.segment.bytes', value: '1073741824', source: ConfigSource.DEFAULT_CONFIG }]);
  assert.equal(segmentBytes.type, ConfigType.INT);
  assert.equal(segmentBytes.readOnly, false);
  // Kafka drops synonyms before the first one named like the primary server setting, so an unset
  // log.retention.ms hides log.retention.hours.
  const retention = find(entries, 'retention.ms');
  assert.equal(retention.value, '604800000');
  assert.deepEqual(retention.synonyms, []);
  assert.equal(retention.source, ConfigSource.DEFAULT_CONFIG);
  assert.equal(find(entries, 'flush.ms').value, '9223372036854775807');
  assert.equal(find(entries, 'message.timestamp.after.max.ms').value, '3600000');
  assert.deepEqual(find(entries, 'remote.storage.enable').synonyms, []);
});

test('topic overrides come first, then static broker settings, then defaults', () => {
  const broker = new BrokerConfig({ 'log.retention.ms': '5000', 'log.retention.hours': '1', 'log.segment.bytes': '2097152' });
  const store = new ConfigStore(broker);
  const entries = store.describeTopic({ 'retention.ms': ' 1000 ' });
  const retention = find(entries, 'retention.ms');
  assert.equal(retention.value, '1000');
  assert.equal(retention.source, ConfigSource.TOPIC_CONFIG);
  assert.deepEqual(retention.synonyms, [
    { name: 'retention.ms', value: '1000', source: ConfigSource.TOPIC_CONFIG },
    { name: 'log.retention.ms', value: '5000', source: ConfigSource.STATIC_BROKER_CONFIG },
    { name: 'log.retention.hours', value: '1', source: ConfigSource.STATIC_BROKER_CONFIG },
    { name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG },
  ]);
  const segment = find(entries, 'segment.bytes');
  assert.equal(segment.value, '2097152');
  assert.equal(segment.source, ConfigSource.STATIC_BROKER_CONFIG);
  assert.deepEqual(segment.synonyms.map((s) => s.source), [ConfigSource.STATIC_BROKER_CONFIG, ConfigSource.DEFAULT_CONFIG]);
});

test('topic defaults resolve the ms, minutes and hours fallbacks', () => {
  assert.equal(new ConfigStore(new BrokerConfig({ 'log.retention.hours': '24' })).defaultLogConfig.retentionMs, 86_400_000);
  assert.equal(new ConfigStore(new BrokerConfig({ 'log.retention.minutes': '2', 'log.retention.hours': '24' })).defaultLogConfig.retentionMs, 120_000);
  assert.equal(new ConfigStore(new BrokerConfig({ 'log.retention.hours': '-5' })).defaultLogConfig.retentionMs, -1);
  assert.equal(new ConfigStore(new BrokerConfig({ 'log.roll.hours': '2' })).defaultLogConfig.segmentMs, 7_200_000);
  assert.equal(new ConfigStore(new BrokerConfig({ 'log.roll.ms': '500', 'log.roll.hours': '2' })).defaultLogConfig.segmentMs, 500);
  assert.equal(new ConfigStore(new BrokerConfig({ 'log.flush.scheduler.interval.ms': '2000' })).defaultLogConfig.flushIntervalMs, 2000);
  assert.equal(new ConfigStore(new BrokerConfig({ 'log.flush.interval.ms': '100', 'log.flush.scheduler.interval.ms': '2000' })).defaultLogConfig.flushIntervalMs, 100);
});

test('logConfig applies overrides over broker defaults', () => {
  const store = new ConfigStore(new BrokerConfig({ 'message.max.bytes': '2000000', 'log.cleanup.policy': 'compact' }));
  const defaults = store.defaultLogConfig;
  assert.equal(defaults.maxMessageBytes, 2_000_000);
  assert.deepEqual(defaults.cleanupPolicy, ['compact']);
  assert.equal(defaults.compact, true);
  assert.equal(defaults.flushIntervalMessages, Number.POSITIVE_INFINITY);
  assert.equal(defaults.flushIntervalMs, Number.POSITIVE_INFINITY);
  const log = store.logConfig({ 'max.message.bytes': '100', 'cleanup.policy': 'compact,delete', 'flush.messages': '1', 'message.timestamp.type': 'LogAppendTime' });
  assert.equal(log.maxMessageBytes, 100);
  assert.equal(log.compact && log.delete, true);
  assert.equal(log.flushIntervalMessages, 1);
  assert.equal(log.timestampType, 'LogAppendTime');
  assert.equal(log.segmentBytes, 1073741824);
  assert.deepEqual(store.logConfig(new Map([['cleanup.policy', '']])).cleanupPolicy, []);
});

test('topic override validation answers INVALID_CONFIG with Kafka messages', () => {
  const store = new ConfigStore(new BrokerConfig({ 'log.cleaner.max.compaction.lag.ms': '1000' }));
  const invalid = (message: string) => ({ errorCode: 40, message });
  assert.equal(store.validateTopicConfigs({ 'retention.ms': '1000', 'cleanup.policy': 'compact' }), null);
  assert.deepEqual(store.validateTopicConfigs({ 'retention.ms': null, 'segment.ms': null }), invalid('Null value not supported for topic configs: retention.ms,segment.ms'));
  assert.deepEqual(store.validateTopicConfigs({ 'log.retention.ms': '1' }), invalid('Unknown topic config name: log.retention.ms'));
  assert.deepEqual(store.validateTopicConfigs([['max.message.bytes', 'big']]), invalid('Invalid value big for configuration max.message.bytes: Not a number of type INT'));
  assert.deepEqual(store.validateTopicConfigs({ 'retention.ms': '-2' }), invalid('Invalid value -2 for configuration retention.ms: Value must be at least -1'));
  // The broker default of max.compaction.lag.ms takes part in the cross-check.
  assert.deepEqual(store.validateTopicConfigs({ 'min.compaction.lag.ms': '2000' }), invalid('conflict topic config setting min.compaction.lag.ms (2000) > max.compaction.lag.ms (1000)'));
  assert.deepEqual(store.validateTopicConfigs({ 'remote.storage.enable': 'true' }), invalid('Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.'));
});

test('broker entries: every setting, read-only flags, sources and hidden secrets', () => {
  const broker = new BrokerConfig({ 'ssl.keystore.password': 'hunter2', 'log.retention.hours': '48', 'num.partitions': '3' });
  const entries = new ConfigStore(broker).describeBroker();
  assert.deepEqual(entries.map((e) => e.name), BROKER_CONFIG_DEFS.map((d) => d.name));
  const password = find(entries, 'ssl.keystore.password');
  assert.equal(password.value, null);
  assert.equal(password.sensitive, true);
  assert.equal(password.type, ConfigType.PASSWORD);
  assert.deepEqual(password.synonyms, [{ name: 'ssl.keystore.password', value: null, source: ConfigSource.STATIC_BROKER_CONFIG }]);
  assert.ok(!JSON.stringify(entries).includes('hunter2'));

  const hours = find(entries, 'log.retention.hours');
  assert.equal(hours.value, '48');
  assert.equal(hours.readOnly, true);
  assert.deepEqual(hours.synonyms, [
    { name: 'log.retention.hours', value: '48', source: ConfigSource.STATIC_BROKER_CONFIG },
    { name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG },
  ]);
  const ms = find(entries, 'log.retention.ms');
  assert.equal(ms.value, null);
  assert.equal(ms.source, ConfigSource.DEFAULT_CONFIG);
  assert.equal(ms.readOnly, false);
  assert.equal(find(entries, 'num.partitions').source, ConfigSource.STATIC_BROKER_CONFIG);
  assert.equal(find(entries, 'message.max.bytes').source, ConfigSource.DEFAULT_CONFIG);
  assert.equal(find(entries, 'log.cleaner.io.max.bytes.per.second').value, '1.7976931348623157E308');
  assert.ok(entries.every((e) => e.documentation.length > 0));
});
