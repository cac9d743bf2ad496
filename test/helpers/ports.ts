// Ports for brokers that restart on the same port. listen(0) hands out ports from the kernel's
// ephemeral range, the range client sockets also take their local ports from: once a broker
// stops, any client connecting anywhere (a kcat run, another test file's producer) may be given
// its port, and the restart then fails with EADDRINUSE. Ports below the ephemeral range are
// never handed out that way, so brokers that restart pick one there, at random, checked free.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && low > 11_000) return low;
  } catch {
    // not Linux: IANA's dynamic range starts at 49152
  }
  return 49_152;
}

const HIGHEST = ephemeralLow() - 1;
const LOWEST = Math.max(10_000, HIGHEST - 12_000);

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** A port below the ephemeral range that is free on `host` right now. */
export async function freePort(host = 'localhost'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST));
    if (await canListen(port, host)) return port;
  }
  throw new Error(`no free port in ${LOWEST}-${HIGHEST}`);
}
