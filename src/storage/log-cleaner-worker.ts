/**
 * The log cleaner's thread (see WorkerRunner): runs one SegmentCleaner clean at a time on the
 * files of a partition folder and reports each cleaned group for the main thread to swap in,
 * waiting for its answer before the next group. The main thread asks it to stop through a shared
 * flag, checked before every block read.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { CleanOutcome, FromWorker, ToWorker } from './cleaner-runner.js';
import { CleanerThrottler } from './cleaner-throttler.js';
import { nodeFileSystem } from './file-system.js';
import { OffsetMap } from './offset-map.js';
import { CleaningAbortedError } from './clean-task.js';
import { SegmentCleaner } from './segment-cleaner.js';

const port = parentPort;
if (!port) throw new Error('log-cleaner-worker.js runs as a worker thread');
lowerThreadPriority();

const CLEANER_NICE = 19;

let answer: ((ok: boolean) => void) | undefined;

function send(m: FromWorker): void {
  port!.postMessage(m);
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'swapped') {
    const settle = answer;
    answer = undefined;
    settle?.(m.ok);
    return;
  }
  void clean(m.job, new Int32Array(m.abort));
});

async function clean(job: Extract<ToWorker, { type: 'clean' }>['job'], abortFlag: Int32Array): Promise<void> {
  const map = new OffsetMap(job.mapBytes);
  const cleaner = new SegmentCleaner({
    fs: nodeFileSystem,
    map,
    loadFactor: job.loadFactor,
    ioBufferSize: job.ioBufferSize,
    // The thread has nothing else to do while throttled: it waits on the abort flag, so an
    // abort ends the wait at once.
    throttler: new CleanerThrottler(job.bytesPerSecond, undefined, async (ms) => {
      Atomics.wait(abortFlag, 0, 0, ms);
    }),
    checkAborted: () => {
      if (Atomics.load(abortFlag, 0) !== 0) throw new CleaningAbortedError();
    },
  });
  try {
    const endOffset = await cleaner.clean(job.task, async (group) => {
      const ok = await new Promise<boolean>((resolve) => {
        answer = resolve;
        send({ type: 'group', group });
      });
      if (!ok) throw new CleaningAbortedError('the log changed during the clean');
    });
    const outcome: CleanOutcome = { endOffset, stats: cleaner.stats, mapBytes: map.bytes };
    send({ type: 'done', outcome });
  } catch (err) {
    if (err instanceof CleaningAbortedError) send({ type: 'aborted', message: err.message });
    else send({ type: 'failed', message: (err as Error).message ?? String(err), stack: (err as Error).stack });
  }
}

/**
 * Lowers this thread's CPU priority to nice 19, as a background task should run: when cores are
 * short, the event loop that answers clients gets the CPU first; on a machine with a core to
 * spare the cleaner runs at full speed all the same, and under load compaction slows down
 * (log.cleaner.io.max.bytes.per.second bounds it further). Measured on the shared 2-core bench
 * machine, e2e latency at 10,000 msg/s beside a topic cleaned continuously (bench section
 * cleaner): p50 5.3-5.8 ms and p99 132-178 ms at nice 19, against 5.5-17.6 ms and 264-342 ms at
 * nice 0. On Linux a thread has its own nice value, set through its thread id (from
 * /proc/thread-self); elsewhere, or when that fails, the thread keeps the process's priority.
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0 && tid !== process.pid) setPriority(tid, CLEANER_NICE);
  } catch {
    // not Linux, or not allowed: run at the process's priority
  }
}
