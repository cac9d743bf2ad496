import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerConfig } from './broker-config.js';
import { ConfigSource, ConfigStore } from './config-store.js';
import type { ConfigEntry } from './config-store.js';
import { DynamicConfigFile } from './dynamic-config-file.js';
import { ErrorCode } from '../protocol/errors.js';

function find(entries: readonly ConfigEntry[], name: string): ConfigEntry {
  const entry = entries.find((e) => e.name === name);
  assert.ok(entry, `missing ${name}`);
  return entry;
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'brook-dynamic-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('dynamic settings: this broker > cluster default > static > default, with synonyms in that order', () => {
  const store = new ConfigStore(new BrokerConfig({ 'log.retention.hours': '48' }));
  assert.equal(store.alterBroker('', { 'log.retention.ms': '7200000', 'message.max.bytes': '2000' }, false), null);
  assert.equal(store.alterBroker('0', { 'log.retention.ms': '3600000' }, false), null);
  const entries = store.describeBroker();
  const ms = find(entries, 'log.retention.ms');
  assert.equal(ms.value, '3600000');
  assert.equal(ms.source, ConfigSource.DYNAMIC_BROKER_CONFIG);
  assert.deepEqual(ms.synonyms, [
    { name: 'log.retention.ms', value: '3600000', source: ConfigSource.DYNAMIC_BROKER_CONFIG },
    { name: 'log.retention.ms', value: '7200000', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG },
    { name: 'log.retention.hours', value: '48', source: ConfigSource.STATIC_BROKER_CONFIG },
    { name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG },
  ]);
  assert.equal(find(entries, 'message.max.bytes').source, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
  // Topics inherit the effective values.
  assert.equal(store.defaultLogConfig.retentionMs, 3_600_000);
  assert.equal(store.defaultLogConfig.maxMessageBytes, 2000);
  assert.equal(store.current.messageMaxBytes, 2000);
  const topicRetention = find(store.describeTopic({}), 'retention.ms');
  assert.equal(topicRetention.value, '3600000');
  assert.equal(topicRetention.source, ConfigSource.DYNAMIC_BROKER_CONFIG);

  // The "" resource shows only the cluster defaults, each with only its dynamic-default synonyms.
  const defaults = store.describeBrokerDefaults();
  assert.deepEqual(defaults.map((e) => [e.name, e.value, e.source]), [
    ['log.retention.ms', '7200000', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
    ['message.max.bytes', '2000', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
  ]);
  assert.deepEqual(defaults[0]?.synonyms, [{ name: 'log.retention.ms', value: '7200000', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }]);

  // Removing the broker's own value falls back to the cluster default.
  assert.equal(store.alterBroker('0', {}, false), null);
  assert.equal(store.defaultLogConfig.retentionMs, 7_200_000);
});

test('a dynamic value wins over the static synonyms of its name; the secondary names are read-only', () => {
  const store = new ConfigStore(new BrokerConfig({ 'log.roll.hours': '2' }));
  assert.equal(store.defaultLogConfig.segmentMs, 7_200_000);
  assert.equal(store.alterBroker('', { 'log.roll.ms': '5000' }, false), null);
  assert.equal(store.defaultLogConfig.segmentMs, 5000);
  assert.equal(store.alterBroker('', { 'log.roll.hours': '3' }, false)?.message, 'Cannot update these configs dynamically: Set(log.roll.hours)');
});

test('Kafka\'s checks of dynamic broker settings, in its order and words', () => {
  const store = new ConfigStore(new BrokerConfig({ 'background.threads': '10' }));
  const refused = (name: string, props: Record<string, string>) => store.alterBroker(name, props, false);
  const request = (message: string) => ({ errorCode: ErrorCode.INVALID_REQUEST, message });
  assert.deepEqual(refused('0', { 'num.partitions': '3', 'log.dirs': '/x' }), request('Cannot update these configs dynamically: Set(num.partitions, log.dirs)'));
  assert.deepEqual(refused('0', { 'ssl.keystore.location': '/k' }), request('These security configs can be dynamically updated only per-listener using the listener prefix: Set(ssl.keystore.location)'));
  assert.deepEqual(refused('0', { 'log.segment.bytes': '10' }), request('Invalid value 10 for configuration log.segment.bytes: Value must be at least 1048576'));
  assert.deepEqual(refused('', { 'advertised.listeners': 'PLAINTEXT://h:1' }), request('Cannot update these configs at default cluster level, broker id must be specified: Set(advertised.listeners)'));
  assert.match(refused('0', { listeners: 'PLAINTEXT://:1' })?.message ?? '', /^Brook cannot reopen its listeners/);
  // Thread pools may at most halve or double.
  assert.deepEqual(refused('', { 'background.threads': '21' }), request('Invalid dynamic configuration'));
  assert.deepEqual(refused('', { 'background.threads': '4' }), request('Invalid dynamic configuration'));
  assert.equal(refused('', { 'background.threads': '9' }), null);
  // log.cleaner.threads likewise, and never down to 0 (Kafka's LogCleaner.validateReconfiguration).
  assert.deepEqual(refused('', { 'log.cleaner.threads': '3' }), request('Invalid dynamic configuration'));
  assert.deepEqual(refused('', { 'log.cleaner.threads': '0' }), request('Invalid dynamic configuration'));
  assert.equal(refused('0', { 'log.cleaner.threads': '2' }), null);
  assert.equal(store.current.logCleanerThreads, 2);
  // The dedupe buffer must leave each thread 1 MiB.
  assert.match(refused('0', { 'log.cleaner.threads': '2', 'log.cleaner.dedupe.buffer.size': '2000000' })?.message ?? '', /at least 1MB per cleaner thread/);
  // The whole resulting configuration must hold together.
  assert.deepEqual(refused('', { 'log.cleaner.min.compaction.lag.ms': '10', 'log.cleaner.max.compaction.lag.ms': '5' }),
    request('conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)'));
  // Names Brook does not define are kept as custom settings, as Kafka keeps non-Kafka names.
  assert.equal(refused('0', { 'sasl.kerberos.min.time.before.relogin': '58000' }), null);
  const custom = find(store.describeBroker(), 'sasl.kerberos.min.time.before.relogin');
  assert.deepEqual([custom.value, custom.sensitive, custom.source], [null, true, ConfigSource.DYNAMIC_BROKER_CONFIG]);
});

test('validateOnly checks without changing anything', () => {
  const store = new ConfigStore(new BrokerConfig());
  assert.equal(store.alterBroker('', { 'log.retention.ms': '1000' }, true), null);
  assert.deepEqual(store.brokerDynamic(''), {});
  assert.equal(store.defaultLogConfig.retentionMs, 604_800_000);
});

test('dynamic broker and group settings are saved atomically and applied again at startup', () => {
  withDir((dir) => {
    const file = new DynamicConfigFile(dir);
    const store = new ConfigStore(new BrokerConfig({ 'log.dir': dir }), file);
    let changes = 0;
    store.onChange(() => changes++);
    assert.equal(store.alterBroker('', { 'log.retention.bytes': '1234' }, false), null);
    assert.equal(store.alterGroup('g', { 'consumer.session.timeout.ms': '50000' }, false), null);
    assert.equal(changes, 1);
    const saved = JSON.parse(readFileSync(join(dir, 'brook-dynamic-configs.json'), 'utf8')) as unknown;
    assert.deepEqual(saved, { version: 1, brokers: { '': { 'log.retention.bytes': '1234' } }, groups: { g: { 'consumer.session.timeout.ms': '50000' } } });

    const again = new ConfigStore(new BrokerConfig({ 'log.dir': dir }), new DynamicConfigFile(dir));
    assert.equal(again.defaultLogConfig.retentionBytes, 1234);
    assert.equal(again.groupSettings('g').consumerSessionTimeoutMs, 50000);
    assert.equal(find(again.describeGroup('g'), 'consumer.session.timeout.ms').source, ConfigSource.GROUP_CONFIG);
  });
});

test('group settings: Kafka\'s names, the broker\'s bounds and defaults', () => {
  const store = new ConfigStore(new BrokerConfig({ 'group.consumer.heartbeat.interval.ms': '4000', 'group.consumer.min.heartbeat.interval.ms': '1000' }));
  const invalid = (message: string) => ({ errorCode: ErrorCode.INVALID_CONFIG, message });
  assert.deepEqual(store.alterGroup('g', { 'session.timeout.ms': '1' }, false), invalid('Unknown group config name: session.timeout.ms'));
  assert.deepEqual(store.alterGroup('g', { 'consumer.session.timeout.ms': 'x' }, false), invalid('Invalid value x for configuration consumer.session.timeout.ms: Not a number of type INT'));
  assert.deepEqual(store.alterGroup('g', { 'consumer.session.timeout.ms': '70000' }, false),
    invalid('consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms'));
  assert.deepEqual(store.alterGroup('g', { 'consumer.heartbeat.interval.ms': '500' }, false),
    invalid('consumer.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms'));
  assert.deepEqual(store.alterGroup('g', { 'share.record.lock.duration.ms': '1000' }, false),
    invalid('share.record.lock.duration.ms must be greater than or equal to group.share.min.record.lock.duration.ms'));
  assert.equal(store.alterGroup('g', { 'consumer.heartbeat.interval.ms': '2000' }, false), null);
  assert.deepEqual(store.groupSettings('g'), {
    consumerSessionTimeoutMs: 45000,
    consumerHeartbeatIntervalMs: 2000,
    shareSessionTimeoutMs: 45000,
    shareHeartbeatIntervalMs: 5000,
    shareRecordLockDurationMs: 30000,
  });
  const described = store.describeGroup('other');
  assert.deepEqual(described.map((e) => [e.name, e.value, e.source]), [
    ['consumer.heartbeat.interval.ms', '4000', ConfigSource.DEFAULT_CONFIG],
    ['consumer.session.timeout.ms', '45000', ConfigSource.DEFAULT_CONFIG],
    ['share.heartbeat.interval.ms', '5000', ConfigSource.DEFAULT_CONFIG],
    ['share.record.lock.duration.ms', '30000', ConfigSource.DEFAULT_CONFIG],
    ['share.session.timeout.ms', '45000', ConfigSource.DEFAULT_CONFIG],
  ]);
});

test('saved settings that would be refused today are left out at startup, with a warning', () => {
  withDir((dir) => {
    new DynamicConfigFile(dir).save({ brokers: { '': { 'num.partitions': '7', 'log.retention.bytes': '99' } }, groups: {} });
    const store = new ConfigStore(new BrokerConfig({ 'log.dir': dir }), new DynamicConfigFile(dir));
    assert.equal(store.current.numPartitions, 1);
    assert.equal(store.defaultLogConfig.retentionBytes, 99);
    assert.deepEqual(store.warnings, ['dynamic broker setting num.partitions of resource "" ignored: Cannot update these configs dynamically: Set(num.partitions)']);
  });
});

test('a dynamic change that cannot be saved (disk full) is answered KAFKA_STORAGE_ERROR and changes nothing', () => {
  withDir((dir) => {
    class FullDisk extends DynamicConfigFile {
      override save(): void {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
    }
    const store = new ConfigStore(new BrokerConfig({ 'log.dir': dir }), new FullDisk(dir));
    let changes = 0;
    store.onChange(() => changes++);
    const storageError = { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: 'Cannot save the dynamic configuration: ENOSPC: no space left on device, write' };
    assert.deepEqual(store.alterBroker('', { 'log.retention.bytes': '1234' }, false), storageError);
    assert.deepEqual(store.alterGroup('g', { 'consumer.session.timeout.ms': '50000' }, false), storageError);
    assert.deepEqual(store.brokerDynamic(''), {});
    assert.deepEqual(store.groupConfigs('g'), {});
    assert.equal(store.defaultLogConfig.retentionBytes, -1);
    assert.equal(changes, 0);
  });
});

test('a failed save leaves the old file and no temporary file; a corrupt file is a CorruptFileError', () => {
  withDir((dir) => {
    const file = new DynamicConfigFile(dir);
    mkdirSync(file.path); // the rename over it fails (EISDIR), as a full disk fails the write
    assert.throws(() => file.save({ brokers: { '': { 'log.retention.bytes': '1' } }, groups: {} }), { code: 'EISDIR' });
    assert.deepEqual(readdirSync(dir), ['brook-dynamic-configs.json']);
    rmSync(file.path, { recursive: true });
    writeFileSync(file.path, '{"version": 1, "brokers": ');
    assert.throws(() => file.load(), { name: 'CorruptFileError', message: /brook-dynamic-configs\.json is not valid/ });
  });
});
