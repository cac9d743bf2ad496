// `brook group list|describe|seek|delete` end to end: lag per partition, seek's dry run against
// --execute (as kafka-consumer-groups.sh --reset-offsets: clamped offsets, refusal while the
// group has members), and deleting groups.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { TestBroker } from './helpers/broker.js';
import { brook, brookJson, brookOk, startBrook } from './helpers/brook-cli.js';
import { waitFor } from './helpers/wait-for.js';

let broker: TestBroker;
let b: string[];

before(async () => {
  // No initial rebalance delay: each `consume -g` joins an empty group.
  broker = await TestBroker.start({ settings: { 'group.initial.rebalance.delay.ms': 0 } });
  b = ['-b', broker.bootstrap];
  await brookOk(['topic', 'create', 'events', '-p', '2', ...b]);
  await brookOk(['produce', 'events', '-p', '0', '-q', ...b], { input: 'a\nb\nc\nd\ne\nf\n' });
  await brookOk(['produce', 'events', '-p', '1', '-q', ...b], { input: 'g\nh\ni\nj\n' });
});
after(async () => {
  await broker.cleanup();
});

interface Described {
  group: string;
  state: string;
  members: { memberId: string; clientId: string; assignment: { topic: string; partitions: number[] }[] }[];
  offsets: { topic: string; partition: number; committedOffset: number | null; logEndOffset: number | null; lag: number | null }[];
  totalLag: number | null;
}
interface Plan {
  group: string;
  executed: boolean;
  partitions: { topic: string; partition: number; currentOffset: number | null; newOffset: number }[];
}

const committed = async (group: string): Promise<[number, number | null][]> =>
  (await brookJson<Described>(['group', 'describe', group, ...b])).offsets.map((o) => [o.partition, o.committedOffset]);

test('list and describe: state, committed offsets, log end offsets and lag per partition', async () => {
  await brookOk(['consume', 'events', '-g', 'readers', '-o', 'start', '-e', ...b]);
  await brookOk(['group', 'seek', 'readers', '--to', '4', '--topics', 'events:0', '--execute', ...b]);
  await brookOk(['group', 'seek', 'readers', '--to', '1', '--topics', 'events:1', '--execute', ...b]);

  const groups = await brookJson<{ group: string; state: string; protocolType: string }[]>(['group', 'list', ...b]);
  assert.deepEqual(groups.find((g) => g.group === 'readers'), { group: 'readers', state: 'Empty', type: 'classic', protocolType: 'consumer', coordinator: 0 });

  const d = await brookJson<Described>(['group', 'describe', 'readers', ...b]);
  assert.equal(d.state, 'Empty');
  assert.deepEqual(d.members, []);
  assert.deepEqual(d.offsets.map((o) => [o.topic, o.partition, o.committedOffset, o.logEndOffset, o.lag]), [['events', 0, 4, 6, 2], ['events', 1, 1, 4, 3]]);
  assert.equal(d.totalLag, 5);
  const table = await brookOk(['group', 'describe', 'readers', ...b]);
  assert.match(table, /^TOTAL-LAG: +5$/m);
  assert.match(table, /^events +0 +4 +6 +2 +- +- +-$/m);
});

test('seek shows the plan without changing anything unless --execute', async () => {
  await brookOk(['group', 'seek', 'planner', '--to', 'end', '--topics', 'events', '--execute', ...b]);
  assert.deepEqual(await committed('planner'), [[0, 6], [1, 4]]);

  const dry = await brook(['group', 'seek', 'planner', '--to', 'start', '--topics', 'events', ...b]);
  assert.equal(dry.code, 0);
  assert.match(dry.stdout, /^GROUP +TOPIC +PARTITION +CURRENT-OFFSET +NEW-OFFSET$/m);
  assert.match(dry.stdout, /^planner +events +0 +6 +0$/m);
  assert.match(dry.stderr, /Dry run: nothing changed/);
  assert.deepEqual(await committed('planner'), [[0, 6], [1, 4]], 'a dry run commits nothing');

  const plan = await brookJson<Plan>(['group', 'seek', 'planner', '--to', 'start', '--topics', 'events', '--execute', ...b]);
  assert.equal(plan.executed, true);
  assert.deepEqual(plan.partitions.map((p) => [p.partition, p.currentOffset, p.newOffset]), [[0, 6, 0], [1, 4, 0]]);
  assert.deepEqual(await committed('planner'), [[0, 0], [1, 0]]);
});

