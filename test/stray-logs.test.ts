// A lost brook-topics.json used to make the next start delete every partition folder as the log
// of a vanished topic. Now such logs are strays, as in Kafka: set aside (renamed
// `<name>.<id>-stray`), never deleted, with a warning per log and one error line; restoring the
// topics file and renaming the folders back brings the topics and their records back.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { TestBroker } from './helpers/broker.js';
import { kcatConsume, kcatProduce, assertKcatOk } from './helpers/kcat.js';

const { Kafka, logLevel } = kafkajs;

test('a lost topics file: the logs are kept as strays and said so; restoring the file brings them back', async () => {
  const broker = await TestBroker.start({ settings: { 'num.partitions': 2 } });
  try {
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'strays', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'ledger', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '-1' }] }] });
    await admin.disconnect();
    for (const p of [0, 1]) assertKcatOk(await kcatProduce(broker.bootstrap, 'ledger', [{ value: `p${p}-a` }, { value: `p${p}-b` }], { partition: p }), 'produce');
    await broker.stop();
    const topicsFile = join(broker.dataDir, 'brook-topics.json');
    const backup = readFileSync(topicsFile);
    rmSync(topicsFile);

    await broker.startAgain();
    const listed = kafka.admin();
    await listed.connect();
    assert.ok(!(await listed.listTopics()).includes('ledger'));
    await listed.disconnect();
    const strays = readdirSync(broker.dataDir).filter((n) => n.endsWith('-stray')).sort();
    assert.equal(strays.length, 2);
    assert.match(strays[0], /^ledger-0\.[0-9a-f]{32}-stray$/);
    const warnings = broker.logs.filter((l) => l.level === 40 && /lists no topic ledger/.test(l.msg));
    assert.equal(warnings.length, 2);
    const errors = broker.errors();
    assert.equal(errors.length, 1);
    assert.match(errors[0].msg, /^brook-topics\.json is missing from .* but 2 partition log\(s\) with records were found: they were set aside as stray logs/);
    await broker.stop();

    // The way back: the topics file from a backup and the folders renamed.
    writeFileSync(topicsFile, backup);
    for (const name of strays) renameSync(join(broker.dataDir, name), join(broker.dataDir, name.replace(/\.[0-9a-f]{32}-stray$/, '')));
    await broker.startAgain();
    for (const p of [0, 1]) {
      const records = await kcatConsume(broker.bootstrap, 'ledger', { partition: p, offset: 'beginning' });
      assert.deepEqual(records.map((r) => r.value?.toString()), [`p${p}-a`, `p${p}-b`]);
    }
  } finally {
    await broker.cleanup();
  }
});
