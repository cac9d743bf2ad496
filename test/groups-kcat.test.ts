// librdkafka's balanced consumer (kcat -G, classic protocol) against Brook: two processes in one
// group split a 4-partition topic, read every message exactly once between them, and commit
// what they read when they close.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { TestBroker } from './helpers/broker.js';
import { KCAT, assertKcatOk, kcatProduce, parseKcatOutput } from './helpers/kcat.js';
import { waitFor } from './helpers/wait-for.js';

const FORMAT = '%p %o %T %K %S %h\\n%k%s\\n';

/** A kcat -G process whose output is parsed as it arrives; stop() closes it cleanly (SIGTERM). */
class KcatMember {
  private readonly chunks: Buffer[] = [];
  private stderr = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(bootstrap: string, group: string, topic: string) {
    this.child = spawn(KCAT, [
      '-b', bootstrap, '-G', group, topic, '-q', '-u', '-f', FORMAT,
      '-X', 'auto.offset.reset=earliest',
      '-X', 'session.timeout.ms=3000',
      '-X', 'heartbeat.interval.ms=250',
      '-X', 'fetch.wait.max.ms=100',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (d: Buffer) => this.chunks.push(d));
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString('utf8');
    });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  /** Records read so far; only whole records (a chunk may end mid-record). */
  records() {
    const all = Buffer.concat(this.chunks);
    try {
      return parseKcatOutput(all);
    } catch {
      return [];
    }
  }

  get log(): string {
    return this.stderr;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

let tb: TestBroker;
const running: KcatMember[] = [];

before(async () => {
  tb = await TestBroker.start({ settings: { 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 } });
});

after(async () => {
  await Promise.all(running.map((m) => m.stop()));
  await tb.cleanup();
});

test('two kcat -G processes split a topic and together read each message exactly once', async () => {
  const created = await tb.broker.cluster.createTopic('kcat-split', 4, {});
  assert.equal(created.errorCode, 0);
  const groups = tb.broker.context.groups;
  const assignedCounts = () => {
    const [g] = groups.inspectGroups({ groupId: 'kcat-group' });
    return g === undefined || g.state !== 'Stable' ? [] : g.members.map((m) => (m.assignment ?? []).reduce((n, a) => n + a.partitions.length, 0));
  };

  running.push(new KcatMember(tb.bootstrap, 'kcat-group', 'kcat-split'), new KcatMember(tb.bootstrap, 'kcat-group', 'kcat-split'));
  const [a, b] = running;
  await waitFor('two members with two partitions each', () => {
    const counts = assignedCounts();
    return counts.length === 2 && counts.every((n) => n === 2);
  }, 30_000, () => ({ counts: assignedCounts(), a: a.log, b: b.log }));

  const sent: string[] = [];
  for (let p = 0; p < 4; p++) {
    const values = Array.from({ length: 25 }, (_, i) => `p${p}-${i}`);
    assertKcatOk(await kcatProduce(tb.bootstrap, 'kcat-split', values.map((value) => ({ value })), { partition: p }), `produce p${p}`);
    sent.push(...values);
  }
  await waitFor('100 messages read', () => a.records().length + b.records().length >= 100, 30_000, () => [a.records().length, b.records().length]);

  const ra = a.records();
  const rb = b.records();
  const read = [...ra, ...rb].map((r) => r.value?.toString('utf8') ?? '').sort();
  assert.deepEqual(read, [...sent].sort(), 'each message read exactly once');
  const pa = new Set(ra.map((r) => r.partition));
  const pb = new Set(rb.map((r) => r.partition));
  assert.equal(pa.size, 2);
  assert.equal(pb.size, 2);
  assert.ok([...pa].every((p) => !pb.has(p)), 'disjoint partitions');

  // A clean close commits what was read and leaves the group.
  await Promise.all(running.splice(0).map((m) => m.stop()));
  const [fetched] = groups.fetchOffsets([{ groupId: 'kcat-group', topics: [{ name: 'kcat-split', partitionIndexes: [0, 1, 2, 3] }], memberId: null, memberEpoch: -1 }]);
  assert.deepEqual(fetched.topics[0].partitions.map((p) => p.committedOffset), [25, 25, 25, 25]);
  assert.equal(groups.describeGroups(['kcat-group'])[0].groupState, 'Empty');
});
