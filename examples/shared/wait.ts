// Waiting for a distributed system to get somewhere: poll a condition, fail with a description
// when it does not hold in time. Returns how long it took (ms), which is often the figure.
/** Services that stopped on an error; a wait gives up at once when one has. */
const failures: string[] = [];

export function reportFailure(service: string, err: unknown): void {
  failures.push(`${service}: ${(err as Error).message ?? String(err)}`);
}

export async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000, state?: () => unknown): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await cond()) return performance.now() - started;
    if (failures.length > 0) throw new Error(`while waiting for ${what}, a service failed: ${failures.splice(0).join('; ')}`);
    if (performance.now() - started > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state ? `: ${JSON.stringify(state())}` : ''}`);
    }
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
