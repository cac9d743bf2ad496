import { Worker } from 'node:worker_threads';
import { CleanerThrottler } from './cleaner-throttler.js';
import type { FileSystem } from './file-system.js';
import { OffsetMap } from './offset-map.js';
import { type CleanTask, type CleanedGroup, CleaningAbortedError, type CleanerStats } from './clean-task.js';
import { SegmentCleaner } from './segment-cleaner.js';

/** One clean as handed to a runner: the task and the cleaner's resources for it. */
export interface CleanJob {
  task: CleanTask;
  /** Bytes of offset map for this clean (within this thread's share of the dedupe buffer). */
  mapBytes: number;
  loadFactor: number;
  ioBufferSize: number;
  /** This thread's share of log.cleaner.io.max.bytes.per.second. */
  bytesPerSecond: number;
}

export interface CleanOutcome {
  /** The first offset not cleaned. */
  endOffset: number;
  stats: CleanerStats;
  /** Bytes of the offset map the clean used. */
  mapBytes: number;
}

/**
 * Swaps a cleaned group in (on the main thread); false when the log changed under the clean, which
 * then stops.
 */
export type SwapGroup = (group: CleanedGroup) => boolean;

export interface RunningClean {
  /** Rejects with CleaningAbortedError when aborted or refused, or with the clean's own error. */
  readonly done: Promise<CleanOutcome>;
  /** Asks the clean to stop at its next check (it removes its `.cleaned` files). */
  abort(): void;
}

/** Where cleans run: a worker thread (the broker) or the calling thread (tests, tools). */
export interface CleanRunner {
  run(job: CleanJob, swap: SwapGroup): RunningClean;
  close(): Promise<void>;
}

/** Runs cleans on the calling thread, through an injected file system (unit and crash tests). */
export class InProcessRunner implements CleanRunner {
  constructor(private readonly fs: FileSystem) {}

  run(job: CleanJob, swap: SwapGroup): RunningClean {
    let aborted = false;
    const map = new OffsetMap(job.mapBytes);
    const cleaner = new SegmentCleaner({
      fs: this.fs,
      map,
      loadFactor: job.loadFactor,
      ioBufferSize: job.ioBufferSize,
      // Sleeps in short slices, so that an abort does not wait for a long throttle.
      throttler: new CleanerThrottler(job.bytesPerSecond, undefined, async (ms) => {
        for (const end = performance.now() + ms; !aborted && performance.now() < end; ) {
          await new Promise((res) => setTimeout(res, Math.min(50, end - performance.now())));
        }
      }),
      checkAborted: () => {
        if (aborted) throw new CleaningAbortedError();
      },
    });
    const done = (async () => {
      const endOffset = await cleaner.clean(job.task, async (group) => {
        if (aborted || !swap(group)) throw new CleaningAbortedError('the log changed during the clean');
      });
      return { endOffset, stats: cleaner.stats, mapBytes: map.bytes };
    })();
    return { done, abort: () => (aborted = true) };
  }

  async close(): Promise<void> {}
}

/** Messages between WorkerRunner and log-cleaner-worker.ts. */
export type ToWorker = { type: 'clean'; job: CleanJob; abort: SharedArrayBuffer } | { type: 'swapped'; ok: boolean };
export type FromWorker =
  | { type: 'group'; group: CleanedGroup }
  | { type: 'done'; outcome: CleanOutcome }
  | { type: 'aborted'; message: string }
  | { type: 'failed'; message: string; stack: string | undefined };

const WORKER_URL = new URL('./log-cleaner-worker.js', import.meta.url);

/** Raises the shared abort flag and wakes a worker sleeping on it (see the worker's throttle). */
function abortNow(flag: Int32Array): void {
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

/**
 * Runs cleans on a worker thread of its own (Kafka's CleanerThread), one at a time: decompressing,
 * hashing keys, rebuilding batches and computing CRCs never touch the event loop that serves
 * clients. The thread starts with the first clean and is kept for the next ones.
 */
export class WorkerRunner implements CleanRunner {
  private worker: Worker | undefined;
  private current: { settle: (m: FromWorker) => void; swap: SwapGroup; abortFlag: Int32Array; swapError?: unknown } | undefined;

  run(job: CleanJob, swap: SwapGroup): RunningClean {
    if (this.current) throw new Error('a clean is already running on this worker');
    const worker = this.ensureWorker();
    const shared = new SharedArrayBuffer(4);
    const abortFlag = new Int32Array(shared);
    const done = new Promise<CleanOutcome>((resolve, reject) => {
      const current: NonNullable<WorkerRunner['current']> = {
        swap,
        abortFlag,
        settle: (m) => {
          this.current = undefined;
          if (m.type === 'done') resolve(m.outcome);
          else if (m.type === 'aborted' && current.swapError !== undefined) reject(current.swapError);
          else if (m.type === 'aborted') reject(new CleaningAbortedError(m.message));
          else if (m.type === 'failed') reject(Object.assign(new Error(m.message), { stack: m.stack ?? m.message }));
        },
      };
      this.current = current;
    });
    worker.postMessage({ type: 'clean', job, abort: shared } satisfies ToWorker);
    return { done, abort: () => abortNow(abortFlag) };
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_URL);
    // A forgotten broker must not keep the process alive for its cleaner.
    worker.unref();
    worker.on('message', (m: FromWorker) => {
      const current = this.current;
      if (!current) return;
      if (m.type === 'group') {
        let ok = false;
        try {
          ok = Atomics.load(current.abortFlag, 0) === 0 && current.swap(m.group);
        } catch (err) {
          // Reported as the clean's outcome once the worker has stopped.
          current.swapError = err;
        }
        worker.postMessage({ type: 'swapped', ok } satisfies ToWorker);
        return;
      }
      current.settle(m);
    });
    const lost = (message: string): void => {
      if (this.worker === worker) this.worker = undefined;
      this.current?.settle({ type: 'failed', message, stack: undefined });
    };
    worker.on('error', (err) => lost(`cleaner thread failed: ${err.message}`));
    worker.on('exit', (code) => lost(`cleaner thread exited (code ${code})`));
    this.worker = worker;
    return worker;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (this.current) abortNow(this.current.abortFlag);
    if (worker) await worker.terminate();
  }
}
