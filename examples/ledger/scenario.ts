// Event-sourced ledger: accounts and transfers are events in ledger-events; balances are a view
// computed by consuming them. Claims checked:
//   1. the view matches an independent computation, and replaying ledger-events from offset 0
//      in a new group rebuilds identical balances (replay rate reported);
//   2. a transfer processor killed mid-stream never double-applies a transfer: with
//      transactions (features.ts) the log itself holds each transfer once under read_committed;
//      at-least-once, the view dedupes the re-written batch;
//   3. a new view starts from a snapshot topic instead of the whole history and reaches the same
//      balances; with compaction the snapshot topic keeps only the latest state.
import type { ExampleContext, ExampleDefinition } from '../shared/example.js';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { waitUntil } from '../shared/wait.js';
import { sameBalances } from './balances.js';
import { BalancesView } from './balances-view.js';
import { BALANCE_SNAPSHOTS, LEDGER_EVENTS, TRANSFER_REQUESTS, type LedgerEvent, type TransferRequested } from './events.js';
import { ledgerFeatures } from './features.js';
import { loadSnapshot, rewritePosition, writeSnapshot } from './snapshots.js';
import { TransferProcessor } from './transfer-processor.js';

interface Size {
  partitions: number;
  accounts: number;
  transfers: number;
}

const SHORT: Size = { partitions: 4, accounts: 20, transfers: 2_000 };
const LARGE: Size = { partitions: 8, accounts: 10_000, transfers: 500_000 };
const DEPOSIT = 100_000;

