/**
 * Kafka's fetch purgatory, reduced to what one node needs: a fetch that has fewer than
 * min.bytes parks here and is woken by appends to any partition it reads (never by polling),
 * or by its max.wait.ms timer, whichever comes first.
 */
export interface AppendWatchable {
  readonly appendWatchers: Set<(bytes: number) => void>;
}

export function waitForAppends(partitions: readonly AppendWatchable[], bytesNeeded: number, maxWaitMs: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (): void => {
      clearTimeout(timer);
      for (const p of partitions) p.appendWatchers.delete(onAppend);
      resolve();
    };
    const onAppend = (bytes: number): void => {
      seen += bytes;
      if (seen >= bytesNeeded) finish();
    };
    // Unref'd: a parked fetch (max.wait.ms is the client's to choose, up to ~24 days) must not
    // keep a stopped broker's process alive; while the broker listens, its server does.
    const timer = setTimeout(finish, maxWaitMs);
    timer.unref();
    for (const p of partitions) p.appendWatchers.add(onAppend);
  });
}
