import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigException } from './config-def.js';
import { BrokerConfig } from './broker-config.js';
import { envVarName, loadBrokerConfig } from './load-broker-config.js';

const dir = mkdtempSync(join(tmpdir(), 'brook-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('defaults: Brook listens on localhost:9092 and keeps data in ./data', () => {
  const config = loadBrokerConfig();
  assert.equal(config.host, 'localhost');
  assert.equal(config.port, 9092);
  assert.equal(config.advertisedHost, 'localhost');
  assert.equal(config.advertisedPort, 9092);
  assert.equal(config.dataDir, resolve('./data'));
  assert.equal(config.nodeId, 0);
  assert.equal(config.numPartitions, 1);
  assert.equal(config.autoCreateTopicsEnable, true);
  assert.equal(config.messageMaxBytes, 1048588);
  assert.equal(config.socketRequestMaxBytes, 104857600);
  assert.equal(config.maxConnections, 2147483647);
  assert.equal(config.groupInitialRebalanceDelayMs, 3000);
  assert.equal(config.offsetsTopicNumPartitions, 50);
  assert.equal(config.offsetsRetentionMs, 10080 * 60_000);
  assert.deepEqual(config.groupConsumerAssignors, ['uniform', 'range']);
  assert.equal(config.get('log.flush.interval.messages'), Number.POSITIVE_INFINITY);
  assert.equal(config.get('log.flush.interval.ms'), null);
  assert.deepEqual(config.warnings, []);
  assert.throws(() => config.get('no.such.setting'), /Unknown broker configuration/);
});

test('precedence: file < environment < --set < overrides < flags', () => {
  const path = file('precedence.properties', [
    'num.partitions=2',
    'default.replication.factor=1',
    'log.retention.hours=10',
    'message.max.bytes=1000',
    'delete.topic.enable=false',
    'log.dirs=/from/file',
  ].join('\n'));
  const env = {
    BROOK_NUM_PARTITIONS: '3',
    BROOK_LOG_RETENTION_HOURS: '20',
    BROOK_MESSAGE_MAX_BYTES: '2000',
    BROOK_LOG_DIRS: '/from/env',
    PATH: '/usr/bin',
  };
  const config = loadBrokerConfig({
    file: path,
    env,
    sets: [['log.retention.hours', '30'], ['message.max.bytes', '3000']],
    overrides: { 'message.max.bytes': 4000 },
    flags: { dataDir: join(dir, 'flag-data') },
  });
  assert.equal(config.numPartitions, 3); // environment over file
  assert.equal(config.get('log.retention.hours'), 30); // --set over environment
  assert.equal(config.messageMaxBytes, 4000); // overrides over --set
  assert.equal(config.deleteTopicEnable, false); // file over default
  assert.equal(config.dataDir, join(dir, 'flag-data')); // flag over everything
  assert.equal(config.staticConfigs.get('log.dirs'), join(dir, 'flag-data'));
});

test('environment variable names are BROOK_ plus the upper-cased name with underscores', () => {
  assert.equal(envVarName('group.consumer.session.timeout.ms'), 'BROOK_GROUP_CONSUMER_SESSION_TIMEOUT_MS');
  const config = loadBrokerConfig({ env: { BROOK_AUTO_CREATE_TOPICS_ENABLE: 'false', BROOK_NOT_A_SETTING: 'x' } });
  assert.equal(config.autoCreateTopicsEnable, false);
  assert.match(config.warnings.join('\n'), /BROOK_NOT_A_SETTING does not name a Brook setting/);
});

test('--port and --host change the first client listener; advertised follows unless set', () => {
  const path = file('listeners.properties', [
    'listeners=CONTROLLER://:9093,PLAINTEXT://:9092',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
  ].join('\n'));
  const config = loadBrokerConfig({ file: path, flags: { port: '19092', host: '127.0.0.1' } });
  assert.equal(config.staticConfigs.get('listeners'), 'CONTROLLER://:9093,PLAINTEXT://127.0.0.1:19092');
  assert.deepEqual(config.listeners.map((l) => l.name), ['PLAINTEXT']);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 19092);
  assert.equal(config.advertisedHost, '127.0.0.1');
  assert.equal(config.advertisedPort, 19092);
  assert.match(config.warnings.join('\n'), /CONTROLLER is a controller listener/);

  const advertised = loadBrokerConfig({ sets: [['advertised.listeners', 'PLAINTEXT://broker.example:9094']], flags: { port: 0 } });
  assert.equal(advertised.port, 0);
  assert.deepEqual(advertised.advertisedAddress(40000), { host: 'broker.example', port: 9094 });
  const ephemeral = loadBrokerConfig({ flags: { port: 0 } });
  assert.deepEqual(ephemeral.advertisedAddress(40000), { host: 'localhost', port: 40000 });
  const wildcard = loadBrokerConfig({ flags: { host: '' } });
  assert.equal(wildcard.host, '');
  assert.equal(wildcard.advertisedHost, hostname());
  assert.throws(() => loadBrokerConfig({ flags: { port: '80a' } }), /Invalid port 80a/);
});

