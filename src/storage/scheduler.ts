/**
 * Delayed background work of the storage layer (Kafka's KafkaScheduler.scheduleOnce), injectable
 * so that tests run the tasks when they choose instead of waiting: deleting a segment's files
 * file.delete.delay.ms after it left the log.
 */
export interface Scheduler {
  /** Runs `task` once, `delayMs` from now; the returned function cancels it if it has not run. */
  scheduleOnce(delayMs: number, task: () => void): () => void;
}

/** Timers that do not keep the process alive: a stopped broker runs what is left at close. */
export const timerScheduler: Scheduler = {
  scheduleOnce(delayMs, task) {
    // setTimeout holds at most 2^31-1 ms; file.delete.delay.ms may be larger ("never", in effect).
    const timer = setTimeout(task, Math.min(Math.max(0, delayMs), 0x7fffffff));
    timer.unref();
    return () => clearTimeout(timer);
  },
};
