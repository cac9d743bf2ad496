// Polling for end-to-end tests: wait until a condition holds, failing with a description (and
// whatever state the caller reports) when it does not within the time given.
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000, state?: () => unknown): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) {
      const detail = state ? `: ${JSON.stringify(state())}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