test('seek by shift, offset and time clamps to each partition as Kafka does', async () => {
  await brookOk(['group', 'seek', 'mover', '--to', '2', '--topics', 'events', '--execute', ...b]);
  await brookOk(['group', 'seek', 'mover', '--shift', '3', '--topics', 'events:0', '--execute', ...b]);
  assert.deepEqual(await committed('mover'), [[0, 5], [1, 2]]);

  const past = await brook(['group', 'seek', 'mover', '--shift', '10', '--all-topics', '--execute', ...b]);
  assert.equal(past.code, 0);
  assert.match(past.stderr, /new offset 15 is past the end of events\[0\]; using 6/);
  assert.deepEqual(await committed('mover'), [[0, 6], [1, 4]]);
  await brookOk(['group', 'seek', 'mover', '--shift', '-100', '--all-topics', '--execute', ...b]);
  assert.deepEqual(await committed('mover'), [[0, 0], [1, 0]]);

  // Every record is older than "now", so seeking to now moves to the end; an hour ago, the start.
  await brookOk(['group', 'seek', 'mover', '--to', `@${Date.now() + 1000}`, '--all-topics', '--execute', ...b]);
  assert.deepEqual(await committed('mover'), [[0, 6], [1, 4]]);
  await brookOk(['group', 'seek', 'mover', '--to', '1h', '--all-topics', '--execute', ...b]);
  assert.deepEqual(await committed('mover'), [[0, 0], [1, 0]]);

  for (const args of [['--topics', 'events'], ['--to', 'start'], ['--to', 'start', '--shift', '1', '--topics', 'events']]) {
    const r = await brook(['group', 'seek', 'mover', ...args, ...b]);
    assert.equal(r.code, 2, args.join(' '));
  }
});

test('seek and delete refuse a group with a live member; both work once it has left', async () => {
  const member = startBrook(['consume', 'events', '-g', 'live', '-o', 'start', ...b]);
  let output = '';
  member.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  try {
    // Until the member's JoinGroup arrives the group does not exist (describe exits 1).
    await waitFor('the member to join', async () => (await brookJson<Described>(['group', 'describe', 'live', ...b]).catch(() => undefined))?.state === 'Stable', 20_000);
    const d = await brookJson<Described>(['group', 'describe', 'live', ...b]);
    assert.equal(d.members.length, 1);
    assert.equal(d.members[0].clientId, 'brook-cli');
    assert.deepEqual(d.members[0].assignment, [{ topic: 'events', partitions: [0, 1] }]);

    const seek = await brook(['group', 'seek', 'live', '--to', 'start', '--topics', 'events', '--execute', ...b]);
    assert.equal(seek.code, 1);
    assert.equal(seek.stderr, "brook: NON_EMPTY_GROUP: offsets can only be reset if the group 'live' is inactive, but the current state is Stable; stop its consumers first (see them with brook group describe live)\n");
    const del = await brook(['group', 'delete', 'live', ...b]);
    assert.equal(del.code, 1);
    assert.match(del.stderr, /^brook: NON_EMPTY_GROUP: group 'live' still has members/);
  } finally {
    member.kill('SIGINT');
  }
  const [code] = (await once(member, 'exit')) as [number | null];
  assert.equal(code, 0, 'Ctrl-C ends a group member cleanly');
  assert.equal(output.split('\n').filter((l) => l !== '').length, 10, 'it read every record first');
  assert.deepEqual(await committed('live'), [[0, 6], [1, 4]], 'and committed its position on the way out');

  await brookOk(['group', 'seek', 'live', '--to', 'start', '--topics', 'events', '--execute', ...b]);
  const deleted = await brookJson<{ group: string; error: unknown }[]>(['group', 'delete', 'live', ...b]);
  assert.deepEqual(deleted, [{ group: 'live', error: null }]);
  const gone = await brook(['group', 'describe', 'live', ...b]);
  assert.equal(gone.code, 1);
  assert.equal(gone.stderr, "brook: GROUP_ID_NOT_FOUND: group 'live' does not exist; list groups with brook group list\n");
});
