import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
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
  const logs = await LogManager.open(dir, { fs, defaultConfig: configs.defaultLogConfig });
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

test('a log whose topic is gone is deleted at open, with a warning naming it', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const fs = new FullDiskFileSystem();
    const first = await open(dir, fs);
    // A crash after creating a topic's folders and before recording it leaves such a log.
    (await first.logs.getOrCreateLog('orphan', 0, first.configs.defaultLogConfig)).append(batch(4));
    await first.logs.close();

    const warnings: string[] = [];
    const { logs } = await open(dir, fs, { info: () => undefined, warn: (_, m) => warnings.push(m) });
    assert.deepEqual(warnings, ['orphan-0: deleting the log of a topic that does not exist (4 records)']);
    assert.ok(!readdirSync(dir).includes('orphan-0'));
    await logs.close();
  } finally {
    cleanup();
  }
});
