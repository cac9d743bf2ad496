// Runs numbered operations with a fixed window in flight on one connection, bounded in count
// and in time: the shape of a pipelining client (Kafka allows several requests in flight).

export interface PipelineResult {
  /** Operations that finished. */
  completed: number;
  /** From the first launch to the last completion. */
  seconds: number;
}

export function pipeline(
  opts: { count: number; window: number; maxMs: number },
  op: (i: number) => Promise<void>,
): Promise<PipelineResult> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const deadline = start + opts.maxMs;
    let next = 0;
    let inFlight = 0;
    let completed = 0;
    let failed = false;
    const launch = (): void => {
      while (!failed && inFlight < opts.window && next < opts.count && performance.now() < deadline) {
        const i = next++;
        inFlight++;
        op(i).then(
          () => {
            inFlight--;
            completed++;
            launch();
          },
          (err: unknown) => {
            failed = true;
            reject(err instanceof Error ? err : new Error(String(err)));
          },
        );
      }
      if (!failed && inFlight === 0) resolve({ completed, seconds: (performance.now() - start) / 1000 });
    };
    launch();
  });
}
