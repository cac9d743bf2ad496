// A real full disk: the test mounts a small tmpfs (which needs root and a kernel that allows it;
// elsewhere the test is skipped and says why: test/disk-full.test.ts covers the same paths with
// ENOSPC injected through the FileSystem seam). Producers fill it until writes fail: kafkajs and
// kcat get KAFKA_STORAGE_ERROR, never a hang or a dropped broker; every acknowledged record
// reads back intact; once space is freed, produce works again at the next offset without a
// restart (a refused write was undone, so the directory stayed online), and after a restart too.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import kafkajs from 'kafkajs';
import { TestBroker } from './helpers/broker.js';
import { kcatConsume, kcatProduce } from './helpers/kcat.js';
import { kafkaErrorNames } from './helpers/client-errors.js';
import { assertContiguous } from './helpers/records.js';

const { Kafka, logLevel } = kafkajs;

const mountPoint = mkdtempSync(join(tmpdir(), 'brook-tmpfs-'));
let skip: string | undefined;

before(() => {
  if (process.getuid?.() !== 0) {
    skip = 'mounting a tmpfs needs root';
    return;
  }
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (err) {
    skip = `cannot mount a tmpfs here (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`;
  }
});
after(() => {
  if (!skip) execFileSync('umount', [mountPoint], { stdio: 'pipe' });
  rmSync(mountPoint, { recursive: true, force: true });
});

const free = (): number => {
  const s = statfsSync(mountPoint);
  return s.bavail * s.bsize;
};

test('a full tmpfs: KAFKA_STORAGE_ERROR for producers, nothing acknowledged lost, produce resumes once space is freed', async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const dataDir = join(mountPoint, 'data');
  const broker = await TestBroker.start({ dataDir, settings: { 'num.partitions': 1, 'log.segment.bytes': 1024 * 1024 } });
  try {
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'tmpfs', logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'full' }] });
    await admin.disconnect();
    // Leave a little more than one segment's worth of space: a roll happens while filling.
    writeFileSync(join(mountPoint, 'filler'), Buffer.alloc(Math.max(0, free() - 1_400_000)));

    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    const acked: string[] = [];
    let refusal: unknown;
    for (let i = 0; i < 500 && refusal === undefined; i++) {
      const value = `${i}:${'x'.repeat(20_000)}`;
      try {
        await producer.send({ topic: 'full', acks: -1, messages: [{ value }] });
        acked.push(value);
      } catch (err) {
        refusal = err;
      }
    }
    assert.ok(refusal, 'the disk filled up');
    assert.ok(kafkaErrorNames(refusal).includes('KAFKA_STORAGE_ERROR'), String(refusal));
    assert.ok(acked.length > 30, `${acked.length} acknowledged before the disk was full`);

    // kcat (librdkafka) is refused the same way.
    const kcat = await kcatProduce(broker.bootstrap, 'full', [{ value: 'y'.repeat(50_000) }], { partition: 0, props: { 'message.send.max.retries': 0, 'message.timeout.ms': 10_000 } });
    assert.notEqual(kcat.code, 0);
    assert.match(kcat.stderr, /Broker: Disk error when trying to access log file on disk/);

    // The broker still serves: everything acknowledged reads back, in order, intact.
    const read = await kcatConsume(broker.bootstrap, 'full', { partition: 0, offset: 'beginning' });
    assertContiguous(read.map((r) => r.offset), 0, 'full');
    assert.deepEqual(read.map((r) => r.value?.toString()), acked);
    assert.deepEqual(readdirSync(dataDir).filter((f) => f.endsWith('.tmp')), []);

    // Space again: the next produce succeeds, at the next offset.
    rmSync(join(mountPoint, 'filler'));
    const [resumed] = await producer.send({ topic: 'full', acks: -1, messages: [{ value: 'after' }] });
    assert.equal(Number(resumed.baseOffset), acked.length);
    await producer.disconnect();

    await broker.restart();
    const again = await kcatConsume(broker.bootstrap, 'full', { partition: 0, offset: 'beginning' });
    assert.deepEqual(again.map((r) => r.value?.toString()), [...acked, 'after']);
    assert.equal(broker.errors().filter((l) => !/^append to full-0 failed/.test(l.msg)).length, 0, JSON.stringify(broker.errors().map((l) => l.msg)));
  } finally {
    await broker.cleanup();
  }
});
