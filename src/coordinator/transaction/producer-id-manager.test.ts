import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestFileSystem, tempDir } from '../../storage/test-fixtures.js';
import { PRODUCER_ID_FILE, ProducerIdManager } from './producer-id-manager.js';

test('ids come in blocks recorded before use: a restart, even after a crash, never reuses one', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, PRODUCER_ID_FILE);
    const fs = new TestFileSystem();
    const first = new ProducerIdManager(path, fs, 10);
    // Concurrent callers share the one write of the first block.
    const ids = await Promise.all(Array.from({ length: 4 }, () => first.generateProducerId()));
    assert.deepEqual(ids, [0, 1, 2, 3]);
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { version: 1, nextBlockStart: 10 });
    assert.equal(fs.fsyncs >= 1, true, 'the block is fsynced before ids are handed out');
    for (let i = 4; i < 12; i++) assert.equal(await first.generateProducerId(), i);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).nextBlockStart, 20, 'the next block was recorded before id 10');

    // A new manager on the same file (a restart; the old one "crashed" mid-block) starts after it.
    const second = new ProducerIdManager(path, fs, 10);
    assert.equal(await second.generateProducerId(), 20);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).nextBlockStart, 30);
  } finally {
    cleanup();
  }
});

test('a damaged block file is an error, never a guess that could reuse ids', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, PRODUCER_ID_FILE);
    writeFileSync(path, '{"version":1,"nextBlockStart":"x"}');
    await assert.rejects(new ProducerIdManager(path).generateProducerId(), /does not hold a producer id block/);
    writeFileSync(path, 'garbage');
    await assert.rejects(new ProducerIdManager(path).generateProducerId());
  } finally {
    cleanup();
  }
});