async function run({ cluster, claims, scale }: ExampleContext): Promise<void> {
  const size = scale ? LARGE : SHORT;
  const features = ledgerFeatures();
  await cluster.createTopics([
    { name: TRANSFER_REQUESTS, partitions: size.partitions },
    { name: LEDGER_EVENTS, partitions: size.partitions },
    {
      name: BALANCE_SNAPSHOTS,
      partitions: 1,
      // Compaction settings that let the cleaner act within the example's run: small segments,
      // rolled quickly, cleaned as soon as anything is superseded.
      configs: { 'cleanup.policy': 'compact', 'segment.ms': '500', 'min.cleanable.dirty.ratio': '0.01', 'delete.retention.ms': '0' },
    },
  ]);
  const producer = new Producer<string, string, string, string>({ clientId: 'ledger-clients', bootstrapBrokers: cluster.bootstrap, serializers: stringSerializers });
  const expected = new Map<string, number>();
  const accounts = Array.from({ length: size.accounts }, (_, i) => `acct-${i}`);
  let requested = 0;
  const requestTransfers = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i += 1000) {
      const batch: TransferRequested[] = [];
      for (let j = i; j < Math.min(count, i + 1000); j++) {
        const n = requested++;
        const from = accounts[(n * 7) % size.accounts];
        const to = accounts[(n * 13 + 1) % size.accounts];
        // Every 50th request is invalid (amount 0) and will be rejected.
        const amount = n % 50 === 0 ? 0 : 1 + (n % 997);
        batch.push({ transferId: `t-${n}`, from, to, amount });
        if (amount > 0 && from !== to) {
          expected.set(from, (expected.get(from) ?? 0) - amount);
          expected.set(to, (expected.get(to) ?? 0) + amount);
        }
      }
      // Keyed by the source account: one account's requests are decided in order.
      await producer.send({ messages: batch.map((t) => ({ topic: cluster.topic(TRANSFER_REQUESTS), key: t.from, value: JSON.stringify(t) })), acks: -1 });
    }
  };
  const views: BalancesView[] = [];
  const startView = async (name: string, from: Parameters<BalancesView['start']>[0]): Promise<BalancesView> => {
    const v = new BalancesView(cluster, name);
    await v.start(from);
    views.push(v);
    return v;
  };
  const processors: TransferProcessor[] = [];
  /**
   * Waits until every request is decided and committed, and the view has read every outcome the
   * processors made visible: all they wrote (at-least-once, duplicates included) or all they
   * committed (read_committed).
   */
  const settle = async (view: BalancesView): Promise<void> => {
    await waitUntil('the processor committed every request', () => processors.reduce((n, p) => n + p.processed, 0) === requested, 300_000);
    const visible = size.accounts + processors.reduce((n, p) => n + (features.transactions ? p.processed : p.written), 0);
    await waitUntil(`${view.groupName} read every ledger event`, () => view.state.events === visible, 300_000, () => [view.state.events, visible]);
  };
  try {
    // Accounts open with a deposit (the account service's events).
    const opened: LedgerEvent[] = accounts.map((accountId) => ({ type: 'AccountOpened', accountId, deposit: DEPOSIT }));
    for (const a of accounts) expected.set(a, DEPOSIT);
    for (let i = 0; i < opened.length; i += 5000) {
      await producer.send({ messages: opened.slice(i, i + 5000).map((e) => ({ topic: cluster.topic(LEDGER_EVENTS), key: (e as { accountId: string }).accountId, value: JSON.stringify(e) })), acks: -1 });
    }
    const live = await startView('balances-live', { readCommitted: features.transactions });

    // 2. A processor killed mid-stream.
    const half = Math.floor(size.transfers / 2);
    claims.step(`${half.toLocaleString('en-US')} transfer requests; the processor (${features.transactions ? 'exactly-once' : 'at-least-once'}) dies after its 2nd batch, before committing`);
    await requestTransfers(half);
    const doomed = await TransferProcessor.start(cluster, { exactlyOnce: features.transactions, crashAfterBatches: 2 });
    processors.push(doomed);
    await doomed.finished;
    claims.check('the processor died between writing its outputs and committing its input', doomed.crashed);
    const processor = await TransferProcessor.start(cluster, { exactlyOnce: features.transactions });
    processors.push(processor);
    await settle(live);
    claims.check('no transfer was applied twice: the view matches an independent computation', sameBalances(live.state.balance, expected), `${live.state.balance.size} accounts`);
    if (features.transactions) {
      claims.check('with exactly-once processing, the killed processor left no transfer twice in the log', live.state.duplicates === 0, `${live.state.duplicates} duplicates read (read_committed)`);
    } else {
      claims.check('at-least-once: the batch in flight was written again after the restart, and the view absorbed it', live.state.duplicates > 0, `${live.state.duplicates} duplicate events deduped by transfer id`);
      claims.pending('with exactly-once processing a processor killed mid-stream never writes a transfer twice', 'transactions and read_committed in Brook (issue 7)');
    }

    // 3. Snapshots, then more history.
    await writeSnapshot(cluster, live);
    claims.step(`snapshot written; ${(size.transfers - half).toLocaleString('en-US')} more transfers`);
    await requestTransfers(size.transfers - half - 100);
    await settle(live);
    await writeSnapshot(cluster, live);
    await requestTransfers(100);
    await settle(live);

    // 1. Replay from offset 0.
    claims.step('a new group replays ledger-events from offset 0');
    const replayStarted = performance.now();
    const replay = await startView('balances-replay', { readCommitted: features.transactions });
    await settle(replay);
    const replayMs = performance.now() - replayStarted;
    claims.check('replaying from offset 0 rebuilt identical balances', sameBalances(replay.state.balance, live.state.balance) && sameBalances(replay.state.balance, expected), `${replay.state.events.toLocaleString('en-US')} events`);
    claims.figure('ledger replay rate (join + read + fold)', replay.state.events / (replayMs / 1000), 'events/s');

    // 3. A view from the snapshot.
    const snapshot = await loadSnapshot(cluster, 'snapshot-loader-1');
    if (!snapshot) throw new Error('no complete snapshot in balance-snapshots');
    const fromSnapshot = await startView('balances-from-snapshot', { snapshot, readCommitted: features.transactions });
    const endEvents = live.state.events;
    await waitUntil('the snapshot view caught up', () => [...live.position].every(([p, o]) => fromSnapshot.position.get(p) === o), 300_000);
    claims.check(
      'a new view started from the latest snapshot reaches the same balances',
      sameBalances(fromSnapshot.state.balance, live.state.balance),
      `read ${snapshot.recordsRead.toLocaleString('en-US')} snapshot records and ${fromSnapshot.state.events.toLocaleString('en-US')} events instead of ${endEvents.toLocaleString('en-US')} events`,
    );
    const written = 2 * (size.accounts + 1);
    if (features.compaction) {
      // The latest snapshot sits in the active segment, which is never cleaned: a write past
      // segment.ms (500 ms) rolls it, and the cleaner then drops the snapshot it superseded.
      await new Promise((res) => setTimeout(res, 600));
      await rewritePosition(cluster, snapshot);
      let read = snapshot.recordsRead;
      await waitUntil('the cleaner compacted balance-snapshots', async () => {
        read = (await loadSnapshot(cluster, `snapshot-loader-${Date.now()}`))?.recordsRead ?? written;
        return read < written;
      }, 120_000);
      claims.check('the compacted snapshot topic dropped superseded balances', read < written, `${read} records left of ${written} written`);
    } else {
      claims.pending('the compacted snapshot topic keeps only the latest balance per account', 'log compaction in Brook (issue 8)');
    }
  } finally {
    for (const p of processors) await p.stop();
    for (const v of views) await v.stop();
    await producer.close();
  }
}

export const ledger: ExampleDefinition = {
  name: 'ledger',
  title: 'Event-sourced ledger: balances are a view, rebuilt by replay',
  run,
};
