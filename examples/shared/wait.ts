// Waiting for a distributed system to get somewhere: poll a condition, fail with a description
// when it does not hold in time. Returns how long it took (ms), which is often the figure.
export async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000, state?: () => unknown): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await cond()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state ? `: ${JSON.stringify(state())}` : ''}`);
    }
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
