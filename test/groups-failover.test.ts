// Failover in a classic consumer group with real kafkajs members: one member runs in a child
// process (test/fixtures/group-member-kafkajs.ts), the survivor in this process, while records
// keep arriving. A member killed with SIGKILL sends nothing, so only its session timeout tells
// the coordinator; a member that disconnects sends LeaveGroup and its partitions move at once.
// Both members commit synchronously after each batch, so the only records a dead member can
// cause to be re-delivered are those after its last commit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Producer } from 'kafkajs';
import type { Broker } from '../src/index.js';
import { startKafkajsMember, type KafkajsMemberConfig, type MemberEvent } from './fixtures/group-member-kafkajs.js';
import { startGroupBroker, type GroupBroker } from './helpers/group-broker.js';
import { waitFor } from './helpers/wait-for.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/group-member-kafkajs.js', import.meta.url));
const PARTITIONS = 4;
const HEARTBEAT_MS = 500;

type Timed<E> = E & { at: number };
type Recorded = Timed<MemberEvent>;

/** A member's event stream, from a child's stdout or an in-process member. */
class EventLog {
  readonly events: Recorded[] = [];
  push(e: MemberEvent): void {
    this.events.push({ ...e, at: Date.now() });
  }
  messages(): Timed<Extract<MemberEvent, { event: 'message' }>>[] {
    return this.events.filter((e): e is Timed<Extract<MemberEvent, { event: 'message' }>> => e.event === 'message');
  }
  joins(): Timed<Extract<MemberEvent, { event: 'joined' }>>[] {
    return this.events.filter((e): e is Timed<Extract<MemberEvent, { event: 'joined' }>> => e.event === 'joined');
  }
  lastJoin(): Timed<Extract<MemberEvent, { event: 'joined' }>> | undefined {
    return this.joins().at(-1);
  }
  /** Last acknowledged commit per partition. */
  commits(): Map<number, number> {
    const out = new Map<number, number>();
    for (const e of this.events) if (e.event === 'commit') out.set(e.partition, e.offset);
    return out;
  }
  errors(): string[] {
    return this.events.flatMap((e) => (e.event === 'error' ? [e.message] : []));
  }
}

class ChildMember {
  readonly log = new EventLog();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';
  private readonly child: ChildProcess;

  constructor(cfg: KafkajsMemberConfig) {
    this.child = spawn(process.execPath, [FIXTURE, JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString('utf8');
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      if (line.startsWith('{')) this.log.push(JSON.parse(line) as MemberEvent);
    });
  }
  leave(): void {
    this.child.stdin?.write('leave\n');
  }
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** Sends one record to every partition every 20 ms until stopped; values are unique. */
class SteadyProducer {
  readonly sent = new Map<number, string[]>();
  private running = true;
  private readonly done: Promise<void>;

  constructor(private readonly producer: Producer, topic: string) {
    for (let p = 0; p < PARTITIONS; p++) this.sent.set(p, []);
    this.done = (async () => {
      for (let round = 0; this.running; round++) {
        const messages = Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, value: `${topic}-p${p}-${round}` }));
        await this.producer.send({ topic, acks: -1, messages });
        for (const m of messages) this.sent.get(m.partition)!.push(m.value);
        await sleep(20);
      }
    })();
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
  /** The log end offset of each partition: every record was acked in order from offset 0. */
  endOffsets(): Map<number, number> {
    return new Map([...this.sent].map(([p, values]) => [p, values.length]));
  }
  count(): number {
    return [...this.sent.values()].reduce((n, v) => n + v.length, 0);
  }
}

let group: GroupBroker;
let broker: Broker;
let producer: Producer;
/** Members still running when a test fails; `after` stops them so the file can exit. */
const leftovers: (() => Promise<void> | void)[] = [];

before(async () => {
  group = await startGroupBroker('failover-test', { failover: PARTITIONS, leave: PARTITIONS });
  broker = group.broker;
  producer = group.kafka.producer();
  await producer.connect();
});

after(async () => {
  for (const stop of leftovers) await Promise.resolve(stop()).catch(() => undefined);
  await producer.disconnect();
  await group.stop();
});

function assignedPartitions(groupId: string, clientId: string): number[] {
  const m = broker.groups(groupId)[0]?.members.find((x) => x.clientId === clientId);
  return (m?.assignment ?? []).flatMap((a) => a.partitions).sort((a, b) => a - b);
}

function committedOffsets(groupId: string): Map<number, number> {
  return new Map((broker.groups(groupId)[0]?.offsets ?? []).map((o) => [o.partition, o.committedOffset]));
}

/**
 * Starts the child member alone (it takes every partition), then the in-process survivor, and
 * waits for a Stable two-member group in which each client's own view matches the coordinator's.
 */
