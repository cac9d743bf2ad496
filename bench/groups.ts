// Section "groups": classic consumer-group coordination. (a) failover after a member dies,
// (b) 50 members joining at once, with group.initial.rebalance.delay.ms 0 and the default 3000,
// (c) offset commits per second, 1 and 100 partitions per request. A part whose APIs the broker
// does not advertise is skipped ("not implemented").
import { withBroker, type BrokerProcess } from './broker-process.js';
import { ApiKey, BenchClient } from './bench-client.js';
import { groupCommits } from './group-commits.js';
import { groupFailover } from './group-failover.js';
import { groupJoin } from './group-join.js';
import type { Report } from './report.js';

const SECTION = 'groups';

const API_NAMES: Record<number, string> = {
  [ApiKey.JOIN_GROUP]: 'JoinGroup',
  [ApiKey.SYNC_GROUP]: 'SyncGroup',
  [ApiKey.HEARTBEAT]: 'Heartbeat',
  [ApiKey.OFFSET_COMMIT]: 'OffsetCommit',
};

/** Undefined when every API is advertised (at ≥ min), else the reason to skip. */
async function missing(broker: BrokerProcess, needs: [apiKey: number, min: number][]): Promise<string | undefined> {
  const c = await BenchClient.connect(broker, 'bench-groups-probe');
  try {
    const absent = needs.filter(([k, min]) => !c.has(k, min)).map(([k, min]) => `${API_NAMES[k] ?? k}${min > 0 ? ` v${min}+` : ''}`);
    return absent.length > 0 ? `not implemented (${absent.join(', ')} not advertised)` : undefined;
  } finally {
    c.close();
  }
}

/** Runs one part; its failure is reported as a skip so the other parts still run. */
async function part(report: Report, name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    report.skip(SECTION, name, `failed: ${(err as Error).message}`);
  }
}

const GROUP_APIS: [number, number][] = [
  [ApiKey.JOIN_GROUP, 0],
  [ApiKey.SYNC_GROUP, 0],
  [ApiKey.HEARTBEAT, 0],
];

export async function runGroups(report: Report): Promise<void> {
  await withBroker({ settings: { 'group.initial.rebalance.delay.ms': 0 } }, async (broker) => {
    const noGroups = await missing(broker, GROUP_APIS);
    await part(report, 'failover total', async () => {
      if (noGroups) return report.skip(SECTION, 'failover total', noGroups);
      const r = await groupFailover(broker);
      const note = '2 members, 4 partitions, session 10 s, heartbeat 1 s';
      report.add({ section: SECTION, name: 'failover total', value: r.totalMs, unit: 'ms', better: 'lower', note });
      report.add({ section: SECTION, name: 'failover: detection (session expiry)', value: r.detectMs, unit: 'ms', better: 'lower', note: `kill → B's heartbeat gets REBALANCE_IN_PROGRESS; A's last heartbeat ${Math.round(r.sinceHeartbeatMs)} ms before the kill` });
      report.add({ section: SECTION, name: 'failover: rebalance (join + sync)', value: r.rebalanceMs, unit: 'ms', better: 'lower' });
      report.add({ section: SECTION, name: 'failover: first record from A\'s partition', value: r.firstRecordMs, unit: 'ms', better: 'lower', note: 'ListOffsets + long-poll Fetch' });
    });
    await part(report, 'join 50 members, delay 0', async () => {
      if (noGroups) return report.skip(SECTION, 'join 50 members, delay 0', noGroups);
      const r = await groupJoin(broker);
      report.add({ section: SECTION, name: 'join 50 members, delay 0', value: r.ms, unit: 'ms', better: 'lower', note: `200 partitions, stable at generation ${r.generation}` });
    });
    await part(report, 'offset commits, 1 partition/request', async () => {
      const reason = await missing(broker, [[ApiKey.OFFSET_COMMIT, 8]]);
      if (reason) return report.skip(SECTION, 'offset commits, 1 partition/request', reason);
      const r = await groupCommits(broker, 1, 20_000);
      report.add({ section: SECTION, name: 'offset commits, 1 partition/request', value: r.commitsPerSecond, unit: 'commit/s', better: 'higher', note: `${r.requests} requests, 64 in flight` });
    });
    await part(report, 'offset commits, 100 partitions/request', async () => {
      const reason = await missing(broker, [[ApiKey.OFFSET_COMMIT, 8]]);
      if (reason) return report.skip(SECTION, 'offset commits, 100 partitions/request', reason);
      const r = await groupCommits(broker, 100, 2_000);
      report.add({ section: SECTION, name: 'offset commits, 100 partitions/request', value: r.commitsPerSecond, unit: 'commit/s', better: 'higher', note: `${Math.round(r.requestsPerSecond).toLocaleString('en-US')} requests/s` });
    });
  });

  await withBroker({}, async (broker) => {
    const name = 'join 50 members, delay 3000 (default)';
    const noGroups = await missing(broker, GROUP_APIS);
    if (noGroups) return report.skip(SECTION, name, noGroups);
    await part(report, name, async () => {
      const r = await groupJoin(broker);
      report.add({ section: SECTION, name, value: r.ms, unit: 'ms', better: 'lower', note: `200 partitions, stable at generation ${r.generation}` });
    });
  });
}