test('advertised.listeners must name configured listeners and be routable', () => {
  assert.throws(
    () => loadBrokerConfig({ sets: [['advertised.listeners', 'SSL://h:1']] }),
    /advertised.listeners listener names must be equal to or a subset/,
  );
  assert.throws(
    () => loadBrokerConfig({ sets: [['advertised.listeners', 'PLAINTEXT://0.0.0.0:9092']] }),
    /nonroutable meta-address 0.0.0.0/,
  );
});

test('unknown names are rejected with a suggestion and their source', () => {
  const path = file('typo.properties', 'num.partition=3\n');
  assert.throws(() => loadBrokerConfig({ file: path }), (error: unknown) => {
    assert.ok(error instanceof ConfigException);
    assert.equal(error.message, `Unknown configuration 'num.partition' in ${path}. Did you mean 'num.partitions'?`);
    return true;
  });
  assert.throws(() => loadBrokerConfig({ sets: [['zookeeper.connect', 'x']] }), /Unknown configuration 'zookeeper.connect' in --set/);
  assert.throws(() => new BrokerConfig({ 'no.such': '1' }), ConfigException);
});

test('bad values name the setting, the value and where it came from', () => {
  assert.throws(
    () => loadBrokerConfig({ env: { BROOK_NUM_PARTITIONS: 'many' } }),
    /^ConfigException: Invalid value many for configuration num.partitions: Not a number of type INT \(from environment variable BROOK_NUM_PARTITIONS\)$/m,
  );
  assert.throws(() => loadBrokerConfig({ file: join(dir, 'missing.properties') }), /Cannot read configuration file/);
});

test('cross-setting rules: node.id and broker.id, consumer group bounds', () => {
  assert.equal(loadBrokerConfig({ sets: [['broker.id', '7']] }).nodeId, 7);
  assert.equal(loadBrokerConfig({ sets: [['node.id', '5']] }).get('broker.id'), 5);
  assert.throws(() => loadBrokerConfig({ sets: [['node.id', '1'], ['broker.id', '2']] }), /broker.id \(2\) must equal node.id \(1\)/);
  assert.throws(
    () => loadBrokerConfig({ sets: [['group.consumer.session.timeout.ms', '1000']] }),
    /group.consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms/,
  );
});

test('Kafka settings without effect in Brook are accepted with a warning', () => {
  const path = file('stock.properties', [
    'process.roles=broker,controller',
    'node.id=1',
    'controller.quorum.bootstrap.servers=localhost:9093',
    'num.network.threads=3',
    'offsets.topic.replication.factor=1',
    'log.dirs=' + join(dir, 'kafka-logs'),
  ].join('\n'));
  const config = loadBrokerConfig({ file: path });
  assert.equal(config.nodeId, 1);
  assert.equal(config.dataDir, join(dir, 'kafka-logs'));
  const text = config.warnings.join('\n');
  assert.match(text, /num.network.threads is accepted for compatibility/);
  assert.match(text, /offsets.topic.replication.factor is accepted for compatibility/);
  assert.doesNotMatch(text, /log.dirs/);
});

test('overrides take typed values and null unsets', () => {
  const config = loadBrokerConfig({
    sets: [['num.partitions', '4']],
    overrides: { 'num.partitions': null, 'log.cleanup.policy': ['compact', 'delete'], 'log.flush.interval.messages': Number.POSITIVE_INFINITY, 'log.preallocate': true },
  });
  assert.equal(config.numPartitions, 1);
  assert.deepEqual(config.get('log.cleanup.policy'), ['compact', 'delete']);
  assert.equal(config.staticConfigs.get('log.flush.interval.messages'), '9223372036854775807');
  assert.equal(config.get('log.preallocate'), true);
});