async function twoMembers(groupId: string, topic: string, childSessionMs: number, processingDelayMs = 0): Promise<{ child: ChildMember; survivor: EventLog; leaveSurvivor: () => Promise<void> }> {
  const base = { bootstrap: broker.bootstrap, groupId, topic, heartbeatIntervalMs: HEARTBEAT_MS };
  const child = new ChildMember({ ...base, clientId: 'member-a', sessionTimeoutMs: childSessionMs, processingDelayMs });
  leftovers.push(() => child.kill());
  await waitFor('the child member to own every partition', () => child.log.lastJoin()?.partitions.length === PARTITIONS, 15_000, () => child.stderr);
  const survivor = new EventLog();
  const running = await startKafkajsMember({ ...base, clientId: 'member-b', sessionTimeoutMs: 10_000 }, (e) => survivor.push(e));
  leftovers.push(() => running.leave());
  await waitFor(
    'a stable group of two with two partitions each',
    () => {
      const g = broker.groups(groupId)[0];
      if (g?.state !== 'Stable' || g.members.length !== 2) return false;
      const a = assignedPartitions(groupId, 'member-a');
      const b = assignedPartitions(groupId, 'member-b');
      return a.length === 2 && b.length === 2 && sameList(child.log.lastJoin()?.partitions, a) && sameList(survivor.lastJoin()?.partitions, b);
    },
    15_000,
    () => broker.groups(groupId),
  );
  return { child, survivor, leaveSurvivor: () => running.leave() };
}

