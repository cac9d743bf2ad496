import assert from 'node:assert/strict';
import { readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigStore } from '../config/config-store.js';
import { loadBrokerConfig } from '../config/load-broker-config.js';
import { ErrorCode } from '../protocol/errors.js';
import { LogManager } from '../storage/log-manager.js';
import { FullDiskFileSystem, batch, tempDir } from '../storage/test-fixtures.js';
import { Cluster } from './cluster.js';
import { TOPICS_FILE } from './metadata-store.js';
import type { StorageLogger } from '../storage/storage-logger.js';

async function open(dir: string, fs: FullDiskFileSystem, logger?: StorageLogger): Promise<{ cluster: Cluster; logs: LogManager; configs: ConfigStore }> {
  const configs = new ConfigStore(loadBrokerConfig({ flags: { dataDir: dir } }));
  const settings = { validate: (o: Record<string, string>) => configs.validateTopicConfigs(o), resolve: (o: Record<string, string>) => configs.logConfig(o) };
  const logs = await LogManager.open(dir, { fs, defaultConfig: configs.defaultLogConfig, ...(logger ? { logger } : {}) });
  return { cluster: await Cluster.open({ dataDir: dir, nodeId: 1, logs, settings, fs, ...(logger ? { logger } : {}) }), logs, configs };
}

const entries = (dir: string): string[] => readdirSync(dir).filter((n) => !n.endsWith('checkpoint') && n !== '.kafka_cleanshutdown').sort();

// A full disk used to throw out of createTopic (closing the client's connection) after leaving
// brook-topics.json.tmp behind, with the topic half made.
for (const directoriesToo of [true, false]) {
  test(`on a full disk (mkdir ${directoriesToo ? 'fails too' : 'still works'}) topic changes answer KAFKA_STORAGE_ERROR and change nothing`, async () => {
    const { dir, cleanup } = tempDir();
    try {
      const fs = new FullDiskFileSystem();
      fs.directoriesToo = directoriesToo;
      let { cluster, logs } = await open(dir, fs);
      assert.equal((await cluster.createTopic('kept', 2, { 'retention.ms': '1000' })).errorCode, ErrorCode.NONE);
      const before = entries(dir);
      const topicsFile = readFileSync(`${dir}/${TOPICS_FILE}`, 'utf8');

      fs.full = true;
      const created = await cluster.createTopic('new', 3, {});
      assert.equal(created.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
      assert.match(created.errorMessage ?? '', /ENOSPC/);
      assert.equal(cluster.topic('new'), undefined);
      assert.equal((await cluster.createPartitions('kept', 4, false)).errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
      assert.equal(cluster.topic('kept')?.partitions.length, 2);
      assert.equal(cluster.setTopicConfigs('kept', { 'retention.ms': '2000' })?.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
      assert.deepEqual(cluster.topic('kept')?.configs, { 'retention.ms': '1000' });
      assert.equal((await cluster.deleteTopic('kept')).errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
      assert.ok(cluster.topic('kept'));
      assert.ok(fs.writeFailures > 0 || directoriesToo);

      assert.deepEqual(entries(dir), before, 'no temporary file, no partition folder left');
      assert.equal(readFileSync(`${dir}/${TOPICS_FILE}`, 'utf8'), topicsFile);

      fs.full = false;
      assert.equal((await cluster.createTopic('new', 3, {})).errorCode, ErrorCode.NONE);
      assert.equal((await cluster.createPartitions('kept', 4, false)).errorCode, ErrorCode.NONE);
      await logs.close();
      ({ cluster, logs } = await open(dir, fs));
      assert.equal(cluster.topic('new')?.partitions.length, 3);
      assert.equal(cluster.topic('kept')?.partitions.length, 4);
      assert.deepEqual(cluster.topic('kept')?.configs, { 'retention.ms': '1000' });
      await logs.close();
    } finally {
      cleanup();
    }
  });
}

test('a log whose topic is gone is set aside as a stray (renamed, never deleted) when it holds records, removed when empty', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new FullDiskFileSystem();
    const first = await open(dir, fs);
    // A crash after creating a topic's folders and before recording it leaves an empty log; a
    // crash while deleting a topic, or a lost topics file, one with records.
    await first.logs.getOrCreateLog('empty', 0, first.configs.defaultLogConfig);
    (await first.logs.getOrCreateLog('orphan', 0, first.configs.defaultLogConfig)).append(batch(4));
    await first.logs.close();

    const lines: [string, string][] = [];
    const logger = { error: (_: unknown, m: string) => lines.push(['error', m]), info: (_: unknown, m: string) => lines.push(['info', m]), warn: (_: unknown, m: string) => lines.push(['warn', m]) };
    const { logs } = await open(dir, fs, logger);
    const strays = readdirSync(dir).filter((n) => n.startsWith('orphan-0.'));
    assert.equal(strays.length, 1);
    assert.match(strays[0], /^orphan-0\.[0-9a-f]{32}-stray$/);
    assert.ok(!readdirSync(dir).includes('orphan-0') && !readdirSync(dir).some((n) => n.startsWith('empty-0')));
    assert.ok(readdirSync(join(dir, strays[0])).includes('00000000000000000000.log'), 'the data is kept');
    assert.deepEqual(lines.map(([level]) => level), ['info', 'warn', 'error']);
    assert.equal(lines[0][1], 'empty-0: removing the empty log of a topic that does not exist');
    assert.match(lines[1][1], /^orphan-0: brook-topics\.json lists no topic orphan, but its log holds 4 records \(offsets 0 to 3\): kept as .*-stray, not deleted\. To serve it again, recreate the topic/);
    // No topics file at all (this directory never recorded one): said once, at error level.
    assert.match(lines[2][1], /^brook-topics\.json is missing from .* but 1 partition log\(s\) with records were found: they were set aside as stray logs/);
    await logs.close();

    // The next start leaves the stray alone and says it is there.
    lines.length = 0;
    const again = await open(dir, fs, logger);
    assert.equal(readdirSync(dir).filter((n) => n.endsWith('-stray')).length, 1);
    assert.deepEqual(lines.map(([level]) => level), ['warn']);
    assert.match(lines[0][1], /a stray log set aside earlier is kept; delete it when its data is no longer needed/);
    await again.logs.close();
  } finally {
    cleanup();
  }
});

// Deleting brook-topics.json used to make the next start delete every partition folder.
test('a lost topics file costs no data: every log is set aside, and restoring the file brings the topics back', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new FullDiskFileSystem();
    const first = await open(dir, fs);
    assert.equal((await first.cluster.createTopic('orders', 2, { 'retention.ms': '-1' })).errorCode, ErrorCode.NONE);
    first.cluster.partition('orders', 0)!.appendTrusted(batch(5));
    first.cluster.partition('orders', 1)!.appendTrusted(batch(3));
    await first.logs.close();
    const backup = readFileSync(join(dir, TOPICS_FILE));
    rmSync(join(dir, TOPICS_FILE));

    const errors: string[] = [];
    const second = await open(dir, fs, { error: (_, m) => errors.push(m), info: () => undefined, warn: () => undefined });
    assert.equal(second.cluster.topic('orders'), undefined);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /brook-topics\.json is missing .* 2 partition log\(s\) with records were found/);
    await second.logs.close();

    // The operator's way back: the topics file from a backup and the folders renamed back.
    writeFileSync(join(dir, TOPICS_FILE), backup);
    for (const name of readdirSync(dir).filter((n) => n.endsWith('-stray'))) renameSync(join(dir, name), join(dir, name.replace(/\.[0-9a-f]{32}-stray$/, '')));
    const third = await open(dir, fs);
    assert.equal(third.cluster.partition('orders', 0)!.highWatermark, 5);
    assert.equal(third.cluster.partition('orders', 1)!.highWatermark, 3);
    await third.logs.close();
  } finally {
    cleanup();
  }
});

