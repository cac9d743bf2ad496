// Section "memory": half-received requests. 20 connections each announce a 100 MB frame and
// send 60 MB of it, then go away. Prints the broker's RSS before, at the peak and after they
// left, and how long an ApiVersions request on another connection took while they were
// attached (the broker must stay responsive to requests that fit in queued.max.request.bytes).
// Run with the default pool and with none (-1, Kafka's default) for comparison. Before the
// pool existed (and frames were a list of socket chunks) the figures were 73 MiB before,
// 1,201 MiB with the senders attached and 1,226 MiB after they left.
//
//   node dist/bench/memory.js [--set name=value ...]   (one scenario, e.g. to compare pools)
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { withBroker, type BrokerProcess } from './broker-process.js';
import { Report } from './report.js';
import { WireClient } from '../src/client/wire-client.js';

const SECTION = 'memory';
const CONNECTIONS = 20;
const ANNOUNCED = 100 * 1000 * 1000;
const SENT = 60 * 1000 * 1000;
const CHUNK = 1 << 20;
/** A sender that made no progress this long is taken to be blocked by the broker. */
const STALL_MS = 3000;

/** Sends the size prefix and up to `SENT` bytes; resolves with the bytes the kernel took. */
function sendPartial(port: number): Promise<{ socket: Socket; sent: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunk = Buffer.alloc(CHUNK, 7);
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const stalled = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => resolve({ socket, sent }), STALL_MS);
    };
    socket.once('error', reject);
    socket.once('connect', () => {
      const head = Buffer.alloc(4);
      head.writeInt32BE(ANNOUNCED, 0);
      socket.write(head);
      const pump = (): void => {
        while (sent < SENT) {
          const n = Math.min(CHUNK, SENT - sent);
          const ok = socket.write(n === CHUNK ? chunk : chunk.subarray(0, n), () => stalled());
          sent += n;
          if (!ok) {
            socket.once('drain', pump);
            stalled();
            return;
          }
        }
        socket.write(Buffer.alloc(0), () => {
          clearTimeout(timer);
          resolve({ socket, sent });
        });
      };
      pump();
    });
  });
}

async function apiVersionsMs(broker: BrokerProcess): Promise<number> {
  const c = await WireClient.connect(broker.host, broker.port);
  try {
    const t = performance.now();
    await c.request(18, 3, { clientSoftwareName: 'bench', clientSoftwareVersion: '1' });
    return performance.now() - t;
  } finally {
    c.close();
  }
}

export async function runMemory(report: Report): Promise<void> {
  await scenario(report, {}, '');
  await scenario(report, { 'queued.max.request.bytes': '-1' }, ', no pool');
}

async function scenario(report: Report, settings: Record<string, string>, label: string): Promise<void> {
  await withBroker({ settings }, async (broker) => {
    await apiVersionsMs(broker);
    const before = broker.memory();
    const attackers = await Promise.all(Array.from({ length: CONNECTIONS }, () => sendPartial(broker.port)));
    const during = broker.memory();
    const responsive = await Promise.race([apiVersionsMs(broker), sleep(10_000).then(() => Infinity)]);
    const received = attackers.reduce((n, a) => n + a.sent, 0);
    for (const a of attackers) a.socket.destroy();
    await sleep(3000);
    const after = broker.memory();
    if (!before || !during || !after) {
      report.skip(SECTION, 'RSS', 'no /proc on this system');
      return;
    }
    const note = `${CONNECTIONS} connections × 60 of 100 MB`;
    report.add({ section: SECTION, name: `RSS before${label}`, value: before.rssMiB, unit: 'MiB', better: 'lower' });
    report.add({ section: SECTION, name: `peak RSS with half-received requests${label}`, value: Math.max(during.rssMiB, during.peakMiB), unit: 'MiB', better: 'lower', note });
    report.add({ section: SECTION, name: `RSS 3 s after they left${label}`, value: after.rssMiB, unit: 'MiB', better: 'lower' });
    report.add({ section: SECTION, name: `bytes the senders got out${label}`, value: received / 1e6, unit: 'MB', better: 'lower', note: 'into socket buffers or the broker' });
    report.add({ section: SECTION, name: `ApiVersions during the attack${label}`, value: responsive, unit: 'ms', better: 'lower' });
  });
}

if (process.argv[1]?.endsWith('memory.js')) {
  const settings: Record<string, string> = {};
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '--set') continue;
    const [k, v] = (args[++i] ?? '').split('=');
    settings[k] = v;
  }
  await scenario(new Report(), settings, '');
  process.exit(0);
}