function sameList(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Waits until the survivor has read and committed every partition up to its end offset. */
async function drained(survivor: EventLog, ends: Map<number, number>): Promise<void> {
  await waitFor(
    'the survivor to read and commit every partition to its end',
    () => {
      const commits = survivor.commits();
      return [...ends].every(([p, end]) => commits.get(p) === end);
    },
    15_000,
  );
}

test('a member killed with SIGKILL: the survivor takes over after the session timeout, from the last commit', async (t) => {
  const SESSION_MS = 3000;
  const groupId = 'failover-group';
  // The child spends 300 ms on each batch before committing it, so it can die holding records
  // it has read but not committed.
  const { child, survivor, leaveSurvivor } = await twoMembers(groupId, 'failover', SESSION_MS, 300);
  const deadPartitions = assignedPartitions(groupId, 'member-a');
  const generationBefore = broker.groups(groupId)[0].generationId;

  const steady = new SteadyProducer(producer, 'failover');
  // Let the doomed member commit on both of its partitions first, then kill it in the middle of
  // a batch: read, not yet committed.
  await waitFor('the child to commit on both partitions', () => {
    const commits = child.log.commits();
    return deadPartitions.every((p) => (commits.get(p) ?? 0) >= 10);
  });
  await waitFor('the child to be inside a batch', () => child.log.events.at(-1)?.event === 'message');
  child.kill();
  const killedAt = Date.now();
  const exit = await child.exited;
  assert.equal(exit.signal, 'SIGKILL');

  // Whatever the child sent before dying has reached the broker by now; nobody else owns its
  // partitions until the session expires, so these are its last commits.
  await sleep(500);
  assert.equal(broker.groups(groupId)[0].members.length, 2, 'a dead member stays until its session expires (Kafka has no disconnect detection)');
  const deadCommits = committedOffsets(groupId);
  const reported = child.log.commits();
  for (const p of deadPartitions) {
    const committed = deadCommits.get(p) ?? 0;
    // The report is printed after the broker's answer, so it can only lag the broker.
    assert.ok(committed >= (reported.get(p) ?? 0), `partition ${p}: broker has ${committed}, child reported ${reported.get(p)}`);
    const readByChild = child.log.messages().filter((m) => m.partition === p);
    assert.ok(committed <= (readByChild.at(-1)?.offset ?? -1) + 1, `partition ${p}: committed ${committed} beyond what the child read`);
  }

  await waitFor('the survivor to own every partition', () => survivor.lastJoin()?.partitions.length === PARTITIONS, SESSION_MS + 10_000);
  const takeover = survivor.lastJoin()!;
  const takeoverMs = takeover.at - killedAt;
  assert.ok(takeoverMs >= SESSION_MS - 1500, `takeover after ${takeoverMs} ms: before the session of ${SESSION_MS} ms could expire`);
  // Generous on purpose: this checks that expiry (not luck) moved the partitions, not speed;
  // the failover time is measured by `npm run bench`.
  assert.ok(takeoverMs <= SESSION_MS + 15000, `takeover after ${takeoverMs} ms: far more than the session timeout plus a rebalance`);
  const afterTakeover = broker.groups(groupId)[0];
  assert.equal(afterTakeover.members.length, 1);
  assert.ok(afterTakeover.generationId > generationBefore, 'a new generation');
  assert.deepEqual(assignedPartitions(groupId, 'member-b'), [0, 1, 2, 3]);

  await sleep(500);
  await steady.stop();
  const ends = steady.endOffsets();
  await drained(survivor, ends);

  const childRead = child.log.messages();
  const survivorRead = survivor.messages();
  // Nothing skipped: every produced record was read by someone.
  const read = new Set([...childRead, ...survivorRead].map((m) => m.value));
  for (const values of steady.sent.values()) for (const v of values) assert.ok(read.has(v), `${v} was never consumed`);

  let redelivered = 0;
  for (const p of deadPartitions) {
    const committed = deadCommits.get(p) ?? 0;
    const firstAfter = survivorRead.find((m) => m.partition === p && m.at >= takeover.at);
    assert.equal(firstAfter?.offset, committed, `partition ${p}: the survivor resumes at the dead member's last commit`);
    // Re-delivered: exactly the records the child read after its last commit, each once more.
    const childAfterCommit = childRead.filter((m) => m.partition === p && m.offset >= committed).map((m) => m.offset);
    const survivorOffsets = survivorRead.filter((m) => m.partition === p).map((m) => m.offset);
    const twice = survivorOffsets.filter((o) => childRead.some((m) => m.partition === p && m.offset === o));
    assert.deepEqual(twice, childAfterCommit, `partition ${p}: re-delivered offsets`);
    redelivered += twice.length;
    assert.equal(new Set(survivorOffsets).size, survivorOffsets.length, `partition ${p}: the survivor read nothing twice itself`);
  }
  // The survivor's own partitions were never read by the child after the split.
  const committedAll = committedOffsets(groupId);
  for (const [p, end] of ends) assert.equal(committedAll.get(p), end, `partition ${p}: everything committed`);
  assert.equal(read.size, steady.count());
  assert.ok(redelivered > 0, 'the child died holding uncommitted records');
  t.diagnostic(`takeover ${takeoverMs} ms after SIGKILL; ${steady.count()} records, ${redelivered} re-delivered`);
  assert.deepEqual(child.log.errors(), []);
  assert.deepEqual(survivor.errors(), []);
  await leaveSurvivor();
});

test('a member that disconnects cleanly triggers an immediate rebalance, long before its session timeout', async (t) => {
  const SESSION_MS = 20_000;
  const groupId = 'leave-group';
  const { child, survivor, leaveSurvivor } = await twoMembers(groupId, 'leave', SESSION_MS);
  const leaving = assignedPartitions(groupId, 'member-a');
  const generationBefore = broker.groups(groupId)[0].generationId;

  const steady = new SteadyProducer(producer, 'leave');
  await waitFor('the child to commit on both partitions', () => {
    const commits = child.log.commits();
    return leaving.every((p) => (commits.get(p) ?? 0) >= 10);
  });
  child.leave();
  const leftAt = Date.now();
  const exit = await child.exited;
  assert.equal(exit.code, 0, child.stderr);
  assert.ok(child.log.events.some((e) => e.event === 'left'));

  await waitFor('the survivor to own every partition', () => survivor.lastJoin()?.partitions.length === PARTITIONS, SESSION_MS);
  const takeover = survivor.lastJoin()!;
  const takeoverMs = takeover.at - leftAt;
  // Half the session timeout: enough to prove the leave (not expiry) moved the partitions.
  assert.ok(takeoverMs < SESSION_MS / 2, `takeover after ${takeoverMs} ms with a session timeout of ${SESSION_MS} ms`);
  const g = broker.groups(groupId)[0];
  assert.equal(g.members.length, 1);
  assert.equal(g.members[0].clientId, 'member-b');
  assert.ok(g.generationId > generationBefore);

  await sleep(300);
  await steady.stop();
  const ends = steady.endOffsets();
  await drained(survivor, ends);

  // A clean leave commits what it processed: the survivor continues exactly there.
  const lastCommits = child.log.commits();
  const childRead = child.log.messages();
  const survivorRead = survivor.messages();
  for (const p of leaving) {
    const readByChild = childRead.filter((m) => m.partition === p);
    assert.equal(lastCommits.get(p), (readByChild.at(-1)?.offset ?? -1) + 1, `partition ${p}: the leaver committed all it read`);
    const firstAfter = survivorRead.find((m) => m.partition === p && m.at >= takeover.at);
    assert.equal(firstAfter?.offset, lastCommits.get(p), `partition ${p}: the survivor resumes at the leaver's commit`);
  }
  const all = [...childRead, ...survivorRead].map((m) => m.value);
  assert.equal(new Set(all).size, all.length, 'no record read twice');
  assert.equal(all.length, steady.count(), 'every record read once');
  t.diagnostic(`takeover ${takeoverMs} ms after the leave; ${steady.count()} records`);
  assert.deepEqual(child.log.errors(), []);
  assert.deepEqual(survivor.errors(), []);
  await leaveSurvivor();
});