// Two requests for one topic that arrive together (librdkafka pipelines a Metadata request of
// its own with the application's, both auto-creating) used to both pass the wait for the name
// before either had claimed it: the second then answered TOPIC_ALREADY_EXISTS before the topic
// existed (or when its creation failed), and two CreatePartitions both added the partitions.
test('changes to one topic that start together take turns: each sees what the one before did', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new FullDiskFileSystem();
    const { cluster, logs } = await open(dir, fs);

    fs.full = true;
    const failed = await Promise.all([cluster.createTopic('t', 2, {}), cluster.createTopic('t', 2, {})]);
    assert.deepEqual(failed.map((r) => r.errorCode), [ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.KAFKA_STORAGE_ERROR], 'the second tries too, and fails the same way');
    fs.full = false;

    const existsWhenAnswered = (r: { errorCode: number }) => ({ errorCode: r.errorCode, exists: cluster.topic('t') !== undefined });
    const created = await Promise.all([cluster.createTopic('t', 2, {}).then(existsWhenAnswered), cluster.createTopic('t', 2, {}).then(existsWhenAnswered)]);
    assert.deepEqual(created, [
      { errorCode: ErrorCode.NONE, exists: true },
      { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, exists: true },
    ]);

    const grown = await Promise.all([cluster.createPartitions('t', 4, false), cluster.createPartitions('t', 4, false)]);
    assert.deepEqual(grown.map((r) => r.errorCode), [ErrorCode.NONE, ErrorCode.INVALID_PARTITIONS]);
    assert.equal(cluster.topic('t')?.partitions.length, 4);

    const deleted = await Promise.all([cluster.deleteTopic('t'), cluster.deleteTopic('t')]);
    assert.deepEqual(deleted.map((r) => r.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    await logs.close();
  } finally {
    cleanup();
  }
});
